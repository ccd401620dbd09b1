"""Shared colours, figure creation and PNG export for :mod:`cs_conv.viz`.

Figures are built with the object-oriented API (:class:`matplotlib.figure.Figure`
plus an Agg canvas), never through :mod:`matplotlib.pyplot`: importing or using
:mod:`cs_conv.viz` selects no backend, registers nothing with pyplot's figure
manager (so there is nothing to close and nothing leaks), and a figure shown in
a notebook appears exactly once.
"""

from __future__ import annotations

import base64
import html
import io
import math
import numbers
import sys

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

__all__ = [
    "HIGHLIGHT",
    "PAD_FACE",
    "VizFigure",
    "figure_to_html_img",
    "figure_to_png_base64",
    "new_figure",
    "window_colour",
]

#: Fill of the highlighted window, column and output position.
HIGHLIGHT = "#ff8c1a"
#: Edge of everything highlighted.
HIGHLIGHT_EDGE = "#b30000"
#: Face and hatch of zero-padding cells.
PAD_FACE = "#d9d9d9"
PAD_HATCH = "////"
PAD_TEXT = "#6e6e6e"
#: Colour of wrong cells in mismatch maps.
WRONG = "#e0001b"
GRID = "#9a9a9a"

# Qualitative palette for windows / columns / output positions (pairwise
# distinguishable, none close to HIGHLIGHT or PAD_FACE).
_WINDOW_PALETTE = (
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#7b4173",
    "#3182bd",
    "#31a354",
)


def window_colour(k: int, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """RGBA colour of window / column / output position ``k`` (cycled)."""
    return to_rgba(_WINDOW_PALETTE[k % len(_WINDOW_PALETTE)], alpha)


class VizFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` that renders itself in notebooks.

    It has an Agg canvas attached and a ``_repr_png_``, so that Jupyter shows
    it even when no pyplot backend was ever selected.  ``fig.cs_conv`` holds
    machine-readable metadata describing what was drawn.
    """

    cs_conv: dict

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png")
        return buf.getvalue()


def new_figure(width: float, height: float, dpi: float = 100) -> VizFigure:
    """A :class:`VizFigure` of ``width x height`` inches with an Agg canvas."""
    fig = VizFigure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.cs_conv = {}
    return fig


def _release(fig: Figure) -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)  # a no-op unless fig was made by pyplot


#: Largest image (pixels) :func:`figure_to_png_base64` renders: 200 MB of RGBA.
MAX_PIXELS = 50_000_000


def _check_render(fig, dpi) -> None:
    """Refuse what is not a figure, a bad dpi, or an image over :data:`MAX_PIXELS`."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if dpi is not None and (
        isinstance(dpi, bool) or not isinstance(dpi, numbers.Real) or not 0 < dpi < math.inf
    ):
        raise ValueError(f"dpi must be a positive number (or None for the figure's), got {dpi!r}")
    w, h = fig.get_size_inches()
    d = fig.dpi if dpi is None else float(dpi)
    if w * d * h * d > MAX_PIXELS:
        fit = int((MAX_PIXELS / (w * h)) ** 0.5)
        raise ValueError(
            f"too large to render: a {w:g} x {h:g} in figure at dpi={d:g} is "
            f"{w * d:.0f} x {h * d:.0f} = {w * d * h * d:.3g} pixels (at most {MAX_PIXELS}); "
            f"use dpi <= {fit}"
        )


def figure_to_png_base64(fig: Figure, *, dpi: float | None = None, close: bool = True) -> str:
    """Render ``fig`` as a PNG and return it base64-encoded (ASCII ``str``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    dpi : float, optional
        Resolution; the figure's own by default.
    close : bool
        Release the figure from pyplot's figure manager afterwards (only
        matters for figures created through pyplot).

    Examples
    --------
    >>> from cs_conv.viz import plot_col2im_overlap
    >>> s = figure_to_png_base64(plot_col2im_overlap((1, 1, 3, 3), 2, 2))
    >>> base64.b64decode(s)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    _check_render(fig, dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi if dpi is not None else "figure")
    if close:
        _release(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figure_to_html_img(
    fig: Figure, *, alt: str = "", dpi: float | None = None, close: bool = True
) -> str:
    """``<img>`` tag with ``fig`` inlined as a base64 PNG (for ``_repr_html_``).

    Examples
    --------
    >>> from cs_conv.viz import plot_col2im_overlap
    >>> figure_to_html_img(plot_col2im_overlap((1, 1, 3, 3), 2, 2), alt="overlap")[:33]
    '<img src="data:image/png;base64,i'
    """
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a str, got {type(alt).__name__}")
    data = figure_to_png_base64(fig, dpi=dpi, close=close)
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"/>'
