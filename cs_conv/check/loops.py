"""Loop-style code with a wrong window, run the way the student's loops run.

A window ``x_pad[n, :, t:t+th, l:l+tw]`` of the wrong size does not always
crash: NumPy truncates a slice at the edge and broadcasts an axis of length 1
(a ``WW = 1`` filter against a window ``HH`` columns wide).  Which cases crash
and which give wrong numbers is part of the mistake's fingerprint, so these
variants run the same slicing and broadcasting on the case's arrays, one window
at a time, with the geometry of a :class:`~cs_conv.check.gather.Gather`
(window size, start, step, counts, padding).  They return None where NumPy
raises (the student's loop would crash there too).
"""

from __future__ import annotations

import numpy as np

from .gather import Gather, out_hw, pads_of, size_of, start_of

__all__ = ["loop_col2im", "loop_forward", "loop_grads", "loop_im2col"]

_MAX_WINDOWS = 4000


def _plan(sp, g: Gather):
    """``(pads, th, tw, step, starts, Ho, Wo)`` of the loops, or None when they cannot run."""
    pads = pads_of(sp, g)
    if min(pads) < 0:
        return None  # np.pad refuses a negative width
    th, tw = (size_of(t, sp) for t in g.taps)
    s = sp.stride if g.step == "stride" else 1
    Ho, Wo = out_hw(sp, g)
    if Ho < 0 or Wo < 0 or sp.N * Ho * Wo > _MAX_WINDOWS:
        return None
    return pads, th, tw, s, start_of(g, sp), Ho, Wo


def _padded(x, pads, g: Gather, p: int):
    if g.all_axes:
        return np.pad(x, p)
    t, b, le, r = pads
    return np.pad(x, ((0, 0), (0, 0), (t, b), (le, r)))


def _windows(sp, Ho, Wo, s, start, th, tw):
    oh, ow = start
    for n in range(sp.N):
        for i in range(Ho):
            for j in range(Wo):
                t, le = oh + i * s, ow + j * s
                yield n, i, j, (n, slice(None), slice(t, t + th), slice(le, le + tw))


def loop_im2col(c, g: Gather):
    """``cols[:, col] = x_pad[n, :, window].ravel()`` over the windows of ``g``."""
    sp = c.spec
    plan = _plan(sp, g)
    if plan is None:
        return None
    pads, th, tw, s, start, Ho, Wo = plan
    xp = _padded(c.a["x"], pads, g, sp.pad)
    cols = np.zeros((sp.C * sp.HH * sp.WW, sp.N * Ho * Wo))
    for n, i, j, win in _windows(sp, Ho, Wo, s, start, th, tw):
        cols[:, (n * Ho + i) * Wo + j] = xp[win].ravel()
    return {"cols": cols}


def loop_col2im(c, g: Gather):
    """``x_pad[n, :, window] += cols[:, col].reshape(C, HH, WW)``, then the crop."""
    sp = c.spec
    plan = _plan(sp, g)
    if plan is None:
        return None
    pads, th, tw, s, start, Ho, Wo = plan
    cols = c.a["cols"]
    if cols.shape[1] != sp.N * Ho * Wo:
        return None
    t, b, le, r = pads
    xp = np.zeros((sp.N, sp.C, sp.H + t + b, sp.W + le + r))
    for n, i, j, win in _windows(sp, Ho, Wo, s, start, th, tw):
        xp[win] += cols[:, (n * Ho + i) * Wo + j].reshape(sp.C, sp.HH, sp.WW)
    return {"dx": xp[:, :, t : t + sp.H, le : le + sp.W]}


def loop_forward(c, g: Gather, transposed: bool = False):
    """``out[n, f, i, j] = np.sum(x_pad[n, :, window] * w[f]) + b[f]`` (``w[f]`` with its
    last two axes exchanged when ``transposed``, to fit a window of WW rows)."""
    sp = c.spec
    plan = _plan(sp, g)
    if plan is None:
        return None
    pads, th, tw, s, start, Ho, Wo = plan
    xp = _padded(c.a["x"], pads, g, sp.pad)
    w, b = c.a["w"], c.a["b"]
    w = w.transpose(0, 1, 3, 2) if transposed else w
    # loops over exchanged ranges still fill an output allocated the right size
    shape = (sp.H_out, sp.W_out) if g.count == "swapped" else (Ho, Wo)
    out = np.zeros((sp.N, sp.F, *shape))
    for n, i, j, win in _windows(sp, Ho, Wo, s, start, th, tw):
        out[n, :, i, j] = (xp[win][None] * w).sum(axis=(1, 2, 3)) + b
    return {"out": out}


def loop_grads(c, g: Gather, transposed: bool = False):
    """``dx_pad[n, :, window] += dout[n, f, i, j] * w[f]`` and
    ``dw[f] += dout[n, f, i, j] * x_pad[n, :, window]``, then the crop (``w[f]``, and
    so ``dw[f]``, with its last two axes exchanged when ``transposed``)."""
    sp = c.spec
    plan = _plan(sp, g)
    if plan is None:
        return None
    pads, th, tw, s, start, Ho, Wo = plan
    dout, w = c.a["dout"], c.a["w"]
    if dout.shape[2:] != (Ho, Wo):
        return None
    xp = _padded(c.a["x"], pads, g, sp.pad)
    w = w.transpose(0, 1, 3, 2) if transposed else w
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for n, i, j, win in _windows(sp, Ho, Wo, s, start, th, tw):
        d = dout[n, :, i, j][:, None, None, None]
        dxp[win] += (d * w).sum(axis=0)
        dw += d * xp[win][None]
    t, _, le, _ = pads
    dx = dxp[:, :, t : t + sp.H, le : le + sp.W]
    dw = dw.transpose(0, 1, 3, 2) if transposed else dw
    return {"dx": dx, "dw": dw, "db": dout.sum(axis=(0, 2, 3))}
