"""Run the benchmark: every contender, interleaved, per shape, dtype and thread count."""

from __future__ import annotations

import contextlib
import datetime
import math
import os
import platform

import numpy as np

from .. import budget, costs, im2col_cython
from .goals import evaluate_goals
from .peers import contenders
from .timing import interleaved

__all__ = ["machine_info", "run_benchmark", "thread_policy"]

#: The roofline every ratio is a multiple of: a copy that allocates (``src.copy()``),
#: as a caller's ``im2col`` must.  The goals are judged against it.
ROOFLINE = "copy.alloc"
#: The roofline of the "into a reused buffer" column: ``np.copyto`` into a mapped buffer.
REUSED = "copy.cols"
#: Our own stages: the public call, and the same into a reused buffer (``out=``).
OURS = ("cython", "cython_out")
#: Largest relative disagreement of a peer's result from ours that counts as agreeing.
CHECK_TOL = {"float64": 1e-9, "float32": 1e-3}


@contextlib.contextmanager
def thread_policy(threads: int):
    """Use ``threads`` threads everywhere, one kind of parallelism at a time.

    BLAS and OpenMP pools (threadpoolctl), torch's intra-op pool, and our own
    kernels (:func:`cs_conv.im2col_cython.set_num_threads`, which runs
    threaded kernels with BLAS pinned to one thread) all get ``threads``.
    Everything is restored on exit.
    """
    threads = budget.check_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        threadpool_limits = None
    try:
        import torch
    except ImportError:
        torch = None
    ours = getattr(im2col_cython, "set_num_threads", None)
    old_ours = im2col_cython.get_num_threads() if ours else None
    old_torch = torch.get_num_threads() if torch else None
    with contextlib.ExitStack() as stack:
        if threadpool_limits is not None:
            stack.enter_context(threadpool_limits(limits=threads))
        if torch is not None:
            torch.set_num_threads(threads)
            stack.callback(torch.set_num_threads, old_torch)
        if ours is not None:
            ours(threads)
            stack.callback(ours, old_ours)
        yield


def machine_info() -> dict:
    """CPU, cores, memory and library versions, for the report."""
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                info["simd"] = [f for f in ("avx512f", "avx2", "fma", "sse2") if f in flags]
                break
    with contextlib.suppress(OSError), open("/sys/kernel/mm/transparent_hugepage/enabled") as fh:
        info["hugepages"] = fh.read().strip()
    with contextlib.suppress(OSError):
        info["load_start"] = list(os.getloadavg())
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/meminfo") as fh:
        kb = int(fh.readline().split()[1])
        info["memory_gib"] = round(kb / 2**20, 1)
    with contextlib.suppress(ImportError):
        import torch

        info["torch"] = torch.__version__
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        info["blas"] = [
            f"{p.get('internal_api')} {p.get('version')} ({p.get('threading_layer', '')})"
            for p in threadpool_info()
        ]
    return info


def run_benchmark(
    shapes,
    dtypes=("float64",),
    threads=(1,),
    *,
    repeats=5,
    min_sample=0.005,
    clock="wall",
    torch_ok=True,
    log=None,
) -> dict:
    """Time every contender on every shape, dtype and thread count.

    Parameters
    ----------
    shapes : list of BenchShape
    dtypes : sequence of {"float64", "float32"}
    threads : sequence of int
    repeats : int
        Interleaved rounds; each figure is the median over them.
    min_sample : float
        Fast calls are repeated so that one sample lasts this long.
    clock : {"wall", "cpu"}
        Elapsed time (the default), or the process's CPU time: on a shared
        machine it leaves out the time spent waiting for a core.  One thread
        only (with more, CPU time adds up the threads).
    torch_ok : bool
        Include the torch peers (when torch imports).
    log : callable, optional
        Called with progress lines.

    Returns
    -------
    dict
        ``{"machine", "config", "records", "goals", "skipped"}``; each record
        is one (shape, stage, dtype, threads) with ``seconds`` (median),
        ``ratio`` (to ``copy.alloc`` of the same run: a copy that allocates),
        ``ratio_reused`` (to ``copy.cols``: a copy into a reused buffer),
        ``ratio_x`` (to ``copy.x``), ``speedup_vs`` (peer seconds / ours, for
        our stages) and, for every contender whose result was compared with
        ours before timing, ``max_rel_err`` and ``agrees``.  The machine's
        load average is noted before and after (``load_start``, ``load_end``).
    """
    shapes, dtypes, threads = list(shapes), list(dtypes), list(threads)
    costs.check_benchmark(shapes, dtypes, threads, repeats, min_sample)
    if clock == "cpu" and max(threads) > 1:
        raise ValueError("clock 'cpu' adds up every thread's time: use it with threads=[1]")
    machine = machine_info()
    records = []
    skipped = {}
    for shape in shapes:
        for dtype in dtypes:
            for nthreads in threads:
                if log:
                    log(f"[{shape.name}] {shape.describe()}  {dtype}  {nthreads} thread(s)")
                with thread_policy(nthreads):
                    cands, skip = contenders(shape, dtype, torch_ok=torch_ok)
                    skipped.update(skip)
                    errors = {c.label: c.check() for c in cands if c.check is not None}
                    tol = CHECK_TOL[dtype]
                    for label, err in errors.items():
                        if not err <= tol and log:
                            log(f"    WARNING {label} disagrees with ours: {err:.2e} > {tol}")
                    timed = interleaved(
                        {c.label: c.func for c in cands},
                        repeats=repeats,
                        min_sample=min_sample,
                        clock=clock,
                    )
                del cands
                recs = _records(shape, dtype, nthreads, timed)
                for r in recs:
                    if r["stage"] in errors:
                        r["max_rel_err"] = errors[r["stage"]]
                        r["agrees"] = bool(errors[r["stage"]] <= tol)
                records.extend(recs)
                if log:
                    for r in records[-len(timed) :]:
                        ms, ratio = r["seconds"] * 1e3, r["ratio"]
                        log(f"    {r['stage']:24s} {ms:10.3f} ms  {ratio:8.2f}x")
    with contextlib.suppress(OSError):
        machine["load_end"] = list(os.getloadavg())
    result = {
        "machine": machine,
        "config": {
            "shapes": {s.name: s.describe() for s in shapes},
            "dtypes": list(dtypes),
            "threads": list(threads),
            "repeats": repeats,
            "clock": clock,
            "roofline": ROOFLINE,
            "roofline_reused": REUSED,
        },
        "records": records,
        "skipped": skipped,
    }
    result["goals"] = evaluate_goals(records)
    return result


def _records(shape, dtype, nthreads, timed):
    copy = timed[ROOFLINE]["seconds"]
    copy_x = timed["copy.x"]["seconds"]
    reused = timed[REUSED]["seconds"]
    out = []
    for label, t in timed.items():
        group, impl = label.split(".", 1)
        ours = impl in OURS
        rec = {
            "shape": shape.name,
            "shape_desc": shape.describe(),
            "stage": label,
            "group": group,
            "impl": impl,
            "ours": ours,
            "dtype": dtype,
            "threads": nthreads,
            "seconds": t["seconds"],
            "ratio": t["seconds"] / copy if copy > 0 else math.inf,
            "ratio_x": t["seconds"] / copy_x if copy_x > 0 else math.inf,
            "ratio_reused": t["seconds"] / reused if reused > 0 else math.inf,
            "number": t["number"],
            "samples": t["samples"],
        }
        if ours:
            rec["speedup_vs"] = {
                other: timed[other]["seconds"] / t["seconds"]
                for other in timed
                if other.split(".", 1)[0] == group and other.split(".", 1)[1] not in OURS
            }
        out.append(rec)
    return out
