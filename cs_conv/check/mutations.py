"""Mutations of the reference: what a known mistake would have returned.

A checker names a mistake when the student's output equals one of these
mutated answers (and the mutation changes the answer on that case).  The
primitives here are *lenient* on purpose: they use floor division for output
sizes and never validate tiling, the way a student's code would behave, and
they compute in float64.  They return None when a mistake cannot produce an
answer on a case (the student's code would then raise instead).

The reference answers themselves come from :mod:`cs_conv`; nothing here is
used as a reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .cases import Case, Spec

__all__ = [
    "Crash",
    "Ctx",
    "Variant",
    "cols_from_windows",
    "conv_from_windows",
    "fold",
    "fold_assign",
    "fold_fancy_plus_equals",
    "grads_from_windows",
    "relayout",
    "unfold_cols",
    "windows",
]

_COL_ORDERS = {
    # (c, di, dj) rows; column order by name
    "nij": (1, 4, 5, 0, 2, 3),
    "nji": (1, 4, 5, 0, 3, 2),
    "ijn": (1, 4, 5, 2, 3, 0),
    # taps (c, dj, di), columns (n, i, j)
    "taps-ji": (1, 5, 4, 0, 2, 3),
}


@dataclass(frozen=True)
class Crash:
    """What a mistake gives where it crashes, when the crash is specific: the error
    message must contain ``says`` (e.g. ``"size 16"`` of a reshape that cannot work)."""

    says: str


@dataclass(frozen=True)
class Variant:
    """One way a mistake can show.

    Attributes
    ----------
    code : str
        Catalogue code.
    evidence : str
        What matching it means, completing "On the failing cases ...".
    fn : callable
        ``fn(ctx) -> dict of outputs``, None where the mistake crashes, or a
        :class:`Crash` where it crashes with a message that says so.
    """

    code: str
    evidence: str
    fn: Callable = field(compare=False)


class Ctx:
    """Inputs of one case in float64, with memoised windows.

    Parameters
    ----------
    case : Case
    arrays : dict of str to ndarray
        The case's arrays (as given to the student).
    """

    def __init__(self, case: Case, arrays: dict):
        self.case = case
        self.spec: Spec = case.spec
        self.a = {k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()}
        self._memo: dict = {}

    def memo(self, key, make):
        """``make()`` once per key."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def padded(self, x=None, pads=None) -> np.ndarray:
        """x zero-padded by ``pads = (top, bottom, left, right)`` (default: the case's pad)."""
        p = self.spec.pad
        pads = (p, p, p, p) if pads is None else pads
        x = self.a["x"] if x is None else x
        t, bo, le, r = pads
        return np.pad(x, ((0, 0), (0, 0), (t, bo), (le, r)))

    def win(self, *, stride=None, pads=None, Ho=None, Wo=None, x=None):
        """Windows ``(N, C, Ho, Wo, HH, WW)`` of the padded input, or None."""
        sp = self.spec
        s = sp.stride if stride is None else stride
        key = ("win", s, pads, Ho, Wo, id(x))
        return self.memo(key, lambda: windows(self.padded(x, pads), sp.HH, sp.WW, s, s, Ho, Wo))

    @property
    def ref_win(self):
        """Windows of the true geometry."""
        return self.win(Ho=self.spec.H_out, Wo=self.spec.W_out)


def windows(x_pad, HH, WW, sh, sw, Ho=None, Wo=None):
    """Every ``HH x WW`` window at stride ``(sh, sw)``: ``(N, C, Ho, Wo, HH, WW)``.

    ``Ho``/``Wo`` default to the floor count; None is returned if they ask for
    windows past the edge or the filter does not fit.

    Examples
    --------
    >>> import numpy as np
    >>> windows(np.arange(12.0).reshape(1, 1, 3, 4), 2, 2, 1, 2).shape
    (1, 1, 2, 2, 2, 2)
    """
    N, C, Hp, Wp = x_pad.shape
    if HH < 1 or WW < 1:
        return None
    if Hp < HH or Wp < WW:  # a student's floor count gives no windows, or a negative one
        Hf, Wf = (Hp - HH) // sh + 1, (Wp - WW) // sw + 1
        if Ho is not None or Wo is not None or Hf < 0 or Wf < 0:
            return None
        return np.zeros((N, C, Hf, Wf, HH, WW))
    v = sliding_window_view(x_pad, (HH, WW), axis=(2, 3))[:, :, ::sh, ::sw]
    if Ho is not None:
        if Ho > v.shape[2] or Ho < 1:
            return None
        v = v[:, :, :Ho]
    if Wo is not None:
        if Wo > v.shape[3] or Wo < 1:
            return None
        v = v[:, :, :, :Wo]
    return v


def cols_from_windows(win, order: str = "nij") -> np.ndarray:
    """cols ``(C*HH*WW, N*Ho*Wo)`` from windows, columns in ``order``."""
    N, C, Ho, Wo, HH, WW = win.shape
    return win.transpose(_COL_ORDERS[order]).reshape(C * HH * WW, N * Ho * Wo)


def unfold_cols(cols, spec: Spec, order: str = "nij", Ho=None, Wo=None):
    """Inverse of :func:`cols_from_windows`: ``(N, C, Ho, Wo, HH, WW)`` from cols."""
    Ho = spec.H_out if Ho is None else Ho
    Wo = spec.W_out if Wo is None else Wo
    perm = _COL_ORDERS[order]
    shape6 = (spec.N, spec.C, Ho, Wo, spec.HH, spec.WW)
    shaped = cols.reshape(tuple(shape6[p] for p in perm))
    return shaped.transpose(np.argsort(perm))


def conv_from_windows(win, w, b) -> np.ndarray:
    """``out[n, f, i, j] = sum(win[n, :, i, j] * w[f]) + b[f]``."""
    return np.einsum("ncijhw,fchw->nfij", win, w) + b[None, :, None, None]


def fold(D, Hp, Wp, sh, sw) -> np.ndarray | None:
    """Add window values ``D (N, C, Ho, Wo, HH, WW)`` back onto a padded image."""
    N, C, Ho, Wo, HH, WW = D.shape
    if (Ho - 1) * sh + HH > Hp or (Wo - 1) * sw + WW > Wp:
        return None
    out = np.zeros((N, C, Hp, Wp))
    for di in range(HH):
        for dj in range(WW):
            out[:, :, di : di + sh * (Ho - 1) + 1 : sh, dj : dj + sw * (Wo - 1) + 1 : sw] += D[
                ..., di, dj
            ]
    return out


def fold_assign(D, Hp, Wp, sh, sw, order: str = "ij") -> np.ndarray | None:
    """Like :func:`fold` but *assigning* window by window (the last write wins).

    ``order`` is the loop order over windows: ``"ij"`` (rows outer) or ``"ji"``.
    """
    N, C, Ho, Wo, HH, WW = D.shape
    if (Ho - 1) * sh + HH > Hp or (Wo - 1) * sw + WW > Wp:
        return None
    out = np.zeros((N, C, Hp, Wp))
    pairs = [(i, j) for i in range(Ho) for j in range(Wo)]
    if order == "ji":
        pairs = [(i, j) for j in range(Wo) for i in range(Ho)]
    for i, j in pairs:
        out[:, :, i * sh : i * sh + HH, j * sw : j * sw + WW] = D[:, :, i, j]
    return out


def fold_fancy_plus_equals(D, Hp, Wp, sh, sw) -> np.ndarray | None:
    """What ``x_pad[:, k, i, j] += cols_nkl`` gives: one write per repeated index survives."""
    N, C, Ho, Wo, HH, WW = D.shape
    if (Ho - 1) * sh + HH > Hp or (Wo - 1) * sw + WW > Wp:
        return None
    c, di, dj = np.meshgrid(np.arange(C), np.arange(HH), np.arange(WW), indexing="ij")
    io, jo = np.meshgrid(np.arange(Ho), np.arange(Wo), indexing="ij")
    k = c.reshape(-1, 1)
    i = di.reshape(-1, 1) + sh * io.reshape(1, -1)
    j = dj.reshape(-1, 1) + sw * jo.reshape(1, -1)
    per_image = D.transpose(0, 1, 4, 5, 2, 3).reshape(N, C * HH * WW, Ho * Wo)
    out = np.zeros((N, C, Hp, Wp))
    out[:, k, i, j] += per_image
    return out


def crop(x_pad, spec: Spec) -> np.ndarray:
    """The unpadded centre of a padded image."""
    p = spec.pad
    return x_pad[:, :, p : p + spec.H, p : p + spec.W]


def grads_from_windows(win, w, dout, Hp, Wp, sh, sw):
    """``(dx_pad, dw, db)`` of ``conv_from_windows`` (dx before cropping), or None."""
    if win is None:
        return None
    dwin = np.einsum("nfij,fchw->ncijhw", dout, w)
    dx_pad = fold(dwin, Hp, Wp, sh, sw)
    if dx_pad is None:
        return None
    dw = np.einsum("nfij,ncijhw->fchw", dout, win)
    return dx_pad, dw, dout.sum(axis=(0, 2, 3))


def relayout(ref, src: str, dst: str, final=(0, 1, 2, 3)) -> np.ndarray:
    """Data laid out in axis order ``src``, reshaped to the sizes of ``dst``, then transposed.

    Axes are named ``n f i j`` (the reference's ``(N, F, H_out, W_out)``):
    ``relayout(out, "fnij", "nfij")`` is a GEMM result ``(F, N*L)`` reshaped
    straight to ``(N, F, H_out, W_out)`` without the transpose.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.arange(24.0).reshape(1, 2, 3, 4)
    >>> relayout(out, "nfij", "nfji").shape
    (1, 2, 4, 3)
    """
    names = "nfij"
    sizes = dict(zip(names, ref.shape, strict=True))
    data = ref.transpose([names.index(c) for c in src])
    return data.reshape([sizes[c] for c in dst]).transpose(final)
