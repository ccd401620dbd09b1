"""Property tests: any input gives a correct result or a clear ValueError/TypeError.

Random shapes (including zero-size axes and wrong ndim), dtypes, strides and
pads (including negative, zero, float and tuple values), non-contiguous and
negative-stride views.  Never a crash, a hang, an out-of-bounds read or a
silently wrong answer: every result is compared with the loops backend.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_conv import (
    conv_output_shape,
    im2col_cython,
    im2col_fancy,
    im2col_loops,
    layers,
    naive,
    pad_input,
)

from .strategies import conv_cases

DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_, np.complex128]
REAL = {np.dtype(d) for d in DTYPES if np.dtype(d).kind in "fiub"}

small = st.integers(0, 5)
param = st.one_of(
    st.integers(-1, 4),
    st.tuples(st.integers(-1, 4), st.integers(-1, 4)),
    st.sampled_from([1.0, 1.5, "1", None, True, (1,), (1, 2, 3)]),
)


@st.composite
def arrays(draw, ndim=None, shape=None):
    if shape is None:
        nd = draw(st.integers(2, 5)) if ndim is None else ndim
        shape = tuple(draw(st.integers(0, 5)) for _ in range(nd))
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    base_shape = tuple(2 * s + 1 for s in shape)
    scale = draw(st.sampled_from([1.0, 1e300]))
    with np.errstate(all="ignore"):  # huge values may overflow small dtypes: that is the point
        if dtype == np.bool_:
            base = rng.standard_normal(base_shape) > 0
        else:
            base = (rng.standard_normal(base_shape) * scale).astype(dtype)
    view = draw(st.sampled_from(["contiguous", "step", "reversed"]))
    if view == "contiguous":
        return np.ascontiguousarray(base[tuple(slice(0, s) for s in shape)])
    if view == "step":
        return base[tuple(slice(1, 1 + 2 * s, 2) for s in shape)]
    return base[tuple(slice(s - 1 if s else 0, None, -1) if s else slice(0, 0) for s in shape)]


@st.composite
def conv_inputs(draw):
    """x, w, b, stride, pad: valid geometry two times in three, anything otherwise."""
    if draw(st.integers(0, 2)):
        case = draw(conv_cases())
        x = draw(arrays(shape=case["x_shape"]))
        w = draw(arrays(shape=case["w_shape"]))
        b = draw(arrays(shape=(case["w_shape"][0],)))
        return x, w, b, case["stride"], case["pad"]
    return (
        draw(arrays(ndim=4)),
        draw(arrays(ndim=4)),
        draw(arrays(ndim=1)),
        draw(param),
        draw(param),
    )


def _ok_or_clear_error(fn, *args):
    """Call fn; return (True, result) or (False, None) after a clear error."""
    try:
        with np.errstate(all="ignore"):  # inf/nan from huge values are IEEE results, not bugs
            return True, fn(*args)
    except (ValueError, TypeError) as exc:
        message = str(exc)
    assert message, "errors must carry a message"
    return False, None


def _same(a, b, dtype):
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)


@settings(max_examples=150)
@given(inputs=conv_inputs(), garbage_filter=st.booleans(), kh=small, kw=small)
def test_im2col_any_input(inputs, garbage_filter, kh, kw):
    x, w, _, stride, pad = inputs
    if not garbage_filter and w.ndim == 4:
        kh, kw = w.shape[2:]
    outcomes = [
        _ok_or_clear_error(m.im2col, x, kh, kw, stride, pad)
        for m in (im2col_loops, im2col_fancy, im2col_cython)
    ]
    assert len({ok for ok, _ in outcomes}) == 1, "backends disagree on validity"
    if outcomes[0][0]:
        assert x.dtype in REAL
        ref = outcomes[0][1]
        assert ref.dtype == (np.float32 if x.dtype == np.float32 else np.float64)
        for _, got in outcomes[1:]:
            assert got.dtype == ref.dtype
            _same(got, ref, ref.dtype)


@settings(max_examples=150)
@given(
    cols=arrays(ndim=2),
    x_shape=st.tuples(small, small, small, small),
    kh=small,
    kw=small,
    stride=param,
    pad=param,
)
def test_col2im_any_input(cols, x_shape, kh, kw, stride, pad):
    outcomes = [
        _ok_or_clear_error(m.col2im, cols, x_shape, kh, kw, stride, pad)
        for m in (im2col_loops, im2col_fancy, im2col_cython)
    ]
    assert len({ok for ok, _ in outcomes}) == 1, "backends disagree on validity"
    if outcomes[0][0]:
        ref = outcomes[0][1]
        assert ref.shape == x_shape
        for _, got in outcomes[1:]:
            _same(got, ref, ref.dtype)


@settings(max_examples=100)
@given(
    x=arrays(ndim=4),
    w=arrays(ndim=4),
    b=arrays(ndim=1),
    stride=param,
    pad=param,
    backend=st.sampled_from(["loops", "fancy", "cython"]),
)
def test_layer_any_input(x, w, b, stride, pad, backend):
    conv_param = {"stride": stride, "pad": pad}
    ok_ref, ref = _ok_or_clear_error(naive.conv_forward, x, w, b, conv_param)
    ok, got = _ok_or_clear_error(
        lambda *a: layers.conv_forward(*a, backend=backend), x, w, b, conv_param
    )
    assert ok == ok_ref
    if ok:
        with np.errstate(all="ignore"):
            _same(got[0], ref[0], ref[0].dtype)
        dout = np.ones_like(ref[0])
        with np.errstate(all="ignore"):
            for g, r in zip(
                layers.conv_backward(dout, got[1]), naive.conv_backward(dout, ref[1]), strict=True
            ):
                _same(g, r, r.dtype)


@given(x=arrays(), pad=param)
def test_pad_input_any_input(x, pad):
    ok, out = _ok_or_clear_error(pad_input, x, pad)
    if ok:
        ph, pw = (pad, pad) if isinstance(pad, int) else pad
        assert out.shape == (*x.shape[:2], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw)
        np.testing.assert_array_equal(out[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]], x)
        # everything outside the copy of x is zero (inf - inf in a sum would be NaN)
        border = out.copy()
        border[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]] = 0
        assert not border.any()


@given(
    xs=st.tuples(small, small, small, small),
    ws=st.tuples(small, small, small, small),
    stride=param,
    pad=param,
)
def test_conv_output_shape_any_input(xs, ws, stride, pad):
    ok, out = _ok_or_clear_error(conv_output_shape, xs, ws, stride, pad)
    if ok:
        (sh, sw) = (stride, stride) if isinstance(stride, int) else stride
        (ph, pw) = (pad, pad) if isinstance(pad, int) else pad
        assert out == (
            xs[0],
            ws[0],
            (xs[2] + 2 * ph - ws[2]) // sh + 1,
            (xs[3] + 2 * pw - ws[3]) // sw + 1,
        )
        assert (xs[2] + 2 * ph - ws[2]) % sh == 0
        assert (xs[3] + 2 * pw - ws[3]) % sw == 0


@pytest.mark.parametrize(
    "module", [im2col_loops, im2col_fancy, im2col_cython], ids=["loops", "fancy", "cython"]
)
def test_huge_shapes_fail_cleanly(module):
    """A shape far beyond memory is refused with a message, not a crash."""
    with pytest.raises((ValueError, MemoryError), match=r"too large|Unable to allocate"):
        module.col2im(np.zeros((9, 4)), (1, 1, 2**20, 2**20), 3, 3, 1, 1)
    with pytest.raises(ValueError, match=r"too large: cols would have shape \(1, 4398046511104\)"):
        im2col_fancy.im2col_indices((1, 1, 2**22, 2**20), 1, 1)
    with pytest.raises((ValueError, MemoryError), match=r"too large|Unable to allocate"):
        module.im2col(np.zeros((1, 1, 2, 2)), 1, 1, 1, 2**40)
