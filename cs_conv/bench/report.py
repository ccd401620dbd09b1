"""Tables (Markdown) and a plot of one benchmark run."""

from __future__ import annotations

import math

__all__ = ["called_and_reused_table", "goals_table", "markdown", "plot", "ratio_table"]


def _fmt_seconds(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def _fmt_ratio(r: float) -> str:
    if not math.isfinite(r):
        return "–"
    return f"{r:.2f}" if r < 100 else f"{r:.0f}"


def ratio_table(result, shape: str) -> str:
    """One shape: every stage's median time and its ratio to ``copy.alloc``.

    One column pair per (dtype, threads) of the run.
    """
    recs = [r for r in result["records"] if r["shape"] == shape]
    combos = sorted({(r["dtype"], r["threads"]) for r in recs}, key=lambda c: (c[0][-2:], c[1]))
    combos = sorted(combos, key=lambda c: (c[0] != "float64", c[1]))
    stages = list(dict.fromkeys(r["stage"] for r in recs))
    index = {(r["stage"], r["dtype"], r["threads"]): r for r in recs}
    head = ["stage"]
    for dt, th in combos:
        tag = f"{dt.replace('float', 'f')} t{th}"
        head += [f"{tag} time", f"{tag} ×copy"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for st in stages:
        name = f"**{st}**" if st.split(".", 1)[1] in ("cython", "cython_out") else st
        row = [name]
        for dt, th in combos:
            r = index.get((st, dt, th))
            row += ["", ""] if r is None else [_fmt_seconds(r["seconds"]), _fmt_ratio(r["ratio"])]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def goals_table(result) -> str:
    """Every goal the run decided: as called (judged), into a reused buffer, target, met."""
    lines = [
        "| goal | shape | dtype | as called, fresh output | into a reused buffer | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in result["goals"]:
        if "us" in g["goal"] and g["target"] < 1e-3:
            measured, target = _fmt_seconds(g["measured"]), _fmt_seconds(g["target"])
        else:
            measured, target = f"{g['measured']:.2f}×", f"{g['target']:g}×"
        reused = f"{g['reused']:.2f}×" if "reused" in g else "–"
        lines.append(
            f"| {g['goal']} | {g['shape']} | {g['dtype']} | {measured} | {reused} | "
            f"{g['op']} {target} | {'met' if g['met'] else '**not met**'} |"
        )
    return "\n".join(lines)


def called_and_reused_table(result, threads: int = 1) -> str:
    """im2col and col2im as a user calls them and into a reused buffer (``out=``).

    "as called" is time / ``copy.alloc`` (a copy that allocates, as the
    fresh output does); "reused" is the ``out=`` call's time / ``copy.cols``
    (a copy into a buffer that is already mapped).
    """
    index = {(r["shape"], r["stage"], r["dtype"], r["threads"]): r for r in result["records"]}
    lines = [
        "| shape | dtype | stage | as called | ×copy (allocating) | into a reused buffer "
        "| ×copy (into a buffer) |",
        "|---|---|---|---|---|---|---|",
    ]
    for shape in result["config"]["shapes"]:
        for dtype in result["config"]["dtypes"]:
            for stage in ("im2col", "col2im"):
                called = index.get((shape, f"{stage}.cython", dtype, threads))
                reused = index.get((shape, f"{stage}.cython_out", dtype, threads))
                if called is None or reused is None:
                    continue
                lines.append(
                    f"| {shape} | {dtype} | {stage} | {_fmt_seconds(called['seconds'])} | "
                    f"{_fmt_ratio(called['ratio'])} | {_fmt_seconds(reused['seconds'])} | "
                    f"{_fmt_ratio(reused['ratio_reused'])} |"
                )
    return "\n".join(lines)


def markdown(result) -> str:
    """The whole run as Markdown: machine, shapes, goals, one table per shape."""
    m = result["machine"]
    load = "; ".join(
        f"{when} {' '.join(f'{v:.2f}' for v in m[key])}"
        for when, key in (("start", "load_start"), ("end", "load_end"))
        if key in m
    )
    out = [
        "### Machine",
        "",
        f"- CPU: {m.get('cpu', '?')} ({m.get('cpus', '?')} logical CPUs), "
        f"{m.get('memory_gib', '?')} GiB; SIMD: {', '.join(m.get('simd', [])) or '?'}; "
        f"transparent huge pages: {m.get('hugepages', '?')}",
        f"- load average (1, 5, 15 min): {load or '?'}",
        f"- {m.get('platform', '')}; Python {m.get('python')}, NumPy {m.get('numpy')}, "
        f"torch {m.get('torch', '–')}",
        f"- BLAS: {'; '.join(m.get('blas', [])) or '?'}",
        f"- date: {m.get('date', '?')}; repeats: {result['config']['repeats']} "
        f"(medians of interleaved rounds); clock: {result['config'].get('clock', 'wall')}",
        "",
        "### Goals (1 thread)",
        "",
        "Judged as called (a fresh output every call) against a copy that allocates",
        "(`copy.alloc`); the reused-buffer column is the `out=` call against a copy into",
        "a buffer (`copy.cols`).",
        "",
        goals_table(result),
        "",
        "### As called and into a reused buffer",
        "",
        called_and_reused_table(result),
        "",
    ]
    for name, desc in result["config"]["shapes"].items():
        out += [f"### Shape {name}: {desc}", "", ratio_table(result, name), ""]
    if result.get("skipped"):
        out += ["Skipped: " + "; ".join(f"{k}: {v}" for k, v in result["skipped"].items()), ""]
    return "\n".join(out)


def plot(result, path, *, dtype="float64", threads=1) -> None:
    """Write a PNG of the im2col/col2im stages' ratios to the copy roofline.

    Uses ``cs_conv.viz.plot_benchmark`` when that exists, else a plain
    matplotlib bar chart.
    """
    rows = [  # as called against a copy that allocates; out= against a copy into a buffer
        {"shape": r["shape"], "stage": r["stage"], "ratio": r["ratio"]}
        if r["impl"] != "cython_out"
        else {"shape": r["shape"], "stage": r["stage"] + " (÷ copyto)", "ratio": r["ratio_reused"]}
        for r in result["records"]
        if r["dtype"] == dtype
        and r["threads"] == threads
        and r["group"] in ("im2col", "col2im")
        and r["shape"] != "d"  # a copy of (d) takes a microsecond: its ratios say nothing
    ]
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig = None
    try:
        from ..viz import plot_benchmark
    except ImportError:
        plot_benchmark = None
    if plot_benchmark is not None:
        made = plot_benchmark(
            rows,
            title=f"{dtype}, {threads} thread(s): as called / a copy that allocates; "
            "out= / a copy into a buffer",
        )
        fig = getattr(made, "figure", made) if made is not None else plt.gcf()
    if fig is None or not hasattr(fig, "savefig"):
        fig = _bar_chart(rows, plt)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def _bar_chart(rows, plt):
    shapes = list(dict.fromkeys(r["shape"] for r in rows))
    stages = list(dict.fromkeys(r["stage"] for r in rows))
    index = {(r["shape"], r["stage"]): r["ratio"] for r in rows}
    fig, axes = plt.subplots(
        1, len(shapes), figsize=(4.2 * len(shapes), 0.32 * len(stages) + 1.5), squeeze=False
    )
    for ax, shape in zip(axes[0], shapes, strict=True):
        names = [s for s in stages if (shape, s) in index]
        vals = [index[(shape, s)] for s in names]
        colors = [
            "tab:green" if s.split(".", 1)[1].startswith("cython") else "tab:gray" for s in names
        ]
        ax.barh(range(len(names)), vals, color=colors)
        ax.set_yticks(range(len(names)), names if ax is axes[0][0] else [""] * len(names))
        ax.set_xscale("log")
        ax.axvline(1.0, color="k", lw=0.8)
        ax.invert_yaxis()
        ax.set_title(f"shape {shape}")
        ax.set_xlabel("time / allocating copy of cols")
    fig.tight_layout()
    return fig
