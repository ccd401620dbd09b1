"""Figure: how many windows cover each input pixel, i.e. why col2im must add."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm, ListedColormap

from .. import budget
from . import _style
from ._layout import add_axes_in, cell, fitting_fontsize, grid_axes
from .im2col_layout import drawable_geometry

__all__ = ["MAX_OVERLAP_CELLS", "overlap_counts", "plot_col2im_overlap"]

#: Largest padded input (``(H + 2*pad_h) * (W + 2*pad_w)`` cells) drawn.
MAX_OVERLAP_CELLS = 900


def overlap_counts(x_shape, HH, WW, stride=1, pad=0) -> np.ndarray:
    """Number of windows covering each pixel of the *padded* input.

    The count is separable: pixel ``(y, x)`` is covered by (the windows whose rows
    cover ``y``) times (those whose columns cover ``x``), so it costs one pass
    over each axis and one outer product.

    Returns
    -------
    ndarray of int, shape (H + 2*pad_h, W + 2*pad_w)
        The same for every ``n`` and ``c``; equal to what col2im of an all-ones
        ``cols`` accumulates there (before the padding is cropped).

    Raises
    ------
    ValueError
        Invalid geometry, or a padded input over the memory budget of
        :mod:`cs_conv.budget` (checked first).

    Examples
    --------
    >>> overlap_counts((1, 1, 2, 3), 2, 2)
    array([[1, 2, 1],
           [1, 2, 1]])
    """
    cells = budget.max_bytes() // budget.ITEM // 2
    g = drawable_geometry(x_shape, HH, WW, stride, pad, what="count", fix=lambda g: _fix(g, cells))
    Hp, Wp = g.H + 2 * g.ph, g.W + 2 * g.pw
    budget.check(
        f"overlap_counts of x_shape {g.x_shape} with pad {g.pad}",
        arrays={"counts": Hp * Wp, "per-axis counts": Hp + Wp},
        hint=_smaller(g, cells),
    )
    rows = _axis_counts(Hp, g.HH, g.sh, g.H_out)
    cols = _axis_counts(Wp, g.WW, g.sw, g.W_out)
    return np.outer(rows, cols)


def _axis_counts(size: int, k: int, s: int, n_out: int) -> np.ndarray:
    """How many of the ``n_out`` windows ``[t*s, t*s + k)`` cover each of ``size`` cells."""
    edges = np.zeros(size + 1, dtype=int)
    starts = np.arange(n_out) * s
    np.add.at(edges, starts, 1)
    np.add.at(edges, starts + k, -1)
    return np.cumsum(edges[:-1])


def _smaller(g, cells: int) -> str:
    """A call like ``g``'s whose padded input has at most ``cells`` cells and still holds the
    filter: the largest such image with the same pad, else with a smaller pad."""
    pads = [g.pad] + [(min(g.ph, k), min(g.pw, k)) for k in (8, 4, 2, 1, 0)]
    for ph, pw in dict.fromkeys(pads):
        best = None
        for h in range(min(g.H, 64), 0, -1):
            for w in range(min(g.W, 64), 0, -1):
                hp, wp = h + 2 * ph, w + 2 * pw
                fits = hp * wp <= cells and hp >= g.HH and wp >= g.WW
                if fits and (best is None or h * w > best[0] * best[1]):
                    best = (h, w)
        if best is not None:
            shape = (g.N, g.C, *best)
            return f"x_shape={shape}" + ("" if (ph, pw) == g.pad else f" with pad={(ph, pw)}")
    return "a smaller filter (even the smallest input does not fit it)"


def _fix(g, cells: int) -> str:
    return "try " + _smaller(g, cells)


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
    fix = lambda g: _fix(g, MAX_OVERLAP_CELLS)  # noqa: E731
    g = drawable_geometry(x_shape, HH, WW, stride, pad, fix=fix)
    Hp, Wp = g.H + 2 * g.ph, g.W + 2 * g.pw
    if Hp * Wp > MAX_OVERLAP_CELLS:
        raise ValueError(
            f"too large to draw: the padded input of x_shape {g.x_shape} with pad {g.pad} "
            f"has {Hp}x{Wp} = {Hp * Wp} cells (at most {MAX_OVERLAP_CELLS}); try "
            f"{_smaller(g, MAX_OVERLAP_CELLS)} (the counts repeat with period "
            f"stride={g.stride} anyway)"
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
    assigned = (counts > 0).astype(int)
    axes = []
    for left, grid, title in (
        (ml, counts, "windows covering each pixel  =  col2im(ones)"),
        (ml + Wp * s + gap, assigned, "with '=' instead of '+=': X = wrong"),
    ):
        ax = add_axes_in(fig, left, title_h, Wp * s, Hp * s)
        grid_axes(ax, Hp, Wp)
        ax.imshow(grid, cmap=cmap, norm=norm, extent=(0, Wp, Hp, 0), zorder=0)
        ax.set_title(title, fontsize=10)
        axes.append(ax)
    for a in axes:
        a.set_xticks([k + 0.5 for k in range(Wp)], [str(k) for k in range(Wp)])
        a.set_yticks([k + 0.5 for k in range(Hp)], [str(k) for k in range(Hp)])
        a.tick_params(labelsize=min(8, fs), pad=1)
    _count_cells(axes, g, counts, assigned, fs)
    _mark_wrong(axes[1], g, counts, s)
    cax = add_axes_in(fig, ml + 2 * Wp * s + gap + 0.2, title_h, 0.18, Hp * s)
    cb = fig.colorbar(
        axes[0].images[0], cax=cax, ticks=range(top_count + 1), label="windows covering the pixel"
    )
    cb.ax.tick_params(labelsize=8)
    _overlap_titles(fig, fig_h, g, int(wrong.sum()))
    fig.cs_conv = {
        "kind": "col2im_overlap",
        "geometry": g,
        "counts": counts,
        "counts_x": counts_x,
        "assign_wrong": wrong,
    }
    return fig


def _inside(g, yp: int, xp: int) -> bool:
    return g.ph <= yp < g.ph + g.H and g.pw <= xp < g.pw + g.W


def _count_cells(axes, g, counts, assigned, fs: float) -> None:
    """Every cell of both panels outlined (padding hatched) and its number written."""
    ax, ax2 = axes
    Hp, Wp = counts.shape
    for yp in range(Hp):
        for xp in range(Wp):
            inside = _inside(g, yp, xp)
            for a, value in ((ax, counts[yp, xp]), (ax2, assigned[yp, xp])):
                if not inside:
                    pad_style = {"edge": _style.PAD_TEXT, "lw": 0.4, "hatch": _style.PAD_HATCH}
                    cell(a, yp, xp, face="none", zorder=2, **pad_style)
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


def _mark_wrong(ax2, g, counts, s: float) -> None:
    """A red X on every real pixel that assignment gets wrong (covered more than once)."""
    Hp, Wp = counts.shape
    wrong_xy = [
        (xp + 0.5, yp + 0.5)
        for yp in range(Hp)
        for xp in range(Wp)
        if _inside(g, yp, xp) and counts[yp, xp] > 1
    ]
    if not wrong_xy:
        return
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


def _overlap_titles(fig, fig_h: float, g, n_wrong: int) -> None:
    """The title, how many pixels are covered more than once, the legend."""
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


def _cmap_step(k: int, top: int):
    # light to dark blues; 0 stays white
    return colormaps["Blues"](0.15 + 0.6 * (k / top))
