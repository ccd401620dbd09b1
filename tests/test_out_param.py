"""``out=`` of ``im2col_cython.im2col`` and ``.col2im``: a reused buffer, checked.

The result written into a buffer is the fresh call's result, whatever the
buffer held; a buffer of the wrong shape, dtype or layout, a read-only one,
or one that overlaps the input is refused with a message that says so.
"""

from __future__ import annotations

import numpy as np
import pytest

from cs_conv import im2col_cython, im2col_loops

# x (3, 2, 9, 11), 3x3 filter, stride 2, pad 1: cols (18, 3*5*6)
X_SHAPE, HH, WW, STRIDE, PAD = (3, 2, 9, 11), 3, 3, 2, 1
COLS_SHAPE = (18, 90)


@pytest.fixture
def x():
    return np.random.default_rng(0).standard_normal(X_SHAPE)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fill", [np.nan, 7.0])
def test_im2col_into_a_buffer_is_the_fresh_result(x, dtype, fill):
    x = x.astype(dtype)
    out = np.full(COLS_SHAPE, fill, dtype)
    got = im2col_cython.im2col(x, HH, WW, STRIDE, PAD, out=out)
    assert got is out
    np.testing.assert_array_equal(out, im2col_cython.im2col(x, HH, WW, STRIDE, PAD))
    np.testing.assert_array_equal(out, im2col_loops.im2col(x, HH, WW, STRIDE, PAD).astype(dtype))
    # reused: a second input into the same buffer leaves nothing of the first
    im2col_cython.im2col(x[::-1].copy(), HH, WW, STRIDE, PAD, out=out)
    np.testing.assert_array_equal(out, im2col_cython.im2col(x[::-1], HH, WW, STRIDE, PAD))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_col2im_into_a_buffer_is_the_fresh_result(dtype):
    cols = np.random.default_rng(1).standard_normal(COLS_SHAPE).astype(dtype)
    out = np.full(X_SHAPE, np.nan, dtype)  # written, not added to
    got = im2col_cython.col2im(cols, X_SHAPE, HH, WW, STRIDE, PAD, out=out)
    assert got is out
    np.testing.assert_array_equal(out, im2col_cython.col2im(cols, X_SHAPE, HH, WW, STRIDE, PAD))
    want = im2col_loops.col2im(cols.astype(np.float64), X_SHAPE, HH, WW, STRIDE, PAD)
    np.testing.assert_allclose(out, want, rtol=1e-5)


@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda: np.empty((90, 18)), ValueError, r"out has shape \(90, 18\) but cols has shape"),
        (lambda: np.empty(COLS_SHAPE, np.float32), TypeError, "dtype float32 but cols is float64"),
        (lambda: np.empty((18, 180))[:, ::2], ValueError, "must be C-contiguous"),
        (lambda: np.empty(COLS_SHAPE).tolist(), TypeError, "must be a NumPy array for cols"),
        (lambda: np.empty(COLS_SHAPE, np.int64), TypeError, "dtype int64 but cols is float64"),
    ],
)
def test_im2col_refuses_a_wrong_buffer(x, make, exc, match):
    with pytest.raises(exc, match=match):
        im2col_cython.im2col(x, HH, WW, STRIDE, PAD, out=make())


def test_a_read_only_or_aliasing_buffer_is_refused(x):
    ro = np.empty(COLS_SHAPE)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="out is read-only"):
        im2col_cython.im2col(x, HH, WW, STRIDE, PAD, out=ro)
    # cols written over the x it reads: refused, not silently wrong
    big = np.zeros(18 * 90 + x.size)
    xs = big[: x.size].reshape(X_SHAPE)
    xs[...] = x
    with pytest.raises(ValueError, match="out shares memory with x"):
        im2col_cython.im2col(
            xs, HH, WW, STRIDE, PAD, out=big[x.size // 2 :][: 18 * 90].reshape(18, 90)
        )
    cols = np.zeros(COLS_SHAPE)
    with pytest.raises(ValueError, match="out shares memory with cols"):
        im2col_cython.col2im(
            cols, X_SHAPE, HH, WW, STRIDE, PAD, out=cols.reshape(-1)[:594].reshape(X_SHAPE)
        )


@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (
            lambda: np.empty((3, 2, 11, 9)),
            ValueError,
            r"out has shape \(3, 2, 11, 9\) but dx has shape",
        ),
        (lambda: np.empty(X_SHAPE, np.float32), TypeError, "dtype float32 but dx is float64"),
        (lambda: np.empty((3, 2, 9, 22))[..., ::2], ValueError, "must be C-contiguous"),
    ],
)
def test_col2im_refuses_a_wrong_buffer(make, exc, match):
    with pytest.raises(exc, match=match):
        im2col_cython.col2im(np.zeros(COLS_SHAPE), X_SHAPE, HH, WW, STRIDE, PAD, out=make())


def test_a_bad_call_is_refused_before_the_buffer_is_touched(x):
    out = np.full(COLS_SHAPE, 5.0)
    with pytest.raises(ValueError, match="does not tile"):
        im2col_cython.im2col(x, HH, WW, 3, 1, out=out)
    assert (out == 5.0).all()
