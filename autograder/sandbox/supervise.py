"""Run one submitted notebook to raw outcomes: the trusted supervisor.

:func:`run_job` copies the student's folder to a private temporary folder,
starts the worker (:mod:`autograder.sandbox.worker`) in the sandbox and
follows its event stream (:mod:`autograder.sandbox.protocol`) with deadlines.
When the worker dies or hangs inside a cell or a test, the supervisor kills
its process group, records the culprit's status (``crash``, ``timeout``,
``oom``) and starts a fresh worker that skips the culprit (cells rerun, since
their state died with the process; finished tests do not), so one bad cell or
test costs only itself.  The total wall time of a notebook, restarts included,
is bounded by ``Limits.total_timeout``.

It returns a :class:`RawResult`: plain data and numpy arrays read back with
``allow_pickle=False``.  Nothing in it is trusted: :mod:`autograder.evaluate`
decides.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..installation import matplotlib_fonts
from ..policy import FORBIDDEN
from ..settings import POLICY, Limits
from . import launch, protocol
from .payload import load_payload
from .protocol import Job

__all__ = ["RawResult", "copy_submission", "run_job"]

WORKER_PACKAGE = Path(__file__).resolve().parent
_MAX_EVENT_LINE = 1 << 20
_COPY_LIMIT = 200 * 1024**2  # a submission folder larger than this is not copied whole
# where IPython's %%cython keeps its builds, inside the submission's copy
CYTHON_DIR = Path(".cs_conv", "cache", "ipython", "cython")


@dataclass
class RawResult:
    """What one notebook's workers reported; untrusted data."""

    student: str
    assignment: str
    notebook: str
    sandbox: str
    cells: dict = field(default_factory=dict)  # index -> {status, error, seconds, output}
    tests: dict = field(default_factory=dict)  # grade_id -> {status, error, payload, ...}
    patched: dict = field(default_factory=dict)
    restarts: int = 0
    wall_seconds: float = 0.0
    fatal: str | None = None
    submission_hash: str = ""


def copy_submission(src: str, dst: Path) -> None:
    """Copy a submission folder (or a flat layout's notebook alone) to ``dst``.

    Links, fifos, sockets, devices, checkpoints and our own scratch folder are
    left out, and so is everything past 200 MiB.
    """
    if os.path.isfile(src):  # flat layout: the notebook alone
        dst.mkdir()
        shutil.copy(src, dst / os.path.basename(src))
        return
    total = 0

    def ignore(folder, names):
        nonlocal total
        skipped = []
        for n in names:
            p = os.path.join(folder, n)
            if n in (".ipynb_checkpoints", ".cs_conv") or os.path.islink(p):
                skipped.append(n)
            elif os.path.isfile(p):
                total += os.path.getsize(p)
                if total > _COPY_LIMIT:
                    skipped.append(n)
            elif not os.path.isdir(p):  # a fifo, socket or device: copying it fails or blocks
                skipped.append(n)
        return skipped

    shutil.copytree(src, dst, ignore=ignore)


_MODULE = re.compile(
    r"^(_cython_magic_[0-9a-f]{64}(\.cpython-[\w-]+\.so|\.html)|typing-[0-9a-f]{64}\.json)$"
)


def _export_modules(built: Path, dest: Path) -> None:
    """Copy the compiled ``%%cython`` modules (with annotations and typing verdicts),
    nothing else."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in built.iterdir():
        if _MODULE.match(p.name) and p.is_file() and not p.is_symlink():
            shutil.copyfile(p, dest / p.name)


def _chown_tree(root: Path, uid: int | None) -> None:
    if uid is None:
        return
    for folder, _dirs, files in os.walk(root):
        os.chown(folder, uid, uid)
        for n in files:
            os.chown(os.path.join(folder, n), uid, uid)


class _Events:
    """Reads the worker's events from its pipe with a deadline."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(fd, selectors.EVENT_READ)
        self.eof = False

    def next(self, deadline):
        """The next well-formed event, ``None`` at end of stream, or ``"deadline"``."""
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1 :]
                event = protocol.decode(line)
                if event is not None:
                    return event
                continue  # noise, or a forged or garbled event, from the student's code
            if self.eof:
                return None
            timeout = deadline - time.monotonic()
            if timeout <= 0 or not self.sel.select(timeout):
                return "deadline"
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.eof = True
            self.buf += chunk
            if len(self.buf) > _MAX_EVENT_LINE and b"\n" not in self.buf:
                self.buf = b""  # a flood without newlines: drop it

    def close(self):
        self.sel.close()
        os.close(self.fd)


def run_job(job: Job, slot: int = 0, workdir: str | None = None) -> RawResult:
    """Run one notebook in the sandbox; ``slot`` picks a preferred uid."""
    kind = launch.detect_kind(job.sandbox)
    with launch.reserve_uid(slot, kind) as uid:
        return _Supervisor(job, uid, kind).run(workdir)


def _stage_worker(jobdir: Path) -> None:
    """The worker's code in its job folder: ``run_worker.py`` and the ``sandbox`` package
    (its ``__init__``, the protocol and the worker; nothing trusted)."""
    pkg = jobdir / "sandbox"
    (pkg / "worker").mkdir(parents=True)
    for name in ("__init__.py", "protocol.py"):
        shutil.copyfile(WORKER_PACKAGE / name, pkg / name)
    for p in (WORKER_PACKAGE / "worker").glob("*.py"):
        shutil.copyfile(p, pkg / "worker" / p.name)
    shutil.copyfile(WORKER_PACKAGE / "worker" / "launcher.py", jobdir / "run_worker.py")


@dataclass
class _Step:
    """The step a worker announced and has not finished: ``("cell", i)`` or ``("test", id)``."""

    what: str = ""
    ident: object = None


class _Supervisor:
    """One notebook: workers started until nothing is left to run, or the budget is gone."""

    def __init__(self, job: Job, uid, kind: str):
        self.job, self.uid, self.kind = job, uid, kind
        self.limits = Limits.from_dict(job.limits)
        self.res = RawResult(
            job.student, job.assignment, job.notebook, kind, submission_hash=job.submission_hash
        )
        self.skip_cells: set[int] = set()
        self.done_tests: set[str] = set()

    def run(self, workdir) -> RawResult:
        t_start = time.monotonic()
        self.end_total = t_start + self.limits.total_timeout
        base = Path(tempfile.mkdtemp(prefix="cs-conv-", dir=workdir))
        try:
            self._prepare(base)
            while True:
                budget = self.end_total - time.monotonic()
                if budget <= 0 or self.res.restarts > self.limits.max_restarts:
                    self._give_up("total time limit" if budget <= 0 else "too many crashes")
                    break
                if self._run_once(base):
                    break
                self.res.restarts += 1
            built = base / "sub" / CYTHON_DIR
            if self.job.export_cache and built.is_dir():
                _export_modules(built, Path(self.job.export_cache))
        finally:
            launch.kill_leftovers(self.uid)
            shutil.rmtree(base, ignore_errors=True)
        self.res.wall_seconds = round(time.monotonic() - t_start, 3)
        return self.res

    def _prepare(self, base: Path) -> None:
        os.chmod(base, 0o711)
        sub, jobdir, out = base / "sub", base / "job", base / "out"
        copy_submission(self.job.sub_dir, sub)
        # IPython builds %%cython cells in $XDG_CACHE_HOME/ipython/cython only if that
        # folder is writable (else in $IPYTHONDIR): make it exist, always the same
        lib_dir = sub / CYTHON_DIR
        lib_dir.mkdir(parents=True)
        (sub / ".cs_conv" / "home").mkdir()
        if any("matplotlib" in c.source for c in self.job.cells):
            (sub / ".cs_conv" / "mpl").mkdir()
            for f in matplotlib_fonts():
                shutil.copyfile(f, sub / ".cs_conv" / "mpl" / f.name)
        if self.job.cython_cache and os.path.isdir(self.job.cython_cache):
            shutil.copytree(self.job.cython_cache, lib_dir, dirs_exist_ok=True)
        jobdir.mkdir()
        out.mkdir()
        _stage_worker(jobdir)
        _chown_tree(sub, self.uid)
        _chown_tree(out, self.uid)

    def _give_up(self, why: str) -> None:
        status = "timeout" if why == "total time limit" else "crash"
        for t in self.job.tests:
            if t.grade_id not in self.done_tests:
                self.res.tests[t.grade_id] = {
                    "status": status,
                    "error": f"not run: {why} for this notebook",
                }

    def _worker_job(self, out_dir: str) -> protocol.WorkerJob:
        lim = self.limits
        return protocol.WorkerJob(
            cells=self.job.cells,
            tests=self.job.tests,
            skip_cells=tuple(sorted(self.skip_cells)),
            skip_tests=tuple(sorted(self.done_tests)),
            cell_timeout=lim.cell_timeout,
            test_timeout=lim.test_timeout,
            out_dir=out_dir,
            compile_only=self.job.compile_only,
            uid=self.uid,
            # bwrap has its own network namespace; a plain worker makes one if it can
            isolate_network=self.kind == "plain",
            forbidden=FORBIDDEN,
            allowed=POLICY.allowed,
            hidden_modules=launch.reference_mask().hidden_modules if self.kind == "bwrap" else (),
            rlimits={"memory": lim.memory, "cpu": lim.cpu, "nproc": lim.nproc, "fsize": lim.fsize},
            max_payload=lim.max_payload,
        )

    def _run_once(self, base: Path) -> bool:
        """One worker process; ``True`` when there is nothing left to run."""
        sub, jobdir, out = base / "sub", base / "job", base / "out"
        r, w = os.pipe()
        argv, extra = launch.build_command(
            self.kind, sub_dir=sub, job_dir=jobdir, out_dir=out, event_fd=w,
            tmp_size=self.limits.tmp_size,
        )  # fmt: skip
        (jobdir / "job.json").write_text(self._worker_job(extra["paths"]["out"]).to_json())
        with open(base / "stderr.txt", "wb") as err:
            try:
                proc = launch.launch(argv, extra, w, stderr=err)
            finally:
                os.close(w)
        events = _Events(r)
        step, state = _Step(), {"ready": False, "done": False, "timed_out": False}
        try:
            self._follow(events, proc, out, step, state)
        finally:
            events.close()
            returncode = self._reap(proc, state["timed_out"])
        if state["done"]:
            return True
        return self._after_death(base, returncode, step, state)

    def _follow(self, events, proc, out: Path, step: _Step, state: dict) -> None:
        """Act on the worker's events until it ends or misses a deadline.

        Only the start of a step, the end of the step announced and ``ready``/
        ``done`` move the deadline: other events (the student's code can forge
        any) never extend it, and the notebook's total time bounds everything.
        """
        lim = self.limits
        deadline = time.monotonic() + lim.startup_timeout
        while True:
            ev = events.next(min(deadline, self.end_total))
            if ev == "deadline":
                state["timed_out"] = True
                launch.kill_group(proc)
                return
            if ev is None:
                return
            now = time.monotonic()
            if isinstance(ev, protocol.Ready):
                state["ready"] = True
                deadline = now + lim.startup_timeout
            elif isinstance(ev, protocol.Fatal):
                self.res.fatal = ev.error[:2000]
            elif isinstance(ev, protocol.CellStart):
                step.what, step.ident = "cell", ev.i
                deadline = now + lim.cell_timeout + lim.grace
            elif isinstance(ev, protocol.TestStart):
                step.what, step.ident = "test", ev.id
                deadline = now + lim.test_timeout + lim.grace
            elif isinstance(ev, protocol.CellEnd) and (step.what, step.ident) == ("cell", ev.i):
                self.res.cells[ev.i] = {
                    "status": ev.status, "error": ev.error, "seconds": ev.seconds,
                    "output": ev.output,
                }  # fmt: skip
                step.what = ""
                deadline = now + lim.startup_timeout
            elif isinstance(ev, protocol.TestEnd) and (step.what, step.ident) == ("test", ev.id):
                self.res.tests[ev.id] = self._test_entry(ev, out)
                self.done_tests.add(ev.id)
                step.what = ""
                deadline = now + lim.startup_timeout
            elif isinstance(ev, protocol.Integrity):
                self.res.patched = ev.patched
            elif isinstance(ev, protocol.Done):
                state["done"] = True
                deadline = now + lim.grace

    def _test_entry(self, ev: protocol.TestEnd, out: Path) -> dict:
        entry = {
            "status": ev.status,
            "error": ev.error,
            "seconds": ev.seconds,
            "origins": ev.origins,
            "reference_calls": ev.reference_calls,
            "hook_removed": ev.hook_removed,
        }
        if ev.status == "ok":
            entry["payload"], problem = load_payload(out / ev.dir, limit=self.limits.max_payload)
            if problem:
                entry.update(status="error", error=problem)
        return entry

    def _reap(self, proc, timed_out: bool):
        """The worker's exit status (the signal that killed it); its whole group killed."""
        if timed_out:
            launch.kill_group(proc)
        try:
            returncode = proc.wait(timeout=self.limits.grace)
        except Exception:
            launch.kill_group(proc)
            returncode = proc.wait()
        launch.kill_group(proc)
        return returncode

    def _after_death(self, base: Path, returncode, step: _Step, state: dict) -> bool:
        """The worker ended without ``done``: blame its step, or end the notebook."""
        status, message = launch.classify_exit(returncode, timed_out=state["timed_out"])
        if not step.what:
            if not state["ready"]:
                stderr = (base / "stderr.txt").read_text(errors="replace")[-1500:]
                self.res.fatal = self.res.fatal or f"the worker did not start: {message}\n{stderr}"
                crash = {"status": "crash", "error": self.res.fatal}
                for t in self.job.tests:
                    self.res.tests.setdefault(t.grade_id, dict(crash))
                return True
            # died between steps: every test that finished is kept, the rest rerun
            return all(t.grade_id in self.done_tests for t in self.job.tests)
        if step.what == "cell":
            self.skip_cells.add(step.ident)
            self.res.cells[step.ident] = {"status": status, "error": message, "killed": True}
        else:
            self.done_tests.add(step.ident)
            self.res.tests[step.ident] = {"status": status, "error": message, "killed": True}
        return False
