"""Backward passes against numerical gradients; numerical_gradient against calculus."""

from __future__ import annotations

import numpy as np
import pytest

from cs_conv import layers, naive
from cs_conv.gradcheck import numerical_gradient, rel_error

SMALL_CASES = [
    ((2, 3, 5, 5), (2, 3, 3, 3), 1, 1),  # the CS231n check shape
    ((1, 2, 4, 7), (3, 2, 2, 3), (2, 2), (1, 2)),  # non-square, strided, padded
    ((2, 1, 6, 5), (1, 1, 4, 1), (1, 2), (0, 1)),
    ((1, 2, 3, 3), (2, 2, 3, 3), 1, 0),  # filter as large as the input
]


def test_numerical_gradient_of_known_functions():
    """Oracle independent of the code under test: derivatives by hand."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    df = rng.standard_normal((3, 4))
    g = numerical_gradient(lambda v: np.sin(v) * v**2, x, df)
    np.testing.assert_allclose(g, (np.cos(x) * x**2 + 2 * x * np.sin(x)) * df, rtol=1e-7, atol=1e-9)
    A = rng.standard_normal((5, 3))
    v = rng.standard_normal((3, 2))
    d = rng.standard_normal((5, 2))
    np.testing.assert_allclose(numerical_gradient(lambda m: A @ m, v, d), A.T @ d, rtol=1e-8)


def test_numerical_gradient_does_not_mutate_and_checks_shapes():
    x = np.arange(4.0)
    x0 = x.copy()
    numerical_gradient(lambda v: v * 2, x, np.ones(4))
    np.testing.assert_array_equal(x, x0)
    with pytest.raises(ValueError, match=r"f\(x\) has shape \(4,\) but df has shape \(3,\)"):
        numerical_gradient(lambda v: v, x, np.ones(3))


def test_rel_error():
    assert rel_error([0.0], [0.0]) == 0.0
    assert rel_error([1.0, 2.0], [1.0, 2.0 + 2e-8]) == pytest.approx(5e-9, rel=1e-3)
    with pytest.raises(ValueError, match=r"equal shapes, got \(3, 1\) and \(3,\)"):
        rel_error(np.zeros((3, 1)), np.zeros(3))


def _grads_numeric(forward, x, w, b, param, dout):
    return (
        numerical_gradient(lambda v: forward(v, w, b, param)[0], x, dout),
        numerical_gradient(lambda v: forward(x, v, b, param)[0], w, dout),
        numerical_gradient(lambda v: forward(x, w, v, param)[0], b, dout),
    )


@pytest.mark.parametrize("case", SMALL_CASES, ids=str)
@pytest.mark.parametrize("stage", ["naive", "loops", "fancy", "cython"])
def test_backward_matches_numerical_gradient(case, stage):
    x_shape, w_shape, stride, pad = case
    rng = np.random.default_rng(231)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    param = {"stride": stride, "pad": pad}
    if stage == "naive":
        forward, backward = naive.conv_forward, naive.conv_backward
    else:

        def forward(*args):
            return layers.conv_forward(*args, backend=stage)

        backward = layers.conv_backward
    out, cache = forward(x, w, b, param)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = backward(dout, cache)
    ndx, ndw, ndb = _grads_numeric(forward, x, w, b, param, dout)
    assert rel_error(dx, ndx) < 1e-7
    assert rel_error(dw, ndw) < 1e-7
    assert rel_error(db, ndb) < 1e-7
