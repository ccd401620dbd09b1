"""Interactive im2col explorer: sliders around :func:`~cs_conv.viz.plot_im2col`."""

from __future__ import annotations

import importlib

from .im2col_figure import plot_im2col

__all__ = ["explore_im2col"]

#: (default, min, max) of each slider.
SLIDERS = {
    "N": (1, 1, 2),
    "C": (2, 1, 3),
    "H": (5, 1, 9),
    "W": (8, 1, 12),
    "HH": (3, 1, 5),
    "WW": (2, 1, 5),
    "stride": (2, 1, 3),
    "pad": (1, 0, 2),
    "column": (3, 0, 50),
}

NO_WIDGETS = (
    "explore_im2col needs ipywidgets for its sliders (pip install ipywidgets, then "
    "restart the kernel); showing the static figure for the default shape instead. "
    "Call cs_conv.viz.plot_im2col(x_shape, HH, WW, stride, pad) for other shapes."
)


def _draw(N, C, H, W, HH, WW, stride, pad, column):
    """One redraw: the figure, or ``None`` after printing why the shape is invalid."""
    try:
        fig = plot_im2col((N, C, H, W), HH, WW, stride=stride, pad=pad, highlight=column)
    except ValueError as exc:
        print(f"cannot draw this combination: {exc}")
        return None
    if fig.cs_conv["tiling_error"]:
        print(f"drawn, but every stage of cs_conv refuses it: {fig.cs_conv['tiling_error']}")
    return fig


def explore_im2col(**initial):
    """Sliders for ``N, C, H, W, HH, WW, stride, pad`` and the highlighted column.

    Every change redraws :func:`~cs_conv.viz.plot_im2col`.  A combination it
    cannot draw (the filter is larger than the padded input, the highlighted
    column does not exist, the figure would be too large) shows the error's
    message instead of a figure; a stride that does not tile the padded input
    is drawn with its unread pixels marked, and the message every stage of
    cs_conv gives for it is printed below.

    Parameters
    ----------
    **initial : int
        Starting values, by slider name (``N, C, H, W, HH, WW, stride, pad,
        column``); see :data:`SLIDERS` for the defaults and ranges.

    Returns
    -------
    ipywidgets.interactive or matplotlib.figure.Figure
        The widget (display it, or leave it as a cell's last expression); its
        ``.result`` is the current figure (``None`` while invalid).  Without
        ipywidgets: a message is printed and the static figure for the starting
        values is returned.

    Raises
    ------
    TypeError
        An unknown slider name in ``initial``.
    """
    unknown = set(initial) - set(SLIDERS)
    if unknown:
        raise TypeError(
            f"explore_im2col got unknown slider(s) {sorted(unknown)}; known: {list(SLIDERS)}"
        )
    values = {k: int(initial.get(k, v[0])) for k, v in SLIDERS.items()}
    try:
        widgets = importlib.import_module("ipywidgets")
    except ImportError:
        print(NO_WIDGETS)
        N, C, H, W = (values[k] for k in ("N", "C", "H", "W"))
        return plot_im2col(
            (N, C, H, W),
            values["HH"],
            values["WW"],
            stride=values["stride"],
            pad=values["pad"],
            highlight=values["column"],
        )
    sliders = {
        name: widgets.IntSlider(
            value=min(max(values[name], lo), hi),
            min=lo,
            max=hi,
            description=name,
            continuous_update=False,
        )
        for name, (_, lo, hi) in SLIDERS.items()
    }
    # auto_display: show each new figure below the sliders (plain interactive() does not)
    return widgets.interactive(_draw, {"auto_display": True}, **sliders)
