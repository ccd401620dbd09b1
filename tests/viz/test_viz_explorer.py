"""explore_im2col: sliders that only reach drawable combinations, a static figure without a
live frontend, a message and a figure without ipywidgets."""

from __future__ import annotations

import sys
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from cs_conv.viz import MAX_COLS_CELLS, MAX_INPUT_CELLS, explore_im2col
from cs_conv.viz import explorer as explorer_module
from cs_conv.viz.explorer import SLIDERS, live_frontend, slider_ranges

NAMES = list(SLIDERS)


def _drawable(v) -> bool:
    """Independently: the filter fits the padded input, both parts of the figure are within
    its documented cell budgets, and the highlighted column exists."""
    Hp, Wp = v["H"] + 2 * v["pad"], v["W"] + 2 * v["pad"]
    if v["HH"] > Hp or v["WW"] > Wp:
        return False
    Ho = (Hp - v["HH"]) // v["stride"] + 1
    Wo = (Wp - v["WW"]) // v["stride"] + 1
    columns = v["N"] * Ho * Wo
    return (
        v["C"] * v["HH"] * v["WW"] * columns <= MAX_COLS_CELLS
        and v["N"] * v["C"] * Hp * Wp <= MAX_INPUT_CELLS
        and v["column"] < columns
    )


@st.composite
def drawable_start(draw):
    v = {n: draw(st.integers(lo, hi)) for n, (_, lo, hi) in SLIDERS.items() if n != "column"}
    v["column"] = 0
    if not _drawable(v):
        v = {n: d for n, (d, _, _) in SLIDERS.items()}
    Hp, Wp = v["H"] + 2 * v["pad"], v["W"] + 2 * v["pad"]
    columns = v["N"] * ((Hp - v["HH"]) // v["stride"] + 1) * ((Wp - v["WW"]) // v["stride"] + 1)
    v["column"] = draw(st.integers(0, columns - 1))
    return v


@settings(max_examples=150, deadline=None)
@given(start=drawable_start(), moves=st.lists(st.tuples(st.sampled_from(NAMES), st.floats(0, 1))))
def test_every_slider_move_reaches_a_drawable_combination(start, moves):
    values = dict(start)
    for name, where in [(n, 0.5) for n in NAMES] + moves:
        ranges = slider_ranges(values)
        for slider, (lo, hi) in ranges.items():
            _, bound_lo, bound_hi = SLIDERS[slider]
            assert bound_lo <= lo <= values[slider] <= hi <= bound_hi
            # every value in the range draws; the next one outside does not (or is out of bounds)
            assert all(_drawable({**values, slider: k}) for k in range(lo, hi + 1))
            assert lo == bound_lo or not _drawable({**values, slider: lo - 1})
            assert hi == bound_hi or not _drawable({**values, slider: hi + 1})
        lo, hi = ranges[name]
        values[name] = lo + round(where * (hi - lo))
        assert _drawable(values)


def test_the_issues_example_is_out_of_reach():
    # (2, 3, 9, 12) with a 3x3 filter is "too large to draw": no slider may lead there
    near = {"N": 2, "C": 3, "H": 9, "W": 3, "HH": 3, "WW": 3, "stride": 1, "pad": 0, "column": 0}
    assert _drawable(near)
    assert not _drawable({**near, "W": 12})
    assert slider_ranges(near)["W"][1] < 12


def test_the_column_bound_is_the_most_columns_of_any_drawable_combination():
    # H, W, pad at their bounds, a 1x1 filter, stride 1: (9 + 4) * (12 + 4) columns per image
    widest = {"N": 2, "C": 1, "H": 9, "W": 12, "HH": 1, "WW": 1, "stride": 1, "pad": 2}
    assert _drawable({**widest, "column": 2 * 13 * 16 - 1})
    assert SLIDERS["column"][2] == 2 * 13 * 16 - 1
    assert slider_ranges({**widest, "column": 0})["column"] == (0, 415)


# ---------------------------------------------------------------------------- the widget


def _sliders(w, widgets):
    return {c.description: c for c in w.children if isinstance(c, widgets.IntSlider)}


def test_live_sliders_redraw_adapt_and_explain_an_untiled_stride(capsys):
    widgets = pytest.importorskip("ipywidgets")
    w = explore_im2col(live=True, H=4, W=4, HH=2, WW=2, stride=1, pad=0, C=1, column=0)
    assert isinstance(w, widgets.interactive)
    assert w.auto_display  # else JupyterLab shows the sliders and never the figure
    sliders = _sliders(w, widgets)
    assert set(sliders) == set(SLIDERS)
    assert w.result.cs_conv["geometry"].x_shape == (1, 1, 4, 4)
    sliders["W"].value = 6
    assert w.result.cs_conv["geometry"].x_shape == (1, 1, 4, 6)
    capsys.readouterr()
    sliders["stride"].value = 2
    sliders["W"].value = 5  # (5 - 2) = 3 is not a multiple of 2: drawn, and explained
    assert "does not tile" in w.result.cs_conv["tiling_error"]
    assert "every stage of cs_conv refuses it" in capsys.readouterr().out
    # a filter taller than the padded input cannot be drawn: the HH slider stops at H + 2*pad
    assert (sliders["HH"].min, sliders["HH"].max) == (1, 4)
    sliders["pad"].value = 1
    assert sliders["HH"].max == 5
    sliders["HH"].value = 5
    assert w.result.cs_conv["geometry"].HH == 5
    assert "cannot draw" not in capsys.readouterr().out


@settings(max_examples=6, deadline=None)
@given(moves=st.lists(st.tuples(st.sampled_from(NAMES), st.floats(0, 1)), max_size=6))
def test_moving_real_sliders_always_shows_a_figure(moves):
    widgets = pytest.importorskip("ipywidgets")
    w = explore_im2col(live=True)
    sliders = _sliders(w, widgets)
    for name, where in moves:
        s = sliders[name]
        s.value = s.min + round(where * (s.max - s.min))
        v = {n: sl.value for n, sl in sliders.items()}
        assert isinstance(w.result, Figure), v
        g = w.result.cs_conv["geometry"]
        assert g.x_shape == (v["N"], v["C"], v["H"], v["W"])
        assert w.result.cs_conv["column"] == v["column"]


# ------------------------------------------------------------------- without a frontend


def test_without_a_frontend_the_static_figure_comes_at_once(capsys):
    fig = explore_im2col(H=4, W=6)  # pytest is no Jupyter kernel
    assert isinstance(fig, Figure)
    assert fig.cs_conv["geometry"].x_shape == (1, 2, 4, 6)
    assert "no live Jupyter frontend" in capsys.readouterr().out


def test_without_ipywidgets_prints_a_message_and_returns_the_figure(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    fig = explore_im2col(live=True)
    assert isinstance(fig, Figure)
    assert fig.cs_conv["geometry"].x_shape == (1, 2, 5, 8)
    assert fig.cs_conv["column"] == 3
    assert "needs ipywidgets" in capsys.readouterr().out


def _fake_kernel(monkeypatch, parent=None, *, no_get_parent=False, allow_stdin=False):
    kernel = types.SimpleNamespace(_allow_stdin=allow_stdin)
    if not no_get_parent:
        kernel.get_parent = lambda channel=None: parent
    shell = types.SimpleNamespace(kernel=kernel)
    fake = types.SimpleNamespace(get_ipython=lambda: shell)
    monkeypatch.setitem(sys.modules, "IPython", fake)


def _request(kind, **content):
    return {"header": {"msg_type": kind}, "content": content}


@pytest.mark.parametrize(
    ("parent", "live"),
    [
        (_request("execute_request", allow_stdin=True), True),  # JupyterLab, Notebook, VS Code
        (_request("execute_request", allow_stdin=False), False),  # nbclient, nbgrader
        (_request("execute_request"), False),
        (_request("comm_msg"), True),  # a widget's callback
        ({}, False),
        (None, False),
    ],
)
def test_live_frontend_reads_the_request_being_executed(monkeypatch, parent, live):
    _fake_kernel(monkeypatch, parent)
    assert live_frontend() is live


def test_live_frontend_without_a_kernel(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)
    assert live_frontend() is False
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert live_frontend() is False  # plain Python
    shell = types.SimpleNamespace()  # a terminal IPython has no kernel
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert live_frontend() is False


@pytest.mark.parametrize("allow_stdin", [True, False])
def test_live_frontend_on_an_old_kernel_reads_its_stdin_flag(monkeypatch, allow_stdin):
    _fake_kernel(monkeypatch, no_get_parent=True, allow_stdin=allow_stdin)
    assert live_frontend() is allow_stdin


def test_the_explorer_asks_live_frontend(monkeypatch):
    widgets = pytest.importorskip("ipywidgets")
    monkeypatch.setattr(explorer_module, "live_frontend", lambda: True)
    assert isinstance(explore_im2col(), widgets.interactive)
    monkeypatch.setattr(explorer_module, "live_frontend", lambda: False)
    assert isinstance(explore_im2col(), Figure)


# ---------------------------------------------------------------------- bad arguments


def test_unknown_slider_is_refused():
    with pytest.raises(TypeError, match="unknown slider"):
        explore_im2col(depth=3)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"H": 2.0}, TypeError, r"H must be an int, got 2\.0"),
        ({"N": True}, TypeError, "N must be an int"),
        ({"H": float("inf")}, TypeError, "H must be an int"),
        ({"W": "5"}, TypeError, "W must be an int"),
        ({"H": 10**9}, ValueError, r"H=1000000000 is outside its slider's range 1\.\.9"),
        ({"pad": -1}, ValueError, r"pad=-1 is outside its slider's range 0\.\.2"),
        ({"HH": 5, "H": 1, "pad": 0}, ValueError, "larger than the padded input"),
        ({"N": 2, "C": 3, "H": 9, "W": 12, "HH": 3, "WW": 3}, ValueError, "too large to draw"),
        ({"column": 400}, ValueError, "is not a column of cols"),
    ],
)
def test_bad_starting_values_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        explore_im2col(**kwargs)
