"""The compiled kernel's own guards: direct calls can never touch memory out of bounds."""

from __future__ import annotations

import numpy as np
import pytest

from cs_conv import _im2col_cy, im2col_loops

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
