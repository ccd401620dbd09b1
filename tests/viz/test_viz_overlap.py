"""plot_col2im_overlap: the counts drawn equal an independent count of the windows."""

from __future__ import annotations

import numpy as np
import pytest

from cs_conv.im2col_loops import col2im
from cs_conv.viz import overlap_counts, plot_col2im_overlap

from .figure_helpers import Text, artists_with_gid

CASES = [
    ((1, 1, 5, 6), 3, 3, 1, 1),
    ((1, 2, 5, 8), 3, 2, 2, 1),
    ((2, 1, 4, 7), 2, 3, (2, 1), (0, 1)),
    ((1, 1, 4, 4), 2, 2, 2, 0),  # no overlap at all
]


def _pair(v):
    return (v, v) if isinstance(v, int) else v


def _count_by_pixel(x_shape, HH, WW, stride, pad):
    """For every padded pixel, count the windows whose extent contains it."""
    _, _, H, W = x_shape
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    Hp, Wp = H + 2 * ph, W + 2 * pw
    tops = range(0, Hp - HH + 1, sh)
    lefts = range(0, Wp - WW + 1, sw)
    counts = np.zeros((Hp, Wp), dtype=int)
    for y in range(Hp):
        for x in range(Wp):
            counts[y, x] = sum(t <= y < t + HH for t in tops) * sum(
                left <= x < left + WW for left in lefts
            )
    return counts


@pytest.mark.parametrize(("x_shape", "HH", "WW", "stride", "pad"), CASES)
def test_counts_equal_an_independent_count(x_shape, HH, WW, stride, pad):
    fig = plot_col2im_overlap(x_shape, HH, WW, stride, pad)
    expected = _count_by_pixel(x_shape, HH, WW, stride, pad)
    np.testing.assert_array_equal(fig.cs_conv["counts"], expected)
    np.testing.assert_array_equal(overlap_counts(x_shape, HH, WW, stride, pad), expected)
    # ... and the numbers written in the figure are those counts
    texts = artists_with_gid(fig, "count:", Text)
    assert len(texts) == expected.size
    for gid, t in texts.items():
        y, x = map(int, gid[len("count:") :].split(","))
        assert t.get_text() == str(expected[y, x])


@pytest.mark.parametrize(("x_shape", "HH", "WW", "stride", "pad"), CASES)
def test_unpadded_counts_are_col2im_of_ones(x_shape, HH, WW, stride, pad):
    fig = plot_col2im_overlap(x_shape, HH, WW, stride, pad)
    g = fig.cs_conv["geometry"]
    ones = np.ones(g.cols_shape)
    dx = col2im(ones, x_shape, HH, WW, stride, pad)
    for n in range(g.N):
        for c in range(g.C):
            np.testing.assert_array_equal(fig.cs_conv["counts_x"], dx[n, c])


@pytest.mark.parametrize(("x_shape", "HH", "WW", "stride", "pad"), CASES)
def test_assignment_marked_wrong_exactly_where_windows_overlap(x_shape, HH, WW, stride, pad):
    fig = plot_col2im_overlap(x_shape, HH, WW, stride, pad)
    counts = _count_by_pixel(x_shape, HH, WW, stride, pad)
    ph, pw = _pair(pad)
    inner = counts[ph : ph + x_shape[2], pw : pw + x_shape[3]]
    np.testing.assert_array_equal(fig.cs_conv["assign_wrong"], inner > 1)
    marks = artists_with_gid(fig, "assign-wrong")
    if not (inner > 1).any():
        assert not marks
        return
    (scatter,) = marks.values()
    drawn = {(int(y - 0.5), int(x - 0.5)) for x, y in scatter.get_offsets()}
    assert drawn == {(int(y) + ph, int(x) + pw) for y, x in np.argwhere(inner > 1)}


def test_too_large_is_refused():
    with pytest.raises(ValueError, match="too large to draw"):
        plot_col2im_overlap((1, 1, 64, 64), 3, 3, 1, 1)


def test_too_large_names_a_drawable_shape():
    with pytest.raises(ValueError, match=r"try x_shape=\(1, 1, 28, 28\)"):
        plot_col2im_overlap((1, 1, 64, 64), 3, 3, 1, 1)
    fig = plot_col2im_overlap((1, 1, 28, 28), 3, 3, 1, 1)
    assert fig.cs_conv["counts"].shape == (30, 30)
    with pytest.raises(ValueError, match=r"with pad=\(8, 8\)"):
        plot_col2im_overlap((1, 1, 2, 2), 1, 1, 1, 10**9)


@pytest.mark.parametrize(
    ("x_shape", "HH", "WW", "stride", "pad"),
    [
        ((1, 1, 37, 23), 4, 3, (3, 2), (2, 1)),
        ((1, 1, 9, 9), 9, 9, 1, 0),
        ((1, 1, 8, 8), 3, 3, 5, 1),
    ],
)
def test_counts_of_any_geometry_equal_an_independent_count(x_shape, HH, WW, stride, pad):
    # overlap_counts multiplies per-axis counts; the test counts every window at every pixel
    expected = _count_by_pixel(x_shape, HH, WW, stride, pad)
    np.testing.assert_array_equal(overlap_counts(x_shape, HH, WW, stride, pad), expected)


def test_counts_are_refused_over_the_memory_budget():
    with pytest.raises(ValueError, match=r"overlap_counts of x_shape .* refused before it starts"):
        overlap_counts((1, 1, 4, 4), 3, 3, 1, 2 * 10**4)  # 40004 x 40004 counts: 12 GiB
