"""The class report, ``report.html`` — one self-contained page.

Score histogram, mistake frequencies, per-test pass rates and statuses, the
slowest submissions and every integrity flag (charts are inline SVG: no
images, no internet assets).  Given the feedback folder, every
student's notebook links to its feedback page (relative links, so the output
folder can be moved or served as it is).
"""

from __future__ import annotations

import html
import os
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

from ..evaluate import STATUSES
from .charts import hbars, histogram
from .files import atomic_write

__all__ = ["write_report"]


def _e(x) -> str:
    return html.escape(str(x))


def _charts(totals, max_score, mistakes, rates):
    out = {
        "hist": histogram(
            list(totals.values()), 0, max_score, min(20, max(5, int(max_score) + 1)),
            "Score distribution", "score",
        )
    }  # fmt: skip
    if mistakes:
        out["mistakes"] = hbars(mistakes.most_common(15), "Mistakes diagnosed", "tests", "#cf222e")
    if rates:
        out["rates"] = hbars(
            [(n, rates[n] * 100) for n in rates], "Pass rate per test", "% of students passing",
            "#1a7f37", xmax=100,
        )  # fmt: skip
    return out


def _linker(report_path: Path, feedback_dir):
    """``link(student, notebook)``: the HTML naming a notebook, a link to its feedback
    page when there is a feedback folder."""
    from .feedback import feedback_path

    def link(student, notebook, text=None):
        text = _e(text if text is not None else f"{student}/{notebook}")
        if feedback_dir is None:
            return text
        target = feedback_path(feedback_dir, student, notebook)
        rel = os.path.relpath(target, report_path.parent)
        href = "/".join(quote(part) for part in Path(rel).parts)
        return f"<a href='{_e(href)}'>{text}</a>"

    return link


def write_report(records, summary, path, feedback_dir=None) -> Path:
    """Write the class report to ``path``; link to pages under ``feedback_dir`` if given."""
    path = Path(path)
    link = _linker(path, feedback_dir)
    totals = defaultdict(float)
    mistakes = Counter()
    per_test = defaultdict(Counter)
    order = []
    for rec in records:
        totals[rec["student"]] += float(rec["score"])
        for t in rec["tests"]:
            key = f"{rec['notebook']}/{t['test_id']}"
            if key not in per_test:
                order.append(key)
            per_test[key][t["status"]] += 1
            mistakes.update(t.get("mistakes") or [])
    rates = {k: per_test[k]["pass"] / max(1, sum(per_test[k].values())) for k in order}
    max_score = float(summary.get("max_score") or 1)
    charts = _charts(totals, max_score, mistakes, rates) if records else {}
    statuses = list(STATUSES)

    p = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>cs_conv class report</title>"]
    p.append(
        "<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;"
        "padding:0 1rem} table{border-collapse:collapse;margin:1rem 0} td,th{border:1px solid "
        "#d0d7de;padding:.2rem .5rem;text-align:right} td:first-child,th:first-child"
        "{text-align:left} .flag{color:#8250df}</style></head><body>"
    )
    p.append(f"<h1>Class report — {_e(summary.get('assignment', ''))}</h1>")
    n_students = len(totals)
    mean = sum(totals.values()) / n_students if n_students else 0
    p.append(
        f"<p>{n_students} students, {len(records)} notebooks, mean score {mean:.1f} / "
        f"{max_score:g}. Sandbox: <b>{_e(summary.get('sandbox'))}</b> — "
        f"{_e(summary.get('sandbox_note', ''))}.</p>"
    )
    for key in ("hist", "mistakes", "rates"):
        if key in charts:
            p.append(charts[key])
    p.append(
        "<h2>Students</h2><table><tr><th>student</th><th>score</th><th>statuses</th>"
        "<th>feedback</th></tr>"
    )
    by_student = defaultdict(Counter)
    notebooks = defaultdict(list)
    for rec in records:
        notebooks[rec["student"]].append(rec["notebook"])
        for t in rec["tests"]:
            by_student[rec["student"]][t["status"]] += 1
    for s in sorted(totals):
        st = ", ".join(f"{k} {v}" for k, v in sorted(by_student[s].items()))
        pages = " ".join(link(s, nb, nb) for nb in sorted(notebooks[s]))
        p.append(
            f"<tr><td>{_e(s)}</td><td>{totals[s]:g}</td><td>{_e(st)}</td>"
            f"<td style='text-align:left'>{pages}</td></tr>"
        )
    p.append("</table><h2>Per test</h2><table><tr><th>test</th><th>pass rate</th>")
    p.extend(f"<th>{s}</th>" for s in statuses)
    p.append("</tr>")
    for k in order:
        cells = "".join(f"<td>{per_test[k].get(s, 0) or ''}</td>" for s in statuses)
        p.append(f"<tr><td>{_e(k)}</td><td>{rates[k] * 100:.0f}%</td>{cells}</tr>")
    p.append("</table><h2>Mistakes</h2><table><tr><th>code</th><th>tests</th></tr>")
    for code, n in mistakes.most_common():
        p.append(f"<tr><td>{_e(code)}</td><td>{n}</td></tr>")
    p.append("</table><h2>Slowest submissions</h2><table><tr><th>notebook</th><th>seconds</th>")
    p.append("<th>restarts</th></tr>")
    slow = sorted(records, key=lambda r: -float(r.get("wall_seconds") or 0))[:10]
    for r in slow:
        p.append(
            f"<tr><td>{link(r['student'], r['notebook'])}</td>"
            f"<td>{float(r.get('wall_seconds') or 0):.1f}</td><td>{r.get('restarts', 0)}</td></tr>"
        )
    p.append("</table><h2>Integrity flags</h2>")
    flagged = [r for r in records if r.get("flags") or any(t.get("flags") for t in r["tests"])]
    if not flagged:
        p.append("<p>None.</p>")
    else:
        p.append("<table><tr><th>notebook</th><th>flags</th></tr>")
        for r in flagged:
            flags = list(r.get("flags") or [])
            for t in r["tests"]:
                flags += [f"{t['test_id']}: {f}" for f in t.get("flags") or []]
            items = "<br>".join(_e(f) for f in dict.fromkeys(flags))
            p.append(
                f"<tr><td>{link(r['student'], r['notebook'])}</td>"
                f"<td class='flag' style='text-align:left'>{items}</td></tr>"
            )
        p.append("</table>")
    p.append("</body></html>")
    atomic_write(path, "\n".join(p))
    return path
