"""The untrusted side of a check: call a student's functions on cases, record what came back.

All the grader's sandbox needs: it imports numpy, the standard library,
:mod:`cs_conv.check.cases` and :mod:`cs_conv.check.outcome` only, never a reference
(``run_checker("im2col", {"im2col": im2col}, cases)``).  :data:`CALLS` holds the
calling convention of every checker.  Each call gets fresh copies of the arrays;
an exception, a None return, a changed argument, the student's innermost line
that raised, the global arrays they read and the Python lines their own code ran
(:class:`LineCounter`) go into the :class:`~cs_conv.check.outcome.Outcome`.
"""

from __future__ import annotations

import dis
import inspect
import os
import sys
import sysconfig
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .cases import Case
from .outcome import Outcome

__all__ = [
    "CALLS",
    "BadReturn",
    "Call",
    "LineCounter",
    "as_output",
    "global_arrays",
    "none_check",
    "resolve_funcs",
    "run_checker",
    "run_one",
    "unpack",
]

_MAX_OUTPUT = 4_000_000


class BadReturn(Exception):
    """The student's function returned something that is not the documented output."""


class NoneReturned(Exception):
    """The student's function returned None (a stub, or a missing ``return``)."""


def none_check(value):
    """``value``, or :class:`NoneReturned` when a student function returned None."""
    if value is None:
        raise NoneReturned
    return value


def as_output(value, name: str, *, what: str) -> np.ndarray:
    """The student's ``value`` as a numeric ndarray, or :class:`BadReturn`.

    Parameters
    ----------
    value : object
        What the student returned for output ``name``.
    name : str
        Output name (``"cols"``).
    what : str
        The function, for the message.

    Examples
    --------
    >>> as_output([[1, 2]], "cols", what="im2col").shape
    (1, 2)
    """
    if value is None:
        raise BadReturn(f"{what} returned None for {name}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise BadReturn(
            f"{what} returned a {type(value).__name__} for {name} that is not an array "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise BadReturn(
            f"{what} returned {name} of dtype {arr.dtype} ({type(value).__name__}); "
            "expected a float (or, for indices, an integer) ndarray"
        )
    if arr.size > _MAX_OUTPUT:
        raise BadReturn(f"{what} returned {name} with {arr.size} values: far too many")
    return arr


def unpack(res, names, what: str) -> dict:
    """``dict(zip(names, res))`` for a tuple return, else :class:`BadReturn` saying what came back.

    Examples
    --------
    >>> sorted(unpack((1, 2), ("out", "cache"), "conv_forward"))
    ['cache', 'out']
    """
    if isinstance(res, np.ndarray) or not isinstance(res, (tuple, list)) or len(res) != len(names):
        kind = type(res).__name__
        shape = f" of shape {res.shape}" if isinstance(res, np.ndarray) else ""
        n = f" of {len(res)} items" if isinstance(res, (tuple, list)) else shape
        raise BadReturn(
            f"{what} returned a {kind}{n}; expected a tuple of {len(names)}: ({', '.join(names)})"
        )
    return dict(zip(names, res, strict=True))


# ------------------------------------------------------------ calling conventions
def _param(case: Case) -> dict:
    return {"stride": case.spec.stride, "pad": case.spec.pad}


def _call_output_shape(funcs, arrays, case, where):
    sp = case.spec
    res = none_check(funcs["conv_output_shape"](sp.x_shape, sp.w_shape, sp.stride, sp.pad))
    return {"shape": res}


def _call_pad(funcs, arrays, case, where):
    return {"x_pad": none_check(funcs["pad_input"](arrays["x"], case.spec.pad))}


def _call_forward(funcs, arrays, case, where):
    res = funcs["conv_forward"](arrays["x"], arrays["w"], arrays["b"], _param(case))
    return {"out": unpack(none_check(res), ("out", "cache"), where[0])["out"]}


def _call_backward(funcs, arrays, case, where):
    param = _param(case)
    forward = funcs.get("conv_forward")
    if forward is None:
        cache = (arrays["x"], arrays["w"], arrays["b"], param)
    else:
        where[0] = "conv_forward"
        res = unpack(
            none_check(forward(arrays["x"], arrays["w"], arrays["b"], param)),
            ("out", "cache"),
            "conv_forward",
        )
        cache = res["cache"]
    where[0] = "conv_backward"
    grads = none_check(funcs["conv_backward"](arrays["dout"], cache))
    return unpack(grads, ("dx", "dw", "db"), "conv_backward")


def _call_im2col(funcs, arrays, case, where):
    sp = case.spec
    return {"cols": none_check(funcs["im2col"](arrays["x"], sp.HH, sp.WW, sp.stride, sp.pad))}


def _call_col2im(funcs, arrays, case, where):
    sp = case.spec
    dx = funcs["col2im"](arrays["cols"], sp.x_shape, sp.HH, sp.WW, sp.stride, sp.pad)
    return {"dx": none_check(dx)}


def _call_indices(funcs, arrays, case, where):
    sp = case.spec
    res = none_check(funcs["im2col_indices"](sp.x_shape, sp.HH, sp.WW, sp.stride, sp.pad))
    return unpack(res, ("k", "i", "j"), "im2col_indices")


@dataclass(frozen=True)
class Call:
    """How one checker calls the student.

    Attributes
    ----------
    functions : tuple of str
        Argument names of the student functions (``("conv_backward", "conv_forward")``).
    required : tuple of str
        Which of them must be given.
    fn : callable
        ``fn(funcs, arrays, case, where) -> {output name: value}``; sets ``where[0]``
        to the name of the student function it is calling.
    inputs : callable or None
        ``inputs(case) -> {name: array}``, the arrays the student gets (default
        ``case.arrays()``); checked for changes after the call.
    """

    functions: tuple
    required: tuple
    fn: Callable
    inputs: Callable | None = None


CALLS: dict[str, Call] = {
    "conv_output_shape": Call(("conv_output_shape",), ("conv_output_shape",), _call_output_shape),
    "pad_input": Call(("pad_input",), ("pad_input",), _call_pad),
    "conv_forward": Call(("conv_forward",), ("conv_forward",), _call_forward),
    "conv_backward": Call(("conv_backward", "conv_forward"), ("conv_backward",), _call_backward),
    "im2col": Call(("im2col",), ("im2col",), _call_im2col),
    "col2im": Call(("col2im",), ("col2im",), _call_col2im),
    "im2col_indices": Call(("im2col_indices",), ("im2col_indices",), _call_indices),
    "layer_forward": Call(("conv_forward",), ("conv_forward",), _call_forward),
    "layer_backward": Call(
        ("conv_backward", "conv_forward"), ("conv_backward", "conv_forward"), _call_backward
    ),
}
"""The calling convention of every checker, by checker name."""


def _more_calls() -> None:
    """The calling conventions that live beside their own cases (runner-safe modules)."""
    from .pool_calls import POOL_CALLS
    from .training_calls import TRAINING_CALLS

    for calls in (POOL_CALLS, TRAINING_CALLS):
        CALLS.update({name: Call(*spec) for name, spec in calls.items()})


_more_calls()


def resolve_funcs(name: str, funcs) -> dict:
    """``funcs`` as ``{argument name: callable}`` (a bare callable is the first function).

    Raises
    ------
    TypeError
        When a required function is missing.
    ValueError
        When no checker has that name.
    """
    if name not in CALLS:
        raise ValueError(f"no checker is named {name!r}; the checkers are {sorted(CALLS)}")
    call = CALLS[name]
    if callable(funcs):
        funcs = {call.functions[0]: funcs}
    funcs = {k: v for k, v in dict(funcs).items() if v is not None}
    missing = [n for n in call.required if n not in funcs]
    if missing:
        raise TypeError(f"{name} checker needs the function(s) {missing}")
    return funcs


# ------------------------------------------------------------------ line counting
def _library_roots() -> tuple[str, ...]:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            paths.add(p)
    paths.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # cs_conv
    roots = (os.path.join(os.path.realpath(p), "") for p in paths if p)
    return tuple(r for r in roots if len(r) > 1)  # never "/": that would hide everything


class LineCounter:
    """Counts the Python lines a student's own code executes during a call.

    A line counts when its code is not a library's: not under ``sys.prefix``,
    ``sys.base_prefix``, site-packages, the standard library or the ``cs_conv``
    package.  Notebook cells, ``exec``'d strings and the student's files count;
    a loop in a comprehension, a lambda given to ``map``, ``np.vectorize`` or
    ``np.apply_along_axis`` counts once per iteration.  Uses :func:`sys.settrace`
    (and :func:`threading.settrace` for threads started meanwhile), and puts
    back whatever tracer was there before.  ``removed`` is True when the
    student's code switched the tracer off or replaced it.

    Examples
    --------
    >>> def f(n):
    ...     total = 0
    ...     for k in range(n):
    ...         total += k
    ...     return total
    >>> with LineCounter() as c:
    ...     _ = f(10)
    >>> c.lines > 10, c.removed
    (True, False)
    """

    _roots: tuple[str, ...] | None = None

    def __init__(self):
        self.lines = 0
        self.removed = False
        self._verdicts: dict = {}
        self._tracer = self._global  # one bound method, so that gettrace() can be compared
        self._line = self._local
        self._previous = None
        self._previous_threading = None

    @classmethod
    def is_library(cls, filename: str) -> bool:
        """Whether code from ``filename`` is a library's (not counted, not the student's)."""
        if cls._roots is None:
            cls._roots = _library_roots()
        if filename.startswith("<") and not filename.startswith("<frozen"):
            return False  # exec'd strings, IPython cells
        return os.path.realpath(filename).startswith(cls._roots) or filename.startswith("<frozen")

    def _global(self, frame, event, arg):
        code = frame.f_code
        student = self._verdicts.get(code)
        if student is None:
            student = self._verdicts[code] = not self.is_library(code.co_filename)
        return self._line if student else None

    def _local(self, frame, event, arg):
        if event == "line":
            self.lines += 1
        return self._line

    def __enter__(self):
        self._previous = sys.gettrace()
        self._previous_threading = threading.gettrace()
        threading.settrace(self._tracer)
        sys.settrace(self._tracer)
        return self

    def __exit__(self, *exc):
        self.removed = sys.gettrace() is not self._tracer
        sys.settrace(self._previous)
        threading.settrace(self._previous_threading)
        return False


# ------------------------------------------------------------------ global reads
def _global_names(code) -> list[str]:
    """Names the code (and the code nested in it: comprehensions, lambdas) loads as globals."""
    names = [
        i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")
    ]
    for const in code.co_consts:
        if inspect.iscode(const):
            names += _global_names(const)
    return [n for n in names if isinstance(n, str)]


def global_arrays(funcs: dict, depth: int = 2) -> tuple[str, ...]:
    """The module-level arrays the student's functions read (not their parameters).

    Only arrays shaped like an input (4-D x, w, dout; 2-D cols) count, in the functions
    and their own helpers ``depth`` calls deep.  Each entry is ``"name (shape) dtype"``.

    Examples
    --------
    >>> import numpy as np
    >>> table = np.zeros((2, 3))
    >>> def f(x):
    ...     return x + table.sum()
    >>> global_arrays({"f": f})
    ('table (2, 3) float64',)
    """
    found: dict[str, str] = {}
    seen: set = set()
    todo = [(f, depth) for f in funcs.values()]
    while todo:
        f, left = todo.pop()
        try:
            f = inspect.unwrap(f)
        except ValueError:  # a __wrapped__ cycle
            continue
        code, env = getattr(f, "__code__", None), getattr(f, "__globals__", None)
        if code is None or env is None or id(code) in seen:
            continue
        seen.add(id(code))
        params = set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        for name in _global_names(code):
            value = env.get(name)
            if isinstance(value, np.ndarray) and value.ndim in (2, 4) and name not in params:
                found.setdefault(name, f"{name} {value.shape} {value.dtype}")
            elif left > 0 and inspect.isfunction(value) and _own(value.__code__.co_filename):
                todo.append((value, left - 1))
    return tuple(found[k] for k in sorted(found))[:8]


def _own(filename: str) -> bool:
    return not LineCounter.is_library(filename)


# --------------------------------------------------------------------- the run
def _where_raised(exc: BaseException) -> str:
    """``"<file>:<line> in <function>: <source line>"`` of the innermost frame of the
    student's own code in the traceback, or ``""``."""
    found = ""
    for fs in (f for f in traceback.extract_tb(exc.__traceback__) if _own(f.filename)):
        line = (fs.line or "").strip()
        found = f"{fs.filename}:{fs.lineno} in {fs.name}" + (f": {line}" if line else "")
    return found[:500]


def run_one(name: str, funcs: dict, case: Case, reads=None) -> Outcome:
    """Call the student's functions (resolved by :func:`resolve_funcs`) on one case.

    Never raises for the student's errors: an exception, a None return, a bad
    return value or a changed argument is recorded in the :class:`Outcome`.
    ``reads`` is :func:`global_arrays` of ``funcs`` (computed when not given).
    """
    call = CALLS[name]
    if reads is None:
        reads = global_arrays(funcs)
    arrays = call.inputs(case) if call.inputs is not None else case.arrays()
    originals = {k: v.copy() for k, v in arrays.items()}
    where = [call.functions[0]]
    out = Outcome(case.index)
    counter = LineCounter()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            try:
                with counter:
                    outputs = call.fn(funcs, arrays, case, where)
            finally:
                out.seconds = time.perf_counter() - start
            out.outputs = {k: as_output(v, k, what=where[0]) for k, v in outputs.items()}
        except BadReturn as exc:
            out.status = "bad-return"
            out.error_message = str(exc)
        except NoneReturned:
            out.status = "none"
        except (Exception, SystemExit) as exc:
            out.status = "error"
            out.error_type = type(exc).__name__
            if isinstance(exc, ValueError) and type(exc) is not ValueError:
                out.error_type += "(ValueError)"  # a student's own ValueError refuses too
            out.error_message = str(exc)
            out.error_where = _where_raised(exc)
    out.stage, out.lines, out.trace_removed = where[0], counter.lines, counter.removed
    out.reads = tuple(reads)
    if caught:
        out.warning = f"{caught[0].category.__name__}: {caught[0].message}"
    same = {k: v.shape == originals[k].shape and np.array_equal(v, originals[k], equal_nan=True)
            for k, v in arrays.items()}  # fmt: skip
    out.mutated = tuple(k for k, ok in same.items() if not ok)
    return out


def run_checker(name: str, funcs, cases) -> list[Outcome]:
    """Call the student's functions on every case of checker ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`CALLS` (the same names as ``cs_conv.check.CHECKERS``).
    funcs : dict or callable
        ``{argument name: student function}`` (see ``CALLS[name].functions``), or
        the one function of a single-function checker.
    cases : sequence of Case
        From ``CHECKERS[name].make_cases(key, stage=...)`` (or ``Case.from_dict``).

    Returns
    -------
    list of Outcome
        One per case, in order; never raises for the student's errors.

    Examples
    --------
    >>> from cs_conv.check.cases import make_cases
    >>> cases = make_cases("im2col", "doc")[:2]
    >>> [o.status for o in run_checker("im2col", lambda x, HH, WW, s, p: None, cases)]
    ['none', 'none']
    """
    funcs = resolve_funcs(name, funcs)
    reads = global_arrays(funcs)
    return [run_one(name, funcs, case, reads) for case in cases]
