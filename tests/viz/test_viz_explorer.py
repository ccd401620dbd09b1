"""explore_im2col: a widget when ipywidgets is there, a message and a figure otherwise."""

from __future__ import annotations

import sys

import pytest
from matplotlib.figure import Figure

from cs_conv.viz import explore_im2col


def test_without_ipywidgets_prints_a_message_and_returns_the_figure(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    fig = explore_im2col()
    assert isinstance(fig, Figure)
    assert fig.cs_conv["geometry"].x_shape == (1, 2, 5, 8)
    assert fig.cs_conv["column"] == 3
    assert "needs ipywidgets" in capsys.readouterr().out


def test_with_ipywidgets_sliders_redraw_and_explain_invalid_combinations(capsys):
    widgets = pytest.importorskip("ipywidgets")
    w = explore_im2col(H=4, W=4, HH=2, WW=2, stride=1, pad=0, C=1, column=0)
    assert isinstance(w, widgets.interactive)
    assert w.auto_display  # else JupyterLab shows the sliders and never the figure
    names = {c.description for c in w.children if isinstance(c, widgets.IntSlider)}
    assert names == {"N", "C", "H", "W", "HH", "WW", "stride", "pad", "column"}
    assert w.result.cs_conv["geometry"].x_shape == (1, 1, 4, 4)
    sliders = {c.description: c for c in w.children if isinstance(c, widgets.IntSlider)}
    sliders["W"].value = 6
    assert w.result.cs_conv["geometry"].x_shape == (1, 1, 4, 6)
    capsys.readouterr()
    sliders["stride"].value = 2
    sliders["W"].value = 5  # (5 - 2) = 3 is not a multiple of 2: drawn, and explained
    assert "does not tile" in w.result.cs_conv["tiling_error"]
    assert "every stage of cs_conv refuses it" in capsys.readouterr().out
    sliders["HH"].value = 5  # a filter taller than the input cannot be drawn at all
    assert w.result is None
    assert "larger than the padded input" in capsys.readouterr().out


def test_unknown_slider_is_refused():
    with pytest.raises(TypeError, match="unknown slider"):
        explore_im2col(depth=3)
