"""Mistakes named from the exception a student's function raised.

Some mistakes do not return a wrong answer: the student's code crashes first.
NumPy's error messages quote the shapes involved (``operands could not be
broadcast together with shapes (5,3,3) (3,3,3)``, ``cannot reshape array of
size 18 into shape (3,3,3)``); set against the case's sizes they name the
mistake.  Each rule takes a failing ``Record`` and returns ``(code, evidence)``
(or ``(codes, evidence)``) or None.  A rule only *supports* codes: a code is
named from crashes only when one of its variants also predicts a crash on
exactly the cases that crashed (:mod:`cs_conv.check.explain`), so that one
message whose shapes happen to fit names nothing.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = [
    "WINDOW_CODES",
    "bias_exception",
    "crash_support",
    "division_exception",
    "dtype_exception",
    "filter_hw_exception",
    "padding_exception",
    "window_exception",
]

_SHAPES = re.compile(r"\(([0-9, ]*)\)")


def _quoted_shapes(o) -> list[tuple]:
    """The shapes quoted by a broadcasting or reshape error, or []."""
    if "broadcast" not in o.error_message and "reshape" not in o.error_message:
        return []
    return _all_shapes(o)


def _all_shapes(o) -> list[tuple]:
    """Every parenthesised tuple of ints in the error message."""
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
    flat = {(int(np.prod(window)),), (sp.C * sp.HH * sp.WW,)}
    if (window in shapes and (sp.C, sp.HH, sp.WW) in shapes) or flat <= set(shapes):
        return (
            "pad-wrong-axes",
            f"Your {o.stage} raised `{o.error_type}: {o.error_message}`: a window of "
            f"{window[0]} = C + 2*pad channels (C = {sp.C}, pad = {sp.pad}) met a filter of "
            f"{sp.C}: the channel axis was padded too.",
        )
    return None


def bias_exception(rec):
    """``bias-wrong-axis`` when a broadcasting error pairs the bias with the output's data,
    or the whole bias was added to one output value (``out[n, f, i, j] = ... + b``)."""
    o = rec.outcome
    sp = rec.case.spec
    if "setting an array element with a sequence" in o.error_message:
        return (
            "bias-wrong-axis",
            f"Your {o.stage} raised `{o.error_type}: {o.error_message}`: the whole bias "
            f"(F = {sp.F} values) was added where one value b[f] belongs.",
        )
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


WINDOW_CODES = (
    "window-offset",
    "pad-ignored",
    "filter-hw-swapped",
    "stride-ignored",
    "hw-swapped",
)
"""Codes whose windows can run past the edge of the padded input (or have the wrong size)."""

_BOUNDS = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")


def _window_dims(shape, C: int, HH: int, WW: int) -> list[tuple[int, int]]:
    """Candidate (rows, columns) of a window in a quoted shape: its last two axes, or
    for a flat shape of C*h*w values the (h, w) that fit (an empty one included)."""
    if len(shape) >= 2:
        return [(shape[-2], shape[-1])]
    if len(shape) == 1 and C > 0:
        k = shape[0]
        if k == 0:
            return [(0, WW), (HH, 0)]
        return [
            (h, w) for h in range(HH + 2) for w in range(WW + 2) if C * h * w == k and h * w > 0
        ]
    return []


def _window_hit(o, sp) -> str | None:
    bound = _BOUNDS.search(o.error_message)
    if bound:
        size = int(bound.group(3))
        sizes = (sp.H + 2 * sp.pad, sp.W + 2 * sp.pad, sp.H, sp.W, sp.H_out, sp.W_out)
        if size in sizes:
            return f"an index ran past the end of an axis of size {size}"
        return None
    if "window shape cannot be larger than input" in o.error_message:
        return "a window was larger than the image"
    shapes = _all_shapes(o)
    for shape in shapes:
        for h, w in _window_dims(shape, sp.C, sp.HH, sp.WW):
            if (h, w) != (sp.HH, sp.WW) and h <= sp.HH + 1 and w <= sp.WW + 1:
                return f"a window of {h}x{w} met a {sp.HH}x{sp.WW} filter"
    grids = [s[-2:] for s in shapes if len(s) >= 2]
    if (sp.H_out, sp.W_out) in grids and any(g != (sp.H_out, sp.W_out) for g in grids):
        return f"a grid of windows other than H_out x W_out = {sp.H_out}x{sp.W_out}"
    size = re.search(r"cannot reshape array of size (\d+)", o.error_message)
    if size and shapes:
        want = int(np.prod(shapes[-1]))
        if want in (
            sp.N * sp.F * sp.H_out * sp.W_out,
            sp.C * sp.HH * sp.WW * sp.N * sp.H_out * sp.W_out,
        ):
            grid = f"{sp.H_out}x{sp.W_out}"
            return f"{size.group(1)} values, not the {want} of H_out x W_out = {grid} windows"
    return None


def window_exception(rec):
    """A window of the wrong size or count, or an index past the edge of an axis.

    Supports every code whose windows can go wrong that way
    (:data:`WINDOW_CODES`): the message alone cannot tell them apart; which one it
    is, the pattern of the cases that crash and pass decides.
    """
    o, sp = rec.outcome, rec.case.spec
    hit = _window_hit(o, sp)
    if hit is None:
        return None
    return (
        WINDOW_CODES,
        f"Your {o.stage} raised `{o.error_type}: {o.error_message}`: {hit}.",
    )


def dtype_exception(rec):
    """``dtype-changed`` for a compiled kernel typed ``double`` given float32 data."""
    o, sp = rec.outcome, rec.case.spec
    if sp.dtype == "float32" and "Buffer dtype mismatch" in o.error_message:
        return (
            "dtype-changed",
            f"Your {o.stage} raised `{o.error_type}: {o.error_message}` on float32 data: "
            "the kernel takes float64 only.",
        )
    return None


def division_exception(rec):
    """``true-division`` when a float was used where numpy or Python needs an integer
    (``np.zeros((N, F, H_out, W_out))`` or ``range(H_out)`` with ``H_out = .../stride + 1``)."""
    o = rec.outcome
    msg = o.error_message
    floats = "float" in msg and ("integer" in msg or "index" in msg)
    if floats or "slice indices must be integers" in msg or "of integer (or boolean) type" in msg:
        return (
            "true-division",
            f"Your {o.stage} raised `{o.error_type}: {msg}`: a size computed with `/` is a float.",
        )
    return None


def crash_support(rec, own_rule=None) -> dict:
    """Every code the error message of crashed ``rec`` supports, with its evidence
    (``own_rule(rec)``: a checker's own rule, e.g. pooling's reshape of all channels;
    it reads its stage's shapes best, so its words come first)."""
    out: dict = {}
    for rule in (
        *((own_rule,) if own_rule is not None else ()),
        filter_hw_exception,
        padding_exception,
        bias_exception,
        window_exception,
        dtype_exception,
        division_exception,
    ):
        hit = rule(rec)
        if hit is None:
            continue
        codes, evidence = hit
        for code in (codes,) if isinstance(codes, str) else codes:
            out.setdefault(code, evidence)
    return out
