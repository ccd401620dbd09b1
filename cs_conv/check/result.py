"""What a checker returns: :class:`CheckResult`, one :class:`CaseReport` per case."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CaseReport", "CheckResult", "assert_ok"]


@dataclass
class CaseReport:
    """One case of a check.

    Attributes
    ----------
    index : int
        Case index (``-1`` for a case made by shrinking).
    description : str
        Shapes, stride, pad and dtype in words.
    shapes : dict of str to tuple
        Input shapes of the case.
    stride, pad : int
    dtype : str
    max_rel_error : float or None
        Largest relative error over the outputs (None when there was no
        comparable output).
    passed : bool
    detail : str
        Why the case failed (empty when it passed).
    mistakes : list of str
        Codes whose fingerprint this case matched.
    """

    index: int
    description: str
    shapes: dict
    stride: int
    pad: int
    dtype: str
    max_rel_error: float | None
    passed: bool
    detail: str = ""
    mistakes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-safe form."""
        return {
            "index": self.index,
            "description": self.description,
            "shapes": {k: list(v) for k, v in self.shapes.items()},
            "stride": self.stride,
            "pad": self.pad,
            "dtype": self.dtype,
            "max_rel_error": self.max_rel_error,
            "passed": self.passed,
            "detail": self.detail,
            "mistakes": list(self.mistakes),
        }


@dataclass
class CheckResult:
    """The verdict of one checker on one student function.

    Attributes
    ----------
    name : str
        Checker name (``"im2col"``).
    label : str
        Name for people (``"im2col (loops)"``).
    passed : bool
        Every case passed.
    score : float
        Fraction of cases passed, in [0, 1].
    cases : list of CaseReport
    mistakes : list of str
        Diagnosed mistake codes (see :mod:`cs_conv.check.catalogue`), possibly empty.
    message : str
        Plain text for the student: the function, the smallest failing case,
        expected vs got, the diagnosis and a fix.
    example : dict or None
        ``{"name", "expected", "got"}`` arrays of the smallest failing case, for pictures.

    Examples
    --------
    >>> r = CheckResult("im2col", "im2col (loops)", True, 1.0, [], [], "all pass")
    >>> r.assert_ok()
    >>> str(r)
    'all pass'
    """

    name: str
    label: str
    passed: bool
    score: float
    cases: list
    mistakes: list
    message: str
    example: dict | None = None
    stage: str = ""

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        # a bare result at the end of a cell outside Jupyter's HTML (terminal
        # IPython, nbconvert to text) should read like the message, not a dataclass
        verdict = "passed" if self.passed else f"failed {self.mistakes or ''}".rstrip()
        return f"<CheckResult {self.label}: {verdict}, score {self.score:.2f}>\n{self.message}"

    def __bool__(self) -> bool:
        return self.passed

    def assert_ok(self) -> None:
        """Raise ``AssertionError(message)`` unless every case passed (for nbgrader cells)."""
        if not self.passed:
            raise AssertionError(self.message)

    def to_dict(self) -> dict:
        """JSON-safe form (without the example arrays)."""
        return {
            "name": self.name,
            "label": self.label,
            "stage": self.stage,
            "passed": self.passed,
            "score": self.score,
            "mistakes": list(self.mistakes),
            "message": self.message,
            "cases": [c.to_dict() for c in self.cases],
        }

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#cf222e"
        head = (
            f'<div class="cs-conv-check"><p style="color:{colour};font-weight:bold">'
            f"{html.escape(self.label)}: {'passed' if self.passed else 'failed'} "
            f"({sum(c.passed for c in self.cases)} of {len(self.cases)} cases pass)"
        )
        if self.mistakes:
            head += " &mdash; " + ", ".join(f"<code>{html.escape(m)}</code>" for m in self.mistakes)
        head += "</p>"
        rows = []
        for c in self.cases:
            bg = "#dafbe1" if c.passed else "#ffebe9"
            err = "" if c.max_rel_error is None else f"{c.max_rel_error:.1e}"
            rows.append(
                f'<tr style="background:{bg}"><td>{c.index}</td>'
                f"<td>{html.escape(c.description)}</td><td>{err}</td>"
                f"<td>{'pass' if c.passed else 'FAIL'}</td>"
                f"<td>{html.escape(c.detail)}</td></tr>"
            )
        table = (
            '<table style="border-collapse:collapse;font-size:90%"><tr><th>#</th>'
            "<th>case</th><th>max rel. error</th><th></th><th>detail</th></tr>"
            + "".join(rows)
            + "</table>"
        )
        picture = "" if self.passed else _picture(self.example)
        # the diagnosis first: it is what the student reads; the cases table last
        message = f'<pre style="white-space:pre-wrap">{html.escape(self.message)}</pre>'
        return head + message + picture + table + "</div>"


def assert_ok(result: CheckResult) -> None:
    """Module-level form of :meth:`CheckResult.assert_ok`."""
    if not isinstance(result, CheckResult):
        raise TypeError(
            f"assert_ok needs a CheckResult (what a check_* returns), got {result!r:.80}"
        )
    result.assert_ok()


def _picture(example) -> str:
    """An inline PNG from ``cs_conv.viz.plot_mismatch`` if it exists, else a text map."""
    if not example:
        return ""
    expected, got = example["expected"], example["got"]
    if expected.shape != got.shape:
        return ""
    try:
        from cs_conv import viz

        plot = getattr(viz, "plot_mismatch", None)
    except Exception:  # viz is optional and may be half-written
        plot = None
    if plot is not None:
        try:
            import base64
            import io

            fig = plot(expected, got)
            fig = getattr(fig, "figure", fig)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", bbox_inches="tight")
            try:
                import matplotlib.pyplot as plt

                plt.close(fig)
            except Exception:  # pragma: no cover
                pass
            data = base64.b64encode(buf.getvalue()).decode()
            return f'<img alt="where the output is wrong" src="data:image/png;base64,{data}"/>'
        except Exception:  # fall back to the text map
            pass
    return _html_map(expected, got)


def _html_map(expected: np.ndarray, got: np.ndarray) -> str:
    """A grid of the first 2-D slice: red cells are wrong, green right."""
    e = np.asarray(expected, dtype=np.float64)
    g = np.asarray(got, dtype=np.float64)
    while e.ndim > 2:
        bad = ~np.isclose(e, g, rtol=1e-6, atol=1e-6 * max(1.0, float(np.abs(e).max())))
        first = int(np.argmax(bad.reshape(e.shape[0], -1).any(axis=1)))
        e, g = e[first], g[first]
    if e.ndim == 1:
        e, g = e[None], g[None]
    if e.ndim != 2 or e.size > 2500:
        return ""
    scale = max(1e-300, float(np.abs(e).max()))
    bad = np.abs(e - g) > 1e-6 * scale
    cells = "".join(
        "<tr>"
        + "".join(
            f'<td style="width:10px;height:10px;padding:0;background:'
            f'{"#cf222e" if bad[r, c] else "#dafbe1"}"></td>'
            for c in range(e.shape[1])
        )
        + "</tr>"
        for r in range(e.shape[0])
    )
    return (
        "<p>Where the output is wrong (first failing 2-D slice; red = wrong):</p>"
        f'<table style="border-collapse:collapse">{cells}</table>'
    )
