"""The ways of building cols wrongly that the catalogue names, as :class:`Gather` s.

Every stage that builds or reads cols (im2col, col2im, im2col_indices, the
layers, a GEMM-style or loop-style naive convolution) can make these; each
checker turns them into variants of its own outputs
(:mod:`cs_conv.check.im2col_checks`, :mod:`cs_conv.check.conv_variants`).
"""

from __future__ import annotations

from dataclasses import replace

from .gather import NO_PAD, PAD, PAD_SHIFTS, Gather

__all__ = ["CLIPPED", "GEOMETRY", "LAYOUT", "PADDING", "WINDOW_SIZE"]

LAYOUT = (
    ("cols-transposed", "one row per window instead of one column", Gather(transposed=True)),
    (
        "hw-swapped",
        "the windows in the order (n, j, i): the loops (or reshapes) over H_out and W_out "
        "are exchanged",
        Gather(cols_order="nji"),
    ),
    (
        "cols-n-fastest",
        "the windows in the order (i, j, n), n fastest; with N == 1 it is the same",
        Gather(cols_order="ijn"),
    ),
    (
        "cols-n-fastest",
        "the windows in the order (i, n, j); with N == 1 it is the same",
        Gather(cols_order="inj"),
    ),
    (
        "cols-n-fastest",
        "the gathered (N, C*HH*WW, H_out*W_out) array reshaped to (C*HH*WW, N*H_out*W_out) "
        "without `.transpose(1, 0, 2)`: images and taps mixed; with N == 1 it is the same",
        Gather(cols_order="raw"),
    ),
    (
        "filter-hw-swapped",
        "each window's taps in (c, dj, di) order: the window transposed, or HH and WW "
        "exchanged in a reshape",
        Gather(taps_order="cji"),
    ),
    (
        "weight-flatten-order",
        "each window's taps in (di, dj, c) order, channels fastest, instead of (c, di, dj)",
        Gather(taps_order="ijc"),
    ),
    (
        "weight-flatten-order",
        "each window's taps in (di, c, dj) order instead of (c, di, dj)",
        Gather(taps_order="icj"),
    ),
)
"""Right windows, wrong order (they change no window's content)."""

WINDOW_SIZE = (
    (
        "filter-hw-swapped",
        "windows spanning WW rows and HH columns (an end index `i*s + WW` or `j*s + HH`)",
        Gather(taps=("WW", "HH")),
    ),
    (
        "filter-hw-swapped",
        "windows HH columns wide (an end index `j*stride + HH`)",
        Gather(taps=("HH", "HH")),
    ),
    (
        "filter-hw-swapped",
        "windows WW rows tall (an end index `i*stride + WW`)",
        Gather(taps=("WW", "WW")),
    ),
    (
        "filter-hw-swapped",
        "windows of WW rows and HH columns, and H_out, W_out computed from them",
        Gather(taps=("WW", "HH"), count="sizes"),
    ),
    (
        "filter-hw-swapped",
        "windows of WW rows and HH columns, as many as fit",
        Gather(taps=("WW", "HH"), count="fit"),
    ),
    (
        "filter-hw-swapped",
        "the windows of an HH x HH filter (`WW = HH`: the filter width is never used)",
        Gather(taps=("HH", "HH"), count="sizes"),
    ),
    (
        "filter-hw-swapped",
        "the windows of a WW x WW filter (`HH = WW`: the filter height is never used)",
        Gather(taps=("WW", "WW"), count="sizes"),
    ),
    (
        "filter-hw-swapped",
        "H_out and W_out computed with WW and HH exchanged",
        Gather(count="swapped-filter"),
    ),
)
"""Windows of the wrong size."""

GEOMETRY = (
    (
        "hw-swapped",
        "loops running i over range(W_out) and j over range(H_out)",
        Gather(count="swapped"),
    ),
    (
        "hw-swapped",
        "H_out computed from the width W and W_out from the height H",
        Gather(count="swapped-image"),
    ),
    (
        "stride-ignored",
        "windows starting at row i and column j instead of i*stride and j*stride",
        Gather(step="1"),
    ),
    ("stride-ignored", "every stride-1 window", Gather(step="1", count="sizes")),
    (
        "pad-ignored",
        "the windows of the unpadded input",
        Gather(pads=(NO_PAD, NO_PAD, NO_PAD, NO_PAD), count="fit"),
    ),
    (
        "pad-ignored",
        "the windows of the unpadded input, H_out and W_out without the padding",
        Gather(pads=(NO_PAD, NO_PAD, NO_PAD, NO_PAD), count="sizes"),
    ),
    (
        "pad-ignored",
        "windows of the unpadded input at the padded input's positions",
        Gather(pads=(NO_PAD, NO_PAD, NO_PAD, NO_PAD)),
    ),
    *(
        (
            "window-offset",
            f"every window starting {words}",
            Gather(start=start, count=count),
        )
        for start, words0 in (
            ((1, 0), "one row down"),
            ((0, 1), "one column right"),
            ((1, 1), "one row down and one column right"),
            (("s", 0), "one stride down (`range(1, H_out + 1)`)"),
            ((0, "s"), "one stride right (`range(1, W_out + 1)`)"),
            (("s", "s"), "one stride down and right"),
        )
        for count, words in (("true", words0), ("fit", words0 + ", as many as fit"))
    ),
    (
        "window-offset",
        "windows one row too tall (`t : t + HH + 1`)",
        Gather(taps=("HH+1", "WW")),
    ),
    (
        "window-offset",
        "windows one column too wide (`l : l + WW + 1`)",
        Gather(taps=("HH", "WW+1")),
    ),
)
"""Windows in the wrong places, or of the wrong count."""


def _pads(axes: str, tb):
    return (*(tb if "h" in axes else (PAD, PAD)), *(tb if "w" in axes else (PAD, PAD)))


PADDING_SHIFTS = tuple(
    (
        "pad-wrong-axes",
        f"the input padded {words} ({where})" + (", as many windows as fit" if count else ""),
        Gather(pads=_pads(axes, tb), count="fit" if count else "true"),
    )
    for name, (tb, words) in PAD_SHIFTS.items()
    for axes, where in (("h", "rows"), ("w", "columns"), ("hw", "rows and columns"))
    for count in (False, True)
)
"""The input padded unevenly (the same windows read the wrong pixels)."""

ALL_AXES = (
    (
        "pad-wrong-axes",
        "`np.pad(x, pad)`, which pads the N and C axes too",
        Gather(all_axes=True),
    ),
)
"""x padded on every axis."""

PADDING = PADDING_SHIFTS + ALL_AXES
"""Every padding mistake (``pad-wrong-axes``)."""


def _clipped(group):
    return tuple(
        (code, words + ", as many as the sliding window view has", replace(g, clip=True))
        for code, words, g in group
        if g.count not in ("fit",) and not g.all_axes
    )


CLIPPED = _clipped(WINDOW_SIZE) + _clipped(GEOMETRY)
"""The same mistakes made by slicing a sliding window view to the counts the code
computes (fewer windows where they do not fit, no crash)."""
