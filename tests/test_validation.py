"""Every bad input gets a ValueError/TypeError that names the problem and the fix."""

from __future__ import annotations

import numpy as np
import pytest

from cs_conv import (
    conv_output_shape,
    im2col_cython,
    im2col_fancy,
    im2col_loops,
    layers,
    naive,
    pad_input,
)

IM2COL = [im2col_loops, im2col_fancy, im2col_cython]
FORWARDS = [
    naive.conv_forward,
    *(lambda *a, _b=b: layers.conv_forward(*a, backend=_b) for b in ("loops", "fancy", "cython")),
]
X = np.zeros((2, 3, 5, 6))
W = np.zeros((4, 3, 3, 2))
B = np.zeros(4)
OK = {"stride": 1, "pad": 1}


@pytest.mark.parametrize("forward", FORWARDS)
@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        ((X[0], W, B, OK), ValueError, r"x must be 4-D .*got 3-D .*\(3, 5, 6\).*x\[None\]"),
        ((X, W[0], B, OK), ValueError, r"w must be 4-D with layout \(F, C, HH, WW\)"),
        ((X, np.zeros((4, 2, 3, 2)), B, OK), ValueError, r"channel mismatch: x has C=3.*w has C=2"),
        (
            (X, W, np.zeros((4, 1)), OK),
            ValueError,
            r"b must have shape \(F,\) = \(4,\).*\(4, 1\).*column vector.*b.reshape\(4\)",
        ),
        ((X, W, np.zeros(3), OK), ValueError, r"b must have shape \(F,\) = \(4,\).*got \(3,\)"),
        (
            (X, W, B, {"stride": 4, "pad": 0}),
            ValueError,
            r"stride 4 does not tile the padded input height: \(H \+ 2\*pad - HH\) = "
            r"\(5 \+ 2\*0 - 3\) = 2 is not a multiple of 4; pad in \[1, 3, 5, 7\] would tile it",
        ),
        (
            (X, W, B, {"stride": 3, "pad": 0}),
            ValueError,
            r"stride 3 does not tile the padded input height.*pad in \[.*\] would tile it",
        ),
        (
            (X, np.zeros((4, 3, 8, 2)), B, {"stride": 1, "pad": 1}),
            ValueError,
            r"filter height HH=8 is larger than the padded input height "
            r"H \+ 2\*pad = 5 \+ 2\*1 = 7",
        ),
        (
            (X, W, B, {"stride": 1, "pad": -1}),
            ValueError,
            r"pad must be non-negative \(>= 0\), got -1",
        ),
        (
            (X, W, B, {"stride": 0, "pad": 1}),
            ValueError,
            r"stride must be positive \(>= 1\), got 0",
        ),
        (
            (X, W, B, {"stride": 1, "pad": 1.5}),
            TypeError,
            r"pad must be an int .*got 1.5 of type float",
        ),
        ((X, W, B, {"stride": "1", "pad": 1}), TypeError, r"stride must be an int .*'1'"),
        ((X, W, B, {"stride": 1, "pad": True}), TypeError, r"pad must be an int"),
        ((X, W, B, {"stride": 1, "padding": 1}), ValueError, r"unknown key\(s\) \['padding'\]"),
        ((X, W, B, {"stride": 1}), ValueError, r"conv_param is missing \['pad'\]"),
        ((X, W, B, [1, 1]), TypeError, r"conv_param must be a dict"),
        ((X.astype(complex), W, B, OK), TypeError, r"x has complex dtype complex128"),
        ((X.astype(object), W, B, OK), TypeError, r"x has dtype object \(not a real number type\)"),
        (
            (X, W, B, {"stride": (1, 2, 3), "pad": 1}),
            ValueError,
            r"stride must be an int or an \(h, w\) pair, got a sequence of length 3",
        ),
    ],
)
def test_forward_rejects_bad_input(forward, args, exc, match):
    with pytest.raises(exc, match=match):
        forward(*args)


@pytest.mark.parametrize("module", IM2COL, ids=["loops", "fancy", "cython"])
def test_im2col_rejects_bad_input(module):
    with pytest.raises(ValueError, match=r"x must be 4-D"):
        module.im2col(np.zeros((3, 4)), 2, 2)
    with pytest.raises(ValueError, match=r"filter width WW=9 is larger"):
        module.im2col(X, 3, 9, 1, 1)
    with pytest.raises(TypeError, match=r"must be an int"):
        module.im2col(X, 3.0, 2)
    with pytest.raises(ValueError, match=r"stride 3 does not tile the padded input width"):
        module.im2col(X, 1, 2, (1, 3), 0)


@pytest.mark.parametrize("module", IM2COL, ids=["loops", "fancy", "cython"])
def test_col2im_rejects_cols_of_the_wrong_shape(module):
    with pytest.raises(
        ValueError,
        match=r"cols has shape \(70, 18\) but x_shape \(2, 3, 5, 6\).*needs .* = \(18, 70\); "
        r"did you pass cols transposed\?",
    ):
        module.col2im(np.zeros((70, 18)), (2, 3, 5, 6), 3, 2, 1, 1)
    with pytest.raises(ValueError, match=r"cols must be 2-D"):
        module.col2im(np.zeros((18, 3, 20)), (2, 3, 5, 6), 3, 2, 1, 0)
    with pytest.raises(ValueError, match=r"x_shape must have 4 entries"):
        module.col2im(np.zeros((18, 60)), (3, 5, 6), 3, 2, 1, 0)
    with pytest.raises(ValueError, match=r"every entry of x_shape .* must be >= 1"):
        module.col2im(np.zeros((18, 0)), (0, 3, 5, 6), 3, 2, 1, 0)


def test_backward_rejects_dout_of_the_wrong_shape():
    out, cache = naive.conv_forward(X, W, B, OK)
    with pytest.raises(
        ValueError,
        match=r"dout must have the forward output's shape .* = \(2, 4, 5, 7\), got \(2, 4, 7, 5\)",
    ):
        naive.conv_backward(np.zeros((2, 4, 7, 5)), cache)
    out, cache = layers.conv_forward(X, W, B, OK)
    with pytest.raises(ValueError, match=r"dout must have the forward output's shape"):
        layers.conv_backward(out[:, :1], cache)


def test_unknown_backend():
    with pytest.raises(
        ValueError, match=r"backend must be one of \['cython', 'fancy', 'loops'\], got 'numpy'"
    ):
        layers.conv_forward(X, W, B, OK, backend="numpy")


def test_conv_output_shape():
    assert conv_output_shape((2, 3, 5, 6), (4, 3, 3, 2), 1, 1) == (2, 4, 5, 7)
    assert conv_output_shape((1, 1, 7, 10), (1, 1, 3, 2), (2, 4), (1, 0)) == (1, 1, 4, 3)
    with pytest.raises(ValueError, match=r"x_shape must have 4 entries"):
        conv_output_shape((5, 6), (4, 3, 3, 2))
    with pytest.raises(TypeError, match=r"x_shape entries must be ints"):
        conv_output_shape((2, 3, 5.0, 6), (4, 3, 3, 2))
    with pytest.raises(ValueError, match=r"channel mismatch"):
        conv_output_shape((2, 3, 5, 6), (4, 1, 3, 2))


def test_pad_input():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    p = pad_input(x, (1, 2))
    assert p.shape == (1, 1, 4, 7)
    assert p.sum() == x.sum()
    np.testing.assert_array_equal(p[0, 0, 1:3, 2:5], x[0, 0])
    assert pad_input(x.astype(np.float32), 1).dtype == np.float32
    q = pad_input(x, 0)
    q[...] = -1
    assert x.min() == 0  # pad 0 still returns a new array
    with pytest.raises(ValueError, match=r"pad must be non-negative"):
        pad_input(x, -1)
    with pytest.raises(ValueError, match=r"x must be 4-D"):
        pad_input(x[0], 1)
