"""Interleaved timing: every contender runs once per round, medians over rounds.

The garbage collector is off during a round (results are dropped at once, so
reference counting frees them).  On a shared, noisy machine a slow minute hits
every contender of a round alike, so the *ratios* of medians from one run are
stable even when the absolute times drift.  Fast calls are repeated ``number``
times per sample so that one sample lasts at least ``min_sample`` seconds.
"""

from __future__ import annotations

import gc
import statistics
import time

__all__ = ["CLOCKS", "calibrate", "interleaved"]


#: The clocks a benchmark can read: elapsed time, or the CPU time of the process
#: (on a shared machine, time the process spent waiting for a core is left out;
#: page faults it takes still count).
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def calibrate(
    func, min_sample: float = 0.005, max_number: int = 10_000, clock=time.perf_counter
) -> tuple[int, float]:
    """Call ``func`` once (a warm-up) and pick how many calls make one sample.

    Returns
    -------
    number : int
        Calls per sample.
    first : float
        Seconds of the warm-up call.
    """
    t0 = clock()
    func()
    first = clock() - t0
    if first >= min_sample:
        return 1, first
    # a second, warm, estimate of one call
    n = 10
    t0 = clock()
    for _ in range(n):
        func()
    one = max((clock() - t0) / n, 1e-9)
    return max(1, min(max_number, int(min_sample / one) + 1)), first


def interleaved(
    funcs: dict, repeats: int = 5, min_sample: float = 0.005, clock: str = "wall"
) -> dict:
    """Median seconds per call of each function, measured in interleaved rounds.

    Parameters
    ----------
    funcs : dict of name -> callable
        Zero-argument callables; their results are discarded at once.
    repeats : int
        Rounds; each function gives one sample per round.  The order of the
        functions rotates from round to round.
    min_sample : float
        Seconds a sample should last at least (fast calls are repeated).
    clock : {"wall", "cpu"}
        What is measured, see :data:`CLOCKS`.

    Returns
    -------
    dict of name -> dict
        ``{"seconds": median, "samples": [...], "number": calls per sample}``.

    Examples
    --------
    >>> r = interleaved({"nop": lambda: None}, repeats=3, min_sample=1e-4)
    >>> len(r["nop"]["samples"])
    3
    """
    names = list(funcs)
    now = CLOCKS[clock]
    numbers = {name: calibrate(funcs[name], min_sample, clock=now)[0] for name in names}
    samples = {name: [] for name in names}
    gc_was_enabled = gc.isenabled()
    try:
        for r in range(repeats):
            k = r % len(names) if names else 0
            gc.collect()  # once per round: a full collection can take 0.1 s
            gc.disable()
            for name in names[k:] + names[:k]:
                func, number = funcs[name], numbers[name]
                t0 = now()
                for _ in range(number):
                    func()
                samples[name].append((now() - t0) / number)
            if gc_was_enabled:
                gc.enable()
    finally:
        if gc_was_enabled:
            gc.enable()
    return {
        name: {
            "seconds": statistics.median(samples[name]),
            "samples": samples[name],
            "number": numbers[name],
        }
        for name in names
    }
