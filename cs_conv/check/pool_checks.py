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
# a pooling right on exactly one family of cases: the one cause each family has here
_FAMILIES = {
    "square-filter": "pool-hw-swapped",
    "square-output": "hw-swapped",
    "stride1": "stride-ignored",
}
_FAMILY_WORDS = {
    "square-filter": "square pools (pool_height == pool_width)",
    "no-overlap": "windows that do not overlap (stride >= pool size)",
}
_FAMILY_MEANS = {
    "square-filter": "look for pool_height and pool_width exchanged: a window's end, a "
    "count, or the unravelling of a maximum's index",
    "N1": "look at the order of the (n, c) planes: a reshape in (c, n) order, or dout read "
    "in another order than the windows",
    "C1": "look at the channels: each (n, c) plane is pooled on its own, never a maximum over "
    "all channels, and the planes stay in (n, c) order",
    "stride1": "look at where the windows start: `i*stride`, with H_out = (H - pool_height) "
    "// stride + 1; and at the pool size, which is not the stride",
    "no-overlap": "look at overlapping windows: the gradients of windows that share a "
    "maximum must add up",
}
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


POOL_WINDOW_CODES = ("pool-hw-swapped", "pool-stride-confused", "stride-ignored", "hw-swapped")
"""The pooling codes whose windows can have the wrong size or count, or run past the edge."""

_BOUNDS = re.compile(r"index -?\d+ is out of bounds for axis \d+ with size (\d+)")
_SHAPE = re.compile(r"\(([\d, ]+)\)")
_RESHAPE = re.compile(r"cannot reshape array of size (\d+) into shape \(([^)]*)\)")


def _reshape_hit(sp, size: int, target: str) -> str | None:
    """Words for a reshape to the output's grid, or of the right dcols to another grid."""
    dims = [int(v) for v in target.replace(" ", "").split(",") if v.isdigit()]
    grid = sp.N * sp.C * sp.H_out * sp.W_out
    if dims[:4] == list(sp.out_shape):
        return (
            f"{size} values do not fill the N x C x H_out x W_out = "
            f"{sp.N}x{sp.C}x{sp.H_out}x{sp.W_out} grid of the output: the windows are "
            "not H_out x W_out"
        )
    if size == grid * sp.HH * sp.WW and len(dims) >= 3 and dims[0] == sp.N * sp.C:
        return (
            f"the {size} values of dcols (N*C*H_out*W_out windows of pool_height*pool_width "
            f"taps) were reshaped to a grid of {dims[1]}x{dims[2]} windows, not "
            f"H_out x W_out = {sp.H_out}x{sp.W_out}"
        )
    return None


def _window_grid_hit(rec) -> str | None:
    """Words for an error that shows windows of the wrong size or count, or None."""
    o, sp = rec.outcome, rec.case.spec
    msg = o.error_message
    bound = _BOUNDS.search(msg)
    if bound:
        size = int(bound.group(1))
        if size in (sp.H, sp.W):
            return f"an index ran past the edge of the image (an axis of size {size})"
        return None
    if "larger than" in msg:  # sliding_window_view's words, or an im2col's refusal
        return "a window was larger than the image"
    if "not tile" in msg:  # the checker's cases always tile
        return (
            "every case tiles with the right pool size and stride, so your code used "
            "another pool size or stride"
        )
    reshape = _RESHAPE.search(msg)
    if reshape:
        return _reshape_hit(sp, int(reshape.group(1)), reshape.group(2))
    if "broadcast" not in msg:
        return None
    for text in _SHAPE.findall(msg):
        shape = tuple(int(v) for v in text.replace(" ", "").split(",") if v)
        if len(shape) >= 4 and shape[:2] == (sp.N, sp.C) and shape[2:4] != sp.out_shape[2:]:
            return (
                f"a grid of {shape[2]}x{shape[3]} windows met one of H_out x W_out = "
                f"{sp.H_out}x{sp.W_out}"
            )
    return None


def pool_window_exception(rec):
    """The pooling codes of windows of the wrong size or count: an index past the edge of
    the image, a window larger than the image, or a broadcast between a grid of windows
    and the output grid.  The pattern of the cases that crash and pass tells the codes
    apart (each needs a variant that crashes on exactly those cases)."""
    hit = _window_grid_hit(rec)
    if hit is None:
        return None
    o = rec.outcome
    return (POOL_WINDOW_CODES, f"Your {o.stage} raised `{o.error_type}: {o.error_message}`: {hit}.")


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
    family_codes: ClassVar[dict] = _FAMILIES
    family_words: ClassVar[dict] = _FAMILY_WORDS
    family_means: ClassVar[dict] = _FAMILY_MEANS
    layout = (
        "x (N, C, H, W), out and dout (N, C, H_out, W_out), dx (N, C, H, W); through "
        "im2col, the planes x.reshape(N*C, 1, H, W) and cols (PH*PW, N*C*H_out*W_out)"
    )

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
        return channels_reshape_exception(rec) or pool_window_exception(rec)

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
    family_codes: ClassVar[dict] = {**_FAMILIES, "no-overlap": "pool-grad-overwrite"}

    def reference(self, case, arrays):
        from .. import pooling_im2col

        _, cache = pooling_im2col.max_pool_forward(arrays["x"], case.spec.pool_param)
        return {"dx": pooling_im2col.max_pool_backward(arrays["dout"], cache)}

    def variants(self, stage):
        return backward_variants()
