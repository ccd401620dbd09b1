"""Figure: which pixel of which window lands in which row and column of ``cols``.

The layout drawn is the package's one layout (see :mod:`cs_conv.im2col_loops`)::

    cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j] == x_pad[n, c, i*stride + di, j*stride + dj]

The figure is put together from panels, one function each: the padded input
(one panel per ``(n, c)``), ``cols`` and its labels, the output grid (in
:mod:`._im2col_panels`), the arrows that trace the highlighted column
(:func:`_arrows`) and the texts (:func:`_titles`).  What is drawn comes from
:mod:`.im2col_layout`.
"""

from __future__ import annotations

from matplotlib.patches import ConnectionPatch

from ..geometry import ConvGeometry
from . import _style
from ._im2col_panels import Frame, cols_panel, frame, input_panel, label_cols, output_panels
from .im2col_layout import (
    MAX_COLS_CELLS,
    MAX_INPUT_CELLS,
    check_drawable,
    describe,
    drawable_geometry,
    im2col_metadata,
    label_legend,
    padded,
)

__all__ = ["MAX_COLS_CELLS", "MAX_INPUT_CELLS", "im2col_metadata", "plot_im2col"]


def plot_im2col(x_shape, HH, WW, stride=1, pad=0, highlight=None):
    """Draw the padded input, the ``cols`` matrix and the output grid of an im2col.

    Left: the padded input, one panel per ``(n, c)``; zero padding is grey and
    hatched, every real pixel carries its name ``y,x`` (preceded by ``c`` when
    ``C > 1`` and by ``n`` when ``N > 1``).  Every window is outlined in its own
    colour (when an image has at most 24 windows; beyond that only the
    highlighted one, to keep the grid legible).  Middle: ``cols``, shape
    ``(C*HH*WW, N*H_out*W_out)``; each cell shows the name of the input pixel
    it copies (``pad`` for padding), so a cell can be matched to its pixel by
    its text; rows are labelled
    ``(c,di,dj)`` (row index on the right), columns ``(n,i,j)`` on top
    (column index below), each column tinted in its window's colour.  Right:
    the output grid ``H_out x W_out`` per ``n``, each cell showing the column
    of cols that produces it.  One output position is highlighted (orange, red
    outline) end to end: its window in the input, its column in cols, its cell
    in the output.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        ``(N, C, H, W)`` of the unpadded input.
    HH, WW : int
        Filter height and width.
    stride, pad : int or (int, int)
        Stride and zero padding, one value or ``(h, w)``.  A stride that does not
        tile the padded input is drawn (the pixels no window reads get a dotted
        X, and the figure quotes the error every stage of cs_conv gives for it),
        because seeing the unread pixels is the best explanation of that error.
    highlight : int or (int, int, int), optional
        Column of cols to highlight, or the output position ``(n, i, j)``.
        Default: column 3 if cols has more than 3 columns, else column 0.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.cs_conv`` holds :func:`im2col_metadata`'s dict.  Artists carry gids:
        ``input-highlight:n,c,y_pad,x_pad`` (highlighted real pixels),
        ``input-highlight-pad:n,c,y_pad,x_pad`` (highlighted padding cells, drawn
        as padding), ``cols-text:row,col`` (text of a cols cell),
        ``input-window:c`` (outline of the window in channel ``c``),
        ``cols-highlight`` and ``output-highlight``.

    Raises
    ------
    ValueError
        Invalid geometry, ``highlight`` out of range, or more than
        :data:`MAX_COLS_CELLS` cols cells / :data:`MAX_INPUT_CELLS` padded
        input cells (checked on the shapes before anything is built; the
        message suggests a smaller shape).
    TypeError
        ``highlight`` is neither an int nor an ``(n, i, j)`` tuple.

    Examples
    --------
    >>> fig = plot_im2col((1, 2, 5, 8), 3, 2, stride=2, pad=1)
    >>> fig.cs_conv["column"], fig.cs_conv["position"]
    (3, (0, 0, 3))
    >>> fig.cs_conv["row_labels"][:3]
    ['(0,0,0)', '(0,0,1)', '(0,1,0)']
    >>> fig.cs_conv["highlight_pixels"][:2]
    [(0, 0, 0, 5), (0, 0, 0, 6)]
    """
    g = drawable_geometry(x_shape, HH, WW, stride, pad)
    check_drawable(g)
    meta = describe(g, highlight)
    fr = frame(g, meta)
    fig = _style.new_figure(fr.fig_w, fr.fig_h)
    fig.cs_conv = meta
    meta["show_text"] = fr.show_text
    win_axes, top = {}, fr.title_h
    for n in range(g.N):
        for c in range(g.C):
            ax = input_panel(fig, fr, g, meta, n, c, top)
            top += fr.panel_title + padded(g)[0] * fr.s
            if n == meta["position"][0]:
                win_axes[c] = ax
    ax_cols = cols_panel(fig, fr, g, meta)
    label_cols(ax_cols, fr, g, meta)
    out_axes = output_panels(fig, fr, g, meta)
    _arrows(fig, fr, g, meta, win_axes[0], ax_cols, out_axes[meta["position"][0]])
    _titles(fig, fr, g, meta)
    return fig


# -------------------------------------------------------------------- arrows and texts


def _arrows(fig, fr: Frame, g: ConvGeometry, meta: dict, win_ax, cols_ax, out_ax) -> None:
    """Window -> the top of its column; the bottom of the column -> its output cell."""
    col_h, K = meta["column"], g.cols_shape[0]
    _, i_h, j_h = meta["position"]
    arrow = {
        "arrowstyle": "-|>",
        "color": _style.HIGHLIGHT_EDGE,
        "linewidth": 1.5,
        "mutation_scale": 14,
        "zorder": 10,
        "linestyle": "--",
    }
    fig.add_artist(
        ConnectionPatch(
            xyA=(j_h * g.sw + g.WW, i_h * g.sh + g.HH / 2),
            coordsA=win_ax.transData,
            xyB=(col_h + 0.5, -(fr.cols_top - 0.08) / fr.s),
            coordsB=cols_ax.transData,
            connectionstyle="arc3,rad=-0.25",
            **arrow,
        )
    )
    fig.add_artist(
        ConnectionPatch(
            xyA=(col_h + 0.5, K + 0.4 / fr.s),
            coordsA=cols_ax.transData,
            xyB=(j_h + 0.5, g.H_out + 0.25 / fr.s),
            coordsB=out_ax.transData,
            connectionstyle="arc3,rad=0.06",
            **arrow,
        )
    )


def _titles(fig, fr: Frame, g: ConvGeometry, meta: dict) -> None:
    """The title, the highlighted column in words, the tiling error (if any), the legend."""
    fig_h = fr.fig_h
    col_h, (n_h, i_h, j_h) = meta["column"], meta["position"]
    st = g.stride if g.sh != g.sw else g.sh
    pd = g.pad if g.ph != g.pw else g.ph
    top = {"ha": "center", "va": "top"}
    fig.text(
        0.5,
        1 - 0.12 / fig_h,
        f"im2col of x {g.x_shape} with a {g.HH}x{g.WW} filter, stride {st}, pad {pd}"
        f"  ->  cols {g.cols_shape}",
        fontsize=12,
        fontweight="bold",
        **top,
    )
    ys, xs = i_h * g.sh, j_h * g.sw
    n_pad = len(meta["highlight_padding"])
    fig.text(
        0.5,
        1 - 0.45 / fig_h,
        f"highlighted: column {col_h} of cols = output position (n, i, j) = "
        f"({n_h}, {i_h}, {j_h}) = window x_pad[{n_h}, :, {ys}:{ys + g.HH}, {xs}:{xs + g.WW}]"
        f"  ({len(meta['highlight_pixels'])} input pixels"
        + (f" + {n_pad} padding zeros)" if n_pad else ")"),
        fontsize=9.5,
        color=_style.HIGHLIGHT_EDGE,
        **top,
    )
    error = meta["tiling_error"]
    if error is not None:
        fig.text(
            0.5,
            1 - 0.78 / fig_h,
            "dotted X = never read by any window: the stride does not tile the padded input,"
            " so every stage of cs_conv refuses this geometry:\n"
            + error.split("; ", 1)[0]
            + "; "
            + error.split("; ", 1)[-1],
            fontsize=8.5,
            color=_style.HIGHLIGHT_EDGE,
            **top,
        )
    foot = (
        f"{label_legend(g)} (axis ticks are x_pad indices: y_pad = y + {g.ph}, "
        f"x_pad = x + {g.pw}); 'pad' / grey hatch = zero padding; "
        f"cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j] = "
        f"x_pad[n, c, i*{g.sh} + di, j*{g.sw} + dj]"
    )
    if not fr.show_text:
        foot += "\n(cells too small for their labels: use a smaller shape to read them)"
    fig.text(0.5, 0.12 / fig_h, foot, ha="center", va="bottom", fontsize=8, wrap=False)
