"""The variants of ``im2col``, ``col2im`` and ``im2col_indices``.

Most come from the layouts of :mod:`cs_conv.check.layouts`: the same wrong
cols, gathered (im2col), scattered back by the adjoint (col2im) or described
by their index arrays (im2col_indices).  A few are specific: col2im
overwriting instead of adding, returning the padded buffer, the ``0:-0`` crop.
"""

from __future__ import annotations

import numpy as np

from .gather import Gather, adjoint, gather, indices_of
from .layouts import CLIPPED, GEOMETRY, LAYOUT, PADDING, WINDOW_SIZE
from .loops import loop_col2im, loop_im2col
from .mutations import (
    Crash,
    Variant,
    cols_from_windows,
    crop,
    fold,
    fold_assign,
    fold_fancy_plus_equals,
    unfold_cols,
    windows,
)

__all__ = [
    "col2im_variants",
    "crash_only",
    "im2col_variants",
    "indices_variants",
    "loop_variants",
    "pad_geom",
]

_REF = Gather()


def pad_geom(c):
    """``(H + 2*pad, W + 2*pad, stride, stride)`` of the case: what ``fold`` needs."""
    sp = c.spec
    return sp.H + 2 * sp.pad, sp.W + 2 * sp.pad, sp.stride, sp.stride


def crash_only(reference, pads_x: bool = True) -> list[Variant]:
    """Mistakes that crash wherever they change anything (named from the crashes'
    messages, and from the cases that pass): ``reference(ctx)`` is the right answer.
    ``pads_x``: the function pads x itself (col2im does not: no ``np.pad(x, pad)``)."""

    def unless(pred):
        return lambda c: reference(c) if pred(c.spec) else None

    out = [
        Variant(
            "filter-hw-swapped",
            "Your code crashes on every filter with HH != WW and works on square ones: "
            "HH is used where WW belongs (a reshape, a window or an end index).",
            unless(lambda sp: sp.HH == sp.WW),
        ),
        Variant(
            "pad-wrong-axes",
            "Your code crashes whenever pad > 0 and works with pad 0: `np.pad(x, pad)` pads "
            "the N and C axes too.",
            unless(lambda sp: sp.pad == 0),
        ),
        Variant(
            "stride-ignored",
            "Your code crashes whenever the stride is > 1 and works with stride 1.",
            unless(lambda sp: sp.stride == 1),
        ),
        Variant(
            "true-division",
            "Your code crashes on every case: an output size computed with `/` is a float.",
            lambda c: None,
        ),
        Variant(
            "hw-swapped",
            "Your code crashes whenever H_out != W_out and works otherwise: H_out and W_out "
            "(or H and W) are exchanged.",
            unless(lambda sp: sp.H_out == sp.W_out),
        ),
    ]
    return out if pads_x else [v for v in out if v.code != "pad-wrong-axes"]


def loop_variants(run, what: str, *, padding: bool = True) -> list[Variant]:
    """The geometry mistakes of :mod:`cs_conv.check.layouts` made in loops, run by
    ``run(ctx, gather)`` (:mod:`cs_conv.check.loops`)."""
    groups = (WINDOW_SIZE, GEOMETRY, PADDING) if padding else (WINDOW_SIZE, GEOMETRY)
    return [
        Variant(code, f"{what} {words} (in loops).", lambda c, g=g: run(c, g))
        for group in groups
        for code, words, g in group
        if g.count != "fit"
    ]


def _all_pad_first(c):
    """cols from the first N images and C channels of ``np.pad(x, pad)`` (which pads
    every axis), as loops over n and c read them."""
    sp, p = c.spec, c.spec.pad
    xp = np.pad(c.a["x"], p)[: sp.N, : sp.C]
    win = windows(xp, sp.HH, sp.WW, sp.stride, sp.stride, sp.H_out, sp.W_out)
    return None if win is None else {"cols": cols_from_windows(win)}


def im2col_variants() -> list[Variant]:
    """Every way an im2col can go wrong that the catalogue names."""

    def cols(g):
        return lambda c: _wrap("cols", gather(c.a["x"], c.spec, g))

    def reshaped(g):
        def fn(c):
            got = gather(c.a["x"], c.spec, g)
            sp = c.spec
            if got is not None and got.shape != sp.cols_shape:
                return Crash(f"size {got.size} ")
            return _wrap("cols", got)

        return fn

    out = [
        Variant(code, f"Your cols hold {words}.", cols(g))
        for code, words, g in (*LAYOUT, *WINDOW_SIZE, *GEOMETRY, *PADDING, *CLIPPED)
    ]
    out += [
        Variant(code, f"Your cols hold {words}, reshaped to (C*HH*WW, N*H_out*W_out).", reshaped(g))
        for code, words, g in (*WINDOW_SIZE, *GEOMETRY, *PADDING, *CLIPPED)
        if g.count != "true" or g.all_axes or g.clip
    ]
    out += [
        Variant(
            "pad-wrong-axes",
            "Your cols come from `np.pad(x, pad)`, which pads N and C too: the first N images "
            "and C channels of it are shifted ones.",
            _all_pad_first,
        ),
    ]
    out += loop_variants(loop_im2col, "Your cols hold")
    return out + crash_only(lambda c: {"cols": gather(c.a["x"], c.spec, _REF)})


def _wrap(name, value):
    return None if value is None else {name: value}


def col2im_variants() -> list[Variant]:
    """Every way a col2im can go wrong that the catalogue names (a wrong crop is not one:
    it is named by nothing, the behaviour line says where to look)."""

    def D(c, order="nij"):
        return c.memo(("D", order), lambda: unfold_cols(c.a["cols"], c.spec, order))

    def dx(xp, c):
        return None if xp is None else {"dx": crop(xp, c.spec)}

    def zero_crop(c):
        p = c.spec.pad
        return {"dx": fold(D(c), *pad_geom(c))[:, :, p:-p, p:-p]}

    def scatter(g):
        return lambda c: _wrap("dx", adjoint(c.a["cols"], c.spec, g))

    out = [
        Variant(code, f"Your col2im reads cols as {words}.", scatter(g))
        for code, words, g in (*LAYOUT[1:], *WINDOW_SIZE, *GEOMETRY)
    ]
    acc = "col2im-not-accumulating"
    out += [
        Variant(
            acc,
            "Where windows overlap, your image holds only the value of the last window "
            "written (loops over i then j with `=`), not the sum.",
            lambda c: dx(fold_assign(D(c), *pad_geom(c), order="ij"), c),
        ),
        Variant(
            acc,
            "Where windows overlap, your image holds only the value of the last window "
            "written (loops over j then i with `=`), not the sum.",
            lambda c: dx(fold_assign(D(c), *pad_geom(c), order="ji"), c),
        ),
        Variant(
            acc,
            "Your image equals what `x_pad[:, k, i, j] += cols` gives: with fancy indexing, "
            "repeated indices keep only one of the additions.",
            lambda c: dx(fold_fancy_plus_equals(D(c), *pad_geom(c)), c),
        ),
        Variant(
            "col2im-uncropped",
            "Your output is the padded buffer, (N, C, H + 2*pad, W + 2*pad).",
            lambda c: {"dx": fold(D(c), *pad_geom(c))},
        ),
        Variant(
            "pad-zero-crop",
            "With pad 0 your output is empty, as `x_pad[:, :, 0:-0, 0:-0]` is.",
            zero_crop,
        ),
    ]
    out += loop_variants(loop_col2im, "Your col2im adds back", padding=False)
    return out + crash_only(lambda c: {"dx": adjoint(c.a["cols"], c.spec, _REF)}, pads_x=False)


def indices_variants() -> list[Variant]:
    """Every way im2col_indices can go wrong that the catalogue names."""

    def kij(g):
        def fn(c):
            got = indices_of(c.spec, g)
            return None if got is None else dict(zip("kij", got, strict=True))

        return fn

    return [
        Variant(code, f"Your indices gather {words}.", kij(g))
        for code, words, g in (*LAYOUT, *WINDOW_SIZE, *GEOMETRY)
        if g.pads == _REF.pads or code == "pad-ignored"
    ]
