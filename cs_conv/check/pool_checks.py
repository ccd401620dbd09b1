"""Checkers of max pooling: ``max_pool_forward`` and ``max_pool_backward`` (loops or im2col).

The cases (:mod:`cs_conv.check.pool_cases`) include tie-rich data, so that the
tie convention shows: each window's gradient goes to its *first* maximum in
row-major order, and overlapping windows add.  The mutations
(:mod:`cs_conv.check.pool_variants`) are the mistakes students make writing
pooling (see ``docs/mistakes.md``); the reference is
:mod:`cs_conv.pooling_im2col`, imported when first needed.
"""

from __future__ import annotations

import re
import textwrap
from typing import ClassVar

import numpy as np

from .checker import Checker
from .pool_cases import as_pool_case, pool_cases
from .pool_variants import backward_variants, forward_variants

__all__ = ["PoolBackwardChecker", "PoolForwardChecker"]

_STAGES = ("loops", "im2col")
_OUT_AXES = ("n", "c", "i (output row)", "j (output column)")
_SHOW_LIMIT = 48


def channels_reshape_exception(rec):
    """``pool-across-channels`` when the maxima of the windows of *all* channels, one per
    window, were reshaped to ``(N, C, H_out, W_out)``: C > 1 times too few values."""
    o, sp = rec.outcome, rec.case.spec
    m = re.search(r"cannot reshape array of size (\d+) into shape \(([\d, ]+)\)", o.error_message)
    if m is None or sp.C == 1:
        return None
    shape = tuple(int(v) for v in m.group(2).replace(" ", "").split(",") if v)
    if int(m.group(1)) != sp.N * sp.H_out * sp.W_out or shape != sp.out_shape:
        return None
    return (
        "pool-across-channels",
        f"Your {o.stage} raised `{o.error_type}: {o.error_message}`: {m.group(1)} = "
        f"N*H_out*W_out values, one per window of all {sp.C} channels, where "
        f"N*C*H_out*W_out are needed (an im2col of x with its channels, a maximum down "
        f"columns of C*PH*PW taps).",
    )


def _planes_text(a: np.ndarray, name: str) -> list[str]:
    """``  x[0, 0] =`` and the plane, for every (n, c) plane of a small 4-D array."""
    lines = []
    for n, c in np.ndindex(*a.shape[:2]):
        text = np.array2string(a[n, c], precision=3, suppress_small=True, separator=", ")
        lines.append(f"  {name}[{n}, {c}] =\n" + textwrap.indent(text, "    "))
    return lines


class PoolForwardChecker(Checker):
    """``max_pool_forward(x, pool_param) -> (out, cache)`` (loops or through im2col)."""

    name = "pool_forward"
    title = "max_pool_forward"
    functions = ("max_pool_forward",)
    required = ("max_pool_forward",)
    outputs = ("out",)
    primary = "x"
    describe_as = "pool"
    stages = _STAGES
    default_stage = "loops"
    axis_names: ClassVar[dict] = {"out": _OUT_AXES}

    def make_cases(self, key="visible", *, stage=None):
        """The deterministic pooling cases for ``key`` (the stage does not change them)."""
        self._stage(stage)
        return pool_cases(self.name, str(key), primary=self.primary)

    def evaluate(self, cases, outcomes, *, stage=None):
        # cases rebuilt by Case.from_dict (the grader's) are read as poolings again
        return super().evaluate([as_pool_case(c) for c in cases], outcomes, stage=stage)

    def reference(self, case, arrays):
        from .. import pooling_im2col

        out, _ = pooling_im2col.max_pool_forward(arrays["x"], case.spec.pool_param)
        return {"out": out}

    def variants(self, stage):
        return forward_variants()

    def exception_code(self, rec):
        return channels_reshape_exception(rec)

    shown: tuple = ("x",)

    def input_lines(self, rec) -> list[str]:
        """The inputs of the message's case when they are small: ties show in ``x``."""
        lines = []
        for name in self.shown:
            a = rec.arrays[name]
            if a.size <= _SHOW_LIMIT:
                lines += _planes_text(a, name)
        return lines


class PoolBackwardChecker(PoolForwardChecker):
    """``max_pool_backward(dout, cache) -> dx``, given the cache of the student's forward."""

    name = "pool_backward"
    title = "max_pool_backward"
    functions = ("max_pool_backward", "max_pool_forward")
    required = ("max_pool_backward", "max_pool_forward")
    outputs = ("dx",)
    primary = "dout"
    shown = ("x", "dout")
    axis_names: ClassVar[dict] = {"dx": ("n", "c", "h (input row)", "w (input column)")}

    def reference(self, case, arrays):
        from .. import pooling_im2col

        _, cache = pooling_im2col.max_pool_forward(arrays["x"], case.spec.pool_param)
        return {"dx": pooling_im2col.max_pool_backward(arrays["dout"], cache)}

    def variants(self, stage):
        return backward_variants()
