"""Numerical gradients and the relative error the course prints."""

from __future__ import annotations

import numpy as np

__all__ = ["numerical_gradient", "rel_error"]


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
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes, got {a.shape} and {b.shape}")
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
