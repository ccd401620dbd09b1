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

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .cases import Case
from .observe import LineCounter, global_arrays, where_raised
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
            out.error_where = where_raised(exc)
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
