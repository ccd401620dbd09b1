"""Figure: stage timings as ratios to a plain memory copy."""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable, Mapping

from matplotlib import colormaps

from . import _style

__all__ = ["MAX_BARS", "plot_benchmark"]


#: Most bars :func:`plot_benchmark` draws (beyond that no label can be read).
MAX_BARS = 400
#: Longest shape or stage label (characters).
MAX_LABEL = 200


def _validate(results) -> list[tuple[str, str, float]]:
    if isinstance(results, Mapping) or not isinstance(results, Iterable):
        raise TypeError(
            'results must be a list of dicts {"shape": str, "stage": str, "ratio": float}, '
            f"got {type(results).__name__}"
        )
    rows = []
    # read at most one more than drawable: an endless iterator is refused, not exhausted
    for k, r in enumerate(itertools.islice(results, MAX_BARS + 1)):
        if k == MAX_BARS:
            raise ValueError(
                f"results has more than {MAX_BARS} entries, more bars than can be read: "
                "plot a few shapes and stages at a time (e.g. one shape's results)"
            )
        if not isinstance(r, Mapping) or not {"shape", "stage", "ratio"} <= set(r):
            raise ValueError(
                f'results[{k}] must be a dict with keys "shape", "stage", "ratio", got {r!r}'
            )
        ratio = r["ratio"]
        if (
            isinstance(ratio, bool)
            or not isinstance(ratio, numbers.Real)
            or not math.isfinite(ratio)
            or ratio <= 0
        ):
            raise ValueError(
                f"results[{k}]['ratio'] must be a positive finite number "
                f"(stage time / memory-copy time), got {ratio!r}"
            )
        labels = (_label(r["shape"], k, "shape"), _label(r["stage"], k, "stage"))
        rows.append((*labels, float(ratio)))
    if not rows:
        raise ValueError("results is empty: nothing to plot")
    return rows


def _label(value, k: int, key: str) -> str:
    text = str(value)
    if len(text) > MAX_LABEL:
        raise ValueError(
            f"results[{k}][{key!r}] is {len(text)} characters long (at most {MAX_LABEL}); "
            f"give it a short label such as {text[:20]!r}"
        )
    return text


def _fmt(v: float) -> str:
    return f"{v:,.0f}x" if v >= 100 else f"{v:.3g}x"


def plot_benchmark(results, title=None):
    """Grouped horizontal bars of stage time / memory-copy time, per shape.

    Parameters
    ----------
    results : list of dict
        One dict per measurement: ``{"shape": str, "stage": str, "ratio": float}``
        where ``ratio`` is the stage's time divided by the time of a plain
        memory copy of the same data (``> 0``, lower is better; 1.0 means "as
        fast as copying the memory").  Shapes and stages are drawn in the
        order they first appear; a missing ``(shape, stage)`` pair is left
        blank; a repeated one keeps the last value.
    title : str, optional
        Figure title (default says what the ratio is).

    Returns
    -------
    matplotlib.figure.Figure
        One group of bars per shape, one colour per stage, a dashed reference
        line at 1.0 labelled "memory copy", a log x-axis when the ratios span
        more than 100x, and each bar's value written at its end.
        ``fig.cs_conv`` has ``bars`` (``{(shape, stage): ratio}``), ``shapes``,
        ``stages`` and ``log`` (bool).

    Examples
    --------
    >>> fig = plot_benchmark([
    ...     {"shape": "(8, 3, 32, 32)", "stage": "loops", "ratio": 310.0},
    ...     {"shape": "(8, 3, 32, 32)", "stage": "fancy", "ratio": 9.5},
    ...     {"shape": "(8, 3, 32, 32)", "stage": "cython", "ratio": 1.8},
    ... ])
    >>> fig.cs_conv["stages"], fig.cs_conv["log"]
    (['loops', 'fancy', 'cython'], True)
    """
    if title is not None and (not isinstance(title, str) or len(title) > 2 * MAX_LABEL):
        raise TypeError(
            f"title must be None or a str of at most {2 * MAX_LABEL} characters, got a "
            f"{type(title).__name__}" + (f" of {len(title)}" if isinstance(title, str) else "")
        )
    rows = _validate(results)
    bars: dict[tuple[str, str], float] = {}
    shapes: list[str] = []
    stages: list[str] = []
    for shape, stage, ratio in rows:
        if shape not in shapes:
            shapes.append(shape)
        if stage not in stages:
            stages.append(stage)
        bars[(shape, stage)] = ratio
    values = list(bars.values())
    log = max(values) / min(values) > 100

    n_s, n_st = len(shapes), len(stages)
    fig_h = 1.15 + n_s * (0.25 + 0.22 * n_st)
    fig = _style.new_figure(8.5, fig_h)
    ax = fig.add_axes((0.24, 0.65 / fig_h, 0.6, 1 - 1.25 / fig_h))
    _draw_bars(ax, bars, shapes, stages)
    _decorate(ax, values, shapes, log)
    fig.suptitle(
        title or "Stage timings relative to a plain memory copy",
        fontsize=11,
        fontweight="bold",
        y=1 - 0.1 / fig_h,
        va="top",
    )
    fig.cs_conv = {
        "kind": "benchmark",
        "bars": bars,
        "shapes": shapes,
        "stages": stages,
        "log": log,
    }
    return fig


def _draw_bars(ax, bars: dict, shapes: list, stages: list) -> None:
    """One group of bars per shape, one colour per stage, each bar's value at its end."""
    n_st = len(stages)
    bar_h = 0.8 / n_st
    cmap = colormaps["tab10"]
    for k, stage in enumerate(stages):
        ys, xs = [], []
        for s_idx, shape in enumerate(shapes):
            if (shape, stage) in bars:
                ys.append(s_idx + (k - (n_st - 1) / 2) * bar_h)
                xs.append(bars[(shape, stage)])
        container = ax.barh(
            ys, xs, height=bar_h * 0.9, color=cmap(k % 10), label=stage, gid=f"stage:{stage}"
        )
        ax.bar_label(container, labels=[_fmt(v) for v in xs], padding=2, fontsize=7.5)


def _decorate(ax, values: list, shapes: list, log: bool) -> None:
    """The memory-copy line at 1, the scale, the shape labels and the legend."""
    n_s = len(shapes)
    lo, hi = min(*values, 1.0), max(*values, 1.0)
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1.2, zorder=0)
    ax.text(
        1.0,
        1.005,
        "memory copy = 1",
        ha="center",
        va="bottom",
        fontsize=8,
        transform=ax.get_xaxis_transform(),
    )
    if log:
        ax.set_xscale("log")
        ax.set_xlim(lo / 2, hi * 4)
    else:
        ax.set_xlim(0, hi * 1.2)
    ax.set_ylim(n_s - 0.5, -0.5)
    ax.set_yticks(range(n_s), shapes, fontsize=9)
    ax.set_ylabel("shape", fontsize=9)
    ax.set_xlabel(
        "stage time / memory-copy time (lower is better)" + ("  [log scale]" if log else ""),
        fontsize=9,
    )
    ax.grid(axis="x", alpha=0.3)
    ax.legend(
        title="stage",
        fontsize=8,
        title_fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
