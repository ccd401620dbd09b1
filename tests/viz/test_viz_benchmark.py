"""plot_benchmark: one bar per (shape, stage) with the given ratio, a line at 1.0."""

from __future__ import annotations

import pytest

from cs_conv.viz import plot_benchmark

RESULTS = [
    {"shape": "A", "stage": "loops", "ratio": 300.0},
    {"shape": "A", "stage": "fancy", "ratio": 8.0},
    {"shape": "A", "stage": "cython", "ratio": 1.5},
    {"shape": "B", "stage": "loops", "ratio": 250.0},
    {"shape": "B", "stage": "cython", "ratio": 2.0},  # no "fancy" for B
]


def _bars(fig):
    (ax,) = fig.axes
    out = {}
    for container in ax.containers:
        stage = container.get_label()
        for rect in container:
            y = rect.get_y() + rect.get_height() / 2
            out[(round(y), stage)] = rect.get_width()
    return ax, out


def test_bars_are_the_ratios_grouped_by_shape():
    fig = plot_benchmark(RESULTS)
    ax, bars = _bars(fig)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["A", "B"]
    expected = {(labels.index(r["shape"]), r["stage"]): r["ratio"] for r in RESULTS}
    assert bars == pytest.approx(expected)
    assert [c.get_label() for c in ax.containers] == ["loops", "fancy", "cython"]
    assert ax.get_xscale() == "log"  # 300 / 1.5 = 200 > 100
    ref = [line for line in ax.lines if list(line.get_xdata()) == [1.0, 1.0]]
    assert len(ref) == 1
    assert any("memory copy" in t.get_text() for t in ax.texts)


def test_log_axis_only_when_ratios_span_more_than_100x():
    wide = [{"shape": "A", "stage": "naive", "ratio": 2000.0}, *RESULTS]
    assert plot_benchmark(wide).axes[0].get_xscale() == "log"
    narrow = [r for r in RESULTS if r["ratio"] < 100]
    assert plot_benchmark(narrow).axes[0].get_xscale() == "linear"


@pytest.mark.parametrize(
    ("results", "message"),
    [
        ([], "empty"),
        ([{"shape": "A", "ratio": 1.0}], "keys"),
        ([{"shape": "A", "stage": "x", "ratio": -1.0}], "positive finite"),
        ([{"shape": "A", "stage": "x", "ratio": float("nan")}], "positive finite"),
    ],
)
def test_bad_results_are_refused(results, message):
    with pytest.raises(ValueError, match=message):
        plot_benchmark(results)


def test_dict_instead_of_list_is_refused():
    with pytest.raises(TypeError, match="list of dicts"):
        plot_benchmark({"shape": "A", "stage": "x", "ratio": 1.0})


def test_more_bars_than_can_be_read_are_refused_without_reading_them_all():
    import itertools

    row = {"shape": "A", "stage": "s", "ratio": 1.0}
    with pytest.raises(ValueError, match="more than 400 entries"):
        plot_benchmark(itertools.repeat(row))  # endless: refused, not exhausted
    assert len(plot_benchmark([row] * 400).cs_conv["bars"]) == 1
    with pytest.raises(ValueError, match=r"results\[0\]\['shape'\] is 1000 characters long"):
        plot_benchmark([{**row, "shape": "x" * 1000}])
    with pytest.raises(TypeError, match="title must be None or a str"):
        plot_benchmark([row], title=42)
