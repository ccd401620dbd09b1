"""Numerical gradients and the relative error the course prints."""

from __future__ import annotations

import numpy as np

from . import budget

__all__ = ["numerical_gradient", "rel_error"]

#: The least a call of ``f`` costs in :func:`numerical_gradient`'s time budget (seconds).
SECONDS_PER_CALL = 20e-6


def rel_error(a, b):
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``.

    Around 1e-8 or less means "the same" for float64 gradients; 1e-3 or more
    means a bug.  Shapes must match (no broadcasting: a ``(F, 1)`` against an
    ``(F,)`` array is an error, not a silent ``(F, F)`` comparison).

    Examples
    --------
    >>> rel_error([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> round(rel_error([1.0], [1.1]), 4)
    0.0476
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes, got {a.shape} and {b.shape}")
    # a - b, |a - b|, |a| + |b|, the quotient: four float64 temporaries
    budget.check(
        f"rel_error of two arrays of shape {a.shape}",
        arrays={"temporaries": 4 * a.size},
        hint=f"arrays of at most {budget.max_bytes() // (4 * budget.ITEM):,} entries: compare "
        "them slice by slice and take the largest error",
    )
    a, b = a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numerical_gradient(f, x, df, h=1e-5):
    """Centred-difference gradient of ``sum(f(x) * df)`` with respect to ``x``.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x``, returns an array shaped like ``df``.
    x : ndarray
        Point at which to differentiate; it is *not* modified (``f`` gets a
        perturbed copy).
    df : ndarray
        Upstream gradient, the weights of the sum.
    h : float
        Step of the centred difference.

    Returns
    -------
    ndarray, shape of ``x``, float64
        ``grad[idx] = sum((f(x + h e_idx) - f(x - h e_idx)) * df) / (2 h)``.

    Examples
    --------
    >>> import numpy as np
    >>> g = numerical_gradient(lambda v: v ** 2, np.array([1.0, -3.0]), np.ones(2))
    >>> np.round(g, 6)
    array([ 2., -6.])
    """
    x, df = np.asarray(x), np.asarray(df)
    # two copies of x (the perturbed point, the gradient); at least 2 calls of f per element
    budget.check(
        f"numerical_gradient at x of shape {x.shape}",
        arrays={"x perturbed": x.size, "grad": x.size, "df as float64": df.size},
        seconds=2 * x.size * SECONDS_PER_CALL,
        hint=f"an x of at most {_max_entries():,} entries (numerical gradients check code on "
        "small arrays: each entry costs two calls of f)",
    )
    xp = np.array(x, dtype=np.float64)  # a private copy we perturb
    df = np.asarray(df, dtype=np.float64)
    grad = np.zeros_like(xp)
    flat = xp.reshape(-1)
    for idx in range(flat.size):
        old = flat[idx]
        flat[idx] = old + h
        pos = np.array(f(xp), dtype=np.float64)
        flat[idx] = old - h
        neg = np.array(f(xp), dtype=np.float64)
        flat[idx] = old
        if pos.shape != df.shape:
            raise ValueError(f"f(x) has shape {pos.shape} but df has shape {df.shape}")
        grad.reshape(-1)[idx] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def _max_entries() -> int:
    """The most entries :func:`numerical_gradient`'s budgets allow."""
    by_time = budget.max_seconds() / (2 * SECONDS_PER_CALL)
    return int(min(budget.max_bytes() // (2 * budget.ITEM), by_time))
