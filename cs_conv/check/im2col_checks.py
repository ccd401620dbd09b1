"""Checkers of ``im2col``, ``col2im`` (every stage) and ``im2col_indices``.

The vectorised stage (``stage="fancy"``, and ``im2col_indices`` always) adds
two probe cases: a loop in Python over images, windows or output positions
fails it (``python-loops``).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .checker import Checker
from .im2col_variants import col2im_variants, im2col_variants, indices_variants

__all__ = ["Col2imChecker", "Im2colChecker", "IndicesChecker"]

_STAGES = ("loops", "fancy", "cython")
# N1 and C1 only where the values are the right ones moved (im2col): elsewhere right
# only with one image or one channel has other causes
_FAMILIES = {
    "square-filter": "filter-hw-swapped",
    "square-output": "hw-swapped",
    "stride1": "stride-ignored",
    "N1": "cols-n-fastest",
    "C1": "weight-flatten-order",
}


class Im2colChecker(Checker):
    """``im2col(x, HH, WW, stride, pad) -> cols``."""

    name = "im2col"
    title = "im2col"
    outputs = ("cols",)
    moves_values = True
    primary = "x"
    describe_as = "im2col"
    stages = _STAGES
    default_stage = "loops"
    probe_stages = ("fancy",)
    family_codes: ClassVar[dict] = _FAMILIES
    axis_names: ClassVar[dict] = {
        "cols": ("rows = C*HH*WW (filter taps)", "columns = N*H_out*W_out (windows)")
    }

    def reference(self, case, arrays):
        from .. import im2col_fancy

        sp = case.spec
        return {"cols": im2col_fancy.im2col(arrays["x"], sp.HH, sp.WW, sp.stride, sp.pad)}

    def variants(self, stage):
        return im2col_variants()


class Col2imChecker(Checker):
    """``col2im(cols, x_shape, HH, WW, stride, pad) -> dx``."""

    name = "col2im"
    title = "col2im"
    outputs = ("dx",)
    primary = "cols"
    describe_as = "col2im"
    stages = _STAGES
    default_stage = "loops"
    probe_stages = ("fancy",)
    family_codes: ClassVar[dict] = {
        **{k: v for k, v in _FAMILIES.items() if k not in ("N1", "C1")},
        "no-overlap": "col2im-not-accumulating",
    }
    axis_names: ClassVar[dict] = {"dx": ("n", "c", "h (image row)", "w (image column)")}

    def reference(self, case, arrays):
        from .. import im2col_fancy

        sp = case.spec
        dx = im2col_fancy.col2im(arrays["cols"], sp.x_shape, sp.HH, sp.WW, sp.stride, sp.pad)
        return {"dx": dx}

    def variants(self, stage):
        return col2im_variants()


class IndicesChecker(Checker):
    """``im2col_indices(x_shape, HH, WW, stride, pad) -> (k, i, j)``.

    Index arrays are compared after broadcasting them together, so that any
    shapes that gather the same ``x_pad[:, k, i, j]`` pass (``k`` of shape
    ``(K, 1)`` or ``(K, L)``).
    """

    name = "im2col_indices"
    title = "im2col_indices"
    outputs = ("k", "i", "j")
    moves_values = True
    describe_as = "indices"
    exact = True
    twins = False
    probe_stages = (None,)
    family_codes: ClassVar[dict] = {k: v for k, v in _FAMILIES.items() if k not in ("N1", "C1")}
    axis_names: ClassVar[dict] = {
        n: ("rows = C*HH*WW (filter taps)", "columns = H_out*W_out (windows)") for n in "kij"
    }

    def reference(self, case, arrays):
        from .. import im2col_fancy

        sp = case.spec
        k, i, j = im2col_fancy.im2col_indices(sp.x_shape, sp.HH, sp.WW, sp.stride, sp.pad)
        return {"k": k, "i": i, "j": j}

    def prepare(self, outputs):
        try:
            arrs = np.broadcast_arrays(*(np.asarray(outputs[n]) for n in self.outputs))
        except (ValueError, KeyError):
            return outputs
        return {n: np.array(a) for n, a in zip(self.outputs, arrs, strict=True)}

    def variants(self, stage):
        return indices_variants()
