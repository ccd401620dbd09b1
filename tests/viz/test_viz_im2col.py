"""plot_im2col draws the one layout: checked against the formula and the reference im2col."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from cs_conv.im2col_fancy import im2col
from cs_conv.viz import _style, im2col_metadata, plot_im2col

from .figure_helpers import Rectangle, Text, artists_with_gid, axes_holding, gid_tuples

# (x_shape, HH, WW, stride, pad, highlight)
CASES = [
    ((1, 2, 5, 8), 3, 2, 2, 1, None),  # the README figure: non-square everything, pad, stride 2
    ((2, 1, 4, 5), 2, 3, (2, 1), (0, 1), (1, 0, 2)),  # N=2, pairs, highlight by position
    ((1, 3, 3, 4), 2, 2, 1, 0, 5),  # pad 0, C=3, overlapping windows
    ((1, 1, 2, 2), 2, 2, 1, 0, None),  # a single column: default highlight is 0
]


def _pair(v):
    return (v, v) if isinstance(v, int) else v


def _expected_column(x_shape, HH, WW, stride, pad, col):
    """Straight from the layout formula: what each row of column ``col`` reads."""
    _, C, H, W = x_shape
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    H_out = (H + 2 * ph - HH) // sh + 1
    W_out = (W + 2 * pw - WW) // sw + 1
    n, rem = divmod(col, H_out * W_out)
    i, j = divmod(rem, W_out)
    pixels, padding = set(), set()
    for c in range(C):
        for di in range(HH):
            for dj in range(WW):
                yp, xp = i * sh + di, j * sw + dj
                y, x = yp - ph, xp - pw
                if 0 <= y < H and 0 <= x < W:
                    pixels.add((n, c, yp, xp))
                else:
                    padding.add((n, c, yp, xp))
    return (n, i, j), pixels, padding


def _label(x_shape, n, c, y, x):
    N, C = x_shape[:2]
    parts = ([n] if N > 1 else []) + ([c] if C > 1 else []) + [y, x]
    return ",".join(map(str, parts))


@pytest.mark.parametrize(("x_shape", "HH", "WW", "stride", "pad", "highlight"), CASES)
def test_highlighted_window_is_the_columns_pixels(x_shape, HH, WW, stride, pad, highlight):
    fig = plot_im2col(x_shape, HH, WW, stride=stride, pad=pad, highlight=highlight)
    col = fig.cs_conv["column"]
    N, C, H, W = x_shape
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    H_out, W_out = (H + 2 * ph - HH) // sh + 1, (W + 2 * pw - WW) // sw + 1
    L = N * H_out * W_out
    if highlight is None:
        assert col == (3 if L > 3 else 0)
    elif isinstance(highlight, tuple):
        n, i, j = highlight
        assert col == (n * H_out + i) * W_out + j
    (n, i, j), pixels, padding = _expected_column(x_shape, HH, WW, stride, pad, col)

    real = artists_with_gid(fig, "input-highlight:", Rectangle)
    pad_cells = artists_with_gid(fig, "input-highlight-pad:", Rectangle)
    # C*HH*WW cells in the window: the real ones highlighted, the padding ones drawn as padding
    assert len(real) == C * HH * WW - len(padding)
    assert gid_tuples(real, "input-highlight:") == pixels
    assert gid_tuples(pad_cells, "input-highlight-pad:") == padding
    for rect in real.values():
        assert rect.get_facecolor() == to_rgba(_style.HIGHLIGHT)
        assert not rect.get_hatch()
    for rect in pad_cells.values():
        assert rect.get_facecolor() == to_rgba(_style.PAD_FACE)
        assert rect.get_hatch()

    # the window outline, the column outline and the output cell
    windows = artists_with_gid(fig, "input-window:", Rectangle)
    assert gid_tuples(windows, "input-window:") == {(c,) for c in range(C)}
    for win in windows.values():
        assert (win.get_x(), win.get_y(), win.get_width(), win.get_height()) == (
            j * sw,
            i * sh,
            WW,
            HH,
        )
        assert win.axes.get_title().startswith(f"x_pad[{n}, ")
    (colrect,) = artists_with_gid(fig, "cols-highlight", Rectangle).values()
    assert (colrect.get_x(), colrect.get_width()) == (col, 1)
    assert colrect.get_height() == C * HH * WW
    (outrect,) = artists_with_gid(fig, "output-highlight", Rectangle).values()
    assert (outrect.get_x(), outrect.get_y()) == (j, i)
    assert outrect.axes.get_title() == f"out[{n}, f] (cell = column)"


@pytest.mark.parametrize(("x_shape", "HH", "WW", "stride", "pad", "highlight"), CASES[:3])
def test_cols_cell_text_names_the_source_pixel(x_shape, HH, WW, stride, pad, highlight):
    """Every cols cell's text decodes to the pixel the reference im2col puts there."""
    fig = plot_im2col(x_shape, HH, WW, stride=stride, pad=pad, highlight=highlight)
    _, C, H, W = x_shape
    # encode every pixel's (n, c, y, x) in its value; padding stays 0 -> code -1
    n, c, y, x = np.indices(x_shape)
    code = 1 + ((n * C + c) * H + y) * W + x
    cols = im2col(code.astype(float), HH, WW, stride, pad).astype(int) - 1
    texts = artists_with_gid(fig, "cols-text:", Text)
    assert len(texts) == cols.size
    for gid, t in texts.items():
        r, k = map(int, gid[len("cols-text:") :].split(","))
        if cols[r, k] < 0:
            assert t.get_text() == "pad"
        else:
            pix = np.unravel_index(cols[r, k], x_shape)
            assert t.get_text() == _label(x_shape, *map(int, pix))


def test_row_and_column_labels_follow_the_layout():
    x_shape, HH, WW = (2, 2, 3, 4), 2, 3
    fig = plot_im2col(x_shape, HH, WW, stride=1, pad=(1, 0), highlight=0)
    ax = axes_holding(fig, "cols-highlight")
    rows = [t.get_text() for t in ax.get_yticklabels()]
    C = x_shape[1]
    assert len(rows) == C * HH * WW
    for r, label in enumerate(rows):
        c, rem = divmod(r, HH * WW)
        di, dj = divmod(rem, WW)
        assert label == f"({c},{di},{dj})"
    (top,) = ax.child_axes[:1]
    cols = [t.get_text() for t in top.get_xticklabels()]
    H_out, W_out = 4, 2
    assert len(cols) == 2 * H_out * W_out
    for k, label in enumerate(cols):
        n, rem = divmod(k, H_out * W_out)
        i, j = divmod(rem, W_out)
        assert label == f"({n},{i},{j})"
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(k) for k in range(len(cols))]


def test_input_cell_text_and_padding():
    """Real pixels carry their name; padding cells have no name and are hatched."""
    x_shape = (1, 1, 2, 3)
    fig = plot_im2col(x_shape, 2, 2, stride=1, pad=1)
    ax = axes_holding(fig, "input-window:0")
    names = {t.get_text() for t in ax.texts}
    assert names == {f"{y},{x}" for y in range(2) for x in range(3)}
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 4 * 5 - 2 * 3  # the padded frame of a 4x5 padded grid


def test_highlight_int_and_tuple_agree():
    a = plot_im2col((2, 1, 3, 3), 2, 2, highlight=6).cs_conv
    b = plot_im2col((2, 1, 3, 3), 2, 2, highlight=(1, 1, 0)).cs_conv
    assert a["column"] == b["column"] == 6
    assert a["position"] == b["position"] == (1, 1, 0)
    assert a["highlight_pixels"] == b["highlight_pixels"]


@pytest.mark.parametrize(
    ("highlight", "error", "message"),
    [
        (15, ValueError, "0 <= highlight <= 14"),
        (-1, ValueError, "15 columns"),
        ((0, 3, 0), ValueError, "need 0 <= i <= 2"),
        ((1, 0, 0), ValueError, "need 0 <= n <= 0"),
        ("3", TypeError, "column index"),
        ((0, 1), TypeError, "(n, i, j)"),
    ],
)
def test_bad_highlight_says_the_valid_range(highlight, error, message):
    with pytest.raises(error, match=re.escape(message)):
        plot_im2col((1, 2, 5, 8), 3, 2, stride=2, pad=1, highlight=highlight)


def test_stride_that_does_not_tile_is_drawn_with_the_unread_pixels_marked():
    # the issue's own example: (7 + 2*1 - 2) = 7 is not a multiple of 2, so the
    # last padded column (x_pad index 8) is read by no window
    fig = plot_im2col((1, 2, 5, 7), 3, 2, stride=2, pad=1)
    meta = fig.cs_conv
    assert "stride 2 does not tile the padded input width" in meta["tiling_error"]
    assert (meta["geometry"].H_out, meta["geometry"].W_out) == (3, 4)
    want_unread = {(0, c, y, 8) for c in range(2) for y in range(7)}
    assert set(meta["unread_pixels"]) == want_unread
    assert gid_tuples(artists_with_gid(fig, "input-unread:"), "input-unread:") == want_unread
    # column 3 = output (0, 0, 3): straight from the layout formula
    (_, pixels, padding) = _expected_column((1, 2, 5, 7), 3, 2, 2, 1, 3)
    assert {(n, c, y - 1, x - 1) for n, c, y, x in pixels} == set(meta["highlight_pixels"])
    assert padding == set(meta["highlight_padding"])
    assert any("refuses this geometry" in t.get_text() for t in fig.texts)


def test_a_tiling_geometry_marks_nothing_unread():
    fig = plot_im2col((1, 2, 5, 8), 3, 2, stride=2, pad=1)
    assert fig.cs_conv["tiling_error"] is None
    assert fig.cs_conv["unread_pixels"] == []
    assert artists_with_gid(fig, "input-unread:") == {}


def test_too_large_is_refused_with_a_drawable_suggestion():
    with pytest.raises(ValueError, match=r"too large to draw: x_shape \(4, 3, 32, 32\)") as info:
        plot_im2col((4, 3, 32, 32), 3, 3, stride=1, pad=1)
    suggested = ast.literal_eval(re.search(r"try x_shape=(\([^)]*\))", str(info.value))[1])
    fig = plot_im2col(suggested, 3, 3, stride=1, pad=1)
    assert fig.cs_conv["geometry"].x_shape == suggested


def test_renders_to_png_without_warnings():
    import io

    buf = io.BytesIO()
    plot_im2col((1, 2, 5, 8), 3, 2, stride=2, pad=1).savefig(buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"


def test_importing_viz_selects_no_backend_and_warns_nothing():
    code = (
        "import sys, cs_conv.viz; "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'; "
        "cs_conv.viz.plot_im2col((1, 1, 3, 3), 2, 2); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


def test_the_issues_imagenet_batch_is_refused_before_anything_is_built(monkeypatch):
    # it used to name all 1.8e9 cells of cols first (24 GB, then the OOM killer)
    from cs_conv.viz import im2col_figure

    def no_cells(*args):
        raise AssertionError("the cells were described before the budget was checked")

    with monkeypatch.context() as m:
        m.setattr(im2col_figure, "describe", no_cells)
        with pytest.raises(
            ValueError, match=r"too large to draw: x_shape \(64, 64, 224, 224\)"
        ) as e:
            plot_im2col((64, 64, 224, 224), 3, 3, stride=1, pad=1)
    suggested = ast.literal_eval(re.search(r"try x_shape=(\([^)]*\))", str(e.value))[1])
    assert plot_im2col(suggested, 3, 3, stride=1, pad=1).cs_conv["geometry"].x_shape == suggested
    with pytest.raises(
        ValueError, match=r"too large to describe cell by cell: .*at most 100000 each"
    ):
        im2col_metadata((64, 64, 224, 224), 3, 3, stride=1, pad=1)


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        # a convolution too large for any stage: the figure still says what it can draw
        (((1, 1, 2, 2), 1, 1, 1, 10**9), r"try x_shape=\(1, 1, 2, 2\) with pad=\(2, 2\)"),
        (((1, 1, 2, 2), 10**6, 10**6, 1, 10**10), "use a smaller filter or stride"),
    ],
)
def test_a_convolution_too_large_for_any_stage_gets_advice(args, fix):
    with pytest.raises(
        ValueError, match=r"too large to draw: this convolution is too large.*" + fix
    ):
        plot_im2col(*args)
