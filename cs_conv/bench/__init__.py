"""The benchmark: our stages against their peers and the memory roofline.

Every figure is a median of interleaved rounds and is reported as a *ratio*
(to a ``np.copyto`` of as many bytes as ``cols``, and to named peers), so
figures measured side by side in one run can be compared on a noisy machine.

Use it as ``cs-conv bench`` or as a library::

    from cs_conv.bench import SHAPES, run_benchmark
    result = run_benchmark([SHAPES["a"]], dtypes=["float64"], threads=[1])
    result["records"]   # one dict per (shape, stage, dtype, threads)
    result["goals"]     # the issue's goals, met or not
"""

from .goals import GOALS, evaluate_goals
from .run import run_benchmark, thread_policy
from .shapes import SHAPES, TINY, BenchShape, parse_shape

__all__ = [
    "GOALS",
    "SHAPES",
    "TINY",
    "BenchShape",
    "evaluate_goals",
    "parse_shape",
    "run_benchmark",
    "thread_policy",
]
