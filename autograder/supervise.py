"""Step: run one submitted notebook to raw outcomes (the trusted supervisor).

:func:`run_job` copies the student's folder to a private temporary folder,
starts :mod:`autograder.worker` in the sandbox and follows its event stream
with deadlines.  When the worker dies or hangs inside a cell or a test, the
supervisor kills its process group, records the culprit's status (``crash``,
``timeout``, ``oom``) and starts a fresh worker that skips the culprit (cells
rerun, since their state died with the process; finished tests do not), so
one bad cell or test costs only itself.  The total wall time of a notebook,
restarts included, is bounded by ``Limits.total_timeout``.

It returns a :class:`RawResult`: plain data and numpy arrays read back with
``allow_pickle=False``.  Nothing in it is trusted: :mod:`autograder.evaluate`
decides.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import policy, sandbox
from .payload import load_payload

__all__ = ["Job", "RawResult", "run_job"]

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
_MAX_EVENT_LINE = 1 << 20
_COPY_LIMIT = 200 * 1024**2  # a submission folder larger than this is not copied whole


@dataclass
class Job:
    """One notebook of one student, as the trusted side prepared it."""

    student: str
    assignment: str
    notebook: str  # notebook name without .ipynb
    sub_dir: str  # the student's folder (copied, never bound)
    cells: list  # [{"index": i, "source": str}] code cells to run, in order
    tests: list  # [{"grade_id", "checker", "functions", "stage", "key"}]
    limits: dict = field(default_factory=dict)
    sandbox: str = "auto"
    submission_hash: str = ""
    cython_cache: str = ""  # a trusted folder of compiled %%cython modules to start from
    export_cache: str = ""  # copy the compiled modules here afterwards (compile-only jobs)
    compile_only: bool = False  # build %%cython cells, never import (run) them


@dataclass
class RawResult:
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


def _copy_submission(src: str, dst: Path) -> None:
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


_MODULE = re.compile(r"^_cython_magic_[0-9a-f]{64}(\.cpython-[\w-]+\.so|\.html)$")


def _export_modules(built: Path, dest: Path) -> None:
    """Copy the compiled ``%%cython`` modules (and annotations), nothing else."""
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


def _well_formed(ev) -> bool:
    """An event the supervisor can act on: the student's code shares the
    worker's channel, so anything else (wrong types, unhashable ids) is noise."""
    if not isinstance(ev, dict) or not isinstance(ev.get("ev"), str):
        return False
    if "i" in ev and (type(ev["i"]) is not int or ev["i"] < 0):
        return False
    return "id" not in ev or type(ev["id"]) is str


class _Events:
    """Reads JSON lines from the worker's event pipe with a deadline."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(fd, selectors.EVENT_READ)
        self.eof = False

    def next(self, deadline):
        """The next event, ``None`` at end of stream, or ``"deadline"``."""
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1 :]
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue  # noise written to our channel by the student
                if _well_formed(ev):
                    return ev
                continue  # a forged or garbled event: ignore it like noise
            if self.eof:
                return None
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                return "deadline"
            if not self.sel.select(timeout):
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
    kind = sandbox.detect_kind(job.sandbox)
    with sandbox.reserve_uid(slot, kind) as uid:
        return _run_job(job, uid, kind, workdir)


def _run_job(job, uid, kind, workdir) -> RawResult:
    limits = sandbox.Limits(**job.limits)
    res = RawResult(
        job.student, job.assignment, job.notebook, kind, submission_hash=job.submission_hash
    )
    t_start = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="cs-conv-", dir=workdir))
    try:
        os.chmod(base, 0o711)
        sub, jobdir, out = base / "sub", base / "job", base / "out"
        _copy_submission(job.sub_dir, sub)
        # IPython builds %%cython cells in $XDG_CACHE_HOME/ipython/cython only if that
        # folder is writable (else in $IPYTHONDIR): make it exist, always the same
        lib_dir = sub / ".cs_conv" / "cache" / "ipython" / "cython"
        lib_dir.mkdir(parents=True)
        (sub / ".cs_conv" / "home").mkdir()
        if job.cython_cache and os.path.isdir(job.cython_cache):
            shutil.copytree(job.cython_cache, lib_dir, dirs_exist_ok=True)
        jobdir.mkdir()
        out.mkdir()
        shutil.copy(WORKER_SCRIPT, jobdir / "worker.py")
        _chown_tree(sub, uid)
        _chown_tree(out, uid)
        skip_cells: set[int] = set()
        done_tests: set[str] = set()
        test_ids = [t["grade_id"] for t in job.tests]
        while True:
            budget = limits.total_timeout - (time.monotonic() - t_start)
            if budget <= 0 or res.restarts > limits.max_restarts:
                why = "total time limit" if budget <= 0 else "too many crashes"
                for gid in test_ids:
                    if gid not in done_tests:
                        res.tests[gid] = {"status": "timeout" if budget <= 0 else "crash"}
                        res.tests[gid]["error"] = f"not run: {why} for this notebook"
                break
            finished = _run_once(job, limits, kind, uid, base, skip_cells, done_tests, res, t_start)
            if finished:
                break
            res.restarts += 1
        built = base / "sub" / ".cs_conv" / "cache" / "ipython" / "cython"
        if job.export_cache and built.is_dir():
            _export_modules(built, Path(job.export_cache))
    finally:
        sandbox.kill_leftovers(uid)
        shutil.rmtree(base, ignore_errors=True)
    res.wall_seconds = round(time.monotonic() - t_start, 3)
    return res


def _run_once(job, limits, kind, uid, base, skip_cells, done_tests, res, t_start) -> bool:
    """One worker process; ``True`` when there is nothing left to run."""
    sub, jobdir, out = base / "sub", base / "job", base / "out"
    r, w = os.pipe()
    argv, extra = sandbox.build_command(
        kind, sub_dir=sub, job_dir=jobdir, out_dir=out, event_fd=w, tmp_size=limits.tmp_size
    )
    spec = {
        "cells": job.cells,
        "tests": job.tests,
        "skip_cells": sorted(skip_cells),
        "skip_tests": sorted(done_tests),
        "cell_timeout": limits.cell_timeout,
        "test_timeout": limits.test_timeout,
        "out_dir": extra["paths"]["out"],
        "compile_only": job.compile_only,
        "uid": uid,
        # bwrap has its own network namespace; a plain worker makes one if it can
        "isolate_network": kind == "plain",
        # what the worker's reference watch counts as forbidden
        "policy": {"forbidden": list(policy.FORBIDDEN), "allowed": list(policy.ALLOWED)},
        "limits": {
            "memory": limits.memory,
            "cpu": limits.cpu,
            "nproc": limits.nproc,
            "fsize": limits.fsize,
        },
    }
    (jobdir / "job.json").write_text(json.dumps(spec))
    with open(base / "stderr.txt", "wb") as err:
        try:
            proc = sandbox.launch(argv, extra, w, stderr=err)
        finally:
            os.close(w)
    events = _Events(r)
    current = None  # ("cell", i) or ("test", gid)
    timed_out = False
    ready = False
    done = False
    end_total = t_start + limits.total_timeout
    step_deadline = time.monotonic() + limits.startup_timeout
    try:
        while True:
            ev = events.next(min(step_deadline, end_total))
            if ev == "deadline":
                timed_out = True
                sandbox.kill_group(proc)
                break
            if ev is None:
                break
            kind_ = ev["ev"]
            now = time.monotonic()
            if kind_ == "ready":
                ready = True
                step_deadline = now + limits.startup_timeout
            elif kind_ == "fatal":
                res.fatal = str(ev.get("error"))[:2000]
            elif kind_ == "cell_start":
                current = ("cell", ev.get("i"))
                step_deadline = now + limits.cell_timeout + limits.grace
            elif kind_ == "test_start":
                current = ("test", ev.get("id"))
                step_deadline = now + limits.test_timeout + limits.grace
            elif kind_ == "cell_end" and current == ("cell", ev.get("i")):
                res.cells[ev["i"]] = _pick(ev, "status", "error", "seconds", "output")
                current = None
                step_deadline = now + limits.startup_timeout
            elif kind_ == "test_end" and current == ("test", ev.get("id")):
                gid = ev["id"]
                entry = _pick(
                    ev, "status", "error", "seconds", "origins", "reference_calls", "hook_removed"
                )
                if entry.get("status") == "ok":
                    entry["payload"], problem = load_payload(out / str(ev.get("dir", "")))
                    if problem:
                        entry.update(status="error", error=problem)
                res.tests[gid] = entry
                done_tests.add(gid)
                current = None
                step_deadline = now + limits.startup_timeout
            elif kind_ == "integrity":
                res.patched = ev.get("patched") or {}
            elif kind_ == "done":
                done = True
                step_deadline = now + limits.grace
    finally:
        events.close()
        if timed_out:
            sandbox.kill_group(proc)
        try:  # its own exit status first (the signal that killed it), then the rest of the group
            returncode = proc.wait(timeout=limits.grace)
        except Exception:
            sandbox.kill_group(proc)
            returncode = proc.wait()
        sandbox.kill_group(proc)
    if done:
        return True
    status, message = sandbox.classify_exit(returncode, timed_out=timed_out)
    if current is None:
        if not ready:
            stderr = (base / "stderr.txt").read_text(errors="replace")[-1500:]
            res.fatal = res.fatal or f"the worker did not start: {message}\n{stderr}"
            for t in job.tests:
                res.tests.setdefault(t["grade_id"], {"status": "crash", "error": res.fatal})
            return True
        # died between steps: every test that finished is kept, the rest rerun
        return all(t["grade_id"] in done_tests for t in job.tests)
    what, ident = current
    if what == "cell":
        skip_cells.add(ident)
        res.cells[ident] = {"status": status, "error": message, "killed": True}
    else:
        done_tests.add(ident)
        res.tests[ident] = {"status": status, "error": message, "killed": True}
    return False


def _pick(ev, *keys):
    return {k: ev.get(k) for k in keys if k in ev}
