"""Every stage against oracles that share no code with cs_conv."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given

from cs_conv import im2col_cython, im2col_fancy, im2col_loops, layers, naive

from .helpers import direct_cols, scipy_conv_forward
from .strategies import conv_cases

IM2COL = [im2col_loops, im2col_fancy, im2col_cython]
BACKENDS = ["loops", "fancy", "cython"]

CS231N_CORRECT_OUT = np.array(
    [
        [
            [[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
            [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
            [[0.50813986, 0.54309974], [0.64082444, 0.67101435]],
        ],
        [
            [[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
            [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
            [[2.36270298, 2.36904306], [2.38090835, 2.38247847]],
        ],
    ]
)


def rel(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


def cs231n_inputs():
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    return x, w, b, {"stride": 2, "pad": 1}


def test_naive_matches_published_cs231n_value():
    out, _ = naive.conv_forward(*cs231n_inputs())
    assert out.shape == (2, 3, 2, 2)
    assert rel(out, CS231N_CORRECT_OUT) < 3e-8


@pytest.mark.parametrize("backend", BACKENDS)
def test_layers_match_published_cs231n_value(backend):
    out, _ = layers.conv_forward(*cs231n_inputs(), backend=backend)
    assert rel(out, CS231N_CORRECT_OUT) < 3e-8


def _inputs(case, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case["x_shape"]).astype(dtype)
    w = rng.standard_normal(case["w_shape"]).astype(dtype)
    b = rng.standard_normal(case["w_shape"][0]).astype(dtype)
    return x, w, b, {"stride": case["stride"], "pad": case["pad"]}


@given(case=conv_cases())
@example(case={"x_shape": (1, 1, 1, 1), "w_shape": (1, 1, 1, 1), "stride": 1, "pad": 0})
@example(case={"x_shape": (2, 3, 5, 7), "w_shape": (4, 3, 7, 9), "stride": 1, "pad": 1})
def test_naive_forward_matches_scipy(case):
    x, w, b, param = _inputs(case)
    out, _ = naive.conv_forward(x, w, b, param)
    expected = scipy_conv_forward(x, w, b, param["stride"], param["pad"])
    np.testing.assert_allclose(out, expected, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_layer_forward_matches_scipy_on_strided_padded_nonsquare(backend):
    case = {"x_shape": (3, 2, 9, 12), "w_shape": (5, 2, 3, 4), "stride": (2, 4), "pad": (1, 2)}
    x, w, b, param = _inputs(case, seed=7)
    out, _ = layers.conv_forward(x, w, b, param, backend=backend)
    assert out.shape == (3, 5, 5, 4)
    np.testing.assert_allclose(
        out, scipy_conv_forward(x, w, b, (2, 4), (1, 2)), rtol=1e-11, atol=1e-12
    )


@pytest.mark.parametrize("module", IM2COL, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@given(case=conv_cases(max_n=2, max_c=2))
def test_im2col_matches_direct_layout_formula(module, case):
    x, _, _, param = _inputs(case, seed=3)
    HH, WW = case["w_shape"][2:]
    cols = module.im2col(x, HH, WW, param["stride"], param["pad"])
    np.testing.assert_array_equal(cols, direct_cols(x, HH, WW, param["stride"], param["pad"]))


def test_layout_rows_and_columns_hold_the_named_pixel():
    """Distinct values make every cell of cols name the one pixel it must hold."""
    N, C, H, W, HH, WW, s, p = 2, 2, 4, 5, 3, 2, 1, 1
    x = (np.arange(N * C * H * W) + 1.0).reshape(N, C, H, W)
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p))
    xp[:, :, p:-p, p:-p] = x
    Ho, Wo = (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1
    for module in IM2COL:
        cols = module.im2col(x, HH, WW, s, p)
        assert cols.shape == (C * HH * WW, N * Ho * Wo)
        for n in range(N):
            for c in range(C):
                for i in range(Ho):
                    for j in range(Wo):
                        for di in range(HH):
                            for dj in range(WW):
                                row = (c * HH + di) * WW + dj
                                col = (n * Ho + i) * Wo + j
                                assert cols[row, col] == xp[n, c, i * s + di, j * s + dj]


def _torch():
    return pytest.importorskip(
        "torch", reason="torch is an optional oracle (pip install torch==2.13.0)"
    )


def _stride_pad(case):
    from .helpers import pair

    return pair(case["stride"]), pair(case["pad"])


@pytest.mark.parametrize("backend", BACKENDS)
@given(case=conv_cases())
def test_layer_forward_and_backward_match_torch(backend, case):
    t = _torch()
    x, w, b, param = _inputs(case, seed=11)
    stride, pad = _stride_pad(case)
    out, cache = layers.conv_forward(x, w, b, param, backend=backend)
    dout = np.random.default_rng(12).standard_normal(out.shape)
    dx, dw, db = layers.conv_backward(dout, cache)
    tx, tw, tb = (t.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = t.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=pad)
    tout.backward(t.tensor(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("module", IM2COL, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@given(case=conv_cases())
def test_im2col_and_col2im_match_torch_unfold_and_fold(module, case):
    t = _torch()
    x, _, _, param = _inputs(case, seed=5)
    HH, WW = case["w_shape"][2:]
    stride, pad = _stride_pad(case)
    N = x.shape[0]
    # torch.unfold gives (N, C*HH*WW, L): the same rows, columns per image
    ref = t.nn.functional.unfold(t.tensor(x), (HH, WW), padding=pad, stride=stride).numpy()
    cols = module.im2col(x, HH, WW, param["stride"], param["pad"])
    np.testing.assert_array_equal(cols, ref.transpose(1, 0, 2).reshape(cols.shape))
    c = np.random.default_rng(6).standard_normal(cols.shape)
    folded = t.nn.functional.fold(
        t.tensor(c.reshape(c.shape[0], N, -1).transpose(1, 0, 2).copy()),
        x.shape[2:],
        (HH, WW),
        padding=pad,
        stride=stride,
    ).numpy()
    dx = module.col2im(c, x.shape, HH, WW, param["stride"], param["pad"])
    np.testing.assert_allclose(dx, folded, rtol=1e-12, atol=1e-12)
