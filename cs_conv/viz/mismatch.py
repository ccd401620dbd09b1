"""Figure: where a student's array differs from the expected one."""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps

from .. import budget
from . import _style
from ._layout import add_axes_in

__all__ = ["MAX_PANELS", "MAX_VALUES", "mismatch_mask", "plot_mismatch"]

#: At most this many ``n`` and this many ``f`` panels are drawn.
MAX_PANELS = 4
#: Largest arrays (entries) :func:`plot_mismatch` compares: more would not be seen anyway.
MAX_VALUES = 2**20


def mismatch_mask(expected, got, rtol=1e-7, atol=1e-9) -> np.ndarray:
    """Boolean mask of the entries of ``got`` not close to ``expected``.

    An entry is wrong when ``|got - expected| > atol + rtol*|expected|``, when
    either is NaN, or when one is infinite and the other is not the same infinity.

    Examples
    --------
    >>> mismatch_mask([1.0, 2.0, np.nan], [1.0, 2.1, np.nan]).tolist()
    [False, True, True]
    """
    e, g = np.asarray(expected), np.asarray(got)
    size = math.prod(np.broadcast_shapes(e.shape, g.shape))
    # float copies of both, |got - expected|, the tolerance, and boolean temporaries
    budget.check(
        f"mismatch_mask of shapes {e.shape} and {g.shape}",
        arrays={"float copies and temporaries": 6 * size},
        hint="compare part of the arrays at a time (e.g. one image: expected[0], got[0])",
    )
    e, g = e.astype(float, copy=False), g.astype(float, copy=False)
    return ~np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=False)


def _as_panels(a: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """View ``a`` as ``(P, Q, rows, cols)`` panels and name the axes."""
    if a.ndim == 4:
        return a, ("n", "f")
    if a.ndim == 3:
        return a[None], ("", "k")
    if a.ndim == 2:
        return a[None, None], ("", "")
    return a.reshape(1, 1, 1, -1), ("", "")


def _shape_figure(expected: np.ndarray, got: np.ndarray):
    fig = _style.new_figure(7.5, 1.8)
    hint = ""
    if got.ndim == expected.ndim == 2 and got.shape == expected.shape[::-1]:
        hint = "\n(got is the transpose of the expected shape: rows and columns swapped?)"
    elif got.size == expected.size:
        hint = "\n(same number of entries: a reshape with the wrong axis order?)"
    fig.text(
        0.5,
        0.55,
        f"shape mismatch: expected {tuple(expected.shape)}, got {tuple(got.shape)}{hint}",
        ha="center",
        va="center",
        fontsize=12,
        color=_style.WRONG,
    )
    fig.cs_conv = {
        "kind": "mismatch",
        "shape_ok": False,
        "expected_shape": tuple(expected.shape),
        "got_shape": tuple(got.shape),
    }
    return fig


def plot_mismatch(expected, got, rtol=1e-7, atol=1e-9):
    """Heatmaps of ``|got - expected|`` with the wrong entries marked.

    Parameters
    ----------
    expected, got : array_like
        The same shape: 4-D ``(N, F, H, W)`` (one panel per ``(n, f)``, at most
        :data:`MAX_PANELS` x :data:`MAX_PANELS`, the title says when some are
        left out), 3-D (one panel per leading index), 2-D such as ``cols`` (one
        panel) or 1-D (one row).  If the shapes differ, the figure states both.
    rtol, atol : float
        An entry is wrong when ``|got - expected| > atol + rtol*|expected|``, or
        NaN/inf where the expected value is not (see :func:`mismatch_mask`).

    Returns
    -------
    matplotlib.figure.Figure
        Wrong cells carry a red X (one scatter per panel, gid ``wrong:p,q``
        for panel ``(p, q)``, offsets at ``(col + 0.5, row + 0.5)``);
        non-finite entries are drawn magenta.  ``fig.cs_conv`` has
        ``shape_ok``, ``mask`` (the full boolean mask), ``n_wrong``,
        ``shown`` (how many ``(n, f)`` panels along each axis) and ``max_err``.

    Examples
    --------
    >>> e = np.zeros((1, 2, 3, 3))
    >>> g = e.copy(); g[0, 1, 2, 0] = 0.5
    >>> fig = plot_mismatch(e, g)
    >>> fig.cs_conv["n_wrong"], np.argwhere(fig.cs_conv["mask"]).tolist()
    (1, [[0, 1, 2, 0]])
    >>> plot_mismatch(e, g[0]).cs_conv["shape_ok"]
    False
    """
    e, g = np.asarray(expected), np.asarray(got)
    if e.shape != g.shape:
        return _shape_figure(e, g)
    _check_size(e.shape)
    e, g = e.astype(float, copy=False), g.astype(float, copy=False)
    mask = mismatch_mask(e, g, rtol, atol)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(g - e)
    finite_err = err[np.isfinite(err)]
    max_err = float(finite_err.max()) if finite_err.size else 0.0

    err4, names = _as_panels(err)
    mask4, _ = _as_panels(mask)
    n_p, n_q, R, S = err4.shape
    shown = (min(n_p, MAX_PANELS), min(n_q, MAX_PANELS))
    s = min(0.35, 3.2 / max(R, S), 11.0 / (shown[1] * S), 8.0 / (shown[0] * R))
    s = max(s, 0.02)
    gap, ml, title_h, cbar = 0.45, 0.45, 0.75, 1.1
    fig_w = max(ml + shown[1] * (S * s + gap) + cbar, 7.0)
    fig_h = title_h + 0.25 + shown[0] * (R * s + gap)
    fig = _style.new_figure(fig_w, fig_h)
    cmap = colormaps["magma_r"].with_extremes(bad="#ff00ff")
    norm = {"cmap": cmap, "vmin": 0.0, "vmax": max_err if max_err > 0 else 1.0}
    image = None
    for p in range(shown[0]):
        for q in range(shown[1]):
            left, top = ml + q * (S * s + gap), title_h + 0.25 + p * (R * s + gap)
            ax = add_axes_in(fig, left, top, S * s, R * s)
            image = _panel(ax, err4[p, q], mask4[p, q], (p, q), names, s, norm)
    cax = add_axes_in(
        fig,
        ml + shown[1] * (S * s + gap) + 0.05,
        title_h + 0.25,
        0.15,
        max(shown[0] * (R * s + gap) - gap, 0.8),
    )
    cb = fig.colorbar(image, cax=cax, label="|got - expected|")
    cb.ax.tick_params(labelsize=7)
    _mismatch_titles(fig, fig_h, mask, err, max_err, (n_p, n_q), shown, names, (rtol, atol))
    fig.cs_conv = {
        "kind": "mismatch",
        "shape_ok": True,
        "mask": mask,
        "n_wrong": int(mask.sum()),
        "shown": shown,
        "max_err": max_err,
    }
    return fig


def _check_size(shape) -> None:
    """Refuse arrays of more than :data:`MAX_VALUES` entries, naming a slice that fits."""
    size = math.prod(shape)
    if size <= MAX_VALUES:
        return
    lead = {4: 2, 3: 1}.get(len(shape), 0)  # the axes shown as panels
    cut = [min(d, MAX_PANELS) for d in shape[:lead]]
    rest = list(shape[lead:])
    while math.prod(cut) * math.prod(rest) > MAX_VALUES:
        k = max(range(len(rest)), key=lambda i: rest[i])  # halve the longest axis
        rest[k] = max(1, rest[k] // 2)
    index = ", ".join(f":{v}" for v in cut + rest)
    raise ValueError(
        f"too large to draw: arrays of shape {tuple(shape)} have {size} entries (at most "
        f"{MAX_VALUES}; the figure shows at most {MAX_PANELS}x{MAX_PANELS} panels); compare "
        f"a part, e.g. plot_mismatch(expected[{index}], got[{index}])"
    )


def _panel(ax, err, mask, pq, names, s: float, norm: dict):
    """Panel ``(p, q)``: ``|got - expected|`` as an image, a cyan X on every wrong entry."""
    R, S = err.shape
    image = ax.imshow(
        np.ma.masked_invalid(err), extent=(0, S, R, 0), interpolation="nearest", **norm
    )
    ax.set_xlim(0, S)
    ax.set_ylim(R, 0)
    ax.tick_params(labelsize=7, length=2, pad=1)
    wrong_rc = np.argwhere(mask)
    name = ", ".join(f"{a}={v}" for a, v in zip(names, pq, strict=True) if a)
    ax.set_title(
        (f"{name}: " if name else "") + f"{len(wrong_rc)} wrong",
        fontsize=8,
        pad=3,
        color=_style.WRONG if len(wrong_rc) else "black",
    )
    if len(wrong_rc):
        ax.scatter(
            wrong_rc[:, 1] + 0.5,
            wrong_rc[:, 0] + 0.5,
            marker="x",
            s=max((s * 72 * 0.7) ** 2, 4.0),
            color="#00c8ff",
            linewidths=1.3 if s > 0.12 else 0.7,
            gid=f"wrong:{pq[0]},{pq[1]}",
            zorder=5,
        )
    if R * S <= 400:
        ax.set_xticks(np.arange(S) + 0.5, [str(k) for k in range(S)])
        ax.set_yticks(np.arange(R) + 0.5, [str(k) for k in range(R)])
    return image


def _mismatch_titles(fig, fig_h, mask, err, max_err, counts, shown, names, tol) -> None:
    """How many entries are wrong, the first of them, the tolerances, what is left out."""
    n_wrong = int(mask.sum())
    where = ""
    if n_wrong:
        first = tuple(int(v) for v in np.argwhere(mask)[0])
        where = f"; first wrong entry at {first}"
    fig.text(
        0.5,
        1 - 0.12 / fig_h,
        f"mismatch: {n_wrong} of {mask.size} entries wrong (X)",
        ha="center",
        va="top",
        fontsize=11,
        fontweight="bold",
        color=_style.WRONG if n_wrong else "black",
    )
    cut = [
        f"first {k} of {n} along {name or f'axis {axis}'}"
        for axis, (n, k, name) in enumerate(zip(counts, shown, names, strict=True))
        if n > k
    ]
    rtol, atol = tol
    fig.text(
        0.5,
        1 - 0.45 / fig_h,
        f"shape {tuple(mask.shape)}, rtol={rtol:g}, atol={atol:g}; "
        f"max |got - expected| = {max_err:.3g}{where}"
        + (f"; showing {', '.join(cut)}" if cut else "")
        + ("; magenta = NaN/inf" if not np.isfinite(err).all() else ""),
        ha="center",
        va="top",
        fontsize=8.5,
        wrap=True,
    )
