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

#: The roofline every ratio is a multiple of.
ROOFLINE = "copy.cols"
#: What any function returning a fresh ``cols`` pays at least (page faults + copy).
FRESH = "copy.new_cols"
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
                break
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
    torch_ok : bool
        Include the torch peers (when torch imports).
    log : callable, optional
        Called with progress lines.

    Returns
    -------
    dict
        ``{"machine", "config", "records", "goals", "skipped"}``; each record
        is one (shape, stage, dtype, threads) with ``seconds`` (median),
        ``ratio`` (to ``copy.cols`` of the same run), ``ratio_x`` (to
        ``copy.x``), ``ratio_new`` (to ``copy.new_cols``), ``speedup_vs``
        (peer seconds / ours, for our stages) and, for every contender whose
        result was compared with ours before timing, ``max_rel_err`` and
        ``agrees``.
    """
    shapes, dtypes, threads = list(shapes), list(dtypes), list(threads)
    costs.check_benchmark(shapes, dtypes, threads, repeats, min_sample)
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
                        {c.label: c.func for c in cands}, repeats=repeats, min_sample=min_sample
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
    result = {
        "machine": machine_info(),
        "config": {
            "shapes": {s.name: s.describe() for s in shapes},
            "dtypes": list(dtypes),
            "threads": list(threads),
            "repeats": repeats,
            "roofline": ROOFLINE,
        },
        "records": records,
        "skipped": skipped,
    }
    result["goals"] = evaluate_goals(records)
    return result


def _records(shape, dtype, nthreads, timed):
    copy = timed[ROOFLINE]["seconds"]
    copy_x = timed["copy.x"]["seconds"]
    fresh = timed[FRESH]["seconds"]
    out = []
    for label, t in timed.items():
        group, impl = label.split(".", 1)
        ours = impl in ("cython", "cython_kernel")
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
            "ratio_new": t["seconds"] / fresh if fresh > 0 else math.inf,
            "number": t["number"],
            "samples": t["samples"],
        }
        if ours:
            rec["speedup_vs"] = {
                other: timed[other]["seconds"] / t["seconds"]
                for other in timed
                if other.split(".", 1)[0] == group
                and other.split(".", 1)[1] not in ("cython", "cython_kernel")
            }
        out.append(rec)
    return out
