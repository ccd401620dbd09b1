"""Independent oracles for the foundation tests: nothing here imports cs_conv."""

from __future__ import annotations

import numpy as np
from scipy import signal


def pair(v):
    return (v, v) if np.isscalar(v) else tuple(v)


def scipy_conv_forward(x, w, b, stride, pad):
    """Cross-correlation of the zero-padded input by scipy, then subsampled."""
    (sh, sw), (ph, pw) = pair(stride), pair(pad)
    N, C, H, W = x.shape
    F = w.shape[0]
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=np.float64)
    xp[:, :, ph : ph + H, pw : pw + W] = x
    out = []
    for n in range(N):
        maps = []
        for f in range(F):
            full = signal.correlate(xp[n], w[f].astype(np.float64), mode="valid")
            maps.append(full[0, ::sh, ::sw] + b[f])
        out.append(maps)
    return np.array(out)


def direct_cols(x, HH, WW, stride, pad):
    """cols straight from the layout formula, one cell at a time."""
    (sh, sw), (ph, pw) = pair(stride), pair(pad)
    N, C, H, W = x.shape
    Ho = (H + 2 * ph - HH) // sh + 1
    Wo = (W + 2 * pw - WW) // sw + 1
    cols = np.zeros((C * HH * WW, N * Ho * Wo))
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    for di in range(HH):
                        for dj in range(WW):
                            yy, xx = i * sh + di - ph, j * sw + dj - pw
                            if 0 <= yy < H and 0 <= xx < W:
                                cols[(c * HH + di) * WW + dj, (n * Ho + i) * Wo + j] = x[
                                    n, c, yy, xx
                                ]
    return cols
