"""Figure: which pixel of which window lands in which row and column of ``cols``.

The layout drawn is the package's one layout (see :mod:`cs_conv.im2col_loops`)::

    cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j] == x_pad[n, c, i*stride + di, j*stride + dj]
"""

from __future__ import annotations

from matplotlib.patches import ConnectionPatch, Rectangle

from ..geometry import ConvGeometry, conv_geometry
from . import _style
from ._layout import add_axes_in, cell, fitting_fontsize, grid_axes, is_int

__all__ = ["MAX_COLS_CELLS", "MAX_INPUT_CELLS", "im2col_metadata", "plot_im2col"]

#: Largest ``cols`` (``C*HH*WW * N*H_out*W_out`` cells) :func:`plot_im2col` draws.
MAX_COLS_CELLS = 2000
#: Largest padded input (``N*C*(H + 2*pad_h)*(W + 2*pad_w)`` cells) it draws.
MAX_INPUT_CELLS = 600

_CELL_MAX_IN = 0.42  # inches per cell when there is room
_FIG_MAX_W = 22.0
_FIG_MAX_H = 16.0
_MIN_FONT = 4.5
_MAX_OUTLINED = 24  # more windows per image than this: only the highlighted one is outlined


def _padded(g: ConvGeometry) -> tuple[int, int]:
    return g.H + 2 * g.ph, g.W + 2 * g.pw


def _fits(g: ConvGeometry) -> bool:
    Hp, Wp = _padded(g)
    K, L = g.cols_shape
    return K * L <= MAX_COLS_CELLS and g.N * g.C * Hp * Wp <= MAX_INPUT_CELLS


def _smaller_suggestion(g: ConvGeometry) -> tuple[int, int, int, int] | None:
    """A drawable x_shape close to ``g``'s, with the same filter, stride and pad."""
    best = None
    for C in range(min(g.C, 2), 0, -1):
        for H in range(min(g.H, 12), 0, -1):
            for W in range(min(g.W, 12), 0, -1):
                try:
                    cand = conv_geometry((1, C, H, W), g.HH, g.WW, g.stride, g.pad)
                except ValueError:
                    continue
                if _fits(cand) and (best is None or best[0] < C * H * W):
                    best = (C * H * W, (1, C, H, W))
    return None if best is None else best[1]


def _check_budget(g: ConvGeometry) -> None:
    if _fits(g):
        return
    Hp, Wp = _padded(g)
    K, L = g.cols_shape
    hint = _smaller_suggestion(g)
    fix = (
        f"try x_shape={hint} (same filter, stride and pad)"
        if hint is not None
        else "use a smaller filter, stride or pad"
    )
    raise ValueError(
        f"too large to draw: x_shape {g.x_shape} with a {g.HH}x{g.WW} filter, stride "
        f"{g.stride}, pad {g.pad} gives cols of shape {g.cols_shape} = {K * L} cells "
        f"(at most {MAX_COLS_CELLS}) and a padded input of N*C*(H+2*pad)*(W+2*pad) = "
        f"{g.N}*{g.C}*{Hp}*{Wp} = {g.N * g.C * Hp * Wp} cells (at most {MAX_INPUT_CELLS}); "
        f"{fix}"
    )


def _parse_highlight(highlight, g: ConvGeometry) -> tuple[int, tuple[int, int, int]]:
    L = g.N * g.H_out * g.W_out
    if highlight is None:
        col = 3 if L > 3 else 0
    elif is_int(highlight):
        col = int(highlight)
        if not 0 <= col < L:
            raise ValueError(
                f"highlight={col} is not a column of cols: cols has N*H_out*W_out = "
                f"{g.N}*{g.H_out}*{g.W_out} = {L} columns, so use 0 <= highlight <= {L - 1} "
                f"(or an (n, i, j) tuple)"
            )
    elif (
        isinstance(highlight, (tuple, list))
        and len(highlight) == 3
        and all(is_int(v) for v in highlight)
    ):
        n, i, j = (int(v) for v in highlight)
        for name, v, size, dim in (
            ("n", n, g.N, "N"),
            ("i", i, g.H_out, "H_out"),
            ("j", j, g.W_out, "W_out"),
        ):
            if not 0 <= v < size:
                raise ValueError(
                    f"highlight=(n, i, j)={tuple(highlight)}: {name}={v} is out of range, "
                    f"need 0 <= {name} <= {size - 1} ({dim} = {size}); valid output "
                    f"positions are (0..{g.N - 1}, 0..{g.H_out - 1}, 0..{g.W_out - 1})"
                )
        col = (n * g.H_out + i) * g.W_out + j
    else:
        raise TypeError(
            f"highlight must be a column index (int) or an output position (n, i, j), "
            f"got {highlight!r}"
        )
    n, rest = divmod(col, g.H_out * g.W_out)
    i, j = divmod(rest, g.W_out)
    return col, (n, i, j)


def _pixel_label(g: ConvGeometry, n: int, c: int, y: int, x: int) -> str:
    parts = ([n] if g.N > 1 else []) + ([c] if g.C > 1 else []) + [y, x]
    return ",".join(str(p) for p in parts)


def _label_legend(g: ConvGeometry) -> str:
    fields = ("n," if g.N > 1 else "") + ("c," if g.C > 1 else "") + "y,x"
    n = "n" if g.N > 1 else "0"
    c = "c" if g.C > 1 else "0"
    return f"cell text '{fields}' names input pixel x[{n}, {c}, y, x]"


def im2col_metadata(x_shape, HH, WW, stride=1, pad=0, highlight=None) -> dict:
    """What :func:`plot_im2col` draws, as plain Python data (no figure).

    Returns
    -------
    dict
        ``geometry`` (:class:`~cs_conv.geometry.ConvGeometry`), ``column`` (the
        highlighted column of cols), ``position`` (its ``(n, i, j)``),
        ``row_labels`` (``"(c,di,dj)"`` per row), ``col_labels`` (``"(n,i,j)"``
        per column), ``sources`` (per ``(row, col)``: ``(n, c, y_pad, x_pad)``),
        ``cell_text`` (the text of each cols cell, ``"pad"`` for padding),
        ``highlight_pixels`` (the input pixels ``(n, c, y, x)`` of x read by
        the highlighted column) and ``highlight_padding`` (its padding cells,
        ``(n, c, y_pad, x_pad)``).

    Examples
    --------
    >>> m = im2col_metadata((1, 1, 3, 3), 2, 2, highlight=(0, 1, 1))
    >>> m["column"], m["highlight_pixels"]
    (3, [(0, 0, 1, 1), (0, 0, 1, 2), (0, 0, 2, 1), (0, 0, 2, 2)])
    """
    g = conv_geometry(x_shape, HH, WW, stride, pad, exact=False)
    col, (n_h, i_h, j_h) = _parse_highlight(highlight, g)
    Hp, Wp = _padded(g)
    K = g.cols_shape[0]
    row_labels, taps = [], []
    for c in range(g.C):
        for di in range(g.HH):
            for dj in range(g.WW):
                row_labels.append(f"({c},{di},{dj})")
                taps.append((c, di, dj))
    col_labels, positions = [], []
    for n in range(g.N):
        for i in range(g.H_out):
            for j in range(g.W_out):
                col_labels.append(f"({n},{i},{j})")
                positions.append((n, i, j))
    sources, text = [], []
    for c, di, dj in taps:
        src_row, text_row = [], []
        for n, i, j in positions:
            yp, xp = i * g.sh + di, j * g.sw + dj
            src_row.append((n, c, yp, xp))
            inside = g.ph <= yp < Hp - g.ph and g.pw <= xp < Wp - g.pw
            text_row.append(_pixel_label(g, n, c, yp - g.ph, xp - g.pw) if inside else "pad")
        sources.append(src_row)
        text.append(text_row)
    pixels, padding = [], []
    for r in range(K):
        n, c, yp, xp = sources[r][col]
        if text[r][col] == "pad":
            padding.append((n, c, yp, xp))
        else:
            pixels.append((n, c, yp - g.ph, xp - g.pw))
    return {
        "kind": "im2col",
        "geometry": g,
        "tiling_error": _tiling_error(g),
        "unread_pixels": _unread(g),
        "column": col,
        "position": (n_h, i_h, j_h),
        "row_labels": row_labels,
        "col_labels": col_labels,
        "sources": sources,
        "cell_text": text,
        "highlight_pixels": pixels,
        "highlight_padding": padding,
    }


def _tiling_error(g: ConvGeometry) -> str | None:
    """The message every stage gives for this geometry, or None if it tiles."""
    try:
        conv_geometry(g.x_shape, g.HH, g.WW, g.stride, g.pad)
    except ValueError as exc:
        return str(exc)
    return None


def _unread(g: ConvGeometry) -> list[tuple[int, int, int, int]]:
    """Padded cells ``(n, c, y_pad, x_pad)`` that no window reaches."""
    Hp, Wp = _padded(g)
    last_y = (g.H_out - 1) * g.sh + g.HH  # rows >= last_y are never read
    last_x = (g.W_out - 1) * g.sw + g.WW
    return [
        (n, c, yp, xp)
        for n in range(g.N)
        for c in range(g.C)
        for yp in range(Hp)
        for xp in range(Wp)
        if yp >= last_y or xp >= last_x
    ]


def _cell_size(g: ConvGeometry, fixed_w: float, fixed_h_parts, unit_h_parts) -> float:
    Wp = _padded(g)[1]
    s = _CELL_MAX_IN
    s = min(s, (_FIG_MAX_W - fixed_w) / (Wp + g.cols_shape[1] + g.W_out))
    for fixed, units in zip(fixed_h_parts, unit_h_parts, strict=True):
        s = min(s, (_FIG_MAX_H - fixed) / units)
    return s


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
        input cells (the message suggests a smaller shape).
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
    meta = im2col_metadata(x_shape, HH, WW, stride, pad, highlight)
    g: ConvGeometry = meta["geometry"]
    _check_budget(g)
    Hp, Wp = _padded(g)
    K, L = g.cols_shape
    col_h = meta["column"]
    n_h, i_h, j_h = meta["position"]
    text = meta["cell_text"]
    unread = set(meta["unread_pixels"])

    # ---- sizes (inches) -------------------------------------------------
    title_h, foot_h = (0.95 if meta["tiling_error"] is None else 1.35), 0.7
    panel_title = 0.32
    margin_l, gap_in_cols, gap_cols_out, margin_r = 0.55, 1.05, 0.75, 0.3
    cols_top, cols_bottom = 0.8, 0.35
    fixed_w = margin_l + gap_in_cols + gap_cols_out + margin_r
    n_in = g.N * g.C
    s = _cell_size(
        g,
        fixed_w,
        (
            title_h + foot_h + n_in * panel_title,
            title_h + foot_h + cols_top + cols_bottom,
            title_h + foot_h + g.N * panel_title,
        ),
        (n_in * Hp, K, g.N * g.H_out),
    )
    longest = max((t for row in text for t in row), key=len)
    fs = fitting_fontsize(s, longest)
    show_text = fs >= _MIN_FONT
    body_h = max(
        n_in * (Hp * s + panel_title),
        cols_top + K * s + cols_bottom,
        g.N * (g.H_out * s + panel_title),
    )
    fig_w = fixed_w + (Wp + L + g.W_out) * s
    fig_h = title_h + body_h + foot_h
    fig = _style.new_figure(fig_w, fig_h)
    fig.cs_conv = meta
    meta["show_text"] = show_text

    x_in = margin_l
    x_cols = x_in + Wp * s + gap_in_cols
    x_out = x_cols + L * s + gap_cols_out
    win_rects = {}

    # ---- input panels -----------------------------------------------------
    top = title_h
    for n in range(g.N):
        for c in range(g.C):
            ax = add_axes_in(fig, x_in, top + panel_title, Wp * s, Hp * s)
            top += panel_title + Hp * s
            grid_axes(ax, Hp, Wp)
            ax.set_title(
                f"x_pad[{n}, {c}]" + (" (pad drawn grey)" if g.ph or g.pw else ""),
                fontsize=9,
                pad=3,
            )
            ax.set_xticks([k + 0.5 for k in range(Wp)], [str(k) for k in range(Wp)])
            ax.set_yticks([k + 0.5 for k in range(Hp)], [str(k) for k in range(Hp)])
            ax.tick_params(labelsize=min(7, fs + 1), pad=1)
            for yp in range(Hp):
                for xp in range(Wp):
                    inside = g.ph <= yp < Hp - g.ph and g.pw <= xp < Wp - g.pw
                    in_win = (
                        n == n_h
                        and i_h * g.sh <= yp < i_h * g.sh + g.HH
                        and j_h * g.sw <= xp < j_h * g.sw + g.WW
                    )
                    key = f"{n},{c},{yp},{xp}"
                    if (n, c, yp, xp) in unread:
                        ax.plot(
                            [xp + 0.12, xp + 0.88, xp + 0.5, xp + 0.12, xp + 0.88],
                            [yp + 0.12, yp + 0.88, yp + 0.5, yp + 0.88, yp + 0.12],
                            color=_style.HIGHLIGHT_EDGE,
                            lw=1.0,
                            ls=":",
                            zorder=4,
                            gid=f"input-unread:{key}",
                        )
                    if not inside:
                        cell(
                            ax,
                            yp,
                            xp,
                            face=_style.PAD_FACE,
                            edge=_style.PAD_TEXT,
                            lw=0.4,
                            hatch=_style.PAD_HATCH,
                            gid=f"input-highlight-pad:{key}" if in_win else None,
                        )
                    elif in_win:
                        cell(ax, yp, xp, face=_style.HIGHLIGHT, gid=f"input-highlight:{key}")
                    else:
                        cell(ax, yp, xp)
                    if inside and show_text:
                        ax.text(
                            xp + 0.5,
                            yp + 0.5,
                            _pixel_label(g, n, c, yp - g.ph, xp - g.pw),
                            ha="center",
                            va="center",
                            fontsize=fs,
                            zorder=5,
                            fontweight="bold" if in_win else "normal",
                        )
            # every window outlined in its colour, inset so overlapping edges stay apart
            n_win = g.H_out * g.W_out
            for i in range(g.H_out if n_win <= _MAX_OUTLINED else 0):
                for j in range(g.W_out):
                    k = (n * g.H_out + i) * g.W_out + j
                    inset = 0.07 + 0.09 * ((i % 2) * 2 + (j % 2)) / 3.0
                    if k == col_h:
                        continue
                    ax.add_patch(
                        Rectangle(
                            (j * g.sw + inset, i * g.sh + inset),
                            g.WW - 2 * inset,
                            g.HH - 2 * inset,
                            fill=False,
                            edgecolor=_style.window_colour(k, 0.9),
                            linewidth=1.3,
                            zorder=3,
                        )
                    )
            if n == n_h:
                rect = Rectangle(
                    (j_h * g.sw, i_h * g.sh),
                    g.WW,
                    g.HH,
                    fill=False,
                    edgecolor=_style.HIGHLIGHT_EDGE,
                    linewidth=3.2,
                    zorder=6,
                    gid=f"input-window:{c}",
                )
                ax.add_patch(rect)
                win_rects[c] = ax

    # ---- cols -----------------------------------------------------------
    ax = add_axes_in(fig, x_cols, title_h + cols_top, L * s, K * s)
    grid_axes(ax, K, L)
    ax_cols = ax
    for r in range(K):
        for k in range(L):
            t = text[r][k]
            hl = k == col_h
            if t == "pad":
                cell(
                    ax,
                    r,
                    k,
                    face=_style.PAD_FACE,
                    edge=_style.PAD_TEXT,
                    lw=0.4,
                    hatch=_style.PAD_HATCH,
                )
            else:
                cell(ax, r, k, face=_style.HIGHLIGHT if hl else _style.window_colour(k, 0.22))
            if show_text:
                ax.text(
                    k + 0.5,
                    r + 0.5,
                    t,
                    ha="center",
                    va="center",
                    fontsize=fs if t != "pad" else fs * 0.85,
                    color=_style.PAD_TEXT if t == "pad" else "black",
                    fontweight="bold" if hl and t != "pad" else "normal",
                    zorder=5,
                    gid=f"cols-text:{r},{k}",
                )
    # channel blocks of rows, image blocks of columns
    for c in range(1, g.C):
        ax.axhline(c * g.HH * g.WW, color="black", linewidth=1.6, zorder=4)
    for n in range(1, g.N):
        ax.axvline(n * g.H_out * g.W_out, color="black", linewidth=1.6, zorder=4)
    ax.add_patch(
        Rectangle(
            (col_h, 0),
            1,
            K,
            fill=False,
            edgecolor=_style.HIGHLIGHT_EDGE,
            linewidth=3.2,
            zorder=6,
            gid="cols-highlight",
        )
    )
    tick_fs = min(8.0, max(fs, 5.0))
    ax.set_yticks([r + 0.5 for r in range(K)], meta["row_labels"], fontsize=tick_fs)
    ax.set_xticks([k + 0.5 for k in range(L)], [str(k) for k in range(L)], fontsize=tick_fs)
    top_ax = ax.secondary_xaxis("top")
    top_ax.set_xticks(
        [k + 0.5 for k in range(L)], meta["col_labels"], fontsize=tick_fs, rotation=90
    )
    top_ax.tick_params(length=0, pad=2)
    right_ax = ax.secondary_yaxis("right")
    right_ax.set_yticks([r + 0.5 for r in range(K)], [str(r) for r in range(K)], fontsize=tick_fs)
    right_ax.tick_params(length=0, pad=2)
    for labels in (ax.get_xticklabels(), top_ax.get_xticklabels()):
        labels[col_h].set_color(_style.HIGHLIGHT_EDGE)
        labels[col_h].set_fontweight("bold")
    for k, label in enumerate(ax.get_xticklabels()):
        if k != col_h:
            label.set_color(_style.window_colour(k))
    ax.set_ylabel("row (c, di, dj)", fontsize=8)
    ax.text(-0.15, K + 0.2 / s, "column:", ha="right", va="center", fontsize=tick_fs)
    top_ax.set_xlabel(
        f"cols  ({K} x {L}): column (n, i, j)   — row r = (c*HH + di)*WW + dj,"
        f" column = (n*H_out + i)*W_out + j",
        fontsize=8.5,
    )

    # ---- output grid: bottom-aligned with cols when it fits -------------------
    out_h = g.N * (g.H_out * s + panel_title)
    top = max(title_h, title_h + cols_top + K * s - out_h)
    out_axes = {}
    for n in range(g.N):
        ax = add_axes_in(fig, x_out, top + panel_title, g.W_out * s, g.H_out * s)
        top += panel_title + g.H_out * s
        grid_axes(ax, g.H_out, g.W_out)
        ax.set_title(f"out[{n}, f] (cell = column)", fontsize=8, pad=3)
        ax.set_xticks([j + 0.5 for j in range(g.W_out)], [str(j) for j in range(g.W_out)])
        ax.set_yticks([i + 0.5 for i in range(g.H_out)], [str(i) for i in range(g.H_out)])
        ax.tick_params(labelsize=min(7, fs + 1), pad=1)
        for i in range(g.H_out):
            for j in range(g.W_out):
                k = (n * g.H_out + i) * g.W_out + j
                hl = k == col_h
                cell(
                    ax,
                    i,
                    j,
                    face=_style.HIGHLIGHT if hl else _style.window_colour(k, 0.35),
                    edge=_style.HIGHLIGHT_EDGE if hl else _style.GRID,
                    lw=3.2 if hl else 0.5,
                    zorder=6 if hl else 1,
                    gid="output-highlight" if hl else None,
                )
                if show_text:
                    ax.text(
                        j + 0.5,
                        i + 0.5,
                        str(k),
                        ha="center",
                        va="center",
                        fontsize=fs,
                        fontweight="bold" if hl else "normal",
                        zorder=7,
                    )
        out_axes[n] = ax

    # ---- arrows: window -> top of its column; bottom of the column -> output cell --------
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
            coordsA=win_rects[0].transData,
            xyB=(col_h + 0.5, -(cols_top - 0.08) / s),
            coordsB=ax_cols.transData,
            connectionstyle="arc3,rad=-0.25",
            **arrow,
        )
    )
    fig.add_artist(
        ConnectionPatch(
            xyA=(col_h + 0.5, K + 0.4 / s),
            coordsA=ax_cols.transData,
            xyB=(j_h + 0.5, g.H_out + 0.25 / s),
            coordsB=out_axes[n_h].transData,
            connectionstyle="arc3,rad=0.06",
            **arrow,
        )
    )

    # ---- title and footer -----------------------------------------------------
    st = g.stride if g.sh != g.sw else g.sh
    pd = g.pad if g.ph != g.pw else g.ph
    fig.text(
        0.5,
        1 - 0.12 / fig_h,
        f"im2col of x {g.x_shape} with a {g.HH}x{g.WW} filter, stride {st}, pad {pd}"
        f"  ->  cols {g.cols_shape}",
        ha="center",
        va="top",
        fontsize=12,
        fontweight="bold",
    )
    ys, xs = i_h * g.sh, j_h * g.sw
    fig.text(
        0.5,
        1 - 0.45 / fig_h,
        f"highlighted: column {col_h} of cols = output position (n, i, j) = "
        f"({n_h}, {i_h}, {j_h}) = window x_pad[{n_h}, :, {ys}:{ys + g.HH}, {xs}:{xs + g.WW}]"
        f"  ({len(meta['highlight_pixels'])} input pixels"
        + (
            f" + {len(meta['highlight_padding'])} padding zeros)"
            if meta["highlight_padding"]
            else ")"
        ),
        ha="center",
        va="top",
        fontsize=9.5,
        color=_style.HIGHLIGHT_EDGE,
    )
    if meta["tiling_error"] is not None:
        fig.text(
            0.5,
            1 - 0.78 / fig_h,
            "dotted X = never read by any window: the stride does not tile the padded input,"
            " so every stage of cs_conv refuses this geometry:\n"
            + meta["tiling_error"].split("; ", 1)[0]
            + "; "
            + meta["tiling_error"].split("; ", 1)[-1],
            ha="center",
            va="top",
            fontsize=8.5,
            color=_style.HIGHLIGHT_EDGE,
        )
    foot = (
        f"{_label_legend(g)} (axis ticks are x_pad indices: y_pad = y + {g.ph}, "
        f"x_pad = x + {g.pw}); 'pad' / grey hatch = zero padding; "
        f"cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j] = "
        f"x_pad[n, c, i*{g.sh} + di, j*{g.sw} + dj]"
    )
    if not show_text:
        foot += "\n(cells too small for their labels: use a smaller shape to read them)"
    fig.text(0.5, 0.12 / fig_h, foot, ha="center", va="bottom", fontsize=8, wrap=False)
    return fig
