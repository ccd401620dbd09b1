"""plot_mismatch marks exactly the cells that differ; figure_to_* inline it."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from cs_conv.viz import figure_to_html_img, figure_to_png_base64, mismatch_mask, plot_mismatch

from .figure_helpers import artists_with_gid


def _wrong(expected, got, rtol, atol):
    """Independent statement of "wrong", entry by entry."""
    out = np.zeros(expected.shape, dtype=bool)
    for idx in np.ndindex(expected.shape):
        e, g = expected[idx], got[idx]
        if np.isnan(e) or np.isnan(g):
            out[idx] = True
        elif np.isinf(e) or np.isinf(g):
            out[idx] = e != g
        else:
            out[idx] = abs(g - e) > atol + rtol * abs(e)
    return out


def _marks(fig):
    """{(p, q): set of (row, col)} read from the X scatters drawn in each panel."""
    found = {}
    for gid, sc in artists_with_gid(fig, "wrong:").items():
        p, q = map(int, gid[len("wrong:") :].split(","))
        found[(p, q)] = {(int(y - 0.5), int(x - 0.5)) for x, y in sc.get_offsets()}
    return found


def _student_like(rng, shape):
    expected = rng.standard_normal(shape)
    got = expected.copy()
    got[0, 1, 2, :] = 0.0  # a row never written
    got[1, 0, 0, 0] += 1e-3  # slightly off
    got[1, 2, 1, 3] = np.nan
    got[0, 0, 1, 1] += 1e-12  # within tolerance: not wrong
    return expected, got


def test_marks_exactly_the_cells_that_differ():
    rng = np.random.default_rng(0)
    expected, got = _student_like(rng, (2, 3, 4, 5))
    fig = plot_mismatch(expected, got)
    wrong = _wrong(expected, got, 1e-7, 1e-9)
    assert wrong.sum() == 5 + 1 + 1
    np.testing.assert_array_equal(fig.cs_conv["mask"], wrong)
    assert fig.cs_conv["n_wrong"] == wrong.sum()
    marks = _marks(fig)
    for n in range(2):
        for f in range(3):
            expected_marks = {tuple(map(int, rc)) for rc in np.argwhere(wrong[n, f])}
            assert marks.get((n, f), set()) == expected_marks


def test_tolerances_are_respected():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = expected + np.array([[0.0, 1e-5], [1e-3, 0.0]])
    loose = plot_mismatch(expected, got, rtol=1e-4, atol=0.0).cs_conv["mask"]
    np.testing.assert_array_equal(loose, _wrong(expected, got, 1e-4, 0.0))
    assert loose.tolist() == [[False, False], [True, False]]
    strict = plot_mismatch(expected, got).cs_conv["mask"]
    assert strict.tolist() == [[False, True], [True, False]]


def test_two_d_cols_is_one_panel():
    rng = np.random.default_rng(1)
    expected = rng.standard_normal((12, 15))
    got = expected.copy()
    got[:, 3] *= -1
    fig = plot_mismatch(expected, got)
    marks = _marks(fig)
    assert set(marks) == {(0, 0)}
    assert marks[(0, 0)] == {(r, 3) for r in range(12)}


def test_panels_are_capped_and_the_title_says_so():
    expected = np.zeros((6, 5, 3, 3))
    got = expected.copy()
    got[5, 4] = 1.0  # only in panels that are not drawn
    got[0, 0, 0, 0] = 1.0
    fig = plot_mismatch(expected, got)
    assert fig.cs_conv["shown"] == (4, 4)
    assert fig.cs_conv["n_wrong"] == 10
    assert set(_marks(fig)) == {(0, 0)}
    text = " ".join(t.get_text() for t in fig.texts)
    assert "first 4 of 6 along n" in text
    assert "first 4 of 5 along f" in text
    assert "10 of 270 entries wrong" in text


def test_shape_mismatch_states_both_shapes():
    fig = plot_mismatch(np.zeros((12, 15)), np.zeros((15, 12)))
    assert fig.cs_conv["shape_ok"] is False
    text = " ".join(t.get_text() for t in fig.texts)
    assert "(12, 15)" in text
    assert "(15, 12)" in text
    assert "transpose" in text


def test_all_right_draws_no_marks():
    e = np.ones((1, 1, 2, 2))
    fig = plot_mismatch(e, e.copy())
    assert fig.cs_conv["n_wrong"] == 0
    assert not _marks(fig)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_other_ndims(shape):
    e = np.zeros(shape)
    g = e.copy()
    g.flat[-1] = 1.0
    fig = plot_mismatch(e, g)
    assert fig.cs_conv["n_wrong"] == 1


def test_figure_to_png_and_html():
    fig = plot_mismatch(np.zeros((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    data = figure_to_png_base64(fig)
    assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    tag = figure_to_html_img(fig, alt='a "mismatch"')
    assert tag.startswith('<img src="data:image/png;base64,')
    assert 'alt="a &quot;mismatch&quot;"' in tag
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_figure_to_png_closes_pyplot_figures():
    import matplotlib.pyplot as plt

    fig = plt.figure()
    assert plt.fignum_exists(fig.number)
    figure_to_png_base64(fig)
    assert not plt.fignum_exists(fig.number)


def test_arrays_too_large_to_see_are_refused_with_a_slice_that_fits():
    import re

    big = np.broadcast_to(0.0, (64, 64, 224, 224))  # no memory: a view
    with pytest.raises(ValueError, match=r"too large to draw: arrays of shape") as info:
        plot_mismatch(big, big)
    index = re.search(r"expected\[([^\]]*)\]", str(info.value))[1]
    part = big[tuple(slice(int(v[1:])) for v in index.split(", "))]
    assert part.size <= 2**20
    assert plot_mismatch(part, part).cs_conv["shown"] == (4, 4)


def test_mismatch_mask_checks_the_broadcast_size():
    with pytest.raises(
        ValueError, match=r"mismatch_mask of shapes \(1000000, 1\) and \(1, 1000000\)"
    ):
        mismatch_mask(np.zeros((10**6, 1)), np.zeros((1, 10**6)))


@pytest.mark.parametrize(
    ("dpi", "error", "message"),
    [
        (10**4, ValueError, r"too large to render: .* use dpi <= \d+"),
        (-1, ValueError, "positive"),
        (float("inf"), ValueError, "positive"),
        ("300", ValueError, "positive"),
    ],
)
def test_rendering_is_refused_past_its_pixel_budget(dpi, error, message):
    fig = plot_mismatch(np.zeros((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    with pytest.raises(error, match=message):
        figure_to_png_base64(fig, dpi=dpi)
    with pytest.raises(TypeError, match="must be a matplotlib Figure"):
        figure_to_html_img("a figure")
