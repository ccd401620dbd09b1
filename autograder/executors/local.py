"""The worker pool on this machine, behind one small interface.

:class:`Executor` is all the pipeline knows: ``map_unordered(fn, tasks)``
calls ``fn(task, slot)`` for every task and yields ``(task, result)`` as they
finish (``result`` is the exception if ``fn`` raised).  ``slot`` is a small
integer unique among the calls running at the same time (it picks the
sandbox's uid).  :class:`LocalPoolExecutor` runs ``workers`` calls at once on
this machine: each call mostly waits on its sandboxed worker process, so
threads suffice.  A Dask executor can take its place for classes that outgrow
one machine: tasks and results are plain data (strings, dicts, numpy arrays).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any, Protocol

__all__ = ["Executor", "LocalPoolExecutor", "SerialExecutor", "default_workers"]


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover
        return max(1, os.cpu_count() or 1)


class Executor(Protocol):
    def map_unordered(
        self, fn: Callable[[Any, int], Any], tasks: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]: ...


class SerialExecutor:
    """One task at a time in this thread (for tests and debugging)."""

    def map_unordered(self, fn, tasks):
        for task in tasks:
            try:
                yield task, fn(task, 0)
            except Exception as exc:
                yield task, exc


class LocalPoolExecutor:
    """``workers`` tasks at a time, in threads, each with its own slot."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()

    def map_unordered(self, fn, tasks):
        slots: queue.SimpleQueue[int] = queue.SimpleQueue()
        for k in range(self.workers):
            slots.put(k)
        lock = threading.Lock()

        def call(task):
            slot = slots.get()
            try:
                return fn(task, slot)
            finally:
                slots.put(slot)

        pending = {}
        tasks = iter(tasks)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="cs-conv-grade") as pool:
            try:
                for task in tasks:
                    with lock:
                        pending[pool.submit(call, task)] = task
                    if len(pending) >= self.workers:
                        break
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        task = pending.pop(fut)
                        exc = fut.exception()
                        yield task, (exc if exc is not None else fut.result())
                        nxt = next(tasks, None)
                        if nxt is not None:
                            pending[pool.submit(call, nxt)] = nxt
            finally:
                for fut in pending:
                    fut.cancel()
