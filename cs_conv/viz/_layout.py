"""Small helpers shared by the figures: axes placed in inches, cell grids, labels."""

from __future__ import annotations

import numbers

from matplotlib.patches import Rectangle

from . import _style

# average advance of a digit / comma in DejaVu Sans, in ems
_DIGIT_EM = 0.64
_NARROW_EM = 0.34


def text_em(s: str) -> float:
    """Rough width of ``s`` in ems (DejaVu Sans), good enough to decide whether it fits."""
    narrow = sum(ch in ",.:()[] " for ch in s)
    return _NARROW_EM * narrow + _DIGIT_EM * (len(s) - narrow)


def fitting_fontsize(cell_in: float, longest: str, *, cap: float = 8.0) -> float:
    """Largest font size (points, at most ``cap``) at which ``longest`` fits a cell."""
    if not longest:
        return cap
    return min(cap, 0.86 * cell_in * 72.0 / text_em(longest), 0.62 * cell_in * 72.0)


def add_axes_in(fig, left: float, top: float, width: float, height: float):
    """Axes at ``left``/``top`` inches from the figure's top-left corner, size in inches."""
    fw, fh = fig.get_size_inches()
    return fig.add_axes((left / fw, 1.0 - (top + height) / fh, width / fw, height / fh))


def grid_axes(ax, n_rows: int, n_cols: int) -> None:
    """Make ``ax`` show an ``n_rows x n_cols`` grid, row 0 at the top, 1 unit per cell."""
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.set_aspect("equal")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_linewidth(1.2)


def cell(
    ax,
    row,
    col,
    *,
    face="white",
    edge=_style.GRID,
    lw=0.5,
    hatch=None,
    gid=None,
    zorder=1,
    fill=True,
):
    """Draw (and return) the rectangle of grid cell ``(row, col)``."""
    rect = Rectangle(
        (col, row),
        1,
        1,
        facecolor=face if fill else "none",
        edgecolor=edge,
        linewidth=lw,
        hatch=hatch,
        fill=fill,
        zorder=zorder,
    )
    if gid is not None:
        rect.set_gid(gid)
    ax.add_patch(rect)
    return rect


def is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)
