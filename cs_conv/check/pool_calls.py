"""How the pooling checkers call the student (runner-safe: the grader's sandbox runs it).

A pooling case is a :class:`~cs_conv.check.cases.Case` read as a pooling
(:mod:`cs_conv.check.pool_cases`): its ``HH x WW`` is the pool.  Its arrays
are drawn as a pooling's (tie-rich data), also when the case was rebuilt by
``Case.from_dict`` in another process.
"""

from __future__ import annotations

from .pool_cases import as_pool_case

__all__ = ["POOL_CALLS", "pool_param"]


def pool_param(case) -> dict:
    """``{"pool_height", "pool_width", "stride"}`` of a pooling case."""
    sp = case.spec
    return {"pool_height": sp.HH, "pool_width": sp.WW, "stride": sp.stride}


def _inputs(case) -> dict:
    return as_pool_case(case).arrays()


def _call_forward(funcs, arrays, case, where):
    from .runner import none_check, unpack

    res = funcs["max_pool_forward"](arrays["x"], pool_param(case))
    return {"out": unpack(none_check(res), ("out", "cache"), where[0])["out"]}


def _call_backward(funcs, arrays, case, where):
    from .runner import none_check, unpack

    where[0] = "max_pool_forward"
    res = none_check(funcs["max_pool_forward"](arrays["x"], pool_param(case)))
    cache = unpack(res, ("out", "cache"), "max_pool_forward")["cache"]
    where[0] = "max_pool_backward"
    return {"dx": none_check(funcs["max_pool_backward"](arrays["dout"], cache))}


#: checker name -> (functions, required, call, inputs), for :data:`cs_conv.check.runner.CALLS`
POOL_CALLS = {
    "pool_forward": (("max_pool_forward",), ("max_pool_forward",), _call_forward, _inputs),
    "pool_backward": (
        ("max_pool_backward", "max_pool_forward"),
        ("max_pool_backward", "max_pool_forward"),
        _call_backward,
        _inputs,
    ),
}
