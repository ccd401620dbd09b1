"""Per-student feedback pages, ``feedback/<student>/<notebook>.html``.

Each test shows its status, points, the diagnosis (mistake codes with the
catalogue's fix hint), the message of the checker (the smallest failing case,
expected vs got) and the shapes of the cases — never the hidden tests' source,
which the grader never even reads from the notebook (it runs checkers by name).
"""

from __future__ import annotations

import html
from pathlib import Path

from .files import atomic_write, safe_name

__all__ = ["feedback_path", "render_feedback", "write_feedback"]

COLOURS = {
    "pass": "#1a7f37",
    "fail": "#cf222e",
    "missing": "#9a6700",
    "tampered": "#8250df",
    "manual": "#0969da",
}
STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem}
.test{border:1px solid #d0d7de;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
.status{display:inline-block;color:#fff;border-radius:1rem;padding:.1rem .7rem;font-weight:600}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap}
table{border-collapse:collapse} td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left}
.flag{color:#8250df}
"""
EXPLAIN = {
    "pass": "Every case matches the reference.",
    "fail": "Your function returned wrong results; the diagnosis says which mistake it looks like.",
    "error": "Your function raised an exception on every failing case.",
    "timeout": "It ran longer than the time limit (an infinite loop?).",
    "crash": "The Python process died while running it (a segfault in compiled code, "
    "os._exit, ...). The other tests were run in a fresh process.",
    "oom": "It used more memory than the limit.",
    "compile-error": "The %%cython cell that defines this function did not compile.",
    "missing": "The test cell was deleted from your notebook: the grader put it back and "
    "graded it; please do not delete test cells.",
    "tampered": "The answer uses code that does the work for it, which the course forbids.",
    "manual": "A written answer: the instructor grades it by hand; its points come later.",
}


def _e(x) -> str:
    return html.escape(str(x))


def render_feedback(rec: dict) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{_e(rec['student'])} — {_e(rec['notebook'])}</title><style>{STYLE}</style>",
        "</head><body>",
        f"<h1>{_e(rec['notebook'])}: {rec['score']:g} / {rec['max_score']:g} points</h1>",
        f"<p>Student <b>{_e(rec['student'])}</b>, assignment {_e(rec['assignment'])}.</p>",
    ]
    if rec.get("flags"):
        items = "".join(f"<li>{_e(f)}</li>" for f in rec["flags"])
        parts.append(f"<p class='flag'>Integrity notes:</p><ul class='flag'>{items}</ul>")
    for t in rec["tests"]:
        colour = COLOURS.get(t["status"], "#6e7781")
        parts.append("<div class='test'>")
        parts.append(
            f"<h2>{_e(t['test_id'])} <span class='status' style='background:{colour}'>"
            f"{_e(t['status'])}</span> {t['points']:g} / {t['max_points']:g}</h2>"
        )
        parts.append(f"<p>{_e(EXPLAIN.get(t['status'], ''))}</p>")
        if t.get("mistakes"):
            fixes = t.get("fixes") or {}
            rows = "".join(
                f"<tr><td><code>{_e(m)}</code></td><td>{_e(fixes.get(m, ''))}</td></tr>"
                for m in t["mistakes"]
            )
            parts.append(f"<table><tr><th>mistake</th><th>how to fix it</th></tr>{rows}</table>")
        if t.get("message") and t["status"] != "pass":
            parts.append(f"<pre>{_e(t['message'])}</pre>")
        if t.get("cases"):
            rows = "".join(
                f"<tr><td>{_e(c['description'])}</td><td>{'ok' if c['passed'] else 'wrong'}"
                "</td></tr>"
                for c in t["cases"]
            )
            parts.append(
                "<details><summary>cases (shapes)</summary><table>"
                f"<tr><th>case</th><th>result</th></tr>{rows}</table></details>"
            )
        for f in t.get("flags") or []:
            parts.append(f"<p class='flag'>{_e(f)}</p>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def feedback_path(folder, student: str, notebook: str) -> Path:
    """Where the feedback page of one student's notebook is written (names made safe)."""
    return Path(folder) / safe_name(student) / f"{safe_name(notebook)}.html"


def write_feedback(records, folder) -> Path:
    folder = Path(folder)
    for rec in records:
        atomic_write(feedback_path(folder, rec["student"], rec["notebook"]), render_feedback(rec))
    return folder
