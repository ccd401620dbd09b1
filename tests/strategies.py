"""Hypothesis strategies for valid convolutions (no cs_conv imports)."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def conv_cases(draw, max_n=3, max_c=3, max_f=3, max_k=5, max_stride=4, max_pad=3, max_out=4):
    """A valid convolution: shapes, stride and pad pairs that tile exactly.

    Draws the output size first and derives the input size, so that every
    combination of filter size, stride and pad is reachable, including a
    filter as large as the padded input (``out = 1``).
    """
    N = draw(st.integers(1, max_n))
    C = draw(st.integers(1, max_c))
    F = draw(st.integers(1, max_f))
    dims = []
    for _axis in range(2):
        k = draw(st.integers(1, max_k))
        s = draw(st.integers(1, max_stride))
        p = draw(st.integers(0, max_pad))
        out = draw(st.integers(1, max_out))
        size = (out - 1) * s + k - 2 * p
        if size < 1:
            # shrink pad until the input has at least one pixel
            p = max(0, ((out - 1) * s + k - 1) // 2)
            size = (out - 1) * s + k - 2 * p
        dims.append((size, k, s, p))
    (H, HH, sh, ph), (W, WW, sw, pw) = dims
    stride = (sh, sw) if sh != sw or draw(st.booleans()) else sh
    pad = (ph, pw) if ph != pw or draw(st.booleans()) else ph
    return {
        "x_shape": (N, C, H, W),
        "w_shape": (F, C, HH, WW),
        "stride": stride,
        "pad": pad,
    }
