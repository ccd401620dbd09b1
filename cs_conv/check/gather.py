"""An im2col as a student's code may compute it: one description, every stage.

A :class:`Gather` describes which pixel of x each entry of a student's ``cols``
reads: the window size (``HH x WW``, or the two exchanged), where window (i, j)
starts, how many windows there are, how x was padded, and in which order the
taps and the windows are laid out.  :func:`index_map` turns it into an integer
array of ``cols``'s shape holding flat indices into x (-1 for a padding zero),
or None where that code would crash (a window past the edge of its padded
image).  From the map:

- ``im2col`` variants gather: ``x.ravel()[map]``;
- ``col2im`` variants are the adjoint (what a ``col2im`` written with the same
  layout returns): ``np.bincount(map, weights=cols)``;
- ``im2col_indices`` variants use the same geometry in padded coordinates.

Sizes are written as linear functions of the case's pad: ``(a, b)`` means
``a*pad + b``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .cases import Spec

__all__ = [
    "NO_PAD",
    "PAD",
    "PAD_SHIFTS",
    "Gather",
    "adjoint",
    "gather",
    "index_map",
    "indices_of",
    "out_hw",
    "pads_of",
    "size_of",
    "start_of",
]

PAD = (1, 0)
"""``pad`` as ``(a, b)`` for ``a*pad + b``."""
NO_PAD = (0, 0)
PAD_SHIFTS = {
    # name: ((top, bottom) of the padded rows, words)
    "top-only": (((1, 0), (0, 0)), "on the top only"),
    "bottom-only": (((0, 0), (1, 0)), "on the bottom only"),
    "top-twice": (((2, 0), (0, 0)), "twice on the top and not on the bottom"),
    "bottom-twice": (((0, 0), (2, 0)), "twice on the bottom and not on the top"),
    "one-more-top": (((1, 1), (1, 0)), "with one row more on the top"),
    "shifted-down": (((1, 1), (1, -1)), "with one row more on the top and one less on the bottom"),
    "shifted-up": (((1, -1), (1, 1)), "with one row less on the top and one more on the bottom"),
}
"""Ways of padding one axis unevenly (``pad-wrong-axes``), as (top, bottom) sizes."""


@dataclass(frozen=True)
class Gather:
    """One way of building cols.

    Attributes
    ----------
    taps : tuple of str
        The sizes of a window's rows and columns: ``("HH", "WW")``; ``("WW", "HH")``
        for a window spanning WW rows and HH columns; ``("HH", "HH")``...; a ``+1``
        suffix (``"HH+1"``) for a window one too large.
    start : tuple
        Offset of window (0, 0) from the corner, in rows and columns: an int, or
        ``"s"`` for one stride (``range(1, H_out + 1)``).
    step : str
        ``"stride"``, or ``"1"`` when the stride is ignored.
    count : str
        How many windows: ``"true"`` (the case's H_out, W_out; crash when they do
        not fit), ``"fit"`` (as many as fit, as sliding_window_view gives),
        ``"sizes"`` (floor formula from the window size, step and pad the code uses),
        ``"swapped"`` (W_out rows of windows and H_out columns), ``"swapped-filter"``
        (H_out from WW, W_out from HH), ``"swapped-image"`` (H_out from W, W_out from H).
    pads : tuple
        ``((top), (bottom), (left), (right))``, each ``(a, b)`` for ``a*pad + b``.
    taps_order : str
        Order of a column's entries: ``"cij"`` (the layout), ``"cji"``, ``"ijc"``, ``"icj"``.
    cols_order : str
        Order of the columns: ``"nij"`` (the layout), ``"nji"``, ``"ijn"``, ``"inj"``, or
        ``"raw"`` (the gathered ``(N, K, L)`` reshaped to ``(K, N*L)`` without moving N).
    transposed : bool
        One row per window instead of one column.
    all_axes : bool
        x padded by ``np.pad(x, pad)``, which pads N and C too (``pads`` is then
        ignored): a fancy gather reads all N + 2*pad images and the first C channels.
    clip : bool
        The counts are clipped to the windows that fit (a sliding window view sliced
        with ``[:, :, :H_out, :W_out]`` never crashes, it returns fewer windows).
    """

    taps: tuple = ("HH", "WW")
    start: tuple = (0, 0)
    step: str = "stride"
    count: str = "true"
    pads: tuple = (PAD, PAD, PAD, PAD)
    taps_order: str = "cij"
    cols_order: str = "nij"
    transposed: bool = False
    all_axes: bool = False
    clip: bool = False


def size_of(name: str, sp: Spec) -> int:
    """The size a window dimension name (``"HH"``, ``"WW+1"``) has on a case."""
    base, _, extra = name.partition("+")
    return {"HH": sp.HH, "WW": sp.WW}[base] + (int(extra) if extra else 0)


def _lin(ab, p: int) -> int:
    return ab[0] * p + ab[1]


def start_of(g: Gather, sp: Spec) -> tuple[int, int]:
    """Where window (0, 0) of ``g`` starts on a case."""
    return tuple(sp.stride if v == "s" else int(v) for v in g.start)


def _counts(sp: Spec, g: Gather, Hp: int, Wp: int) -> tuple[int, int]:
    """How many windows the code of ``g`` makes, on a padded image of ``Hp x Wp``."""
    th, tw = (size_of(t, sp) for t in g.taps)
    s = sp.stride if g.step == "stride" else 1
    oh, ow = start_of(g, sp)
    if g.count == "true":
        return sp.H_out, sp.W_out
    if g.count == "swapped":
        return sp.W_out, sp.H_out
    if g.count == "swapped-filter":
        return (Hp - tw) // s + 1, (Wp - th) // s + 1
    if g.count == "swapped-image":  # H_out from the width, W_out from the height
        return (Wp - th) // s + 1, (Hp - tw) // s + 1
    if g.count == "fit":
        return (Hp - oh - th) // s + 1, (Wp - ow - tw) // s + 1
    # "sizes": the floor formula with the window size, step and padding the code uses
    return (Hp - th) // s + 1, (Wp - tw) // s + 1


def _windows(P: np.ndarray, g: Gather, sp: Spec):
    """Windows ``(N, C, Ho, Wo, th, tw)`` of the padded image P, or None (a crash)."""
    th, tw = (size_of(t, sp) for t in g.taps)
    s = sp.stride if g.step == "stride" else 1
    oh, ow = start_of(g, sp)
    if oh < 0 or ow < 0 or th < 1 or tw < 1:
        return None
    Ho, Wo = _counts(sp, g, *P.shape[2:])
    if (g.count == "fit" or g.clip) and (P.shape[2] < th or P.shape[3] < tw):
        return None  # sliding_window_view refuses a window larger than the image
    P = P[:, :, oh:, ow:]
    Hp, Wp = P.shape[2:]
    if g.clip:  # python slicing: [:k] of the windows that fit, k negative included
        Ho = len(range(max((Hp - th) // s + 1, 0))[:Ho])
        Wo = len(range(max((Wp - tw) // s + 1, 0))[:Wo])
    if g.count == "sizes":  # loops over range(negative) run no time: no windows
        Ho, Wo = max(Ho, 0), max(Wo, 0)
    if Ho < 0 or Wo < 0:
        return None  # np.zeros of a negative size: the code crashes
    if Ho == 0 or Wo == 0:  # a floor count of no windows: an empty result
        return np.zeros((*P.shape[:2], Ho, Wo, th, tw), dtype=P.dtype)
    if (Ho - 1) * s + th > Hp or (Wo - 1) * s + tw > Wp:
        return None
    v = sliding_window_view(P, (th, tw), axis=(2, 3))[:, :, ::s, ::s]
    return v[:, :, :Ho, :Wo]


_TAPS = {"cij": (1, 4, 5), "cji": (1, 5, 4), "ijc": (4, 5, 1), "icj": (4, 1, 5)}
_COLS = {"nij": (0, 2, 3), "nji": (0, 3, 2), "ijn": (2, 3, 0), "inj": (2, 0, 3)}


def _layout(v: np.ndarray, g: Gather) -> np.ndarray:
    K = v.shape[1] * v.shape[4] * v.shape[5]
    if g.cols_order == "raw":  # (N, K, L) reshaped to (K, N*L) without the transpose
        return v.transpose(0, 1, 4, 5, 2, 3).reshape(K, -1)
    t, c = _TAPS[g.taps_order], _COLS[g.cols_order]
    cols = v.transpose(t + c).reshape(K, -1)
    return cols.T if g.transposed else cols


def pads_of(sp: Spec, g: Gather) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` padding of ``g`` on a case (negative: a crash)."""
    return tuple(_lin(ab, sp.pad) for ab in g.pads)


def _padded_index_image(sp: Spec, g: Gather):
    if g.all_axes:
        flat = np.arange(sp.N * sp.C * sp.H * sp.W).reshape(sp.x_shape)
        return np.pad(flat, sp.pad, constant_values=-1)[:, : sp.C]
    t, b, l, r = pads_of(sp, g)
    if min(t, b, l, r) < 0:
        return None  # np.pad refuses negative widths: the code crashes
    P = -np.ones((sp.N, sp.C, sp.H + t + b, sp.W + l + r), dtype=np.intp)
    P[:, :, t : t + sp.H, l : l + sp.W] = np.arange(sp.N * sp.C * sp.H * sp.W).reshape(sp.x_shape)
    return P


def out_hw(sp: Spec, g: Gather) -> tuple[int, int]:
    """``(H_out, W_out)`` of the windows the code of ``g`` makes (before any crash)."""
    p = sp.pad
    Hp = sp.H + _lin(g.pads[0], p) + _lin(g.pads[1], p)
    Wp = sp.W + _lin(g.pads[2], p) + _lin(g.pads[3], p)
    Ho, Wo = _counts(sp, g, Hp, Wp)
    if g.clip:
        th, tw = (size_of(t, sp) for t in g.taps)
        s = sp.stride if g.step == "stride" else 1
        oh, ow = start_of(g, sp)
        Ho = len(range(max((Hp - oh - th) // s + 1, 0))[:Ho])
        Wo = len(range(max((Wp - ow - tw) // s + 1, 0))[:Wo])
    return Ho, Wo


def index_map(sp: Spec, g: Gather):
    """Flat indices into x of every entry of the cols ``g`` builds (-1: a zero), or None."""
    P = _padded_index_image(sp, g)
    if P is None:
        return None
    v = _windows(P, g, sp)
    return None if v is None else _layout(v, g)


def gather(x: np.ndarray, sp: Spec, g: Gather):
    """The cols the code of ``g`` builds from ``x`` (float64), or None where it crashes."""
    m = index_map(sp, g)
    if m is None:
        return None
    flat = np.concatenate([x.reshape(-1).astype(np.float64), [0.0]])
    return flat[m]  # -1 reads the appended zero


def adjoint(cols: np.ndarray, sp: Spec, g: Gather):
    """What a ``col2im`` written with the layout of ``g`` returns for ``cols``, or None
    where it crashes (a map of another shape than cols, or windows past the edge)."""
    m = index_map(sp, g)
    if m is None or m.shape != cols.shape:
        return None
    keep = m >= 0
    size = sp.N * sp.C * sp.H * sp.W
    dx = np.bincount(m[keep], weights=np.asarray(cols, dtype=np.float64)[keep], minlength=size)
    return dx.reshape(sp.x_shape)


def indices_of(sp: Spec, g: Gather):
    """``(k, i, j)`` of an ``im2col_indices`` with the geometry of ``g`` (rows and columns
    in the padded input; its pads change only the window counts), or None."""
    th, tw = (size_of(t, sp) for t in g.taps)
    s = sp.stride if g.step == "stride" else 1
    p = sp.pad
    Hp = sp.H + _lin(g.pads[0], p) + _lin(g.pads[1], p)
    Wp = sp.W + _lin(g.pads[2], p) + _lin(g.pads[3], p)
    Ho, Wo = _counts(sp, g, Hp, Wp)
    if Ho < 0 or Wo < 0 or th < 1 or tw < 1:
        return None
    if g.count == "fit" and (Hp < th or Wp < tw):
        return None  # sliding_window_view refuses a window larger than the image
    shape = (1, sp.C, Ho, Wo, th, tw)
    oh, ow = start_of(g, sp)
    c = np.arange(sp.C).reshape(1, -1, 1, 1, 1, 1)
    i = oh + s * np.arange(Ho).reshape(1, 1, -1, 1, 1, 1)
    i = i + np.arange(th).reshape(1, 1, 1, 1, -1, 1)
    j = ow + s * np.arange(Wo).reshape(1, 1, 1, -1, 1, 1)
    j = j + np.arange(tw).reshape(1, 1, 1, 1, 1, -1)
    return tuple(_layout(np.broadcast_to(a, shape), g) for a in (c, i, j))
