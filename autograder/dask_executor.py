"""Step 5, scaled out: the same :class:`~autograder.executor.Executor` on a Dask cluster.

``DaskExecutor(spec)`` runs ``fn(task, slot)`` for each task as one Dask task
(``pure=False``) and yields ``(task, result)`` as they finish, like
:class:`~autograder.executor.LocalPoolExecutor`.  ``spec`` is a scheduler
address (``tcp://host:8786``), a scheduler file (``scheduler.json``),
``local:N`` (a :class:`distributed.LocalCluster` of N single-threaded worker
processes, no dashboard, closed with the executor), a ``Cluster`` (e.g. a
dask-jobqueue ``SLURMCluster``) or a ``Client``.

What runs where
    On the Dask worker: the trusted supervisor (:func:`autograder.supervise.run_job`),
    which starts the sandboxed worker process there (limits, timeouts, kill of
    the process group) and reads its outcomes back the safe way
    (``allow_pickle=False``).  Only that supervisor's :class:`RawResult` (plain
    data and numeric arrays) travels back; nothing the student's process wrote
    is ever unpickled.  Evaluation against the reference and the single
    writer of grades stay in the client (:mod:`autograder.pipeline`).

Files
    Workers need not share a filesystem with the client: a job's submission
    folder (read here by the same rules as the local copy), the shared cache
    of compiled ``%%cython`` modules (scattered once) and the modules a
    compile-only job exports travel with the tasks and are staged in the
    Dask worker's local directory.

Slots
    ``slot`` only picks a *preferred* sandbox uid; on each Dask worker process
    it is the smallest slot free among that process's running tasks, and
    :func:`autograder.sandbox.reserve_uid` (an ``flock`` per uid on that
    machine) makes the uid unique machine-wide, so two Dask worker processes
    on one machine never share one.

Failures
    A student's crash, timeout or OOM is a *result* of ``run_job``, not an
    exception, so Dask never retries it.  A lost Dask worker (killed, OOM,
    preempted node) is handled by the scheduler, which reschedules the tasks
    it was running (up to ``distributed.scheduler.allowed-failures`` times,
    default 3; ``retries=`` of ``submit`` only concerns exceptions, which here
    are grader bugs, so it is 0).  A task that still fails with
    ``KilledWorker``, or is cancelled, is not a grade: it is not yielded,
    every other task goes on, and :class:`TasksLost` is raised at the end;
    what finished is already stored, and a rerun grades the rest.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["ClusterError", "DaskExecutor", "TasksLost", "open_executor"]

INSTALL_HINT = "grading on Dask needs dask.distributed: pip install 'cs_conv[dask]'"

# For the LocalCluster of ``local:N``; recommended for a scheduler started by hand too
# (``DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0``).  A task takes seconds, so a
# worker holds only the task it runs: none waits behind a slow one while another
# worker is idle, and a worker that dies takes no queued bystander down with it.
LOCAL_CONFIG = {"distributed.scheduler.worker-saturation": 1.0}


class ClusterError(RuntimeError):
    """The cluster cannot grade as this machine would (the CLI prints it and exits 1)."""


class TasksLost(ClusterError):
    """Some tasks got no result (workers kept dying, or the cluster went away)."""

    def __init__(self, lost: list[tuple[Any, BaseException]]):
        self.lost = lost
        names = ", ".join(_label(t) for t, _ in lost[:10]) + (" ..." if len(lost) > 10 else "")
        why = f"{type(lost[0][1]).__name__}: {lost[0][1]}" if lost else ""
        super().__init__(
            f"{len(lost)} submission(s) got no result from the cluster ({why}); not graded: "
            f"{names}. Everything else is stored: run the same command again to grade the rest."
        )


def _label(task) -> str:
    student, notebook = getattr(task, "student", None), getattr(task, "notebook", None)
    return f"{student}/{notebook}" if student is not None else repr(task)[:60]


# -- the worker side ---------------------------------------------------------

_slot_lock = threading.Lock()
_busy: set[int] = set()
_caches: dict[str, str] = {}  # digest -> staged folder, per worker process
_cache_lock = threading.Lock()


@contextlib.contextmanager
def _worker_slot():
    with _slot_lock:
        k = 0
        while k in _busy:
            k += 1
        _busy.add(k)
    try:
        yield k
    finally:
        with _slot_lock:
            _busy.discard(k)


def _local_dir() -> str:
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except (ImportError, ValueError):
        return tempfile.gettempdir()


def _safe_rel(rel: str) -> str:
    parts = Path(rel).parts
    if not parts or Path(rel).is_absolute() or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"refusing to stage {rel!r}")
    return rel


def _unpack(entries, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for rel, data in entries:
        p = dest / _safe_rel(rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def _pack(folder: Path, keep=lambda name: True) -> list[tuple[str, bytes]]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for n in sorted(files):
            p = Path(root, n)
            if keep(n) and p.is_file() and not p.is_symlink():
                out.append((str(p.relative_to(folder)), p.read_bytes()))
    return out


def _staged_cache(digest: str, entries) -> str:
    with _cache_lock:
        folder = _caches.get(digest)
        if folder is None or not os.path.isdir(folder):
            folder = os.path.join(_local_dir(), f"cs-conv-cython-{digest[:16]}")
            shutil.rmtree(folder, ignore_errors=True)
            _unpack(entries, Path(folder))
            _caches[digest] = folder
    return folder


def run_staged(fn, task, files, cache):
    """On a Dask worker: stage what the task needs, ``fn(task, slot)``, collect exports.

    Returns ``(result, exported)`` where ``exported`` is the list of files a
    compile-only job wrote to its ``export_cache`` (or ``None``).
    """
    with _worker_slot() as slot:
        if files is None and cache is None and not getattr(task, "export_cache", ""):
            return fn(task, slot), None
        task = copy.copy(task)
        stage = Path(tempfile.mkdtemp(prefix="cs-conv-stage-", dir=_local_dir()))
        try:
            if files is not None:
                name, entries = files
                _unpack(entries, stage / "sub")
                task.sub_dir = str(stage / "sub" / name) if name else str(stage / "sub")
            if cache is not None:
                task.cython_cache = _staged_cache(*cache)
            export = getattr(task, "export_cache", "")
            if export:
                task.export_cache = str(stage / "export")
            result = fn(task, slot)
            exported = _pack(stage / "export") if export and (stage / "export").is_dir() else None
            return result, exported
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _identity(x):
    return x


def worker_info() -> dict:
    """What must match between the client and every worker."""
    from .sandbox import detect_kind

    return {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "code": code_digest(),
        "sandbox": detect_kind("auto"),
        "root": os.geteuid() == 0,
    }


@functools.cache
def client_digest() -> str:
    """The sources as this process first saw them (it may have them loaded since)."""
    return code_digest()


def code_digest() -> str:
    """A hash of the grader and checker sources (the autograder and cs_conv packages)."""
    import cs_conv

    h = hashlib.sha256()
    for pkg in (Path(__file__).parent, Path(cs_conv.__file__).parent):  # with subpackages
        files = [p for p in pkg.rglob("*") if p.suffix in (".py", ".pyx") and p.is_file()]
        for p in sorted(files):
            h.update(str(p.relative_to(pkg)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


# -- the client side ---------------------------------------------------------


def _pack_submission(sub_dir: str):
    """``(name, entries)``: the submission by the same rules as the local copy."""
    from .supervise import _copy_submission

    with tempfile.TemporaryDirectory(prefix="cs-conv-pack-") as tmp:
        dst = Path(tmp) / "sub"
        _copy_submission(sub_dir, dst)
        name = os.path.basename(sub_dir) if os.path.isfile(sub_dir) else ""
        return name, _pack(dst)


class DaskExecutor:
    """``map_unordered`` on a Dask cluster; use it as a context manager."""

    def __init__(
        self,
        spec: Any,
        *,
        in_flight: int | None = None,
        stage_files: bool = True,
        check_workers: bool = True,
        timeout: float = 60.0,
    ):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover
            raise ImportError(INSTALL_HINT) from exc
        self._cluster = None
        self._own_client = True
        self.in_flight = in_flight
        self.stage_files = stage_files
        self.spec = spec
        self._checked: set[str] = set()
        if isinstance(spec, Client):
            self.client, self._own_client = spec, False
        elif isinstance(spec, str) and (spec == "local" or spec.startswith("local:")):
            from .executor import default_workers

            n = int(spec.partition(":")[2] or default_workers())
            with dask.config.set(LOCAL_CONFIG):
                self._cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    host="127.0.0.1",
                    # the scheduler's HTTP routes (health, metrics) on a free loopback
                    # port, not the fixed 8787 (a second grader's, or a real dashboard)
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                )
            self.client = Client(self._cluster)
        elif isinstance(spec, str) and os.path.isfile(spec):
            self.client = Client(scheduler_file=spec, timeout=timeout)
        else:
            self.client = Client(spec, timeout=timeout)  # an address or a Cluster object
        try:
            if self._cluster is None:
                self.client.wait_for_workers(1, timeout=timeout)
            self.workers_info = self._check(check_workers)
        except BaseException:
            self.close()
            raise

    # Compile-only tasks (``task.compile_only``) fill the folder of compiled ``%%cython``
    # modules that later tasks start from (``task.cython_cache``): those are held back
    # until every build of the same call has finished and its modules are back here.
    builds_first = True

    # the pipeline splits its %%cython compile jobs over this many
    @property
    def workers(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def _check(self, strict: bool) -> dict:
        info = self.client.run(worker_info)
        if not strict:
            return info
        mine = {"python": "{}.{}".format(*sys.version_info[:2]), "code": client_digest()}
        bad = {
            w: {k: i[k] for k in mine if i[k] != mine[k]}
            for w, i in info.items()
            if any(i[k] != mine[k] for k in mine)
        }
        if bad:  # (also when the sources changed on disk since this process loaded them)
            raise ClusterError(
                f"Dask workers differ from this client (python {mine['python']}, grader code "
                f"{mine['code']}): {bad}. Install the same cs_conv with the same Python on "
                "every worker."
            )
        return info

    def _check_sandbox(self, kind: str) -> None:
        if kind != "bwrap":
            return
        info = self.client.run(worker_info)
        weaker = sorted(w for w, i in info.items() if i["sandbox"] != "bwrap")
        if weaker:
            raise ClusterError(
                f"the grader chose the bwrap sandbox but bubblewrap does not work on Dask "
                f"worker(s) {weaker}: install bubblewrap there, or grade with --sandbox plain"
            )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self._own_client:
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
            self._cluster = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _limit(self) -> int:
        if self.in_flight:
            return self.in_flight
        return max(2, 2 * sum(self.client.nthreads().values()))

    def map_unordered(
        self, fn: Callable[[Any, int], Any], tasks: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]:
        import cloudpickle
        from distributed import as_completed
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        tasks = iter(tasks)
        pending: dict = {}  # future -> task
        caches: dict[str, Any] = {}  # client path -> future of (digest, entries)
        failed: list = []  # (task, exception) raised on this side, e.g. an unreadable folder
        lost: list = []
        ac = as_completed()
        limit, refreshed = self._limit(), time.monotonic()
        builds = [0]  # compile-only tasks of this call still running
        held: list = []  # tasks that start from their compiled modules: after the builds
        try:
            cloudpickle.dumps(fn)
        except Exception as exc:
            raise ClusterError(
                f"{fn!r} cannot travel to Dask workers ({type(exc).__name__}: {exc}); the "
                "executor runs fn(task, slot) on other processes and machines, so fn must "
                "be picklable and share no state between tasks (e.g. supervise.run_job)"
            ) from exc

        def cache_future(path: str):
            if path not in caches:
                entries = _pack(Path(path))
                blob = b"".join(r.encode() + b"\0" + d for r, d in entries)
                digest = hashlib.sha256(blob).hexdigest()
                # a task, not scatter(): the scheduler keeps its input and recomputes it
                # if every worker holding it dies
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", "Sending large graph")
                    key = f"cs-conv-cache-{digest[:16]}-{uuid.uuid4().hex[:12]}"
                    caches[path] = self.client.submit(_identity, (digest, entries), key=key)
            return caches[path]

        def submit(task) -> None:
            kind = getattr(task, "sandbox", None)
            if kind and kind not in self._checked:
                self._check_sandbox(kind)
                self._checked.add(kind)
            try:
                files = cache = None
                if self.stage_files and getattr(task, "sub_dir", ""):
                    files = _pack_submission(task.sub_dir)
                if self.stage_files and getattr(task, "cython_cache", ""):
                    cache = cache_future(task.cython_cache)
            except Exception as exc:  # as run_job raising on this machine: a result
                failed.append((task, exc))
                return
            key = f"cs-conv-{_label(task)}-{uuid.uuid4().hex[:12]}"
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Sending large graph")  # a large submission
                fut = self.client.submit(
                    run_staged, fn, task, files, cache, key=key, pure=False, retries=0
                )
            pending[fut] = task
            ac.add(fut)
            builds[0] += bool(getattr(task, "compile_only", False))

        def top_up():
            while held and not builds[0] and len(pending) < limit:
                submit(held.pop(0))
            if len(pending) >= limit:
                return
            for task in tasks:
                if builds[0] and getattr(task, "cython_cache", ""):
                    held.append(task)  # it starts from the modules the builds are making
                    continue
                submit(task)
                if len(pending) >= limit:
                    break

        try:
            top_up()
            while failed:
                yield failed.pop()
            for fut in ac:
                task = pending.pop(fut)
                builds[0] -= bool(getattr(task, "compile_only", False))
                if fut.status == "finished":
                    result, exported = fut.result()
                    if exported is not None:
                        _unpack(exported, Path(task.export_cache))
                    yield task, result
                else:
                    try:
                        exc = fut.exception()
                    except Exception as e:  # cancelled: the cluster went away
                        exc = e
                    if fut.cancelled() or isinstance(exc, KilledWorker | FutureCancelledError):
                        lost.append((task, exc))  # not a grade: a rerun does it
                    else:
                        yield task, exc  # the grader raised: the pipeline records it
                del fut
                if time.monotonic() - refreshed > 5:
                    limit, refreshed = self._limit(), time.monotonic()
                top_up()
                while failed:
                    yield failed.pop()
        finally:
            leftover = list(pending) + list(caches.values())
            if leftover:
                with contextlib.suppress(Exception):
                    self.client.cancel(leftover)
        if lost:
            raise TasksLost(lost)


client_digest()  # as this process loads the grader, before it runs any of it


@contextlib.contextmanager
def open_executor(scheduler: str | None):
    """``DaskExecutor(scheduler)`` for the CLI's ``--scheduler``, else ``None``."""
    if not scheduler:
        yield None
        return
    with DaskExecutor(scheduler) as ex:
        yield ex
