"""The same :class:`~autograder.executors.local.Executor` on a Dask cluster (the client side).

``DaskExecutor(spec)`` runs ``fn(task, slot)`` for each task as one Dask task
(``pure=False``) and yields ``(task, result)`` as they finish, like
:class:`~autograder.executors.local.LocalPoolExecutor`.  ``spec`` is a scheduler
address (``tcp://host:8786``), a scheduler file (``scheduler.json``),
``local:N`` (a :class:`distributed.LocalCluster` of N single-threaded worker
processes, no dashboard, closed with the executor), a ``Cluster`` (e.g. a
dask-jobqueue ``SLURMCluster``) or a ``Client``.

What runs where
    On the Dask worker: the trusted supervisor (:func:`autograder.sandbox.supervise.run_job`),
    which starts the sandboxed worker process there (limits, timeouts, kill of
    the process group) and reads its outcomes back the safe way
    (``allow_pickle=False``).  Only that supervisor's :class:`RawResult` (plain
    data and numeric arrays) travels back; nothing the student's process wrote
    is ever unpickled.  Evaluation against the reference and the single
    writer of grades stay in the client (:mod:`autograder.pipeline`).  What runs on the Dask
    worker around each job is in :mod:`~autograder.executors.dask_staging`.

Files
    Workers need not share a filesystem with the client: a job's submission
    folder (read here by the same rules as the local copy), the shared cache
    of compiled ``%%cython`` modules (scattered once) and the modules a
    compile-only job exports travel with the tasks and are staged in the
    Dask worker's local directory.

Slots
    ``slot`` only picks a *preferred* sandbox uid; on each Dask worker process
    it is the smallest slot free among that process's running tasks, and
    :func:`autograder.sandbox.launch.reserve_uid` (an ``flock`` per uid on that
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
import hashlib
import os
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..installation import code_digest
from ..sandbox.supervise import copy_submission
from .dask_staging import pack, run_staged, unpack, worker_info

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


def _pack_submission(sub_dir: str):
    """``(name, entries)``: the submission by the same rules as the local copy."""
    with tempfile.TemporaryDirectory(prefix="cs-conv-pack-") as tmp:
        dst = Path(tmp) / "sub"
        copy_submission(sub_dir, dst)
        name = os.path.basename(sub_dir) if os.path.isfile(sub_dir) else ""
        return name, pack(dst)


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
            from .local import default_workers

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
        """``fn(task, slot)`` for every task, each as one Dask task; ``(task, result)``
        as they finish (``result`` is the exception if ``fn`` raised on a worker or
        staging its files raised here).  At most :meth:`_limit` tasks are in flight;
        a compile-only task's exported modules are unpacked into its
        ``export_cache`` here.  Tasks the cluster lost are raised together at the
        end as :class:`TasksLost`, after everything else was yielded."""

        _check_picklable(fn)
        call = _Call(self, fn)
        tasks = iter(tasks)
        limit, refreshed = self._limit(), time.monotonic()
        try:
            call.top_up(tasks, limit)
            yield from call.drain_failed()
            for fut in call.ac:
                yield from call.finished(fut)
                del fut
                if time.monotonic() - refreshed > 5:
                    limit, refreshed = self._limit(), time.monotonic()
                call.top_up(tasks, limit)
                yield from call.drain_failed()
        finally:
            call.cancel_leftovers()
        if call.lost:
            raise TasksLost(call.lost)


def _check_picklable(fn) -> None:
    import cloudpickle

    try:
        cloudpickle.dumps(fn)
    except Exception as exc:
        raise ClusterError(
            f"{fn!r} cannot travel to Dask workers ({type(exc).__name__}: {exc}); the "
            "executor runs fn(task, slot) on other processes and machines, so fn must "
            "be picklable and share no state between tasks (e.g. supervise.run_job)"
        ) from exc


def _identity(x):
    return x


class _Call:
    """The state of one :meth:`DaskExecutor.map_unordered` call."""

    def __init__(self, executor: DaskExecutor, fn):
        from distributed import as_completed

        self.executor, self.fn = executor, fn
        self.pending: dict = {}  # future -> task
        self.caches: dict[str, Any] = {}  # client path -> future of (digest, entries)
        self.failed: list = []  # (task, exception) raised on this side
        self.lost: list = []  # (task, exception) the cluster lost
        self.ac = as_completed()

    def cache_future(self, path: str):
        """The compiled modules of ``path`` as one task's result, submitted once."""
        if path not in self.caches:
            entries = pack(Path(path))
            blob = b"".join(r.encode() + b"\0" + d for r, d in entries)
            digest = hashlib.sha256(blob).hexdigest()
            # a task, not scatter(): the scheduler keeps its input and recomputes it
            # if every worker holding it dies
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Sending large graph")
                key = f"cs-conv-cache-{digest[:16]}-{uuid.uuid4().hex[:12]}"
                self.caches[path] = self.executor.client.submit(
                    _identity, (digest, entries), key=key
                )
        return self.caches[path]

    def submit(self, task) -> None:
        ex = self.executor
        kind = getattr(task, "sandbox", None)
        if kind and kind not in ex._checked:
            ex._check_sandbox(kind)
            ex._checked.add(kind)
        try:
            files = cache = None
            if ex.stage_files and getattr(task, "sub_dir", ""):
                files = _pack_submission(task.sub_dir)
            if ex.stage_files and getattr(task, "cython_cache", ""):
                cache = self.cache_future(task.cython_cache)
        except Exception as exc:  # as run_job raising on this machine: a result
            self.failed.append((task, exc))
            return
        key = f"cs-conv-{_label(task)}-{uuid.uuid4().hex[:12]}"
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Sending large graph")  # a large submission
            fut = ex.client.submit(
                run_staged, self.fn, task, files, cache, key=key, pure=False, retries=0
            )
        self.pending[fut] = task
        self.ac.add(fut)

    def top_up(self, tasks, limit: int) -> None:
        for task in tasks:
            self.submit(task)
            if len(self.pending) >= limit:
                break

    def drain_failed(self):
        while self.failed:
            yield self.failed.pop()

    def finished(self, fut):
        """``(task, result)`` of a finished future, if it is a result at all."""
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        task = self.pending.pop(fut)
        if fut.status == "finished":
            result, exported = fut.result()
            if exported is not None:
                unpack(exported, Path(task.export_cache))
            yield task, result
            return
        try:
            exc = fut.exception()
        except Exception as e:  # cancelled: the cluster went away
            exc = e
        if fut.cancelled() or isinstance(exc, KilledWorker | FutureCancelledError):
            self.lost.append((task, exc))  # not a grade: a rerun does it
        else:
            yield task, exc  # the grader raised: the pipeline records it

    def cancel_leftovers(self) -> None:
        leftover = list(self.pending) + list(self.caches.values())
        if leftover:
            with contextlib.suppress(Exception):
                self.executor.client.cancel(leftover)


_CLIENT_DIGEST = code_digest()  # the sources as this process loaded them


def client_digest() -> str:
    """The grader's sources as this process first saw them (they may change on disk since)."""
    return _CLIENT_DIGEST


@contextlib.contextmanager
def open_executor(scheduler: str | None):
    """``DaskExecutor(scheduler)`` for the CLI's ``--scheduler``, else ``None``."""
    if not scheduler:
        yield None
        return
    with DaskExecutor(scheduler) as ex:
        yield ex
