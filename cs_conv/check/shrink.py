"""Shrinking a failing case to the smallest shapes that still fail the same way.

Used by the one-call form only (the split form reports the smallest failing
case among its cases, which include small ones).  Greedy: try N -> 1, F -> 1,
C -> 1, a smaller image, a smaller pad, stride or filter (re-fitting the image
so that the stride still tiles), keep the first candidate that still fails the
same way, repeat; at most ``budget`` calls of the student's function.
"""

from __future__ import annotations

from dataclasses import replace

from .cases import Spec

__all__ = ["candidates", "shrink_focus"]


def _fit(size: int, k: int, s: int, p: int) -> int | None:
    """The largest image size <= ``size`` (>= 2) that tiles, else the smallest above it."""
    ok = [n for n in range(2, size + 2 * s + 1) if n + 2 * p >= k and (n + 2 * p - k) % s == 0]
    below = [n for n in ok if n <= size]
    if below:
        return max(below)
    return min(ok) if ok else None


def _refit(spec: Spec) -> Spec | None:
    H = _fit(spec.H, spec.HH, spec.stride, spec.pad)
    W = _fit(spec.W, spec.WW, spec.stride, spec.pad)
    if H is None or W is None:
        return None
    return replace(spec, H=H, W=W)


def _cost(spec: Spec) -> tuple:
    return (spec.size, spec.stride + spec.pad + spec.HH + spec.WW)


def candidates(spec: Spec) -> list[Spec]:
    """Smaller specs to try, most promising first; each tiles.

    Examples
    --------
    >>> from cs_conv.check.cases import Spec
    >>> s = Spec(2, 3, 5, 7, 2, 3, 3, 2, 1)
    >>> [c.N for c in candidates(s)][:1]
    [1]
    >>> all(c.tiles for c in candidates(s))
    True
    """
    out = []
    s, p = spec.stride, spec.pad
    for field_ in ("N", "F", "C"):
        if getattr(spec, field_) > 1:
            out.append(replace(spec, **{field_: 1}))
    if spec.H - s >= 2 and spec.H - s + 2 * p >= spec.HH:
        out.append(replace(spec, H=spec.H - s))
    if spec.W - s >= 2 and spec.W - s + 2 * p >= spec.WW:
        out.append(replace(spec, W=spec.W - s))
    if p > 0:
        out.append(_refit(replace(spec, pad=p - 1)))
    if s > 1:
        out.append(_refit(replace(spec, stride=s - 1)))
    if spec.HH > 1:
        out.append(_refit(replace(spec, HH=spec.HH - 1)))
    if spec.WW > 1:
        out.append(_refit(replace(spec, WW=spec.WW - 1)))
    return [c for c in out if c is not None and c.tiles and _cost(c) < _cost(spec) and _readable(c)]


def _readable(spec: Spec) -> bool:
    """Keep shrunk cases meaningful: an image of at least 2x2 and a filter of 2+ taps."""
    return spec.H >= 2 and spec.W >= 2 and spec.HH * spec.WW >= 2


def _same_failure(checker, focus, rec, diag) -> bool:
    from .explain import kind_of, variant_hits

    if rec.passed:
        return False
    if diag.focus_code is not None and kind_of(focus) == "value":
        hits = variant_hits(checker, rec, diag.named_variants[diag.focus_code])
        return bool(hits)
    a, b = focus.outcome, rec.outcome
    if a.status != b.status or a.error_type != b.error_type:
        return False
    if a.status != "ok":
        return True
    return (
        focus.shape_ok == rec.shape_ok
        and focus.values_ok == rec.values_ok
        and focus.dtype_ok == rec.dtype_ok
        and bool(a.mutated) == bool(b.mutated)
    )


def shrink_focus(checker, funcs, diag, *, stage=None, budget: int = 24):
    """The smallest record that fails like ``diag.focus`` (``diag.focus`` itself if none)."""
    focus = diag.focus
    if focus is None or focus.case.refusal or focus.loops is not None:
        return focus
    current, tries, improved = focus, 0, True
    while improved and tries < budget:
        improved = False
        for spec in candidates(current.case.spec):
            tries += 1
            case = current.case.with_spec(spec, tries)
            # the functions read the same globals as on the focus: not analysed again
            rec = checker.record(case, checker.run_one(funcs, case, focus.outcome.reads))
            if _same_failure(checker, focus, rec, diag):
                rec.hits = list(diag.named_variants.get(diag.focus_code, []))
                current, improved = rec, True
                break
            if tries >= budget:
                break
    return current
