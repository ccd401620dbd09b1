"""Max pooling, by loops and through im2col, against oracles that do not import cs_conv."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cs_conv import pooling, pooling_im2col
from cs_conv.gradcheck import numerical_gradient, rel_error

MODULES = [pooling, pooling_im2col]
IDS = ["loops", "im2col"]


def _param(PH, PW, stride):
    return {"pool_height": PH, "pool_width": PW, "stride": stride}


# ------------------------------------------------------------------ oracles
def oracle_forward(x, PH, PW, sh, sw):
    """One output at a time, the maximum found by a scan (no np.max, no argmax)."""
    N, C, H, W = x.shape
    Ho, Wo = (H - PH) // sh + 1, (W - PW) // sw + 1
    out = np.zeros((N, C, Ho, Wo))
    for n, c, i, j in np.ndindex(N, C, Ho, Wo):
        best = x[n, c, i * sh, j * sw]
        for a in range(PH):
            for b in range(PW):
                best = max(best, x[n, c, i * sh + a, j * sw + b])
        out[n, c, i, j] = best
    return out


def oracle_backward(x, dout, PH, PW, sh, sw):
    """Each window's gradient to its first maximum in row-major order, found by a strict scan."""
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        where = (i * sh, j * sw)
        for a in range(PH):
            for b in range(PW):
                if x[n, c, i * sh + a, j * sw + b] > x[(n, c, *where)]:
                    where = (i * sh + a, j * sw + b)
        dx[(n, c, *where)] += dout[n, c, i, j]
    return dx


@st.composite
def pool_cases(draw, max_n=3, max_c=3, max_k=4, max_stride=4, max_out=4):
    """A valid pooling: sizes, and a stride (int or pair) that tiles exactly."""
    N, C = draw(st.integers(1, max_n)), draw(st.integers(1, max_c))
    PH, PW = draw(st.integers(1, max_k)), draw(st.integers(1, max_k))
    sh, sw = draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride))
    Ho, Wo = draw(st.integers(1, max_out)), draw(st.integers(1, max_out))
    stride = (sh, sw) if sh != sw or draw(st.booleans()) else sh
    data = draw(st.sampled_from(["normal", "relu", "ints"]))
    x_shape = (N, C, (Ho - 1) * sh + PH, (Wo - 1) * sw + PW)
    return {
        "x_shape": x_shape,
        "PH": PH,
        "PW": PW,
        "sh": sh,
        "sw": sw,
        "stride": stride,
        "data": data,
    }


def _data(case, seed):
    rng = np.random.default_rng(seed)
    shape = case["x_shape"]
    if case["data"] == "relu":  # zeros after a ReLU: whole windows tie
        return np.maximum(rng.integers(-3, 4, shape), 0).astype(np.float64)
    if case["data"] == "ints":
        return rng.integers(-2, 3, shape).astype(np.float64)
    return rng.standard_normal(shape)


# -------------------------------------------------------- against the oracles
@pytest.mark.parametrize("module", MODULES, ids=IDS)
@given(case=pool_cases())
def test_forward_and_backward_match_the_numpy_oracle(module, case):
    x = _data(case, 1)
    g = (case["PH"], case["PW"], case["sh"], case["sw"])
    out, cache = module.max_pool_forward(x, _param(case["PH"], case["PW"], case["stride"]))
    np.testing.assert_array_equal(out, oracle_forward(x, *g))
    dout = np.random.default_rng(2).standard_normal(out.shape)
    dx = module.max_pool_backward(dout, cache)
    np.testing.assert_allclose(dx, oracle_backward(x, dout, *g), rtol=1e-14, atol=1e-14)


def _torch():
    return pytest.importorskip(
        "torch", reason="torch is an optional oracle (pip install torch==2.13.0)"
    )


@pytest.mark.parametrize("module", MODULES, ids=IDS)
@given(case=pool_cases())
def test_forward_and_backward_match_torch_max_pool2d(module, case):
    """Torch's autograd gives a tied window's gradient to its first maximum too."""
    t = _torch()
    x = _data(case, 3)
    out, cache = module.max_pool_forward(x, _param(case["PH"], case["PW"], case["stride"]))
    dout = np.random.default_rng(4).standard_normal(out.shape)
    dx = module.max_pool_backward(dout, cache)
    xt = t.tensor(x, requires_grad=True)
    ref = t.nn.functional.max_pool2d(xt, (case["PH"], case["PW"]), (case["sh"], case["sw"]))
    ref.backward(t.tensor(dout))
    np.testing.assert_array_equal(out, ref.detach().numpy())
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-14, atol=1e-14)


@given(case=pool_cases())
def test_loops_and_im2col_agree_exactly(case):
    """Forward bit for bit; backward bit for bit when the sums are exact (integer dout)."""
    x = _data(case, 5)
    param = _param(case["PH"], case["PW"], case["stride"])
    out1, cache1 = pooling.max_pool_forward(x, param)
    out2, cache2 = pooling_im2col.max_pool_forward(x, param)
    np.testing.assert_array_equal(out1, out2)
    dout = np.random.default_rng(6).integers(-9, 10, out1.shape).astype(np.float64)
    np.testing.assert_array_equal(
        pooling.max_pool_backward(dout, cache1), pooling_im2col.max_pool_backward(dout, cache2)
    )
    # real dout: only the order of the additions of overlapping windows differs
    dout = np.random.default_rng(7).standard_normal(out1.shape)
    np.testing.assert_allclose(
        pooling.max_pool_backward(dout, cache1),
        pooling_im2col.max_pool_backward(dout, cache2),
        rtol=1e-15,
        atol=1e-15,
    )


@pytest.mark.parametrize("module", MODULES, ids=IDS)
@pytest.mark.parametrize(
    ("x_shape", "PH", "PW", "stride"),
    [
        ((2, 3, 4, 4), 2, 2, 2),  # the CS231n check shape
        ((1, 2, 5, 7), 3, 2, (1, 1)),  # overlapping, non-square
        ((2, 1, 7, 5), 2, 3, (5, 2)),  # gaps in height, overlap in width
        ((1, 1, 3, 3), 3, 3, 1),  # pool as large as the image
    ],
    ids=str,
)
def test_backward_matches_numerical_gradient(module, x_shape, PH, PW, stride):
    rng = np.random.default_rng(231)
    # tie-free, with maxima at least 0.01 apart: h = 1e-5 never changes which one wins
    x = (rng.permutation(np.prod(x_shape)) * 0.01 + rng.uniform(0, 1e-3)).reshape(x_shape)
    param = _param(PH, PW, stride)
    out, cache = module.max_pool_forward(x, param)
    dout = rng.standard_normal(out.shape)
    num = numerical_gradient(lambda v: module.max_pool_forward(v, param)[0], x, dout)
    assert rel_error(module.max_pool_backward(dout, cache), num) < 1e-8


# ------------------------------------------------------------ the tie rule
@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_a_tied_window_sends_its_gradient_to_the_first_maximum_in_row_major_order(module):
    x = np.array([[[[0.0, 7.0], [7.0, 7.0]], [[3.0, 3.0], [3.0, 3.0]]]])  # (1, 2, 2, 2)
    out, cache = module.max_pool_forward(x, _param(2, 2, 2))
    np.testing.assert_array_equal(out.ravel(), [7.0, 3.0])
    dx = module.max_pool_backward(np.array([[[[5.0]], [[2.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0.0, 5.0], [0.0, 0.0]])  # not (1, 0), not all
    np.testing.assert_array_equal(dx[0, 1], [[2.0, 0.0], [0.0, 0.0]])


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_overlapping_windows_add_at_a_shared_maximum(module):
    x = np.array([[[[1.0, 9.0, 2.0, 0.0, 3.0]]]])
    out, cache = module.max_pool_forward(x, _param(1, 3, 1))
    np.testing.assert_array_equal(out[0, 0, 0], [9.0, 9.0, 3.0])
    dx = module.max_pool_backward(np.array([[[[1.0, 10.0, 100.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, 0, 0], [0.0, 11.0, 0.0, 0.0, 100.0])


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_nan_and_infinities(module):
    x = np.array([[[[1.0, np.nan, 2.0, -np.inf], [np.inf, 0.0, -np.inf, -np.inf]]]])
    out, cache = module.max_pool_forward(x, _param(2, 2, 2))
    np.testing.assert_array_equal(out[0, 0, 0], [np.nan, 2.0])  # NaN propagates, as np.max
    dx = module.max_pool_backward(np.array([[[[3.0, 4.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0.0, 3.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0]])


# --------------------------------------------------------- dtypes and views
@pytest.mark.parametrize("module", MODULES, ids=IDS)
@pytest.mark.parametrize(
    ("x_dtype", "dout_dtype", "out_dtype", "dx_dtype"),
    [
        (np.float32, np.float32, np.float32, np.float32),
        (np.float64, np.float64, np.float64, np.float64),
        (np.float32, np.float64, np.float32, np.float64),
        (np.int64, np.int32, np.float64, np.float64),
        (np.float16, np.float32, np.float64, np.float64),
        (np.bool_, np.float32, np.float64, np.float64),
    ],
)
def test_dtypes(module, x_dtype, dout_dtype, out_dtype, dx_dtype):
    x = (np.random.default_rng(8).standard_normal((2, 2, 4, 7)) * 3).astype(x_dtype)
    out, cache = module.max_pool_forward(x, _param(2, 3, 2))
    assert out.dtype == out_dtype
    np.testing.assert_array_equal(out, oracle_forward(x.astype(np.float64), 2, 3, 2, 2))
    dx = module.max_pool_backward(np.ones(out.shape, dtype=dout_dtype), cache)
    assert dx.dtype == dx_dtype
    assert dx.shape == x.shape


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_inputs_are_never_modified_and_views_work(module):
    base = np.random.default_rng(9).standard_normal((3, 4, 9, 12))
    views = [
        base[:, :, ::2, ::3],  # (3, 4, 5, 4), strided
        base.transpose(1, 0, 3, 2)[:, :, :5, :5],  # transposed
        base[::-1, :, ::-1, 1:10:2],  # negative strides
    ]
    for view in views:
        before = base.copy()
        param = _param(3, 2, (2, 1))
        param_before = dict(param)
        out, cache = module.max_pool_forward(view, param)
        dout = np.random.default_rng(10).standard_normal(out.shape)
        dout_before = dout.copy()
        dx = module.max_pool_backward(dout, cache)
        np.testing.assert_array_equal(base, before)
        np.testing.assert_array_equal(dout, dout_before)
        assert param == param_before
        c = np.ascontiguousarray(view)
        np.testing.assert_array_equal(out, oracle_forward(c, 3, 2, 2, 1))
        np.testing.assert_allclose(dx, oracle_backward(c, dout, 3, 2, 2, 1), rtol=1e-14)


# ---------------------------------------------------------------- validation
X = np.zeros((2, 3, 5, 6))


@pytest.mark.parametrize("module", MODULES, ids=IDS)
@pytest.mark.parametrize(
    ("x", "param", "exc", "match"),
    [
        (X[0], _param(2, 2, 1), ValueError, r"x must be 4-D .*got 3-D .*\(3, 5, 6\).*x\[None\]"),
        (
            X,
            _param(2, 2, 2),
            ValueError,
            r"stride 2 does not tile the input height: \(H - pool_height\) = \(5 - 2\) = 3 is "
            r"not a multiple of 2, so the last row would never be pooled; crop or pad x to "
            r"H = 4 or 6, or use a stride in \[1, 3\]",
        ),
        (
            X,
            _param(1, 3, (1, 2)),
            ValueError,
            r"stride 2 does not tile the input width: \(W - pool_width\) = \(6 - 3\) = 3.*"
            r"W = 5 or 7",
        ),
        (X, _param(6, 2, 1), ValueError, r"pool_height 6 is larger than the input height H = 5"),
        (X, _param(2, 7, 1), ValueError, r"pool_width 7 is larger than the input width W = 6"),
        (X, _param(0, 2, 1), ValueError, r"pool_height must be positive \(>= 1\), got 0"),
        (X, _param(2, 2, 0), ValueError, r"stride must be positive \(>= 1\), got 0"),
        (X, _param(2.0, 2, 1), TypeError, r"pool_height must be an int .*got 2.0 of type float"),
        (X, _param(2, "2", 1), TypeError, r"pool_width must be an int .*got '2'"),
        (X, _param(True, 2, 1), TypeError, r"pool_height must be an int .*got True"),
        (X, _param(1, 2, 1.5), TypeError, r"stride must be an int .*got 1.5"),
        (X, _param((2, 3), 2, 1), TypeError, r"pool_height must be one int, got \(2, 3\)"),
        (
            X,
            {"pool_height": 2, "pool_width": 2},
            ValueError,
            r"pool_param is missing \['stride'\]; pass all three",
        ),
        (
            X,
            {**_param(1, 1, 1), "pad": 0},
            ValueError,
            r"unknown key\(s\) \['pad'\].*no padding",
        ),
        (X, [2, 2, 1], TypeError, r"pool_param must be a dict like"),
        (X.astype(complex), _param(1, 1, 1), TypeError, r"x has complex dtype complex128"),
        (X.astype(object), _param(1, 1, 1), TypeError, r"x has dtype object"),
    ],
)
def test_bad_forward_arguments(module, x, param, exc, match):
    with pytest.raises(exc, match=match):
        module.max_pool_forward(x, param)


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_bad_backward_arguments(module):
    out, cache = module.max_pool_forward(X, _param(2, 3, (3, 3)))
    assert out.shape == (2, 3, 2, 2)
    with pytest.raises(
        ValueError,
        match=r"dout must have .* \(N, C, H_out, W_out\) = \(2, 3, 2, 2\), got \(2, 3, 2\)",
    ):
        module.max_pool_backward(np.zeros((2, 3, 2)), cache)
    with pytest.raises(TypeError, match=r"dout has complex dtype"):
        module.max_pool_backward(np.zeros(out.shape, dtype=complex), cache)
    with pytest.raises(
        TypeError, match=r"cache must be the \(x, pool_param.*\) tuple .*got a list"
    ):
        module.max_pool_backward(np.zeros(out.shape), list(cache))


def test_im2col_backward_refuses_a_corrupted_arg():
    out, (x, param, arg) = pooling_im2col.max_pool_forward(X, _param(2, 3, 3))
    for bad in (arg[:-1], arg + 6, arg.astype(np.float64)):
        with pytest.raises(ValueError, match=r"cache's arg must be the \(24,\) integer array"):
            pooling_im2col.max_pool_backward(np.zeros(out.shape), (x, param, bad))


def test_loops_backward_names_the_other_cache():
    _, cache = pooling_im2col.max_pool_forward(X, _param(1, 1, 1))
    with pytest.raises(TypeError, match=r"\(x, pool_param\) tuple .*got a tuple of 3 items"):
        pooling.max_pool_backward(np.zeros((2, 3, 5, 6)), cache)


def test_a_stride_that_does_not_tile_a_huge_input_is_named_at_once():
    """The strides that would tile are the divisors of H - PH: the small ones and the span,
    never a scan of a billion candidates."""
    x = np.broadcast_to(0.0, (1, 1, 10**9, 4))
    for module in MODULES:
        with pytest.raises(ValueError, match=r"use a stride in \[1, 2, 999999998\]$"):
            module.max_pool_forward(x, _param(2, 2, (3, 1)))


@pytest.mark.parametrize("block", [1, 5, 12, 1 << 18])
def test_column_maxima_by_blocks_is_argmax_down_the_columns(monkeypatch, block):
    """By blocks of columns (argmax(axis=0) would copy all of cols): the first maximum,
    and the first NaN, of every column, whatever the block size."""
    monkeypatch.setattr(pooling_im2col, "BLOCK", block)
    rng = np.random.default_rng(11)
    cols = rng.integers(-2, 3, (4, 37)).astype(np.float64)  # ties everywhere
    cols[rng.random(cols.shape) < 0.05] = np.nan
    arg, out = pooling_im2col.column_maxima(cols)
    for j, c in enumerate(cols.T):
        nans = [r for r in range(4) if np.isnan(c[r])]
        want = nans[0] if nans else next(r for r in range(4) if c[r] == max(c))
        assert arg[j] == want
    np.testing.assert_array_equal(out, cols[arg, np.arange(37)])
    assert arg.dtype == np.intp
