"""Diagnosis by behaviour: which family of cases the student's function gets right.

When a function is right on exactly the cases with stride 1, or exactly those
with square filters, or exactly those with one image, the family says what
kind of mistake it is even when no variant of the catalogue matches the output
exactly.  :func:`families` finds the families that split the cases exactly;
:func:`name_by_behaviour` turns one into a catalogue code where the family
points at one code only for that checker (``Checker.family_codes``), and
:func:`hint` words the families for the message either way.
"""

from __future__ import annotations

import numpy as np

from .compare import rel_err
from .explain import kind_of

__all__ = ["FAMILIES", "families", "hint", "name_by_behaviour"]


def _no_overlap(sp) -> bool:
    return sp.stride >= sp.HH and sp.stride >= sp.WW


FAMILIES = {
    "square-output": (lambda sp: sp.H_out == sp.W_out, "square outputs (H_out == W_out)"),
    "square-filter": (lambda sp: sp.HH == sp.WW, "square filters (HH == WW)"),
    "N1": (lambda sp: sp.N == 1, "one image (N == 1)"),
    "C1": (lambda sp: sp.C == 1, "one channel (C == 1)"),
    "F1": (lambda sp: sp.F == 1, "one filter (F == 1)"),
    "stride1": (lambda sp: sp.stride == 1, "stride 1"),
    "pad0": (lambda sp: sp.pad == 0, "pad 0"),
    "no-overlap": (_no_overlap, "windows that do not overlap (stride >= filter size)"),
    "float64": (lambda sp: sp.dtype == "float64", "float64 data"),
}
"""Family name -> (predicate on a case's Spec, words)."""

_MEANS = {
    "square-output": "look for H_out and W_out (or i and j) exchanged",
    "square-filter": "look for HH and WW exchanged: a window, a reshape or an end index",
    "N1": "look at the order of the images: where n goes in the columns, in dout or in the "
    "output reshape",
    "C1": "look at the channel order: w flattened after a transpose, or rows of cols built "
    "channel-last",
    "F1": "look at how the filters are laid out: the bias, or the reshape of the GEMM result",
    "stride1": "look at where the windows start: `i*stride`, and H_out with `// stride`",
    "pad0": "look at the padding: its size, its sides, and the crop back to H x W",
    "no-overlap": "look at how overlapping windows combine: they must add up",
    "float64": "look at the dtype: float32 data must stay float32",
}


def families(records) -> list[str]:
    """The families that split the regular cases exactly: every case of the family
    passes and every other case fails (each side with at least two cases)."""
    kinds = [(r, kind_of(r)) for r in records if not r.case.refusal]
    passing = [r.case.spec for r, k in kinds if k == "pass"]
    failing = [r.case.spec for r, k in kinds if k in ("value", "crash")]
    if len(passing) < 2 or len(failing) < 2:
        return []
    return [
        name
        for name, (pred, _) in FAMILIES.items()
        if all(pred(sp) for sp in passing) and not any(pred(sp) for sp in failing)
    ]


_PERMUTATIONS = ("cols-n-fastest", "hw-swapped", "weight-flatten-order")


def _compatible(checker, code, failing) -> bool:
    """The failing cases look like that code: right shapes, wrong values (and, for a
    layout code of a function that only moves values, the right values moved)."""
    if not all(kind_of(r) == "value" and r.shape_ok for r in failing):
        return False
    if checker.moves_values and code in _PERMUTATIONS:
        for r in failing:
            for name, e in r.expected.items():
                g = np.sort(np.asarray(r.got[name], dtype=np.float64), axis=None)
                if rel_err(np.sort(np.asarray(e, dtype=np.float64), axis=None), g) > 1e-6:
                    return False
    return True


def _words(checker, family: str) -> str:
    """How ``checker`` words a family (its ``family_words``, else :data:`FAMILIES`)."""
    return getattr(checker, "family_words", {}).get(family, FAMILIES[family][1])


def name_by_behaviour(checker, records) -> tuple[str, str] | None:
    """``(code, evidence)`` when exactly one family splits the cases, it points at one
    code for this checker, and the failing cases look like that code; else None."""
    fams = families(records)
    if len(fams) != 1 or fams[0] not in checker.family_codes:
        return None
    code = checker.family_codes[fams[0]]
    failing = [r for r in records if kind_of(r) in ("value", "crash")]
    if not _compatible(checker, code, failing):
        return None
    n_pass = sum(kind_of(r) == "pass" for r in records)
    return code, (
        f"Your function is right on exactly the {n_pass} cases with "
        f"{_words(checker, fams[0])} and wrong on every other one."
    )


def hint(records, checker=None) -> str:
    """One sentence for the message: the families that split the cases, and what they mean
    (in the words of ``checker``'s ``family_words`` and ``family_means`` where it has them)."""
    fams = families(records)
    if not fams:
        return ""
    means = {**_MEANS, **getattr(checker, "family_means", {})}
    words = " and ".join(_words(checker, f) for f in fams)
    return f"Right on exactly the cases with {words}: " + "; or ".join(means[f] for f in fams) + "."
