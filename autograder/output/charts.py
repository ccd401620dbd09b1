"""The class report's charts as inline SVG: no plotting library, no image files.

Two kinds: a histogram of the scores and horizontal bars (mistakes, pass
rates).  Each is a self-contained ``<svg>`` with a ``<title>``, sized in CSS
pixels, so the report stays one file that any browser shows.
"""

from __future__ import annotations

import html

__all__ = ["hbars", "histogram"]

_FONT = "font-family='system-ui,sans-serif' font-size='11'"


def _e(x) -> str:
    return html.escape(str(x))


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}'><title>{_e(title)}</title>"
        f"<text x='{width // 2}' y='14' text-anchor='middle' {_FONT} font-weight='600'>"
        f"{_e(title)}</text>" + "".join(body) + "</svg>"
    )


def histogram(values, lo: float, hi: float, bins: int, title: str, xlabel: str) -> str:
    """Counts of ``values`` in ``bins`` equal bins over ``[lo, hi]`` (the last one closed).

    Examples
    --------
    >>> "<rect" in histogram([1, 2, 2, 9], 0, 10, 5, "Scores", "score")
    True
    """
    bins = max(1, int(bins))
    width = (hi - lo) / bins if hi > lo else 1.0
    counts = [0] * bins
    for v in values:
        k = int((v - lo) / width) if hi > lo else 0
        counts[min(max(k, 0), bins - 1)] += 1
    W, H, left, top, bottom = 480, 220, 40, 24, 36
    plot_w, plot_h = W - left - 10, H - top - bottom
    top_count = max(counts) or 1
    body = []
    for k, c in enumerate(counts):
        h = plot_h * c / top_count
        x = left + plot_w * k / bins
        body.append(
            f"<rect x='{x:.1f}' y='{top + plot_h - h:.1f}' width='{plot_w / bins - 1:.1f}' "
            f"height='{h:.1f}' fill='#0969da'><title>{lo + k * width:g} to "
            f"{lo + (k + 1) * width:g}: {c}</title></rect>"
        )
    for k in (0, bins):
        x = left + plot_w * k / bins
        body.append(f"<text x='{x:.1f}' y='{H - 20}' text-anchor='middle' {_FONT}>"
                    f"{lo + k * width:g}</text>")  # fmt: skip
    body.append(f"<text x='{left + plot_w / 2:.1f}' y='{H - 4}' text-anchor='middle' {_FONT}>"
                f"{_e(xlabel)}</text>")  # fmt: skip
    body.append(f"<text x='4' y='{top + 10}' {_FONT}>{top_count}</text>")
    return _svg(W, H, title, body)


def hbars(items, title: str, xlabel: str, colour: str, xmax: float | None = None) -> str:
    """One horizontal bar per ``(label, value)``, top to bottom.

    Examples
    --------
    >>> "col2im-not-accumulating" in hbars([("col2im-not-accumulating", 3)], "M", "tests", "red")
    True
    """
    items = list(items)
    W, left, row = 560, 220, 18
    H = 44 + row * len(items)
    top_value = xmax or max([v for _, v in items] + [1])
    plot_w = W - left - 40
    body = []
    for k, (label, value) in enumerate(items):
        y = 24 + k * row
        w = plot_w * max(0.0, float(value)) / top_value
        shown = str(label) if len(str(label)) <= 34 else str(label)[:33] + "…"
        body.append(f"<text x='{left - 6}' y='{y + 12}' text-anchor='end' {_FONT}>"
                    f"{_e(shown)}</text>")  # fmt: skip
        tip = f"<title>{_e(label)}: {value:g}</title>"
        body.append(f"<rect x='{left}' y='{y + 2}' width='{w:.1f}' height='{row - 4}' "
                    f"fill='{_e(colour)}'>{tip}</rect>")  # fmt: skip
        body.append(f"<text x='{left + w + 4:.1f}' y='{y + 12}' {_FONT}>{value:g}</text>")
    body.append(f"<text x='{left + plot_w / 2:.1f}' y='{H - 4}' text-anchor='middle' {_FONT}>"
                f"{_e(xlabel)}</text>")  # fmt: skip
    return _svg(W, H, title, body)
