"""The mistake catalogue: every code a checker can name, what it means and how to fix it.

A code is stable: notebooks, the grader and ``docs/mistakes.md`` refer to it.
Each entry says what the mistake *is*, how it *shows* in the numbers (the
fingerprint a checker looks for) and how to *fix* it.  ``docs/mistakes.md`` is
:func:`markdown_table` verbatim; a test keeps the two in sync.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "Mistake", "markdown_table"]


@dataclass(frozen=True)
class Mistake:
    """One entry of the catalogue.

    Attributes
    ----------
    code : str
        Stable identifier, e.g. ``"hw-swapped"``.
    what : str
        The mistake, in one sentence.
    shows : str
        How it shows in the output (what the checker compares).
    fix : str
        A concrete way to fix it.
    """

    code: str
    what: str
    shows: str
    fix: str


_ENTRIES = (
    Mistake(
        "not-implemented",
        "The function is still a stub: it raises NotImplementedError or returns None.",
        "No output at all.",
        "Write the body between the YOUR CODE markers and return the result "
        "(a function without `return` gives None).",
    ),
    Mistake(
        "bad-return",
        "The function returns the wrong kind of object (e.g. `out` where `(out, cache)` "
        "is expected, or a list of lists of objects).",
        "The return value cannot be unpacked into the documented outputs.",
        "Return exactly what the docstring says, e.g. `return out, cache` for a forward "
        "pass and `return dx, dw, db` for a backward pass.",
    ),
    Mistake(
        "wrong-shape",
        "The output has the wrong shape, and no other mistake of this table explains it.",
        "Expected and returned shapes differ; the message names the axis.",
        "Recompute the output shape from the layout: out (N, F, H_out, W_out), cols "
        "(C*HH*WW, N*H_out*W_out), dx like x, dw like w, db (F,).",
    ),
    Mistake(
        "hw-swapped",
        "H and W (or H_out and W_out) are exchanged in a reshape, a transpose or a loop.",
        "Right on square inputs only; on the others the output equals the reference "
        "with the two spatial axes exchanged or reinterpreted.",
        "Keep the order (..., H, W) everywhere: reshape to (..., H_out, W_out), loop "
        "`for i in range(H_out)` outside `for j in range(W_out)`, and never transpose "
        "the last two axes.",
    ),
    Mistake(
        "filter-hw-swapped",
        "The filter height HH is used where the width WW belongs, or the reverse.",
        "Sizes swapped: right on square filters only. Taps flattened in (c, dj, di) order "
        "(a transposed window): wrong on every filter larger than 1x1. Or the code crashes "
        "on non-square filters with a reshape or broadcast error that has HH where WW "
        "belongs.",
        "Windows span rows `top : top + HH` and columns `left : left + WW`; H_out uses "
        "HH and W_out uses WW; taps are ordered (c, di, dj) with dj fastest.",
    ),
    Mistake(
        "kernel-flipped",
        "True convolution (the kernel flipped) instead of cross-correlation.",
        "The output equals the reference computed with `w[:, :, ::-1, ::-1]`.",
        "Multiply each window by `w[f]` as it is: `out[n, f, i, j] = "
        "sum(x_pad[n, :, i*s:i*s+HH, j*s:j*s+WW] * w[f]) + b[f]`, no flipping.",
    ),
    Mistake(
        "stride-ignored",
        "The stride is treated as 1.",
        "Right for stride 1 only: windows start at `i` instead of `i*stride` (or there "
        "are as many windows as for stride 1).",
        "Start window (i, j) at row `i*stride` and column `j*stride`, and use "
        "`H_out = (H + 2*pad - HH) // stride + 1`.",
    ),
    Mistake(
        "pad-ignored",
        "No zero padding.",
        "Right for pad 0 only; the output matches the unpadded computation.",
        "Pad the two spatial axes first, e.g. `np.pad(x, ((0, 0), (0, 0), (pad, pad), "
        "(pad, pad)))`, and include `2*pad` in H_out and W_out.",
    ),
    Mistake(
        "pad-wrong-axes",
        "Padding applied to the N or C axes too, or unevenly (on one side only, or more on "
        "one side than on the other).",
        "The padded array has the wrong shape, or the image is not centred in it (the "
        "windows read shifted pixels); or a forward pass crashes on a window of C + 2*pad "
        "channels against a filter of C. Right with pad 0.",
        "Pad only H and W, on both sides: `np.pad(x, ((0, 0), (0, 0), (pad, pad), "
        "(pad, pad)))`, or copy x into `x_pad[:, :, pad:pad+H, pad:pad+W]`. "
        "`np.pad(x, pad)` pads all four axes.",
    ),
    Mistake(
        "bias-missing",
        "The bias is not added.",
        "The output equals the reference minus b[f] in every channel f.",
        "Add `b[f]` to every output of filter f, e.g. `out += b[None, :, None, None]` "
        "or `out2d += b[:, None]` on the (F, N*H_out*W_out) GEMM result.",
    ),
    Mistake(
        "bias-wrong-axis",
        "The bias is broadcast along the wrong axis.",
        "numpy aligns trailing axes: a (F,) bias added to (F, N*L) or (N, F, H_out, W_out) "
        "runs along the last axis, a (F, 1) bias along the second-to-last.",
        "Shape the bias so that F lines up with the filter axis: `b[:, None]` for "
        "(F, N*H_out*W_out), `b[None, :]` for (N*H_out*W_out, F), "
        "`b[None, :, None, None]` for (N, F, H_out, W_out).",
    ),
    Mistake(
        "weight-flatten-order",
        "Filter taps in (HH, WW, C) order, channels fastest, where (C, HH, WW) belongs: w "
        "transposed before it is flattened, or the rows of cols built channel-last.",
        "Right when C == 1 only; the output equals a convolution with the taps of "
        "each filter permuted (or cols with its rows permuted).",
        "Flatten the filters with `w.reshape(F, -1)` (C, HH, WW order, the order of the "
        "rows of cols); never transpose w before the reshape; build each column of cols "
        "from `x_pad[n, :, rows, cols].reshape(-1)` (channel slowest).",
    ),
    Mistake(
        "gemm-reshape-order",
        "The GEMM result is reshaped or transposed to the wrong axis order.",
        "Every value is right but sits at the wrong (n, f) or spatial position.",
        "The GEMM `w.reshape(F, -1) @ cols` has shape (F, N*H_out*W_out) with columns in "
        "(n, i, j) order: `out.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)`.",
    ),
    Mistake(
        "cols-transposed",
        "cols is returned as (N*H_out*W_out, C*HH*WW), one row per window.",
        "The output is the transpose of the reference.",
        "Put one window per column: cols has shape (C*HH*WW, N*H_out*W_out); return "
        "`cols.T` of what you built, or fill `cols[:, col]` instead of `cols[col, :]`.",
    ),
    Mistake(
        "cols-n-fastest",
        "Columns ordered with n fastest, `(i*W_out + j)*N + n` (the CS231n order), "
        "or with n anywhere but slowest.",
        "Right when N == 1 only.",
        "Column index `(n*H_out + i)*W_out + j`: loop over n outermost, or, with fancy "
        "indexing, `cols.transpose(1, 0, 2).reshape(C*HH*WW, -1)` from (N, K, L).",
    ),
    Mistake(
        "col2im-not-accumulating",
        "Overlapping windows overwrite instead of summing (`=` in the loops, or `+=` with "
        "fancy indexing, which keeps only one write per repeated index).",
        "Right when windows do not overlap (stride >= filter size) only.",
        "Accumulate: `x_pad[n, :, t:t+HH, l:l+WW] += col.reshape(C, HH, WW)` in loops, "
        "`np.add.at(x_pad, (slice(None), k, i, j), cols_nkl)` with fancy indexing.",
    ),
    Mistake(
        "col2im-uncropped",
        "Returns the padded buffer instead of cropping the padding away.",
        "Shape (N, C, H + 2*pad, W + 2*pad) instead of (N, C, H, W); right for pad 0.",
        "Return `x_pad[:, :, pad:pad + H, pad:pad + W]`.",
    ),
    Mistake(
        "pad-zero-crop",
        "The crop `x_pad[:, :, p:-p, p:-p]` with p = 0 returns an empty array.",
        "Shape (N, C, 0, 0) when pad == 0; right otherwise.",
        "Crop with explicit ends: `x_pad[:, :, p:p + H, p:p + W]` (`-0` is `0`, so `0:-0` "
        "is empty).",
    ),
    Mistake(
        "dout-not-transposed",
        "dout is flattened without moving F first, so its columns do not follow "
        "the (n, i, j) order of cols.",
        "dx and dw are wrong, db is right; right when N == 1 only.",
        "Flatten with `dout.transpose(1, 0, 2, 3).reshape(F, -1)`: F first, then "
        "(n, i, j) like the columns of cols.",
    ),
    Mistake(
        "db-wrong-axes",
        "db is summed over the wrong axes.",
        "db has a shape other than (F,) or the wrong values; dx and dw are right.",
        "Sum dout over every axis except the filter axis: `db = dout.sum(axis=(0, 2, 3))`.",
    ),
    # --- max pooling (cs_conv.pooling, cs_conv.pooling_im2col) -------------------------
    Mistake(
        "pool-forward-mean",
        "Each window is averaged instead of maximised (average pooling).",
        "The output equals the mean of each window; right only for 1x1 pools.",
        "Take the largest value of each window: `x[n, c, t:t + PH, l:l + PW].max()`, or "
        "`cols.max(axis=0)` through im2col.",
    ),
    Mistake(
        "pool-hw-swapped",
        "pool_height is used where pool_width belongs, or the reverse.",
        "Windows of pool_width rows by pool_height columns (or a maximum's index unravelled "
        "with rows of pool_height); right on square pools only.",
        "Windows span rows `i*s : i*s + pool_height` and columns `j*s : j*s + pool_width`; "
        "tap k of a flattened window is at `divmod(k, pool_width)`.",
    ),
    Mistake(
        "pool-stride-confused",
        "The pool size and the stride are confused: the stride is used as the window size, "
        "or the pool size as the step between windows.",
        "Right only when stride == pool_height == pool_width (the common 2x2, stride 2); "
        "overlapping (stride < pool) and gapped (stride > pool) poolings fail.",
        "Window (i, j) starts at `(i*stride, j*stride)` and spans pool_height x pool_width; "
        "`H_out = (H - pool_height) // stride + 1`, likewise W_out.",
    ),
    Mistake(
        "pool-across-channels",
        "The maximum is taken over every channel of the window (`x[n, :, rows, cols]`, as in "
        "a convolution) instead of channel by channel.",
        "Right when C == 1 only: every channel gets the same maximum (or the gradient goes "
        "to a maximum in another channel).",
        "Pool each (n, c) plane on its own: `x[n, c, t:t + PH, l:l + PW].max()`, or "
        "im2col of `x.reshape(N*C, 1, H, W)`.",
    ),
    Mistake(
        "pool-planes-order",
        "The N*C planes are flattened in one order and unflattened in another (n and c "
        "mixed up around `x.reshape(N*C, 1, H, W)`).",
        "Every value is right but sits in the wrong (n, c) plane; right when N == 1 or C == 1.",
        "Plane `n*C + c` of `x.reshape(N*C, 1, H, W)` is (n, c): reshape the maxima straight "
        "back with `.reshape(N, C, H_out, W_out)` and flatten dout with `dout.reshape(-1)`, "
        "no transposes.",
    ),
    Mistake(
        "pool-grad-every-max",
        "Where several positions of a window tie at the maximum, the gradient is sent to "
        "every one of them (`mask = window == window.max()`), in full or shared.",
        "Right on data without ties; on tied windows (zeros after a ReLU, repeated values) "
        "dx has the gradient at every tied position.",
        "Send each window's gradient to one position, the first maximum in row-major order: "
        "`k = np.argmax(window)` then `divmod(k, pool_width)` (what PyTorch does).",
    ),
    Mistake(
        "pool-tie-not-first",
        "Ties are resolved to another maximum than the first in row-major order (the last "
        "one, with `>=`, or the first in column order).",
        "Right on data without ties; on tied windows the gradient sits on another of the "
        "tied positions.",
        "Keep the first maximum in row-major order: `np.argmax(window)` on the window as it "
        "is, or a strict `>` in a loop with rows outside columns.",
    ),
    Mistake(
        "pool-grad-overwrite",
        "Where windows overlap, the backward overwrites instead of adding (`dx[...] = ...`, "
        "or `dx[idx] += dout` with repeated fancy indices).",
        "Right when windows do not overlap (stride >= pool size); with overlap an input that "
        "is the maximum of several windows keeps only one of their gradients.",
        "Accumulate: `dx[n, c, t + di, l + dj] += dout[n, c, i, j]`, `np.add.at` with fancy "
        "indices, or col2im (which adds).",
    ),
    Mistake(
        "pool-grad-average",
        "The gradient is spread over the whole window (the backward of average pooling) "
        "instead of going to the maximum.",
        "dx is non-zero at every position of every window.",
        "Only the maximum influenced the output: give `dout[n, c, i, j]` to the position "
        "of the window's (first) maximum and nothing to the others.",
    ),
    Mistake(
        "pool-argmax-not-offset",
        "The position of the maximum inside the window, (di, dj), is used as a position in "
        "the image: the window's corner is not added.",
        "Every gradient lands in the top-left pool_height x pool_width corner of dx.",
        "Add the window's corner: the maximum of window (i, j) is at row `i*stride + di` and "
        "column `j*stride + dj`.",
    ),
    Mistake(
        "ignores-input",
        "The result does not depend on the argument (e.g. the function reads a "
        "global `x` or returns a cached answer).",
        "Two different inputs of the same shape give the same output.",
        "Use the function's parameters only: rename the argument or the global so "
        "that the body cannot see a notebook variable, and never cache results.",
    ),
    Mistake(
        "mutates-input",
        "The function changes the caller's array.",
        "After the call the argument differs from what was passed.",
        "Work on a new array: `x_pad = np.pad(x, ...)` or `y = x.copy()` before any "
        "in-place operation (`+=`, `x[...] = `).",
    ),
    Mistake(
        "dtype-changed",
        "The output dtype differs from the input's: float32 in, float64 out (or an "
        "integer output, or float indices), or float32 input is refused (a kernel "
        "typed `double`).",
        "Values are right but the dtype is not; or only float32 cases fail, with "
        "`Buffer dtype mismatch`.",
        "Allocate with the input's dtype: `np.zeros(shape, dtype=x.dtype)`, "
        "`np.empty_like(...)`; index arrays must be integers (`dtype=np.intp`); type "
        "Cython kernels with the fused type `floating`, not `double`.",
    ),
    Mistake(
        "numerically-loose",
        "Right only to about 1e-6: part of the computation runs in float32 "
        "(or uses an approximation).",
        "float64 cases are off by 1e-10 to 1e-5 relative; float32 cases pass.",
        "Keep float64 data in float64: look for `np.float32`, `dtype='f'`, "
        "`astype(np.float32)` or a float32 buffer.",
    ),
    # -- compiled kernels and training (notebooks 4 and 7)
    Mistake(
        "untyped-kernel",
        "A Cython kernel whose innermost loops still run on Python objects (an untyped "
        "loop variable, bound or array), or a kernel that is not compiled at all.",
        "Cython's annotation (`%%cython -a`) shows yellow lines in the innermost loops: "
        "they call the Python C-API.",
        "Type the array arguments as typed memoryviews of the fused type `floating`, the "
        "sizes and every loop variable as `cdef Py_ssize_t`, keep calls and NumPy out of "
        "the loops, and wrap them in `with nogil:`; re-run with `%%cython -a` until the "
        "innermost loop is white.",
    ),
    Mistake(
        "loss-not-averaged",
        "The softmax loss and its gradient are summed over the batch instead of averaged.",
        "loss and dscores are N times the right ones (right for a batch of one).",
        "Divide both by the batch size N: `loss = -mean(log p[n, y[n]])` and "
        "`dscores = (p - onehot(y)) / N`.",
    ),
    Mistake(
        "softmax-overflow",
        "The softmax exponentiates the raw scores, which overflows for large scores.",
        "Right on small scores; inf or NaN once scores reach a few hundred.",
        "Subtract each row's maximum before `np.exp` (it does not change the softmax).",
    ),
    Mistake(
        "low-accuracy",
        "The trained network gets fewer than 95% of the held-out digits right.",
        "predict's labels disagree with the held-out labels too often.",
        "Check that the training loss falls from log(10) = 2.30; train longer or with "
        "another learning rate; make predict use the trained parameters and return the "
        "argmax of the scores.",
    ),
)

# -- issue 17 and issue 15 (items 4 and 5): codes of the check area ------------------
_ENTRIES += (
    Mistake(
        "window-offset",
        "A window starts (or ends) one place off: `i*stride + 1`, `range(1, H_out + 1)`, "
        "or `t : t + HH + 1`.",
        "Wrong everywhere, pad 0 and stride 1 included: the values are those of a "
        "neighbouring window, or (the cases tile exactly, so the last window then runs past "
        "the edge) the code crashes on a window of HH - 1 rows or WW - 1 columns, or an "
        "index out of bounds.",
        "Window (i, j) covers rows `i*stride : i*stride + HH` and columns "
        "`j*stride : j*stride + WW` of the padded input, for i in `range(H_out)` and j in "
        "`range(W_out)`, both starting at 0.",
    ),
    Mistake(
        "no-validation",
        "The function accepts an input it must refuse: a stride that does not tile the "
        "padded input, x and w with different channels, or a filter larger than the "
        "padded input.",
        "A refusal case returns a result instead of raising ValueError (the message "
        "names the case), or raises another exception.",
        "Check before computing and raise a `ValueError` that names the shapes: "
        "`if C != Cw`, `if H + 2*pad < HH or W + 2*pad < WW`, "
        "`if (H + 2*pad - HH) % stride or (W + 2*pad - WW) % stride`.",
    ),
    Mistake(
        "true-division",
        "`/` instead of `//` in an output size: `(H + 2*pad - HH) / stride + 1` is a float.",
        "The sizes have the right values but are floats (3.0, not 3).",
        "Use floor division, `(H + 2*pad - HH) // stride + 1`, which keeps ints (after "
        "checking with `%` that the stride tiles).",
    ),
    Mistake(
        "python-loops",
        "The vectorised stage loops in Python over images, windows or output positions: "
        "a `for` or `while`, a comprehension, `map` or `np.vectorize` with a lambda, "
        "`np.apply_along_axis` with a Python function.",
        "The Python lines your code runs grow with N*H_out*W_out: a probe case with more "
        "images and output positions runs more of them. A loop over the HH x WW filter "
        "taps (or the channels) is allowed: its length does not depend on the image.",
        "Build the index arrays once (`np.arange`, `np.repeat`, `np.tile` or broadcasting) "
        "and gather every window in one step, `x_pad[:, k, i, j]`; scatter back with one "
        "`np.add.at(x_pad, (slice(None), k, i, j), cols_nkl)`; no loop over n, i or j.",
    ),
)

CATALOGUE: dict[str, Mistake] = {m.code: m for m in _ENTRIES}
"""Every mistake code, in the order of the documented table."""


def markdown_table() -> str:
    """The catalogue as the Markdown page ``docs/mistakes.md``.

    Returns
    -------
    str
        A title, one paragraph and a table ``code | what | how it shows | fix``.

    Examples
    --------
    >>> print(markdown_table().splitlines()[0])
    # Mistakes the checkers name
    """
    lines = [
        "# Mistakes the checkers name",
        "",
        "Generated from `cs_conv/check/catalogue.py` (`markdown_table()`); a test keeps "
        "this page in sync. A checker names a code only when the evidence is unambiguous "
        "(a wrong name is worse than none): one way of making that mistake explains every "
        "failing case (the student's output equals the reference with the mistake "
        "injected, or the code crashes exactly where the mistake would, with a message "
        "that says so) and no passing case contradicts it, and no other code explains "
        "the cases as well. Failing that, a function right on exactly one family of cases "
        "(square filters only, stride 1 only, ...) is named after the one mistake that "
        "family means, and every message says which family passes. A function that reads "
        "a module-level array instead of its argument is `ignores-input`.",
        "",
        "| code | what it is | how it shows | how to fix |",
        "|---|---|---|---|",
    ]
    for m in _ENTRIES:
        cells = [f"`{m.code}`", m.what, m.shows, m.fix]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
