"""Comparing a student's output with an expected one: tolerances, errors, where it differs.

The error of an output is *normwise relative*: ``max|got - expected| /
max|expected|``.  Elementwise relative error is misleading for convolutions,
whose outputs are sums with cancellation (an entry near zero would fail a
correct implementation).  A float64 case passes at 1e-10, a float32 case at
1e-4.  A float64 output off by 1e-10 to 1e-5 is *numerically loose*: it fails,
with its own diagnosis (see :mod:`cs_conv.check.catalogue`).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LOOSE_TOL",
    "PASS_TOL",
    "active",
    "differing_axes",
    "matches",
    "rel_err",
    "where_wrong",
]

PASS_TOL = {"float64": 1e-10, "float32": 1e-4}
"""Largest normwise relative error that passes, by the case's dtype."""
LOOSE_TOL = 1e-5
"""float64 errors in ``(PASS_TOL, LOOSE_TOL]`` are ``numerically-loose``."""
MATCH_TOL = {"float64": 1e-6, "float32": 1e-3}
"""A student's output "equals" a mutation's within this error."""


def rel_err(expected, got) -> float:
    """``max|got - expected| / max|expected|`` in float64 (0 for two empty arrays).

    Shapes must be equal.  Non-finite values give ``inf``.

    Examples
    --------
    >>> rel_err([1.0, -2.0], [1.0, -2.2])
    0.1
    """
    e = np.asarray(expected, dtype=np.float64)
    g = np.asarray(got, dtype=np.float64)
    if e.size == 0:
        return 0.0
    if not np.all(np.isfinite(g)):
        return float("inf")
    scale = max(float(np.max(np.abs(e))), 1e-300)
    diff = float(np.max(np.abs(g - e)))
    if diff == 0.0:
        return 0.0
    return round(diff / scale, 15)


def _same(a: np.ndarray, b: np.ndarray, tol: float, exact: bool) -> bool:
    if a.shape != b.shape:
        return False
    if exact:
        return bool(np.array_equal(a, b))
    return rel_err(a, b) <= tol


def matches(got: dict, mutated: dict, dtype: str, exact: bool = False) -> bool:
    """Every output of the mutation equals the student's (shape and values)."""
    tol = MATCH_TOL[dtype]
    return all(
        name in got and _same(np.asarray(mutated[name]), got[name], tol, exact) for name in mutated
    )


def active(mutated: dict, expected: dict, dtype: str, exact: bool = False) -> bool:
    """The mutation changes the answer clearly (10x the match tolerance) on this case."""
    tol = 10 * MATCH_TOL[dtype]
    for name, m in mutated.items():
        m, e = np.asarray(m), np.asarray(expected[name])
        if m.shape != e.shape:
            return True
        if exact:
            if not np.array_equal(m, e):
                return True
        elif rel_err(e, m) > tol:
            return True
    return False


def differing_axes(expected_shape, got_shape, axis_names) -> str:
    """Words for a shape mismatch, e.g. ``axis 2 (H_out): expected 3, got 4``.

    Examples
    --------
    >>> differing_axes((1, 2, 3, 4), (1, 2, 4, 3), ("N", "F", "H_out", "W_out"))
    'axis 2 (H_out): expected 3, got 4; axis 3 (W_out): expected 4, got 3'
    """
    if len(expected_shape) != len(got_shape):
        return f"{len(got_shape)} axes instead of {len(expected_shape)}"
    parts = []
    for ax, (e, g) in enumerate(zip(expected_shape, got_shape, strict=True)):
        if e != g:
            name = axis_names[ax] if ax < len(axis_names) else str(ax)
            parts.append(f"axis {ax} ({name}): expected {e}, got {g}")
    return "; ".join(parts)


def _ranges(idx) -> str:
    idx = sorted(int(i) for i in idx)
    parts, start = [], None
    for k, v in enumerate(idx):
        if start is None:
            start = v
        if k + 1 == len(idx) or idx[k + 1] != v + 1:
            parts.append(str(start) if start == v else f"{start}-{v}")
            start = None
    text = ", ".join(parts[:6])
    return text + (", ..." if len(parts) > 6 else "")


def where_wrong(expected, got, axis_names, dtype: str) -> str:
    """Which indices along each axis hold wrong values, e.g. ``f 0, 2; i all; j 3``.

    Examples
    --------
    >>> import numpy as np
    >>> e = np.zeros((1, 2, 3, 4)); g = e.copy(); g[0, 1, :, 3] = 1
    >>> where_wrong(e, g, ("n", "f", "i", "j"), "float64")
    '3 of 24 values differ (only at f 1; j 3)'
    """
    e = np.asarray(expected, dtype=np.float64)
    g = np.asarray(got, dtype=np.float64)
    scale = max(float(np.abs(e).max()) if e.size else 0.0, 1e-300)
    bad = ~(np.abs(g - e) <= PASS_TOL[dtype] * scale)
    n_bad = int(bad.sum())
    if n_bad == bad.size:
        return f"all {bad.size} values differ"
    parts = []
    for ax in range(bad.ndim):
        other = tuple(a for a in range(bad.ndim) if a != ax)
        hit = np.flatnonzero(bad.any(axis=other)) if other else np.flatnonzero(bad)
        if len(hit) < bad.shape[ax]:
            name = axis_names[ax] if ax < len(axis_names) else f"axis {ax}"
            parts.append(f"{name} {_ranges(hit)}")
    where = f" (only at {'; '.join(parts)})" if parts else ""
    return f"{n_bad} of {bad.size} values differ{where}"
