"""All backends agree with each other and with the naive loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given

from cs_conv import im2col_cython, im2col_fancy, im2col_loops, layers, naive

from .strategies import conv_cases

EDGE_CASES = [
    # N = C = F = 1, 1x1 filter
    {"x_shape": (1, 1, 3, 5), "w_shape": (1, 1, 1, 1), "stride": 1, "pad": 0},
    # filter as large as the padded input
    {"x_shape": (2, 2, 3, 4), "w_shape": (3, 2, 5, 6), "stride": 1, "pad": 1},
    # non-overlapping windows (stride == filter), non-square
    {"x_shape": (2, 3, 6, 9), "w_shape": (2, 3, 2, 3), "stride": (2, 3), "pad": 0},
    # stride larger than the filter: gaps between windows
    {"x_shape": (1, 2, 7, 10), "w_shape": (2, 2, 1, 2), "stride": (3, 4), "pad": 0},
    # heavy overlap, pad 3, stride 4
    {"x_shape": (2, 1, 7, 11), "w_shape": (1, 1, 5, 5), "stride": (2, 4), "pad": 3},
    # pad larger than the filter: some windows read only zeros
    {"x_shape": (1, 1, 2, 3), "w_shape": (2, 1, 1, 2), "stride": 1, "pad": 3},
]


def _inputs(case, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case["x_shape"]).astype(dtype)
    w = rng.standard_normal(case["w_shape"]).astype(dtype)
    b = rng.standard_normal(case["w_shape"][0]).astype(dtype)
    return x, w, b, {"stride": case["stride"], "pad": case["pad"]}


def _check_all_agree(case):
    x, w, b, param = _inputs(case, seed=1)
    out, ncache = naive.conv_forward(x, w, b, param)
    dout = np.random.default_rng(2).standard_normal(out.shape)
    ref_grads = naive.conv_backward(dout, ncache)
    for backend in ("loops", "fancy", "cython"):
        o, cache = layers.conv_forward(x, w, b, param, backend=backend)
        np.testing.assert_allclose(o, out, rtol=1e-12, atol=1e-12, err_msg=backend)
        for got, ref, name in zip(
            layers.conv_backward(dout, cache), ref_grads, ("dx", "dw", "db"), strict=True
        ):
            np.testing.assert_allclose(
                got, ref, rtol=1e-12, atol=1e-12, err_msg=f"{backend} {name}"
            )
    HH, WW = case["w_shape"][2:]
    cols = [
        m.im2col(x, HH, WW, param["stride"], param["pad"])
        for m in (im2col_loops, im2col_fancy, im2col_cython)
    ]
    np.testing.assert_array_equal(cols[0], cols[1])
    np.testing.assert_array_equal(cols[0], cols[2])
    c = np.random.default_rng(3).standard_normal(cols[0].shape)
    dxs = [
        m.col2im(c, x.shape, HH, WW, param["stride"], param["pad"])
        for m in (im2col_loops, im2col_fancy, im2col_cython)
    ]
    np.testing.assert_allclose(dxs[1], dxs[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dxs[2], dxs[0], rtol=1e-12, atol=1e-12)


@given(case=conv_cases())
def test_all_backends_agree_on_random_shapes(case):
    _check_all_agree(case)


@pytest.mark.parametrize("case", EDGE_CASES, ids=lambda c: f"{c['x_shape']}-{c['w_shape']}")
def test_all_backends_agree_on_edge_cases(case):
    _check_all_agree(case)


@pytest.mark.parametrize(
    "module", [im2col_loops, im2col_fancy, im2col_cython], ids=["loops", "fancy", "cython"]
)
@given(case=conv_cases())
@example(case=EDGE_CASES[1])
def test_im2col_and_col2im_are_adjoint(module, case):
    """<im2col(x), c> == <x, col2im(c)>: col2im is exactly im2col's transpose."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal(case["x_shape"])
    HH, WW = case["w_shape"][2:]
    cols = module.im2col(x, HH, WW, case["stride"], case["pad"])
    c = rng.standard_normal(cols.shape)
    lhs = np.vdot(cols, c)
    rhs = np.vdot(x, module.col2im(c, x.shape, HH, WW, case["stride"], case["pad"]))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("backend", ["loops", "fancy", "cython"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_follows_input(backend, dtype):
    case = {"x_shape": (2, 3, 5, 6), "w_shape": (4, 3, 3, 2), "stride": 1, "pad": 1}
    x, w, b, param = _inputs(case, seed=8, dtype=dtype)
    out, cache = layers.conv_forward(x, w, b, param, backend=backend)
    dx, dw, db = layers.conv_backward(np.ones_like(out), cache)
    assert {a.dtype for a in (out, dx, dw, db)} == {np.dtype(dtype)}
    ref, _ = naive.conv_forward(
        x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), param
    )
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize(
    "module", [im2col_loops, im2col_fancy, im2col_cython], ids=["loops", "fancy", "cython"]
)
def test_float32_im2col_and_col2im_stay_float32(module):
    x = np.random.default_rng(0).standard_normal((2, 2, 4, 5)).astype(np.float32)
    cols = module.im2col(x, 3, 2, 1, 1)
    assert cols.dtype == np.float32
    assert module.col2im(cols, x.shape, 3, 2, 1, 1).dtype == np.float32
    np.testing.assert_array_equal(cols, im2col_loops.im2col(x.astype(np.float64), 3, 2, 1, 1))


def test_integer_input_becomes_float64():
    x = np.arange(2 * 1 * 3 * 4).reshape(2, 1, 3, 4)
    for module in (im2col_loops, im2col_fancy, im2col_cython):
        assert module.im2col(x, 2, 2).dtype == np.float64
    out, _ = naive.conv_forward(
        x, np.ones((1, 1, 2, 2), dtype=np.int32), np.zeros(1, dtype=int), {"stride": 1, "pad": 0}
    )
    assert out.dtype == np.float64
    assert out[0, 0, 0, 0] == 0 + 1 + 4 + 5


@pytest.mark.parametrize(
    "module", [im2col_loops, im2col_fancy, im2col_cython], ids=["loops", "fancy", "cython"]
)
def test_non_contiguous_and_negative_stride_views(module):
    base = np.random.default_rng(9).standard_normal((3, 4, 9, 12))
    views = {
        "step": base[::2, 1::2, ::2, ::2],  # (2, 2, 5, 6)
        "reversed": base[::-1, :, ::-1, ::-1][:2, :2, :5, :6],
        "transposed": base.transpose(0, 1, 3, 2)[:2, :2, :5, :6],
        "fortran": np.asfortranarray(base[:2, :2, :5, :6]),
    }
    for name, v in views.items():
        want = im2col_loops.im2col(np.ascontiguousarray(v), 3, 2, 2, (1, 0))
        np.testing.assert_array_equal(module.im2col(v, 3, 2, 2, (1, 0)), want, err_msg=name)
        cv = np.asfortranarray(want)[:, ::-1][:, ::-1]  # a non-C-contiguous cols
        np.testing.assert_allclose(
            module.col2im(cv, v.shape, 3, 2, 2, (1, 0)),
            im2col_loops.col2im(np.ascontiguousarray(want), v.shape, 3, 2, 2, (1, 0)),
            rtol=1e-13,
            atol=1e-13,
            err_msg=name,
        )


def test_read_only_inputs_work():
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4))
    x.setflags(write=False)
    for module in (im2col_loops, im2col_fancy, im2col_cython):
        cols = module.im2col(x, 2, 2, 2, 0)
        cols.setflags(write=False)
        module.col2im(cols, x.shape, 2, 2, 2, 0)


def test_no_function_mutates_its_inputs():
    rng = np.random.default_rng(10)
    x, w, b = (
        rng.standard_normal((2, 2, 5, 4)),
        rng.standard_normal((3, 2, 3, 2)),
        rng.standard_normal(3),
    )
    param = {"stride": 1, "pad": 1}
    dout = rng.standard_normal((2, 3, 5, 5))
    arrays = (x, w, b, dout)
    copies = [a.copy() for a in arrays]
    _, cache = naive.conv_forward(x, w, b, param)
    naive.conv_backward(dout, cache)
    for backend in ("loops", "fancy", "cython"):
        _, cache = layers.conv_forward(x, w, b, param, backend=backend)
        cols = None if cache.cols is None else cache.cols.copy()  # None: cols not kept
        layers.conv_backward(dout, cache)
        if cols is not None:
            np.testing.assert_array_equal(cache.cols, cols)
    for m in (im2col_loops, im2col_fancy, im2col_cython):
        c = m.im2col(x, 3, 2, 1, 1)
        c0 = c.copy()
        m.col2im(c, x.shape, 3, 2, 1, 1)
        np.testing.assert_array_equal(c, c0)
    assert param == {"stride": 1, "pad": 1}
    for a, a0 in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, a0)
