"""Pictures of the im2col layout, of col2im's overlaps and of a student's errors.

Every function checks its size budget on the shapes alone, before it builds
anything, and refuses with a ``ValueError`` that suggests a shape it can draw.
Every function returns a :class:`matplotlib.figure.Figure` built without
:mod:`matplotlib.pyplot` (no backend is selected on import, nothing to close),
with machine-readable metadata in ``fig.cs_conv``.

=============================  ===================================================
:func:`plot_im2col`            padded input, ``cols`` and output, one window traced
:func:`plot_col2im_overlap`    how many windows cover each input pixel
:func:`plot_mismatch`          where a student's array differs from the reference
:func:`plot_benchmark`         stage timings as ratios to a memory copy
:func:`explore_im2col`         sliders around :func:`plot_im2col` (the static figure
                               when no live frontend can move them: nbconvert, nbgrader)
:func:`figure_to_html_img`     a figure as an inline ``<img>`` for ``_repr_html_``
=============================  ===================================================
"""

from ._style import figure_to_html_img, figure_to_png_base64
from .benchmark_plot import plot_benchmark
from .explorer import explore_im2col
from .im2col_figure import MAX_COLS_CELLS, MAX_INPUT_CELLS, im2col_metadata, plot_im2col
from .mismatch import mismatch_mask, plot_mismatch
from .overlap import overlap_counts, plot_col2im_overlap

__all__ = [
    "MAX_COLS_CELLS",
    "MAX_INPUT_CELLS",
    "explore_im2col",
    "figure_to_html_img",
    "figure_to_png_base64",
    "im2col_metadata",
    "mismatch_mask",
    "overlap_counts",
    "plot_benchmark",
    "plot_col2im_overlap",
    "plot_im2col",
    "plot_mismatch",
]
