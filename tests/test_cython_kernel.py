"""The compiled kernel's own guards: direct calls can never touch memory out of bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_conv import _im2col_cy, im2col_loops

from .strategies import conv_cases

# x (1, 1, 2, 5), 1x1 filter, stride 1, pad 0: cols (1, 10)
SIZES = (1, 1, 2, 5, 1, 1, 1, 1, 0, 0, 2, 5, 10, 10)


def test_direct_call_matches_the_reference():
    x = np.arange(10.0)
    cols = np.full(10, np.nan)
    _im2col_cy.im2col_into(x, cols, *SIZES)
    np.testing.assert_array_equal(cols, im2col_loops.im2col(x.reshape(1, 1, 2, 5), 1, 1).ravel())


@pytest.mark.parametrize(
    ("x", "cols", "sizes", "exc", "match"),
    [
        (np.zeros(10), np.zeros(10, np.float32), SIZES, ValueError, "Buffer dtype mismatch"),
        (np.zeros(10), np.zeros(9), SIZES, ValueError, "cols is too small"),
        (np.zeros(9), np.zeros(10), SIZES, ValueError, r"x does not hold N\*C\*H\*W values"),
        (np.zeros(20)[::2], np.zeros(10), SIZES, ValueError, "not C-contiguous"),
        (np.zeros(10), np.zeros(10), (*SIZES[:10], 3, 5, 10, 10), ValueError, "H_out/W_out"),
        (np.zeros(10), np.zeros(10), (0, *SIZES[1:]), ValueError, "sizes must be positive"),
        (np.zeros(10), np.zeros(10), (*SIZES[:12], -1, 10), ValueError, "non-negative"),
        (np.zeros(10, complex), np.zeros(10), SIZES, TypeError, "No matching signature"),
    ],
)
def test_im2col_into_refuses_what_would_go_out_of_bounds(x, cols, sizes, exc, match):
    with pytest.raises(exc, match=match):
        _im2col_cy.im2col_into(x, cols, *sizes)


def test_col2im_into_refuses_a_read_only_output_and_a_short_cols():
    dx = np.zeros(10)
    dx.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        _im2col_cy.col2im_into(np.zeros(10), dx, *SIZES)
    with pytest.raises(ValueError, match="cols is too small"):
        _im2col_cy.col2im_into(np.zeros(9), np.zeros(10), *SIZES)


FLOATS = st.sampled_from([np.float64, np.float32])


@given(case=conv_cases(max_out=6), dtype=FLOATS, seed=st.integers(0, 99))
@settings(max_examples=150, deadline=None)
def test_kernels_match_the_loops_in_both_layouts(case, dtype, seed):
    """Every stride/pad/filter combination (stride > filter, pad > filter, 1-pixel
    outputs), both layouts, plain and streaming stores; outputs start as NaN, so a
    cell the kernel forgets shows up."""
    N, C, H, W = case["x_shape"]
    F, _, HH, WW = case["w_shape"]
    (sh, sw), (ph, pw) = (
        tuple(v) if isinstance(v, tuple) else (v, v) for v in (case["stride"], case["pad"])
    )
    H_out, W_out = (H + 2 * ph - HH) // sh + 1, (W + 2 * pw - WW) // sw + 1
    K, L = C * HH * WW, H_out * W_out
    sizes = (N, C, H, W, HH, WW, sh, sw, ph, pw, H_out, W_out)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    want = im2col_loops.im2col(x, HH, WW, (sh, sw), (ph, pw)).astype(dtype)
    for stream in (0, 1):
        cols = np.full((K, N * L), np.nan, dtype)
        _im2col_cy.im2col_into(x.ravel(), cols.ravel(), *sizes, N * L, L, 0, stream)
        np.testing.assert_array_equal(cols, want)
        stack = np.full((N, K, L), np.nan, dtype)  # the layer's per-image layout
        _im2col_cy.im2col_into(x.ravel(), stack.ravel(), *sizes, L, K * L, 0, stream)
        np.testing.assert_array_equal(stack.transpose(1, 0, 2).reshape(K, -1), want)
    dcols = rng.standard_normal((K, N * L)).astype(dtype)
    dx = np.full((N, C, H, W), np.nan, dtype)  # col2im writes every value, zeros included
    _im2col_cy.col2im_into(dcols.ravel(), dx.ravel(), *sizes, N * L, L)
    wdx = im2col_loops.col2im(dcols.astype(np.float64), (N, C, H, W), HH, WW, (sh, sw), (ph, pw))
    np.testing.assert_allclose(dx, wdx, rtol=1e-5, atol=1e-5)
    w = rng.standard_normal((F, K)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    wout = (w.astype(np.float64) @ want.astype(np.float64) + b[:, None]).reshape(F, N, H_out, W_out)
    keep = np.full(K * N * L + _im2col_cy.tile_values(x.itemsize), np.nan, dtype)
    for kept in (None, keep):  # columns in a scratch, or kept in the public layout
        out = np.full((N, F, H_out, W_out), np.nan, dtype)
        _im2col_cy.conv_forward_into(x.ravel(), w.ravel(), b, out.ravel(), *sizes, kept)
        np.testing.assert_allclose(out, wout.transpose(1, 0, 2, 3), rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(keep[: K * N * L].reshape(K, -1), want)


def test_conv_forward_into_refuses_buffers_of_the_wrong_size():
    x, w, b = np.zeros(10), np.zeros(3), np.zeros(3)  # F = 3, K = 1
    with pytest.raises(ValueError, match="w or out does not hold"):
        _im2col_cy.conv_forward_into(x, w, b, np.zeros(29), *SIZES[:12])
    with pytest.raises(ValueError, match="w or out does not hold"):
        _im2col_cy.conv_forward_into(x, np.zeros(2), b, np.zeros(30), *SIZES[:12])
    with pytest.raises(ValueError, match=r"x does not hold N\*C\*H\*W values"):
        _im2col_cy.conv_forward_into(np.zeros(9), w, b, np.zeros(30), *SIZES[:12])
    keep = np.zeros(10 + _im2col_cy.tile_values(8) - 1)  # one value short of the slack
    with pytest.raises(ValueError, match="keep does not hold"):
        _im2col_cy.conv_forward_into(x, w, b, np.zeros(30), *SIZES[:12], keep)
    out = np.zeros(30)
    _im2col_cy.conv_forward_into(np.arange(10.0), np.array([1.0, 2.0, 3.0]), b, out, *SIZES[:12])
    np.testing.assert_array_equal(out.reshape(3, 10), np.outer([1.0, 2.0, 3.0], np.arange(10.0)))
