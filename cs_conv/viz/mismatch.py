"""Figure: where a student's array differs from the expected one."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

from . import _style
from ._layout import add_axes_in

__all__ = ["MAX_PANELS", "mismatch_mask", "plot_mismatch"]

#: At most this many ``n`` and this many ``f`` panels are drawn.
MAX_PANELS = 4


def mismatch_mask(expected, got, rtol=1e-7, atol=1e-9) -> np.ndarray:
    """Boolean mask of the entries of ``got`` not close to ``expected``.

    An entry is wrong when ``|got - expected| > atol + rtol*|expected|``, when
    either is NaN, or when one is infinite and the other is not the same infinity.

    Examples
    --------
    >>> mismatch_mask([1.0, 2.0, np.nan], [1.0, 2.1, np.nan]).tolist()
    [False, True, True]
    """
    e = np.asarray(expected, dtype=float)
    g = np.asarray(got, dtype=float)
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
    e = np.asarray(expected, dtype=float)
    g = np.asarray(got, dtype=float)
    if e.shape != g.shape:
        return _shape_figure(e, g)
    mask = mismatch_mask(e, g, rtol, atol)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(g - e)
    finite_err = err[np.isfinite(err)]
    max_err = float(finite_err.max()) if finite_err.size else 0.0

    err4, (pname, qname) = _as_panels(err)
    mask4, _ = _as_panels(mask)
    n_p, n_q, R, S = err4.shape
    p_shown, q_shown = min(n_p, MAX_PANELS), min(n_q, MAX_PANELS)

    s = min(0.35, 3.2 / max(R, S), 11.0 / (q_shown * S), 8.0 / (p_shown * R))
    s = max(s, 0.02)
    pw, ph = S * s, R * s
    gap_w, gap_h, ml, title_h, cbar = 0.45, 0.45, 0.45, 0.75, 1.1
    fig_w = max(ml + q_shown * (pw + gap_w) + cbar, 7.0)
    fig_h = title_h + 0.25 + p_shown * (ph + gap_h)
    fig = _style.new_figure(fig_w, fig_h)

    cmap = colormaps["magma_r"].with_extremes(bad="#ff00ff")
    vmax = max_err if max_err > 0 else 1.0
    image = None
    for p in range(p_shown):
        for q in range(q_shown):
            ax = add_axes_in(fig, ml + q * (pw + gap_w), title_h + 0.25 + p * (ph + gap_h), pw, ph)
            panel = np.ma.masked_invalid(err4[p, q])
            image = ax.imshow(
                panel,
                cmap=cmap,
                vmin=0.0,
                vmax=vmax,
                extent=(0, S, R, 0),
                interpolation="nearest",
            )
            ax.set_xlim(0, S)
            ax.set_ylim(R, 0)
            ax.tick_params(labelsize=7, length=2, pad=1)
            wrong_rc = np.argwhere(mask4[p, q])
            name = ", ".join(f"{a}={v}" for a, v in ((pname, p), (qname, q)) if a)
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
                    gid=f"wrong:{p},{q}",
                    zorder=5,
                )
            if R * S <= 400:
                ax.set_xticks(np.arange(S) + 0.5, [str(k) for k in range(S)])
                ax.set_yticks(np.arange(R) + 0.5, [str(k) for k in range(R)])
    cax = add_axes_in(
        fig,
        ml + q_shown * (pw + gap_w) + 0.05,
        title_h + 0.25,
        0.15,
        max(p_shown * (ph + gap_h) - gap_h, 0.8),
    )
    cb = fig.colorbar(image, cax=cax, label="|got - expected|")
    cb.ax.tick_params(labelsize=7)

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
    cut = []
    if n_p > p_shown:
        cut.append(f"first {p_shown} of {n_p} along {pname or 'axis 0'}")
    if n_q > q_shown:
        cut.append(f"first {q_shown} of {n_q} along {qname or 'axis 1'}")
    fig.text(
        0.5,
        1 - 0.45 / fig_h,
        f"shape {tuple(e.shape)}, rtol={rtol:g}, atol={atol:g}; "
        f"max |got - expected| = {max_err:.3g}{where}"
        + (f"; showing {', '.join(cut)}" if cut else "")
        + ("; magenta = NaN/inf" if not np.isfinite(err).all() else ""),
        ha="center",
        va="top",
        fontsize=8.5,
        wrap=True,
    )
    fig.cs_conv = {
        "kind": "mismatch",
        "shape_ok": True,
        "mask": mask,
        "n_wrong": n_wrong,
        "shown": (p_shown, q_shown),
        "max_err": max_err,
    }
    return fig
