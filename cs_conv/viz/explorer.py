"""Interactive im2col explorer: sliders around :func:`~cs_conv.viz.plot_im2col`.

The sliders only reach combinations the figure can draw: after every move each
slider's range shrinks or grows to the values that keep the whole combination
drawable (the filter fits the padded input, the figure is within its budget,
the highlighted column exists).

Without a live Jupyter frontend (``jupyter nbconvert --execute``, nbclient,
``nbgrader autograde``, a plain Python script) there is nobody to move a
slider: the explorer then shows the static figure and returns at once, and
creates no widget (widget traffic can stall nbclient: jupyter/nbclient#312).
"""

from __future__ import annotations

import importlib
import sys

from ..geometry import conv_geometry
from ._layout import is_int
from .im2col_figure import plot_im2col
from .im2col_layout import fits

__all__ = ["SLIDERS", "explore_im2col", "live_frontend", "slider_ranges"]

#: (default, min, max) of each slider; the ranges shown adapt within these bounds.
SLIDERS = {
    "N": (1, 1, 2),
    "C": (2, 1, 3),
    "H": (5, 1, 9),
    "W": (8, 1, 12),
    "HH": (3, 1, 5),
    "WW": (2, 1, 5),
    "stride": (2, 1, 3),
    "pad": (1, 0, 2),
    "column": (3, 0, 415),  # the most columns any drawable combination has, minus one
}

NO_WIDGETS = (
    "explore_im2col needs ipywidgets for its sliders (pip install ipywidgets, then "
    "restart the kernel); showing the static figure for the default shape instead. "
    "Call cs_conv.viz.plot_im2col(x_shape, HH, WW, stride, pad) for other shapes."
)
HEADLESS = (
    "explore_im2col: no live Jupyter frontend here (nbconvert, nbgrader or a script), "
    "so this is the static figure; in JupyterLab the sliders appear."
)


def live_frontend() -> bool:
    """Whether this code runs for a person at a live Jupyter frontend that can move sliders.

    The request being executed says so: a frontend with a person at it (JupyterLab,
    Notebook, VS Code) sends ``execute_request`` with ``allow_stdin`` true, since it
    can answer ``input()``; nbclient (behind ``jupyter nbconvert --execute``,
    ``jupyter execute``, papermill and ``nbgrader autograde``) always sends it
    false.  A ``comm_msg`` (a widget callback) comes from a live frontend too.
    Outside a Jupyter kernel (a script, a terminal IPython) there is none.

    Examples
    --------
    >>> live_frontend()  # a doctest runs in no kernel
    False
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return False
    try:
        parent = kernel.get_parent()  # ipykernel >= 6
    except (AttributeError, TypeError):
        return bool(getattr(kernel, "_allow_stdin", False))
    header = parent.get("header", {}) if isinstance(parent, dict) else {}
    kind = header.get("msg_type")
    if kind == "execute_request":
        return bool(parent.get("content", {}).get("allow_stdin", False))
    return kind == "comm_msg"


def drawable(values: dict) -> bool:
    """Whether :func:`plot_im2col` draws the slider values ``values`` (a dict by name)."""
    try:
        g = conv_geometry(
            (values["N"], values["C"], values["H"], values["W"]),
            values["HH"],
            values["WW"],
            values["stride"],
            values["pad"],
            exact=False,
        )
    except ValueError:
        return False
    return fits(g) and values["column"] < g.N * g.H_out * g.W_out


def slider_ranges(values: dict) -> dict:
    """For each slider, ``(lo, hi)``: the values it may take, the others staying as they are.

    The interval around the slider's current value (within :data:`SLIDERS`) in which
    every value is :func:`drawable`; so from a drawable combination every move
    reaches a drawable one.

    Examples
    --------
    >>> r = slider_ranges({"N": 2, "C": 3, "H": 5, "W": 5, "HH": 3, "WW": 3,
    ...                    "stride": 1, "pad": 1, "column": 0})
    >>> r["W"], r["HH"]  # (2, 3, 9, 12) with a 3x3 filter cannot be drawn: W stops at 7
    ((1, 7), (1, 5))
    """
    ranges = {}
    for name, (_, lo, hi) in SLIDERS.items():
        v = values[name]
        a = b = v
        while a - 1 >= lo and drawable({**values, name: a - 1}):
            a -= 1
        while b + 1 <= hi and drawable({**values, name: b + 1}):
            b += 1
        ranges[name] = (a, b)
    return ranges


def _starting_values(initial: dict) -> dict:
    unknown = set(initial) - set(SLIDERS)
    if unknown:
        raise TypeError(
            f"explore_im2col got unknown slider(s) {sorted(unknown)}; known: {list(SLIDERS)}"
        )
    values = {}
    for name, (default, lo, hi) in SLIDERS.items():
        v = initial.get(name, default)
        if not is_int(v):
            raise TypeError(f"explore_im2col: {name} must be an int, got {v!r}")
        if not lo <= v <= hi:
            raise ValueError(
                f"explore_im2col: {name}={v} is outside its slider's range {lo}..{hi}; "
                "call cs_conv.viz.plot_im2col for other shapes"
            )
        values[name] = int(v)
    return values


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


def explore_im2col(*, live=None, **initial):
    """Sliders for ``N, C, H, W, HH, WW, stride, pad`` and the highlighted column.

    Every change redraws :func:`~cs_conv.viz.plot_im2col`.  The sliders only
    reach combinations it can draw (see :func:`slider_ranges`); a stride that
    does not tile the padded input is drawn with its unread pixels marked, and
    the message every stage of cs_conv gives for it is printed below.

    Parameters
    ----------
    live : bool, optional
        Whether to make sliders.  By default, when a person is at a live
        Jupyter frontend (:func:`live_frontend`); otherwise (nbconvert,
        nbgrader, a script) the static figure is returned at once.
    **initial : int
        Starting values, by slider name (``N, C, H, W, HH, WW, stride, pad,
        column``); see :data:`SLIDERS` for the defaults and bounds.

    Returns
    -------
    ipywidgets.interactive or matplotlib.figure.Figure
        The widget (display it, or leave it as a cell's last expression); its
        ``.result`` is the current figure.  Without a live frontend or without
        ipywidgets: the static figure for the starting values (after a one-line
        message).

    Raises
    ------
    TypeError
        An unknown slider name, or a value that is not an int.
    ValueError
        A value outside its slider's bounds, or starting values the figure
        cannot draw (the message says why and suggests a shape).

    Examples
    --------
    >>> fig = explore_im2col(H=4, W=6)  # no frontend here: the static figure  # doctest: +ELLIPSIS
    explore_im2col: no live Jupyter frontend here (nbconvert, nbgrader or a script), ...
    >>> fig.cs_conv["geometry"].x_shape
    (1, 2, 4, 6)
    """
    values = _starting_values(initial)
    if not drawable(values):  # the figure's own ValueError says why
        plot_im2col(
            (values["N"], values["C"], values["H"], values["W"]),
            values["HH"],
            values["WW"],
            stride=values["stride"],
            pad=values["pad"],
            highlight=values["column"],
        )
        raise ValueError(f"explore_im2col cannot draw {values}")  # pragma: no cover
    if live is None:
        live = live_frontend()
    widgets = None
    if live:
        try:
            widgets = importlib.import_module("ipywidgets")
        except ImportError:
            print(NO_WIDGETS)
    else:
        print(HEADLESS)
    if widgets is None:
        return _draw(**values)
    return _widget(widgets, values)


def _widget(widgets, values: dict):
    """The sliders (ranges adapting after every move) and the figure below them."""
    ranges = slider_ranges(values)
    sliders = {
        name: widgets.IntSlider(
            value=values[name],
            min=ranges[name][0],
            max=ranges[name][1],
            description=name,
            continuous_update=False,
        )
        for name in SLIDERS
    }

    def adapt(_change=None):
        current = {name: s.value for name, s in sliders.items()}
        for name, (lo, hi) in slider_ranges(current).items():
            s = sliders[name]
            # the value lies in both the old and the new range: min first never crosses max
            s.min, s.max = lo, hi

    for s in sliders.values():  # before interactive's own observers: ranges, then redraw
        s.observe(adapt, names="value")
    # auto_display: show each new figure below the sliders (plain interactive() does not)
    return widgets.interactive(_draw, {"auto_display": True}, **sliders)
