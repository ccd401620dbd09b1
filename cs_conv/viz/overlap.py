"""Figure: how many windows cover each input pixel, i.e. why col2im must add."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm, ListedColormap

from ..geometry import conv_geometry
from . import _style
from ._layout import add_axes_in, cell, fitting_fontsize, grid_axes

__all__ = ["MAX_OVERLAP_CELLS", "overlap_counts", "plot_col2im_overlap"]

#: Largest padded input (``(H + 2*pad_h) * (W + 2*pad_w)`` cells) drawn.
MAX_OVERLAP_CELLS = 900


def overlap_counts(x_shape, HH, WW, stride=1, pad=0) -> np.ndarray:
    """Number of windows covering each pixel of the *padded* input.

    Returns
    -------
    ndarray of int, shape (H + 2*pad_h, W + 2*pad_w)
        The same for every ``n`` and ``c``; equal to what col2im of an all-ones
        ``cols`` accumulates there (before the padding is cropped).

    Examples
    --------
    >>> overlap_counts((1, 1, 2, 3), 2, 2)
    array([[1, 2, 1],
           [1, 2, 1]])
    """
    g = conv_geometry(x_shape, HH, WW, stride, pad, exact=False)
    counts = np.zeros((g.H + 2 * g.ph, g.W + 2 * g.pw), dtype=int)
    for i in range(g.H_out):
        for j in range(g.W_out):
            counts[i * g.sh : i * g.sh + g.HH, j * g.sw : j * g.sw + g.WW] += 1
    return counts


def plot_col2im_overlap(x_shape, HH, WW, stride=1, pad=0):
    """Heatmap of how many windows cover each input pixel, and what ``=`` would give.

    col2im sends every entry of ``cols`` back to the pixel it was copied from.
    A pixel covered by ``k`` windows receives ``k`` contributions, which must be
    *added*.  Left panel: the count per pixel of the padded input (the same for
    every ``n`` and ``c``), i.e. ``col2im(ones)``; padding is hatched (what
    lands there is dropped).  Right panel: what assigning (``x[...] = ...``)
    instead of adding keeps, with every pixel where it is wrong (count > 1)
    crossed out.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        ``(N, C, H, W)``.
    HH, WW : int
        Filter height and width.
    stride, pad : int or (int, int)
        As for im2col.  A stride that does not tile the padded input is drawn too:
        the pixels no window reaches show a count of 0.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.cs_conv`` has ``counts`` (padded, as :func:`overlap_counts`),
        ``counts_x`` (the unpadded part), ``assign_wrong`` (bool mask of the
        unpadded pixels where assignment loses contributions) and ``geometry``.
        Every count drawn is a text artist with gid ``count:y_pad,x_pad``.

    Raises
    ------
    ValueError
        Invalid geometry, or more than :data:`MAX_OVERLAP_CELLS` padded cells.

    Examples
    --------
    >>> fig = plot_col2im_overlap((1, 1, 4, 4), 2, 2, stride=1, pad=0)
    >>> fig.cs_conv["counts_x"].tolist()
    [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]
    """
    g = conv_geometry(x_shape, HH, WW, stride, pad, exact=False)
    Hp, Wp = g.H + 2 * g.ph, g.W + 2 * g.pw
    if Hp * Wp > MAX_OVERLAP_CELLS:
        raise ValueError(
            f"too large to draw: the padded input of x_shape {g.x_shape} with pad {g.pad} "
            f"has {Hp}x{Wp} = {Hp * Wp} cells (at most {MAX_OVERLAP_CELLS}); use a smaller "
            f"H and W, the counts repeat with period stride={g.stride} anyway"
        )
    counts = overlap_counts(g.x_shape, g.HH, g.WW, g.stride, g.pad)
    inner = (slice(g.ph, g.ph + g.H), slice(g.pw, g.pw + g.W))
    counts_x = counts[inner].copy()
    wrong = counts_x > 1

    s = min(0.45, 9.0 / Wp, 9.0 / Hp)
    fs = fitting_fontsize(s, str(int(counts.max())), cap=10)
    gap, ml, mr, title_h, foot_h, cbar_w = 0.8, 0.5, 0.4, 1.0, 0.6, 0.9
    fig_w = ml + 2 * Wp * s + gap + cbar_w + mr
    fig_h = title_h + Hp * s + foot_h
    fig = _style.new_figure(max(fig_w, 6.5), fig_h)

    top_count = max(int(counts.max()), 1)
    cmap = ListedColormap(["#ffffff", *[_cmap_step(k, top_count) for k in range(1, top_count + 1)]])
    norm = BoundaryNorm(np.arange(-0.5, top_count + 1.5), cmap.N)

    ax = add_axes_in(fig, ml, title_h, Wp * s, Hp * s)
    grid_axes(ax, Hp, Wp)
    ax.imshow(counts, cmap=cmap, norm=norm, extent=(0, Wp, Hp, 0), zorder=0)
    ax.set_title("windows covering each pixel  =  col2im(ones)", fontsize=10)
    ax2 = add_axes_in(fig, ml + Wp * s + gap, title_h, Wp * s, Hp * s)
    grid_axes(ax2, Hp, Wp)
    assigned = (counts > 0).astype(int)
    ax2.imshow(assigned, cmap=cmap, norm=norm, extent=(0, Wp, Hp, 0), zorder=0)
    ax2.set_title("with '=' instead of '+=': X = wrong", fontsize=10)
    for a in (ax, ax2):
        a.set_xticks([k + 0.5 for k in range(Wp)], [str(k) for k in range(Wp)])
        a.set_yticks([k + 0.5 for k in range(Hp)], [str(k) for k in range(Hp)])
        a.tick_params(labelsize=min(8, fs), pad=1)
    wrong_xy = []
    for yp in range(Hp):
        for xp in range(Wp):
            inside = g.ph <= yp < g.ph + g.H and g.pw <= xp < g.pw + g.W
            for a, value in ((ax, counts[yp, xp]), (ax2, assigned[yp, xp])):
                if not inside:
                    cell(
                        a,
                        yp,
                        xp,
                        face="none",
                        edge=_style.PAD_TEXT,
                        lw=0.4,
                        hatch=_style.PAD_HATCH,
                        zorder=2,
                    )
                else:
                    cell(a, yp, xp, fill=False, lw=0.5, zorder=2)
                a.text(
                    xp + 0.5,
                    yp + 0.5,
                    str(int(value)),
                    ha="center",
                    va="center",
                    fontsize=fs,
                    zorder=4,
                    color=_style.PAD_TEXT if not inside else "black",
                    gid=f"count:{yp},{xp}" if a is ax else None,
                )
            if inside and counts[yp, xp] > 1:
                wrong_xy.append((xp + 0.5, yp + 0.5))
    if wrong_xy:
        xs, ys = zip(*wrong_xy, strict=True)
        ax2.scatter(
            xs,
            ys,
            marker="x",
            s=(s * 72 * 0.7) ** 2,
            color=_style.WRONG,
            linewidths=1.2,
            alpha=0.75,
            zorder=3,
            gid="assign-wrong",
        )
    cax = add_axes_in(fig, ml + 2 * Wp * s + gap + 0.2, title_h, 0.18, Hp * s)
    cb = fig.colorbar(
        ax.images[0], cax=cax, ticks=range(top_count + 1), label="windows covering the pixel"
    )
    cb.ax.tick_params(labelsize=8)

    st = g.stride if g.sh != g.sw else g.sh
    pd = g.pad if g.ph != g.pw else g.ph
    fig.text(
        0.5,
        1 - 0.12 / fig_h,
        f"col2im overlap: x {g.x_shape}, {g.HH}x{g.WW} filter, stride {st}, pad {pd}",
        ha="center",
        va="top",
        fontsize=12,
        fontweight="bold",
    )
    n_wrong = int(wrong.sum())
    fig.text(
        0.5,
        1 - 0.45 / fig_h,
        f"{n_wrong} of {g.H * g.W} pixels per channel are covered by more than one window: "
        + (
            "col2im must add (+=, np.add.at), not assign"
            if n_wrong
            else "no overlap here (stride >= filter), but col2im must still add in general"
        ),
        ha="center",
        va="top",
        fontsize=9.5,
        color=_style.WRONG if n_wrong else "black",
    )
    fig.text(
        0.5,
        0.1 / fig_h,
        "axis ticks are x_pad indices; hatched = zero padding (col2im crops it away)",
        ha="center",
        va="bottom",
        fontsize=8,
    )
    fig.cs_conv = {
        "kind": "col2im_overlap",
        "geometry": g,
        "counts": counts,
        "counts_x": counts_x,
        "assign_wrong": wrong,
    }
    return fig


def _cmap_step(k: int, top: int):
    # light to dark blues; 0 stays white
    return colormaps["Blues"](0.15 + 0.6 * (k / top))
