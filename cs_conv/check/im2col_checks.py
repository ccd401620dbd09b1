"""Checkers of ``im2col``, ``col2im`` (every stage) and ``im2col_indices``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .checker import Checker
from .mutations import (
    Variant,
    cols_from_windows,
    crop,
    fold,
    fold_assign,
    fold_fancy_plus_equals,
    lenient_out,
    unfold_cols,
    windows,
)

__all__ = ["Col2imChecker", "Im2colChecker", "IndicesChecker"]

_STAGES = ("loops", "fancy", "cython")


def _cols(win, order="nij"):
    return None if win is None else {"cols": cols_from_windows(win, order)}


def _im2col_variants() -> list[Variant]:
    def sized(c, **kw):
        return c.win(Ho=c.spec.H_out, Wo=c.spec.W_out, **kw)

    def one_side(c, before: bool):
        p = c.spec.pad
        return _cols(c.win(pads=(p, 0, p, 0) if before else (0, p, 0, p)))

    def square(c, k):
        # a k x k filter on the padded input, window counts by floor division (no tiling
        # check); a filter larger than the padded input gives no windows, as the loops do
        def make():
            sp = c.spec
            Ho, Wo = lenient_out(sp, HH=k, WW=k)
            if k < 1:
                return None
            if Ho < 1 or Wo < 1:
                return {"cols": np.zeros((sp.C * k * k, 0))}
            return _cols(windows(c.padded(), k, k, sp.stride, sp.stride, Ho, Wo))

        return c.memo(("square", k), make)

    return [
        Variant(
            "cols-transposed",
            "Your cols equal the reference transposed: one row per window instead of one column.",
            lambda c: {"cols": cols_from_windows(c.ref_win).T},
        ),
        Variant(
            "cols-n-fastest",
            "Your columns are the right windows in the order (i, j, n), n fastest; with "
            "N == 1 this is the same, so only cases with N > 1 fail.",
            lambda c: _cols(c.ref_win, "ijn"),
        ),
        Variant(
            "hw-swapped",
            "Your columns are the right windows in the order (n, j, i): the loops (or "
            "reshapes) over H_out and W_out are exchanged; square outputs hide it.",
            lambda c: _cols(c.ref_win, "nji"),
        ),
        Variant(
            "hw-swapped",
            "Your windows run i over range(W_out) and j over range(H_out); square outputs hide it.",
            lambda c: _cols(c.win(Ho=c.spec.W_out, Wo=c.spec.H_out)),
        ),
        Variant(
            "filter-hw-swapped",
            "Each of your columns lists the window's taps in (c, dj, di) order instead of "
            "(c, di, dj): the window was transposed, or HH and WW exchanged, before flattening.",
            lambda c: _cols(c.ref_win, "taps-ji"),
        ),
        Variant(
            "filter-hw-swapped",
            "Your cols equal im2col with an HH x HH filter (`WW = HH`, rows C*HH*HH and "
            "W_out from HH): the filter width WW is never used; square filters hide it.",
            lambda c: square(c, c.spec.HH),
        ),
        Variant(
            "filter-hw-swapped",
            "Your cols equal im2col with a WW x WW filter (`HH = WW`, rows C*WW*WW and "
            "H_out from WW): the filter height HH is never used; square filters hide it.",
            lambda c: square(c, c.spec.WW),
        ),
        Variant(
            "stride-ignored",
            "Your windows start at row i and column j instead of i*stride and j*stride.",
            lambda c: _cols(sized(c, stride=1)),
        ),
        Variant(
            "stride-ignored",
            "Your cols hold every stride-1 window.",
            lambda c: _cols(c.win(stride=1)),
        ),
        Variant(
            "pad-ignored",
            "Your cols equal the reference computed without padding.",
            lambda c: _cols(c.win(pads=(0, 0, 0, 0))),
        ),
        Variant(
            "pad-wrong-axes",
            "Your cols equal the reference with the padding on the top and left only.",
            lambda c: one_side(c, True),
        ),
        Variant(
            "pad-wrong-axes",
            "Your cols equal the reference with the padding on the bottom and right only.",
            lambda c: one_side(c, False),
        ),
    ]


class Im2colChecker(Checker):
    """``im2col(x, HH, WW, stride, pad) -> cols``."""

    name = "im2col"
    title = "im2col"
    outputs = ("cols",)
    primary = "x"
    describe_as = "im2col"
    stages = _STAGES
    default_stage = "loops"
    axis_names: ClassVar[dict] = {
        "cols": ("rows = C*HH*WW (filter taps)", "columns = N*H_out*W_out (windows)")
    }

    def reference(self, case, arrays):
        from .. import im2col_fancy

        sp = case.spec
        return {"cols": im2col_fancy.im2col(arrays["x"], sp.HH, sp.WW, sp.stride, sp.pad)}

    def variants(self, stage):
        return _im2col_variants()


def _dx(xp, c):
    return None if xp is None else {"dx": crop(xp, c.spec)}


def _col2im_variants() -> list[Variant]:
    def D(c, order="nij"):
        return c.memo(("D", order), lambda: unfold_cols(c.a["cols"], c.spec, order))

    def geom(c):
        sp = c.spec
        return sp.H + 2 * sp.pad, sp.W + 2 * sp.pad, sp.stride, sp.stride

    def zero_crop(c):
        p = c.spec.pad
        return {"dx": fold(D(c), *geom(c))[:, :, p:-p, p:-p]}

    return [
        Variant(
            "col2im-not-accumulating",
            "Where windows overlap, your image holds only the value of the last window "
            "written (loops over i then j with `=`), not the sum.",
            lambda c: _dx(fold_assign(D(c), *geom(c), order="ij"), c),
        ),
        Variant(
            "col2im-not-accumulating",
            "Where windows overlap, your image holds only the value of the last window "
            "written (loops over j then i with `=`), not the sum.",
            lambda c: _dx(fold_assign(D(c), *geom(c), order="ji"), c),
        ),
        Variant(
            "col2im-not-accumulating",
            "Your image equals what `x_pad[:, k, i, j] += cols` gives: with fancy indexing, "
            "repeated indices keep only one of the additions.",
            lambda c: _dx(fold_fancy_plus_equals(D(c), *geom(c)), c),
        ),
        Variant(
            "col2im-uncropped",
            "Your output is the padded buffer, (N, C, H + 2*pad, W + 2*pad).",
            lambda c: {"dx": fold(D(c), *geom(c))},
        ),
        Variant(
            "pad-zero-crop",
            "With pad 0 your output is empty, as `x_pad[:, :, 0:-0, 0:-0]` is.",
            zero_crop,
        ),
        Variant(
            "cols-n-fastest",
            "Your col2im reads the columns in the order (i, j, n), n fastest; with N == 1 "
            "this is the same.",
            lambda c: _dx(fold(D(c, "ijn"), *geom(c)), c),
        ),
        Variant(
            "hw-swapped",
            "Your col2im reads the columns in the order (n, j, i): H_out and W_out are "
            "exchanged; square outputs hide it.",
            lambda c: _dx(fold(D(c, "nji"), *geom(c)), c),
        ),
        Variant(
            "filter-hw-swapped",
            "Your col2im reads each column's taps in (c, dj, di) order: the window is "
            "transposed, or HH and WW exchanged, when a column is reshaped.",
            lambda c: _dx(fold(D(c, "taps-ji"), *geom(c)), c),
        ),
        Variant(
            "stride-ignored",
            "Your col2im places window (i, j) at row i and column j instead of i*stride "
            "and j*stride.",
            lambda c: _dx(fold(D(c), *geom(c)[:2], 1, 1), c),
        ),
    ]


class Col2imChecker(Checker):
    """``col2im(cols, x_shape, HH, WW, stride, pad) -> dx``."""

    name = "col2im"
    title = "col2im"
    outputs = ("dx",)
    primary = "cols"
    describe_as = "col2im"
    stages = _STAGES
    default_stage = "loops"
    axis_names: ClassVar[dict] = {"dx": ("n", "c", "h (image row)", "w (image column)")}

    def reference(self, case, arrays):
        from .. import im2col_fancy

        sp = case.spec
        dx = im2col_fancy.col2im(arrays["cols"], sp.x_shape, sp.HH, sp.WW, sp.stride, sp.pad)
        return {"dx": dx}

    def variants(self, stage):
        return _col2im_variants()


def _indices(C, taps_h, taps_w, Ho, Wo, s, *, taps="ij", windows="ij", transpose=False):
    """(k, i, j) for taps ``range(taps_h) x range(taps_w)`` and an output grid."""
    if taps == "ij":
        c, di, dj = np.meshgrid(np.arange(C), np.arange(taps_h), np.arange(taps_w), indexing="ij")
    else:  # (c, dj, di): dj slower
        c, dj, di = np.meshgrid(np.arange(C), np.arange(taps_w), np.arange(taps_h), indexing="ij")
    if windows == "ij":
        io, jo = np.meshgrid(np.arange(Ho), np.arange(Wo), indexing="ij")
    else:
        jo, io = np.meshgrid(np.arange(Wo), np.arange(Ho), indexing="ij")
    k = c.reshape(-1, 1)
    i = di.reshape(-1, 1) + s * io.reshape(1, -1)
    j = dj.reshape(-1, 1) + s * jo.reshape(1, -1)
    if transpose:
        k, i, j = k.T, i.T, j.T
    return {"k": k, "i": i, "j": j}


def _indices_variants() -> list[Variant]:
    def base(c, **kw):
        sp = c.spec
        args = dict(C=sp.C, taps_h=sp.HH, taps_w=sp.WW, Ho=sp.H_out, Wo=sp.W_out, s=sp.stride)
        args.update(kw)
        return _indices(**args)

    def square(c, k):
        Ho, Wo = lenient_out(c.spec, HH=k, WW=k)
        if k < 1:
            return None
        return base(c, taps_h=k, taps_w=k, Ho=max(Ho, 0), Wo=max(Wo, 0))  # no windows: empty

    def no_pad(c):
        Ho, Wo = lenient_out(c.spec, pad=0)
        return base(c, Ho=max(Ho, 0), Wo=max(Wo, 0))  # no windows: empty arrays

    return [
        Variant(
            "cols-transposed",
            "Your k, i, j are the transposes of the reference's: they gather (windows, taps) "
            "instead of (taps, windows).",
            lambda c: base(c, transpose=True),
        ),
        Variant(
            "hw-swapped",
            "Your windows are enumerated in the order (j_out, i_out): H_out and W_out are "
            "exchanged; square outputs hide it.",
            lambda c: base(c, windows="ji"),
        ),
        Variant(
            "filter-hw-swapped",
            "Your taps are enumerated in (c, dj, di) order instead of (c, di, dj).",
            lambda c: base(c, taps="ji"),
        ),
        Variant(
            "filter-hw-swapped",
            "Your taps span WW rows and HH columns (e.g. `np.repeat(np.arange(WW), HH)` "
            "for the row offsets); square filters hide it.",
            lambda c: base(c, taps_h=c.spec.WW, taps_w=c.spec.HH),
        ),
        Variant(
            "filter-hw-swapped",
            "Your indices are those of an HH x HH filter (`WW = HH`: C*HH*HH taps, W_out "
            "from HH); square filters hide it.",
            lambda c: square(c, c.spec.HH),
        ),
        Variant(
            "filter-hw-swapped",
            "Your indices are those of a WW x WW filter (`HH = WW`: C*WW*WW taps, H_out "
            "from WW); square filters hide it.",
            lambda c: square(c, c.spec.WW),
        ),
        Variant(
            "stride-ignored",
            "Your row and column offsets of window (i_out, j_out) are i_out and j_out, not "
            "i_out*stride and j_out*stride.",
            lambda c: base(c, s=1),
        ),
        Variant(
            "pad-ignored",
            "Your index arrays have as many windows as an unpadded input would.",
            no_pad,
        ),
    ]


class IndicesChecker(Checker):
    """``im2col_indices(x_shape, HH, WW, stride, pad) -> (k, i, j)``.

    Index arrays are compared after broadcasting them together, so that any
    shapes that gather the same ``x_pad[:, k, i, j]`` pass (``k`` of shape
    ``(K, 1)`` or ``(K, L)``).
    """

    name = "im2col_indices"
    title = "im2col_indices"
    outputs = ("k", "i", "j")
    describe_as = "indices"
    exact = True
    twins = False
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
        return _indices_variants()
