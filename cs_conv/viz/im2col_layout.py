"""What the im2col figure shows, as plain data: every cell of ``cols``, named by its pixel.

The layout is the package's one layout (see :mod:`cs_conv.im2col_loops`)::

    cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j] == x_pad[n, c, i*stride + di, j*stride + dj]

Both :func:`im2col_metadata` and :func:`~cs_conv.viz.plot_im2col` check their
budgets (in cells) on the geometry alone, before they build anything.
"""

from __future__ import annotations

from .._validate import as_int_pair
from ..geometry import ConvGeometry, conv_geometry
from ._layout import is_int

__all__ = [
    "MAX_COLS_CELLS",
    "MAX_INPUT_CELLS",
    "MAX_METADATA_CELLS",
    "check_drawable",
    "describe",
    "drawable_geometry",
    "fits",
    "im2col_metadata",
    "label_legend",
    "padded",
    "pixel_label",
]

#: Largest ``cols`` (``C*HH*WW * N*H_out*W_out`` cells) :func:`plot_im2col` draws.
MAX_COLS_CELLS = 2000
#: Largest padded input (``N*C*(H + 2*pad_h)*(W + 2*pad_w)`` cells) it draws.
MAX_INPUT_CELLS = 600
#: Largest ``cols`` and padded input (cells, each) :func:`im2col_metadata` describes.
MAX_METADATA_CELLS = 100_000


def padded(g: ConvGeometry) -> tuple[int, int]:
    """``(H + 2*pad_h, W + 2*pad_w)``."""
    return g.H + 2 * g.ph, g.W + 2 * g.pw


def fits(g: ConvGeometry, cols_cells: int = MAX_COLS_CELLS, input_cells: int = MAX_INPUT_CELLS):
    """Whether ``g``'s cols and padded input are within the given numbers of cells."""
    Hp, Wp = padded(g)
    n_cols, n_input = g.cols_shape[0] * g.cols_shape[1], g.N * g.C * Hp * Wp
    return n_cols <= cols_cells and n_input <= input_cells


def _suggestion(HH, WW, stride, pad, C, H, W) -> tuple[int, int, int, int] | None:
    """A drawable ``x_shape`` near ``(1, C, H, W)`` with this filter and stride: the pad kept
    if anything fits with it (the largest such image), else ``None``."""
    best = None
    for c in range(min(C, 2), 0, -1):
        for h in range(min(H, 12), 0, -1):
            for w in range(min(W, 12), 0, -1):
                try:
                    cand = conv_geometry((1, c, h, w), HH, WW, stride, pad)
                except ValueError:
                    continue
                if fits(cand) and (best is None or best[0] < c * h * w):
                    best = (c * h * w, (1, c, h, w))
    return None if best is None else best[1]


def _fix(HH, WW, stride, pad, C, H, W) -> str:
    """What to try instead: a smaller x_shape with the same filter, stride and pad, or a
    smaller pad, or (nothing fits this filter and stride) a smaller filter or stride."""
    hint = _suggestion(HH, WW, stride, pad, C, H, W)
    if hint is not None:
        return f"try x_shape={hint} (same filter, stride and pad)"
    for p in sorted({(min(pad[0], k), min(pad[1], k)) for k in range(3)}, reverse=True):
        hint = _suggestion(HH, WW, stride, p, C, H, W)
        if hint is not None:
            return f"try x_shape={hint} with pad={p} (same filter and stride)"
    return "use a smaller filter or stride (no small input can show this one)"


def drawable_geometry(x_shape, HH, WW, stride, pad, *, what="draw", fix=None) -> ConvGeometry:
    """:func:`~cs_conv.geometry.conv_geometry` (``exact=False``); a convolution too large for
    any stage is refused with a smaller one that can be drawn.

    ``fix(g)`` says what to try instead for the refused sizes ``g`` (output sizes left
    at 1); by default a smaller input that :func:`~cs_conv.viz.plot_im2col` can draw.
    """
    try:
        return conv_geometry(x_shape, HH, WW, stride, pad, exact=False)
    except ValueError as exc:
        if "too large" not in str(exc):
            raise
        # every argument was validated before the size was checked
        N, C, H, W = (int(v) for v in x_shape)
        hh, ww = as_int_pair((HH, WW), "filter size (HH, WW)", minimum=1)
        sh, sw = as_int_pair(stride, "stride", minimum=1)
        ph, pw = as_int_pair(pad, "pad", minimum=0)
        g = ConvGeometry(N, C, H, W, hh, ww, sh, sw, ph, pw, 1, 1)
        hint = fix(g) if fix is not None else _fix(hh, ww, g.stride, g.pad, C, H, W)
        raise ValueError(f"too large to {what}: {exc}; {hint}") from None


def check_drawable(g: ConvGeometry) -> None:
    """Refuse a geometry :func:`~cs_conv.viz.plot_im2col` cannot draw legibly (the message
    suggests one it can)."""
    if fits(g):
        return
    Hp, Wp = padded(g)
    K, L = g.cols_shape
    fix = _fix(g.HH, g.WW, g.stride, g.pad, g.C, g.H, g.W)
    raise ValueError(
        f"too large to draw: x_shape {g.x_shape} with a {g.HH}x{g.WW} filter, stride "
        f"{g.stride}, pad {g.pad} gives cols of shape {g.cols_shape} = {K * L} cells "
        f"(at most {MAX_COLS_CELLS}) and a padded input of N*C*(H+2*pad)*(W+2*pad) = "
        f"{g.N}*{g.C}*{Hp}*{Wp} = {g.N * g.C * Hp * Wp} cells (at most {MAX_INPUT_CELLS}); "
        f"{fix}"
    )


def _check_describable(g: ConvGeometry) -> None:
    if fits(g, MAX_METADATA_CELLS, MAX_METADATA_CELLS):
        return
    Hp, Wp = padded(g)
    K, L = g.cols_shape
    raise ValueError(
        f"too large to describe cell by cell: x_shape {g.x_shape} with a {g.HH}x{g.WW} "
        f"filter, stride {g.stride}, pad {g.pad} gives cols of shape {g.cols_shape} = "
        f"{K * L} cells and a padded input of {g.N}*{g.C}*{Hp}*{Wp} = {g.N * g.C * Hp * Wp} "
        f"cells (at most {MAX_METADATA_CELLS} each); "
        + _fix(g.HH, g.WW, g.stride, g.pad, g.C, g.H, g.W)
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


def pixel_label(g: ConvGeometry, n: int, c: int, y: int, x: int) -> str:
    """The text of input pixel ``x[n, c, y, x]`` (``n`` and ``c`` only when N, C > 1)."""
    parts = ([n] if g.N > 1 else []) + ([c] if g.C > 1 else []) + [y, x]
    return ",".join(str(p) for p in parts)


def label_legend(g: ConvGeometry) -> str:
    """What a cell's text means, for the footer."""
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

    Raises
    ------
    ValueError
        Invalid geometry, ``highlight`` out of range, or more than
        :data:`MAX_METADATA_CELLS` cols cells or padded input cells (checked
        first; the message suggests a smaller shape).

    Examples
    --------
    >>> m = im2col_metadata((1, 1, 3, 3), 2, 2, highlight=(0, 1, 1))
    >>> m["column"], m["highlight_pixels"]
    (3, [(0, 0, 1, 1), (0, 0, 1, 2), (0, 0, 2, 1), (0, 0, 2, 2)])
    """
    g = drawable_geometry(x_shape, HH, WW, stride, pad, what="describe")
    _check_describable(g)
    return describe(g, highlight)


def describe(g: ConvGeometry, highlight=None) -> dict:
    """:func:`im2col_metadata` of a geometry already checked against a budget."""
    col, position = _parse_highlight(highlight, g)
    taps = [(c, di, dj) for c in range(g.C) for di in range(g.HH) for dj in range(g.WW)]
    positions = [(n, i, j) for n in range(g.N) for i in range(g.H_out) for j in range(g.W_out)]
    sources, text = _cells(g, taps, positions)
    pixels, padding = [], []
    for r in range(len(taps)):
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
        "position": position,
        "row_labels": [f"({c},{di},{dj})" for c, di, dj in taps],
        "col_labels": [f"({n},{i},{j})" for n, i, j in positions],
        "sources": sources,
        "cell_text": text,
        "highlight_pixels": pixels,
        "highlight_padding": padding,
    }


def _cells(g: ConvGeometry, taps, positions) -> tuple[list, list]:
    """Per cols cell: the padded pixel ``(n, c, y_pad, x_pad)`` it copies, and its text."""
    Hp, Wp = padded(g)
    sources, text = [], []
    for c, di, dj in taps:
        src_row, text_row = [], []
        for n, i, j in positions:
            yp, xp = i * g.sh + di, j * g.sw + dj
            src_row.append((n, c, yp, xp))
            inside = g.ph <= yp < Hp - g.ph and g.pw <= xp < Wp - g.pw
            text_row.append(pixel_label(g, n, c, yp - g.ph, xp - g.pw) if inside else "pad")
        sources.append(src_row)
        text.append(text_row)
    return sources, text


def _tiling_error(g: ConvGeometry) -> str | None:
    """The message every stage gives for this geometry, or None if it tiles."""
    try:
        conv_geometry(g.x_shape, g.HH, g.WW, g.stride, g.pad)
    except ValueError as exc:
        return str(exc)
    return None


def _unread(g: ConvGeometry) -> list[tuple[int, int, int, int]]:
    """Padded cells ``(n, c, y_pad, x_pad)`` that no window reaches."""
    Hp, Wp = padded(g)
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
