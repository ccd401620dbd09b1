"""Mistakes named from the exception a student's function raised.

Some mistakes do not return a wrong answer: the student's code crashes first.
NumPy's error messages quote the shapes involved (``operands could not be
broadcast together with shapes (5,3,3) (3,3,3)``, ``cannot reshape array of
size 18 into shape (3,3,3)``); set against the case's sizes they name the
mistake.  Each function takes a failing ``Record`` and returns
``(code, evidence)`` or None.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["bias_exception", "filter_hw_exception", "padding_exception"]

_SHAPES = re.compile(r"\(([0-9, ]*)\)")


def _quoted_shapes(o) -> list[tuple]:
    """The shapes quoted by a broadcasting or reshape error, or []."""
    if "broadcast" not in o.error_message and "reshape" not in o.error_message:
        return []
    return [
        tuple(int(v) for v in m.replace(" ", "").split(",") if v)
        for m in _SHAPES.findall(o.error_message)
    ]


def _broadcast_shapes(o) -> list[tuple]:
    """The shapes quoted by a NumPy broadcasting error, or [] for another error."""
    return _quoted_shapes(o) if "broadcast" in o.error_message else []


def padding_exception(rec):
    """``pad-wrong-axes`` when a broadcasting error pairs a window of C + 2*pad channels
    with a filter of C: the channel axis was padded too (``np.pad(x, pad)``)."""
    o, sp = rec.outcome, rec.case.spec
    shapes = _broadcast_shapes(o)
    if sp.pad == 0 or not shapes:
        return None
    window = (sp.C + 2 * sp.pad, sp.HH, sp.WW)
    if window in shapes and (sp.C, sp.HH, sp.WW) in shapes:
        return (
            "pad-wrong-axes",
            f"Your {o.stage} raised `{o.error_type}: {o.error_message}`: a window of "
            f"{window[0]} = C + 2*pad channels (C = {sp.C}, pad = {sp.pad}) met a filter of "
            f"{sp.C}: the channel axis was padded too.",
        )
    return None


def bias_exception(rec):
    """``bias-wrong-axis`` when a broadcasting error pairs the bias with the output's data."""
    o = rec.outcome
    sp = rec.case.spec
    shapes = _broadcast_shapes(o)
    if not shapes:
        return None
    F = sp.F
    n_out = sp.N * F * sp.H_out * sp.W_out
    bias_like = {(F,), (F, 1), (1, F)}
    has_bias = any(s in bias_like for s in shapes)
    has_out = any(s not in bias_like and int(np.prod(s)) in (n_out, n_out // F) for s in shapes)
    if has_bias and has_out:
        return (
            "bias-wrong-axis",
            f"Your {o.stage} raised `{o.error_type}: {o.error_message}`: the bias of "
            f"shape (F,) = ({F},) (or (F, 1)) was added to an array whose matching axis is "
            "not the filter axis.",
        )
    return None


def filter_hw_exception(rec):
    """``filter-hw-swapped`` when the error's shapes put the filter height HH where
    the width WW belongs (or the reverse), on a case with HH != WW.

    Two patterns: a broadcast between two shapes that differ in one axis, HH in
    one and WW in the other (a window ``j:j+HH`` against a ``(C, HH, WW)`` tap
    block); a reshape of an array of ``C*HH*WW``-many values into a shape whose
    size is the same with one WW read as HH (``reshape(C, HH, HH)``).
    """
    o, sp = rec.outcome, rec.case.spec
    if sp.HH == sp.WW:
        return None
    shapes = _quoted_shapes(o)
    pair = {sp.HH, sp.WW}
    hit = None
    if "broadcast" in o.error_message:
        for i, a in enumerate(shapes):
            for b in shapes[i + 1 :]:
                diff = [(u, v) for u, v in zip(a, b, strict=False) if u != v]
                if len(a) == len(b) and len(diff) == 1 and set(diff[0]) == pair:
                    hit = f"the shapes {a} and {b} differ only where one has HH = {sp.HH} "
                    hit += f"and the other WW = {sp.WW}"
    else:
        size = re.search(r"array of size (\d+)", o.error_message)
        if size and shapes:
            have, want = int(size.group(1)), int(np.prod(shapes[-1]))
            for x, y in ((sp.HH, sp.WW), (sp.WW, sp.HH)):
                if have * x == want * y and shapes[-1].count(x) >= 2:
                    hit = (
                        f"{have} values do not fill the shape {shapes[-1]}, which has "
                        f"{x} = {'HH' if x == sp.HH else 'WW'} where "
                        f"{y} = {'WW' if y == sp.WW else 'HH'} belongs"
                    )
    if hit is None:
        return None
    return (
        "filter-hw-swapped",
        f"Your {o.stage} raised `{o.error_type}: {o.error_message}`: {hit} "
        f"(filter {sp.HH}x{sp.WW}).",
    )
