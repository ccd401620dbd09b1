"""cs_conv: convolution from nested loops to a Cython kernel.

The one layout
--------------
Every stage, notebook, figure and docstring of this package uses it:

=========  ==============================  =====================================
array      shape                           meaning
=========  ==============================  =====================================
``x``      ``(N, C, H, W)``                batch of N images with C channels
``w``      ``(F, C, HH, WW)``              F filters of height HH, width WW
``b``      ``(F,)``                        one bias per filter
``out``    ``(N, F, H_out, W_out)``        ``H_out = (H + 2*pad - HH) // stride + 1``
``cols``   ``(C*HH*WW, N*H_out*W_out)``    one column per output position
=========  ==============================  =====================================

Row ``(c*HH + di)*WW + dj`` of ``cols`` is filter tap ``(c, di, dj)`` (so
``w.reshape(F, -1) @ cols`` is the convolution); column
``(n*H_out + i)*W_out + j`` is output position ``(n, i, j)``::

    cols[(c*HH + di)*WW + dj, (n*H_out + i)*W_out + j] == x_pad[n, c, i*stride + di, j*stride + dj]

``stride`` and ``pad`` are ints or ``(h, w)`` pairs; the stride must tile
the padded input exactly.  float32 stays float32, float64 stays float64,
other real dtypes become float64.

Stages
------
:mod:`cs_conv.naive`          four nested loops, forward and backward
:mod:`cs_conv.im2col_loops`   im2col / col2im by Python loops over windows
:mod:`cs_conv.im2col_fancy`   the same by fancy indexing and ``np.add.at``
:mod:`cs_conv.im2col_cython`  the same by a compiled Cython kernel
:mod:`cs_conv.layers`         conv layer = im2col + one GEMM, any backend
:mod:`cs_conv.gradcheck`      numerical gradients and ``rel_error``
:mod:`cs_conv.pooling`        max pooling by loops, forward and backward
:mod:`cs_conv.pooling_im2col` max pooling through im2col/col2im of the N*C planes
"""

from .check import lazy_names

__version__ = "0.1.0"

__all__ = [
    "conv_output_shape",
    "gradcheck",
    "im2col_cython",
    "im2col_fancy",
    "im2col_loops",
    "layers",
    "naive",
    "pad_input",
    "pooling",
    "pooling_im2col",
]

# Lazy (PEP 562): ``import cs_conv`` loads no stage until one is used, so that
# ``cs_conv.check.runner`` (what the grader's sandbox runs) loads no reference.
# Nothing is cached in this module's namespace: its attributes stay as they were
# at import (the grader compares them before and after a student's cells).  The
# loader is made in cs_conv.check, which holds no reference code: a student's
# function that reaches cs_conv.layers is seen by the grader's watch at
# cs_conv.layers, not at the loader.
__getattr__, __dir__ = lazy_names(
    __name__,
    globals(),
    submodules=(
        "bench",
        "check",
        "course",
        "geometry",
        "gradcheck",
        "im2col_cython",
        "im2col_fancy",
        "im2col_loops",
        "layers",
        "naive",
        "padding",
        "pooling",
        "pooling_im2col",
        "selfcheck",
        "viz",
    ),
    attributes={"conv_output_shape": "geometry", "pad_input": "padding"},
)
