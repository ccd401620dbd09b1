"""What a pooling mistake would have returned: windows, maxima and routed gradients.

The primitives are *lenient*, like a student's loops: window counts may be
anything that fits, and a window that runs past the bottom or right edge is
read as a shorter slice (its missing cells are ``-inf``, so they are never
the maximum, and gradients sent there are dropped).  They compute in float64
and return None when the mistake cannot produce an answer on a case (the
student's code would raise instead).  Nothing here is used as a reference:
the reference is :mod:`cs_conv.pooling_im2col`.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "PICKS",
    "across_channels",
    "across_channels_dx",
    "case_geometry",
    "case_windows",
    "max_routed_dx",
    "pool_max",
    "pool_windows",
    "route_add",
    "route_assign",
    "routed_dx",
    "scatter_positions",
    "tap_weights",
    "true_counts",
    "window_argmax",
]

PICKS = ("first", "last", "col-first", "col-last", "every", "split", "mean", "ones")
"""How a window's gradient is spread over its taps (see :func:`tap_weights`)."""


def pool_windows(x, PH, PW, sh, sw, Ho=None, Wo=None):
    """Windows ``(N, C, Ho, Wo, PH, PW)`` of ``x`` at stride ``(sh, sw)``, or None.

    ``Ho``/``Wo`` default to the floor counts ``(H - PH) // sh + 1``.  Cells past
    the edge are ``-inf``; None when a count is below 1 or a window starts
    outside the image.

    Examples
    --------
    >>> import numpy as np
    >>> pool_windows(np.arange(12.0).reshape(1, 1, 3, 4), 2, 2, 2, 2).shape
    (1, 1, 1, 2, 2, 2)
    >>> pool_windows(np.zeros((1, 1, 3, 4)), 2, 2, 2, 2, Ho=2)[0, 0, 1, 0]
    array([[  0.,   0.],
           [-inf, -inf]])
    """
    H, W = x.shape[2:]
    if min(PH, PW, sh, sw) < 1:
        return None
    Ho = (H - PH) // sh + 1 if Ho is None else Ho
    Wo = (W - PW) // sw + 1 if Wo is None else Wo
    if Ho < 1 or Wo < 1 or (Ho - 1) * sh >= H or (Wo - 1) * sw >= W:
        return None
    extra_h = max(0, (Ho - 1) * sh + PH - H)
    extra_w = max(0, (Wo - 1) * sw + PW - W)
    if extra_h or extra_w:
        x = np.pad(x, ((0, 0), (0, 0), (0, extra_h), (0, extra_w)), constant_values=-np.inf)
    v = sliding_window_view(x, (PH, PW), axis=(2, 3))[:, :, ::sh, ::sw]
    return v[:, :, :Ho, :Wo]


def pool_max(win):
    """The maximum of each window ``(N, C, Ho, Wo)``, or None for no windows."""
    return None if win is None else win.max(axis=(4, 5))


def window_argmax(win, pick: str = "first") -> np.ndarray:
    """Flat tap index ``di*PW + dj`` of each window's chosen maximum, ``(N, C, Ho, Wo)``.

    ``pick``: ``"first"``/``"last"`` maximum in row-major window order, or
    ``"col-first"``/``"col-last"`` in column-major order (a loop over columns
    outside rows).
    """
    N, C, Ho, Wo, PH, PW = win.shape
    if pick.startswith("col"):
        flat = win.swapaxes(4, 5).reshape(N, C, Ho, Wo, PH * PW)
    else:
        flat = win.reshape(N, C, Ho, Wo, PH * PW)
    if pick.endswith("last"):
        k = PH * PW - 1 - flat[..., ::-1].argmax(axis=-1)
    else:
        k = flat.argmax(axis=-1)
    if pick.startswith("col"):
        dj, di = np.divmod(k, PH)
        k = di * PW + dj
    return k


def tap_weights(win, pick: str) -> np.ndarray:
    """The share of its window's gradient each tap gets, ``(N, C, Ho, Wo, PH, PW)``.

    ``first``, ``last``, ``col-first``, ``col-last``: 1 at one maximum (see
    :func:`window_argmax`); ``every``: 1 at every maximum of a tie; ``split``:
    ``1/m`` at each of ``m`` tied maxima; ``mean``: ``1/(PH*PW)`` everywhere
    (average pooling); ``ones``: 1 everywhere.
    """
    N, C, Ho, Wo, PH, PW = win.shape
    if pick == "mean":
        return np.full(win.shape, 1.0 / (PH * PW))
    if pick == "ones":
        return np.ones(win.shape)
    if pick in ("every", "split"):
        mask = (win == win.max(axis=(4, 5), keepdims=True)).astype(np.float64)
        if pick == "split":
            mask /= mask.sum(axis=(4, 5), keepdims=True)
        return mask
    k = window_argmax(win, pick)
    onehot = np.zeros((N, C, Ho, Wo, PH * PW))
    np.put_along_axis(onehot, k[..., None], 1.0, axis=-1)
    return onehot.reshape(win.shape)


def route_add(D, H, W, sh, sw) -> np.ndarray:
    """Add the per-tap gradients ``D (N, C, Ho, Wo, PH, PW)`` onto an ``(N, C, H, W)`` image.

    Cells past the edge (of a window that runs off the image) are dropped.
    """
    N, C, Ho, Wo, PH, PW = D.shape
    Hp, Wp = max(H, (Ho - 1) * sh + PH), max(W, (Wo - 1) * sw + PW)
    out = np.zeros((N, C, Hp, Wp))
    for di in range(PH):
        for dj in range(PW):
            rows = slice(di, di + sh * (Ho - 1) + 1, sh)
            cols = slice(dj, dj + sw * (Wo - 1) + 1, sw)
            out[:, :, rows, cols] += D[..., di, dj]
    return out[:, :, :H, :W]


def route_assign(D, H, W, sh, sw, order: str = "ij") -> np.ndarray:
    """Like :func:`route_add` but each window *assigns* its whole block (the last write wins).

    ``order`` is the loop order over windows: ``"ij"`` (rows outer) or ``"ji"``.
    """
    N, C, Ho, Wo, PH, PW = D.shape
    Hp, Wp = max(H, (Ho - 1) * sh + PH), max(W, (Wo - 1) * sw + PW)
    out = np.zeros((N, C, Hp, Wp))
    pairs = [(i, j) for i in range(Ho) for j in range(Wo)]
    if order == "ji":
        pairs = [(i, j) for j in range(Wo) for i in range(Ho)]
    for i, j in pairs:
        out[:, :, i * sh : i * sh + PH, j * sw : j * sw + PW] = D[:, :, i, j]
    return out[:, :, :H, :W]


def scatter_positions(shape, rows, cols, dout, *, assign: bool = False, order: str = "ij"):
    """Send ``dout[n, c, i, j]`` to pixel ``(n, c, rows[n, c, i, j], cols[n, c, i, j])``.

    Adds (``np.add.at``), or with ``assign`` writes window by window in
    ``order`` so that the last write wins.  None when a position is outside
    the image (the student's indexing would raise).
    """
    N, C, H, W = shape
    if rows.min() < 0 or cols.min() < 0 or rows.max() >= H or cols.max() >= W:
        return None
    out = np.zeros(shape)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    n, c = n[..., None, None], c[..., None, None]
    if not assign:
        np.add.at(
            out, (np.broadcast_to(n, rows.shape), np.broadcast_to(c, rows.shape), rows, cols), dout
        )
        return out
    Ho, Wo = rows.shape[2:]
    pairs = [(i, j) for i in range(Ho) for j in range(Wo)]
    if order == "ji":
        pairs = [(i, j) for j in range(Wo) for i in range(Ho)]
    for i, j in pairs:
        out[n[..., 0, 0], c[..., 0, 0], rows[:, :, i, j], cols[:, :, i, j]] = dout[:, :, i, j]
    return out


# ------------------------------------------- on a case (a mutations.Ctx)
def case_geometry(c, PH=None, PW=None, sh=None, sw=None, Ho=None, Wo=None):
    """The case's pooling sizes, with any of them replaced (a mistake's geometry)."""
    sp = c.spec
    return (
        sp.HH if PH is None else PH,
        sp.WW if PW is None else PW,
        sp.stride if sh is None else sh,
        sp.stride if sw is None else sw,
        Ho,
        Wo,
    )


def case_windows(c, **kw):
    """The windows of case context ``c`` with any size replaced (memoised), or None."""
    g = case_geometry(c, **kw)
    return c.memo(("pool-win", g), lambda: pool_windows(c.a["x"], *g))


def true_counts(c):
    """The true output counts, as loops over ``range(H_out)`` use them."""
    return {"Ho": c.spec.H_out, "Wo": c.spec.W_out}


def routed_dx(c, pick="first", dout=None, *, assign=None, **geometry):
    """dx of windows of ``geometry`` spreading dout by ``pick``; ``assign`` an order."""
    sp = c.spec
    g = case_geometry(c, **{**true_counts(c), **geometry})
    win = case_windows(c, **{**true_counts(c), **geometry})
    if win is None:
        return None
    dout = c.a["dout"] if dout is None else dout
    D = tap_weights(win, pick) * dout[..., None, None]
    if assign is not None:
        return {"dx": route_assign(D, sp.H, sp.W, g[2], g[3], assign)}
    return {"dx": route_add(D, sp.H, sp.W, g[2], g[3])}


def max_routed_dx(c, *, offset=True, unravel=None, assign=None):
    """dx with each window's gradient at its first maximum, found by a flat index that is
    unravelled with rows of ``unravel`` (default pool_width), offset by the window's corner
    or not, and added or (``assign`` an order) assigned."""
    sp = c.spec
    k = window_argmax(case_windows(c, **true_counts(c)))
    width = sp.WW if unravel is None else unravel
    di, dj = np.divmod(k, width)
    if offset:
        i = np.arange(sp.H_out)[:, None] * sp.stride
        j = np.arange(sp.W_out)[None, :] * sp.stride
        di, dj = di + i, dj + j
    dx = scatter_positions(
        sp.x_shape, di, dj, c.a["dout"], assign=assign is not None, order=assign or "ij"
    )
    return None if dx is None else {"dx": dx}


def across_channels(win):
    """The maximum over every channel of each window, repeated for each channel."""
    return np.broadcast_to(win.max(axis=(1, 4, 5), keepdims=True)[..., 0, 0], win.shape[:4])


def across_channels_dx(c, every):
    """dx when each window's gradient goes to the (first, or ``every``) maximum over all
    channels of the window."""
    sp = c.spec
    win = case_windows(c, **true_counts(c))
    N, C, Ho, Wo, PH, PW = win.shape
    block = win.transpose(0, 2, 3, 1, 4, 5).reshape(N, Ho, Wo, C * PH * PW)
    if every:
        mask = (block == block.max(axis=-1, keepdims=True)).astype(np.float64)
    else:
        mask = np.zeros(block.shape)
        np.put_along_axis(mask, block.argmax(axis=-1)[..., None], 1.0, axis=-1)
    mask = mask.reshape(N, Ho, Wo, C, PH, PW).transpose(0, 3, 1, 2, 4, 5)
    D = mask * c.a["dout"].sum(axis=1, keepdims=True)[..., None, None]
    return {"dx": route_add(D, sp.H, sp.W, sp.stride, sp.stride)}
