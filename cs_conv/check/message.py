"""The plain-text message of a check: what failed, on which case, why, and the fix."""

from __future__ import annotations

import re
import textwrap

import numpy as np

from .catalogue import CATALOGUE
from .compare import PASS_TOL, differing_axes, rel_err, where_wrong

__all__ = ["compose"]

_PRINT_LIMIT = 48
_WIDTH = 96


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(
        text,
        width=_WIDTH,
        initial_indent=indent,
        subsequent_indent=indent or "  ",
        break_on_hyphens=False,
        break_long_words=False,
    )


def _array_text(a: np.ndarray, name: str) -> str:
    """``name = ...`` for a small array; 3-D and 4-D arrays slice by slice."""
    a = np.asarray(a)
    opts = dict(precision=3, suppress_small=True, separator=", ", max_line_width=_WIDTH)
    if a.ndim <= 2:
        return f"  {name} =\n" + textwrap.indent(np.array2string(a, **opts), "    ")
    lines = []
    for idx in list(np.ndindex(a.shape[:-2]))[:8]:
        label = f"{name}[{', '.join(str(i) for i in idx)}]"
        lines.append(f"  {label} =\n" + textwrap.indent(np.array2string(a[idx], **opts), "    "))
    return "\n".join(lines)


_WHERE = re.compile(r"^(?P<file>.*):(?P<line>\d+) in (?P<func>[^:]+?)(?:: (?P<src>.*))?$")


def where_text(error_where: str) -> str:
    """``error_where`` of an outcome for the student: the line of their code and its cell.

    Examples
    --------
    >>> where_text("/tmp/ipykernel_7/123.py:4 in im2col: cols = x.reshape(3, 3)")
    'It happened at line 4 of `im2col` (in a notebook cell): `cols = x.reshape(3, 3)`'
    """
    m = _WHERE.match(error_where or "")
    if m is None:
        return ""
    f = m.group("file")
    cell = "ipykernel" in f or "ipython-input" in f or f.startswith("<")
    place = "in a notebook cell" if cell else f"in {f}"
    src = f": `{m.group('src')}`" if m.group("src") else ""
    return f"It happened at line {m.group('line')} of `{m.group('func')}` ({place}){src}"


def _case_lines(checker, rec) -> list[str]:
    o = rec.outcome
    lines = []
    if rec.case.refusal:
        what = "raise ValueError" if rec.passed else f"raise ValueError, but it {rec.detail}"
        lines.append(f"Your {o.stage or checker.title} must {what}.")
        return lines
    if o.status == "error":
        who = o.stage or checker.title
        detail = f": {o.error_message}" if o.error_message else ""
        lines.append(f"Your {who} raised {o.error_type}{detail}")
        where = where_text(o.error_where)
        if where:
            lines.append(where + ".")
        return lines
    if o.status == "none":
        lines.append(f"Your {o.stage or checker.title} returned None (is `return` missing?).")
        return lines
    if o.status in ("bad-return", "bad-payload"):
        lines.append(o.error_message or o.status)
        return lines
    dtype = rec.case.spec.dtype
    for name in checker.outputs:
        e, g = rec.expected[name], rec.got.get(name)
        if g is None:
            lines.append(f"Expected {name} of shape {e.shape}; it is missing.")
            continue
        head = f"Expected {name} of shape {e.shape}, got {g.shape}"
        if g.shape != e.shape:
            axes = differing_axes(e.shape, g.shape, checker.axis_names.get(name, ()))
            lines.append(f"{head} ({axes}).")
            if e.size <= _PRINT_LIMIT and 0 < g.size <= _PRINT_LIMIT:
                lines += [_array_text(e, "expected"), _array_text(g, "got")]
            continue
        if checker.exact:
            same = np.array_equal(e, g)
        else:
            scale = max(float(np.abs(e).max()) if e.size else 0.0, 1e-300)
            same = bool(np.all(np.abs(g.astype(np.float64) - e) <= PASS_TOL[dtype] * scale))
        if same:
            if len(checker.outputs) > 1:
                lines.append(f"{head}: right.")
            continue
        where = where_wrong(
            e, g, checker.axis_names.get(name, ()), "float64" if checker.exact else dtype
        )
        if not checker.exact:
            where += f", largest error {rel_err(e, g):.1e} relative"
        lines.append(f"{head}; {where}.")
        if e.size <= _PRINT_LIMIT:
            lines += [_array_text(e, "expected"), _array_text(g, "got")]
    if not rec.dtype_ok:
        lines.append(f"dtype: {rec.detail}.")
    if o.mutated:
        lines.append(f"Your function changed its argument(s): {', '.join(o.mutated)}.")
    if rec.loops is not None:
        lines.append(rec.detail.split("; ")[-1] + ".")
    return lines


def compose(checker, label: str, records, diag) -> str:
    """The message of a check (see :class:`cs_conv.check.CheckResult`)."""
    n = len(records)
    failing = [r for r in records if not r.passed]
    if not failing:
        dtypes = sorted({r.case.spec.dtype for r in records})
        strides = sorted({r.case.spec.stride for r in records})
        pads = sorted({r.case.spec.pad for r in records})
        extra = ""
        refused = sum(1 for r in records if r.case.refusal)
        if refused:
            extra += f"; it raises ValueError on the {refused} inputs it must refuse"
        if any(r.case.probe for r in records):
            extra += "; its Python work does not grow with the number of windows"
        return (
            f"{label}: all {n} cases pass (strides {strides}, pads {pads}, "
            f"{' and '.join(dtypes)}; square and non-square shapes{extra})."
        )
    if diag.codes == ["not-implemented"] and all(r.outcome.not_implemented for r in failing):
        how = (
            "returns None"
            if failing[0].outcome.status == "none"
            else ("raises NotImplementedError")
        )
        return "\n".join(
            [
                f"{label}: not implemented yet.",
                f"Diagnosis [not-implemented]: your function {how}.",
                _wrap(f"Fix: {CATALOGUE['not-implemented'].fix}"),
            ]
        )
    parts = [f"{label}: {len(failing)} of {n} cases fail."]
    focus = diag.focus
    if focus is not None:
        desc = focus.case.spec.describe(checker.describe_as)
        parts.append(_wrap(f"Smallest failing case: {desc}."))
        inputs = getattr(checker, "input_lines", None)  # a checker may show the case's inputs
        if inputs is not None:
            parts += inputs(focus)
        for line in _case_lines(checker, focus):
            parts.append(line if line.startswith("  ") else _wrap(line))
    for code in diag.codes:
        m = CATALOGUE[code]
        parts.append(_wrap(f"Diagnosis [{code}]: {m.what} {diag.evidence.get(code, '')}"))
        hint = getattr(diag, "hints", {}).get(code)
        parts.append(_wrap(f"Fix: {m.fix}" + (f" Here: {hint}" if hint else "")))
    if not diag.codes:
        if focus is not None and focus.outcome.status == "error":
            text = (
                "No mistake from the catalogue explains this error. Run your function on "
                "the smallest failing case above and compare each array's shape with the "
                f"layout: {checker.layout}."
            )
        else:
            text = (
                "No mistake from the catalogue matches this output exactly; the positions "
                "above show where to look in your indexing."
            )
        if diag.possible:
            text += " It looks most like: " + ", ".join(
                f"[{c}] {CATALOGUE[c].what}" for c in diag.possible
            )
        parts.append(_wrap(text))
    if diag.behaviour:
        parts.append(_wrap(diag.behaviour))
    kinds = sorted({_kind(r) for r in failing})
    if len(kinds) > 1:
        parts.append(_wrap("Failing cases: " + "; ".join(kinds) + "."))
    return "\n".join(parts)


def _kind(rec) -> str:
    o = rec.outcome
    if rec.case.refusal:
        return "accepts input it must refuse"
    if rec.loops is not None:
        return "loops in Python"
    if o.status == "error":
        return f"{o.stage} raises {o.error_type}"
    if o.status != "ok":
        return "no output" if o.not_implemented else o.status
    if not rec.shape_ok:
        return "wrong shape"
    if not rec.values_ok:
        return "wrong values"
    if not rec.dtype_ok:
        return "wrong dtype"
    return "changes its input"
