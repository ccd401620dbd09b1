"""Decide every test's status and points, on the trusted side.

Inputs: the raw result of one notebook (:class:`autograder.sandbox.supervise.RawResult`,
untrusted data), the source notebook's tests, the student's cells and what
happened to the graded test cells.  Only the returned arrays count: they go
through :meth:`Outcome.from_payload` and the checker's ``evaluate`` against the
reference, here.

Statuses (one per test, never shared between tests):

=================  ========================================================
``pass``           every case matches the reference: full points
``fail``           wrong numbers, shapes or dtype; ``mistakes`` names them
                   (``not-implemented`` for a stub)
``error``          every failing case raised (the message is shown)
``timeout``        the test or the cell defining its function ran too long
``crash``          the process died (segfault, ``os._exit``...)
``oom``            ``MemoryError`` or the memory limit
``compile-error``  the ``%%cython`` cell that defines the function did not compile
``missing``        the test cell was deleted: reinstated from the source and
                   graded (points as earned), and flagged
``tampered``       the answer uses a reference implementation (see
                   :mod:`autograder.policy`): no points
``manual``         a written answer: graded by hand by the instructor (no
                   points from the grader)
=================  ========================================================
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from . import policy
from .installation import cs_conv_dir
from .jobs import class_cases, runs_in_worker
from .kernels import defining_cell
from .notebook import defined_functions, reached_statements

__all__ = ["STATUSES", "TestResult", "evaluate_notebook"]

STATUSES = (
    "pass",
    "fail",
    "error",
    "timeout",
    "crash",
    "oom",
    "compile-error",
    "missing",
    "tampered",
    "manual",
)
_CELL_FAILURES = ("compile-error", "crash", "timeout", "oom", "error")


@dataclass
class TestResult:
    student: str
    assignment: str
    notebook: str
    test_id: str
    status: str
    points: float
    max_points: float
    mistakes: list = field(default_factory=list)
    message: str = ""  # for the student: diagnosis, smallest failing case, fix
    fixes: dict = field(default_factory=dict)  # mistake code -> fix hint
    cases: list = field(default_factory=list)  # [{"description", "passed"}]
    flags: list = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self):
        return asdict(self)


def _fix_hints(codes):
    try:
        from cs_conv.check.catalogue import CATALOGUE
    except ImportError:  # pragma: no cover
        return {}
    out = {}
    for code in codes:
        entry = CATALOGUE.get(code) if isinstance(CATALOGUE, dict) else None
        if entry is not None:
            out[code] = entry.fix
    return out


def _defining_cells(cells, name):
    return [c["index"] for c in cells if name in defined_functions(c["source"])]


def _undefined_status(raw, cells, spec):
    """Why a function was not defined: the status of the cell that should define it."""
    for name in spec.functions.values():
        for i in reversed(_defining_cells(cells, name)):
            cell = raw.cells.get(i) or raw.cells.get(str(i))
            if cell and cell.get("status") in _CELL_FAILURES:
                msg = f"`{name}` is defined in cell {i}, which failed: {cell.get('error') or ''}"
                return cell["status"], msg.strip()
    names = ", ".join(f"`{n}`" for n in spec.functions.values())
    return "error", f"{names} is not defined: did you rename or delete the function?"


_NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")


def _compile_failure(raw, cells, message):
    """``("compile-error", why)`` when ``message`` is a NameError for a name that a
    ``%%cython`` cell which failed to compile should have defined."""
    names = set(_NAME_ERROR.findall(message))
    for c in cells:
        state = raw.cells.get(c["index"]) or raw.cells.get(str(c["index"])) or {}
        if state.get("status") == "compile-error" and names & defined_functions(c["source"]):
            name = sorted(names & defined_functions(c["source"]))[0]
            return "compile-error", f"`{name}` comes from the %%cython cell {c['index']}, " + (
                "which did not compile:\n" + str(state.get("error") or "")[-1200:]
            )
    return None


def _judge(spec, payload):
    """``(status, result dict)`` from the arrays alone."""
    from cs_conv.check import CHECKERS
    from cs_conv.check.outcome import Outcome

    checker = CHECKERS[spec.checker]
    cases = list(class_cases(spec.checker, spec.key, spec.stage))
    outcomes = [Outcome.from_payload(p) for p in payload]
    result = checker.evaluate(cases, outcomes, stage=spec.stage)
    info = {
        "mistakes": list(result.mistakes),
        "message": str(result.message),
        "cases": [{"description": c.description, "passed": bool(c.passed)} for c in result.cases],
    }
    integrity = []
    if any(o.trace_removed for o in outcomes):
        integrity.append("switched off the grader's line counter (sys.settrace)")
    masked = sorted(
        {
            o.error_message.split(" is not available while grading")[0][-80:]
            for o in outcomes
            if "is not available while grading" in o.error_message
        }
    )
    if masked:  # the sandbox hid it: the answer went for the reference, or a library
        integrity.append("called forbidden code while graded: " + ", ".join(masked[:4]))
    if integrity:
        info["integrity"] = integrity
    if result.passed:
        return "pass", info
    if "not-implemented" in result.mistakes:
        return "fail", info
    by_index = {o.index: o for o in outcomes}
    failing = [by_index.get(c.index) for c in result.cases if not c.passed and c.index >= 0]
    failing = [o for o in failing if o is not None]
    if failing and all(o.status == "error" for o in failing):
        if all(o.error_type == "MemoryError" for o in failing):
            return "oom", info
        first = failing[0]
        info["message"] = f"{first.error_type}: {first.error_message}\n\n" + info["message"]
        return "error", info
    return "fail", info


def _outermost(modules) -> list[str]:
    """``scipy.signal`` for ``{scipy.signal, scipy.signal.correlate}``: sorted, no repeats."""
    modules = set(modules)
    return sorted(m for m in modules if not any(m.startswith(o + ".") for o in modules))


def _notebook_flags(raw, tests, cells, found, release_sources) -> tuple[list, list]:
    """``(flags, refs)``: the notebook's integrity flags, and the forbidden modules its
    graded functions reach (every test is then tampered)."""
    flags = []
    needed = {name for spec in tests for name in spec.functions.values()}
    refs, aside = set(), set()
    for cell, code, reached in reached_statements(cells, needed):
        if cell["source"].strip() in release_sources:
            continue  # instructor code uses the reference on purpose
        (refs if reached else aside).update(policy.forbidden_references(code))
    refs = _outermost(refs)
    aside = _outermost(a for a in aside if not any(a == r or a.startswith(r + ".") for r in refs))
    if refs:
        flags.append("uses reference code: " + ", ".join(refs))
    if aside:
        flags.append(
            "names " + ", ".join(aside) + " in code no graded function uses "
            "(allowed for testing; review)"
        )
    patched = raw.patched or {}
    for kind in ("changed", "added", "removed"):
        names = patched.get(kind) or []
        if names:
            flags.append(f"patched ({kind}): " + ", ".join(map(str, names[:8])))
    if raw.fatal:
        flags.append("worker problem: " + raw.fatal.splitlines()[0][:200])
    for gid, state in sorted(found.items()):
        if state in ("missing", "edited"):
            flags.append(f"test cell {gid} {state}")
    return flags, refs


def _watch_flags(raw_t: dict) -> list:
    """What the worker saw while the test's functions ran (untrusted, best effort)."""
    flags = []
    origins = raw_t.get("origins") or {}
    bad = [o for o in origins.values() if policy.origin_is_reference(o, str(cs_conv_dir()))]
    if bad:
        module = str(bad[0].get("module") or bad[0].get("file") or "?")[:80]
        flags.append(f"function comes from the reference package ({module})")
    calls = raw_t.get("reference_calls")
    if isinstance(calls, list) and calls:
        shown = ", ".join(str(c)[:80] for c in calls[:4])
        flags.append(f"called forbidden code while graded: {shown}")
    if raw_t.get("hook_removed") is True:
        flags.append("switched off the grader's reference monitor (sys.setprofile)")
    return flags


def _status_from_worker(r, spec, raw, raw_t, cells) -> list:
    """Set ``r``'s status and message from what the worker returned; the flags of the
    outcomes themselves (a line counter switched off)."""
    flags = []
    status = raw_t.get("status")
    if status == "ok":
        try:
            r.status, info = _judge(spec, raw_t.get("payload") or [])
            r.mistakes, r.message, r.cases = info["mistakes"], info["message"], info["cases"]
            flags += info.get("integrity", [])
        except Exception as exc:  # a forged payload must never stop the grader
            r.status, r.message = "error", f"could not evaluate: {type(exc).__name__}: {exc}"
    elif status == "undefined":
        r.status, r.message = _undefined_status(raw, cells, spec)
    elif status in ("timeout", "crash", "oom", "error"):
        r.status = status
        r.message = str(raw_t.get("error") or status)
    else:
        r.status, r.message = "error", f"unexpected worker status {status!r}"
    if r.status == "error" and _compile_failure(raw, cells, r.message):
        r.status, r.message = _compile_failure(raw, cells, r.message)
    return flags


def _kernel_verdict(r, spec, raw, cells, verdicts, *, alone: bool) -> None:
    """The typing of ``spec``'s kernel: the whole test (``alone``), or a condition on it."""
    kernel = spec.functions.get("kernel") if alone else spec.kernel
    cell = defining_cell(cells, kernel)
    state = (raw.cells.get(cell["index"]) or {}) if cell is not None else {}
    if cell is None:
        if alone:
            r.status, r.message = _undefined_status(raw, cells, spec)
        return
    if state.get("status") == "compile-error":
        if alone:
            r.status = "compile-error"
            r.message = f"`{kernel}` comes from the %%cython cell {cell['index']}, which did not "
            r.message += "compile:\n" + str(state.get("error") or "")[-1200:]
        return
    verdict = verdicts.of(cell["source"], kernel) if verdicts is not None else None
    if verdict is None:
        if alone:
            r.status, r.message = "error", f"the typing of `{kernel}` could not be judged"
        return
    if alone:
        r.status = "pass" if verdict.passed else "fail"
        r.mistakes, r.message = verdict.mistakes, verdict.message
        r.cases = [{"description": f"line {p.line}: {p.text}", "passed": False}
                   for p in verdict.problems]  # fmt: skip
    elif not verdict.passed and r.status in ("pass", "fail"):
        r.status = "fail"
        r.mistakes = sorted({*r.mistakes, *verdict.mistakes})
        r.message = verdict.message + ("\n\n" + r.message if r.message else "")


def _manual_result(raw, spec, found) -> TestResult:
    """A written answer: listed for the instructor, no points until graded by hand."""
    state = found.get(spec.grade_id, "missing")
    message = {
        "answered": "A written answer: your instructor grades it by hand.",
        "unanswered": "Not answered: the cell still holds the placeholder.",
    }.get(state, "The answer cell was deleted from the notebook.")
    return TestResult(
        raw.student, raw.assignment, raw.notebook, spec.grade_id, "manual", 0.0, spec.points,
        message=message,
    )  # fmt: skip


def _test_result(raw, spec, cells, found, refs, verdicts) -> TestResult:
    if spec.manual:
        return _manual_result(raw, spec, found)
    raw_t = raw.tests.get(spec.grade_id) or {"status": "error", "error": "the test did not run"}
    r = TestResult(
        raw.student,
        raw.assignment,
        raw.notebook,
        spec.grade_id,
        "error",
        0.0,
        spec.points,
        seconds=float(raw_t.get("seconds") or 0.0),
    )
    if runs_in_worker(spec.checker):
        test_flags = _watch_flags(raw_t) + _status_from_worker(r, spec, raw, raw_t, cells)
        if spec.kernel:
            _kernel_verdict(r, spec, raw, cells, verdicts, alone=False)
    else:  # judged from the source on this side
        test_flags = []
        _kernel_verdict(r, spec, raw, cells, verdicts, alone=True)
    if r.status == "pass":
        r.points = spec.points
    if refs or test_flags:
        r.flags = test_flags + (["uses reference code: " + ", ".join(refs)] if refs else [])
        r.status, r.points = "tampered", 0.0
        r.message = (
            "This answer uses the course's reference implementation or a library that "
            "does the work (" + "; ".join(r.flags) + "), which the course policy forbids. "
            "No points; an instructor will review it."
        )
    elif found.get(spec.grade_id) == "missing":
        r.flags.append(f"test cell deleted: reinstated and graded ({r.status})")
        r.status = "missing"
    elif found.get(spec.grade_id) == "edited":
        r.flags.append("test cell edited: the original was used")
    r.fixes = _fix_hints(r.mistakes)
    return r


def evaluate_notebook(raw, tests, cells, found, release_sources, verdicts=None):
    """``(test results, notebook integrity flags)`` for one student notebook.

    ``verdicts`` (:class:`autograder.kernels.KernelVerdicts`) holds the compile
    jobs' verdicts on the typing of the student's Cython kernels.
    """
    flags, refs = _notebook_flags(raw, tests, cells, found, release_sources)
    return [_test_result(raw, spec, cells, found, refs, verdicts) for spec in tests], flags
