"""Input validation shared by every stage.

Every public function of :mod:`cs_conv` funnels its arguments through these
helpers, so that a bad argument gets the same clear message whichever stage
it was passed to.  Messages name the offending value and say how to fix it.
"""

from __future__ import annotations

import numbers

import numpy as np

from .budget import check_copy

__all__ = [
    "as_float_array",
    "as_int_pair",
    "check_ndim",
    "check_out",
    "common_float_dtype",
    "conv_param_values",
]


def as_float_array(a, name: str) -> np.ndarray:
    """Return ``a`` as a float32 or float64 array, never mutating it.

    float32 and float64 arrays come back as they are (no copy); other real
    dtypes (integers, bool, float16) are converted to float64.  Complex,
    object, string and other dtypes raise ``TypeError``.
    """
    if isinstance(a, np.ndarray):
        arr = a
    else:
        try:
            arr = np.asarray(a)
        except (ValueError, TypeError) as exc:  # ragged nested lists
            raise TypeError(f"{name} must be a real numeric array; {exc}") from None
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype in (np.float32, np.float64):
            return arr
        if arr.dtype.itemsize > 8:
            raise TypeError(
                f"{name} has dtype {arr.dtype}; use float32 or float64 "
                f"(e.g. {name}.astype(np.float64))"
            )
        check_copy(arr, name, "converting to float64")
        return arr.astype(np.float64)
    if kind in "biu":
        check_copy(arr, name, "converting to float64")
        return arr.astype(np.float64)
    if kind == "c":
        raise TypeError(
            f"{name} has complex dtype {arr.dtype}; convolution here is defined "
            f"for real arrays: pass {name}.real or convert to float64"
        )
    raise TypeError(
        f"{name} has dtype {arr.dtype} (not a real number type); pass a float32 or "
        f"float64 array, e.g. np.asarray({name}, dtype=np.float64)"
    )


def common_float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype every stage computes in: float32 only if all inputs are."""
    return np.result_type(*[a.dtype for a in arrays])


def check_ndim(arr: np.ndarray, ndim: int, name: str, layout: str) -> None:
    """Raise ``ValueError`` unless ``arr.ndim == ndim``; ``layout`` names the axes."""
    if arr.ndim != ndim:
        hint = ""
        if arr.ndim == ndim - 1 and name == "x":
            hint = f"; for a single image use {name}[None] to add the batch axis N"
        raise ValueError(
            f"{name} must be {ndim}-D with layout {layout}, got {arr.ndim}-D array "
            f"of shape {tuple(arr.shape)}{hint}"
        )


def _as_int(v, name: str, *, minimum: int) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        raise TypeError(
            f"{name} must be an int (or a pair of ints), got {v!r} of type "
            f"{type(v).__name__}; e.g. {name}=int({name})"
        )
    v = int(v)
    if v < minimum:
        what = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{name} must be {what} (>= {minimum}), got {v}")
    return v


def as_int_pair(v, name: str, *, minimum: int) -> tuple[int, int]:
    """Normalise ``v`` (an int or an ``(h, w)`` pair) to a pair of ints.

    Raises ``TypeError`` for non-integers (``1.5``, ``"2"``, ``True``) and
    ``ValueError`` for values below ``minimum`` or a pair of the wrong length.
    """
    if isinstance(v, (tuple, list, np.ndarray)):
        seq = list(np.asarray(v).ravel()) if isinstance(v, np.ndarray) else list(v)
        if len(seq) != 2:
            raise ValueError(
                f"{name} must be an int or an (h, w) pair, got a sequence of "
                f"length {len(seq)}: {v!r}"
            )
        return (
            _as_int(seq[0], f"{name}[0] (height)", minimum=minimum),
            _as_int(seq[1], f"{name}[1] (width)", minimum=minimum),
        )
    n = _as_int(v, name, minimum=minimum)
    return (n, n)


def conv_param_values(conv_param) -> tuple[tuple[int, int], tuple[int, int]]:
    """Validate a CS231n-style ``conv_param`` dict; return ``(stride, pad)`` pairs."""
    if not isinstance(conv_param, dict):
        raise TypeError(
            "conv_param must be a dict like {'stride': 1, 'pad': 0}, got "
            f"{type(conv_param).__name__}"
        )
    unknown = sorted(set(conv_param) - {"stride", "pad"}, key=str)
    if unknown:
        raise ValueError(
            f"conv_param has unknown key(s) {unknown}; the keys are 'stride' and "
            "'pad' (e.g. {'stride': 2, 'pad': 1})"
        )
    missing = [k for k in ("stride", "pad") if k not in conv_param]
    if missing:
        raise ValueError(
            f"conv_param is missing {missing}; pass both, e.g. {{'stride': 1, 'pad': 0}}"
        )
    stride = as_int_pair(conv_param["stride"], "stride", minimum=1)
    pad = as_int_pair(conv_param["pad"], "pad", minimum=0)
    return stride, pad


def check_out(out, shape, dtype, name: str, what: str, source, source_name: str):
    """Check an ``out=`` buffer for ``what`` (of ``shape`` and ``dtype``); return it.

    It must be a NumPy array of exactly that shape and dtype, C-contiguous and
    writeable, and share no memory with ``source`` (the input it is computed
    from: writing one while reading the other would give wrong values).  The
    checks cost a microsecond; the messages are built only for a refusal.

    Examples
    --------
    >>> check_out(np.zeros((2, 3)), (2, 3), np.float64, "out", "cols", np.ones(4), "x").shape
    (2, 3)
    >>> check_out(np.zeros((3, 2)), (2, 3), np.float64, "out", "cols", np.ones(4), "x")
    Traceback (most recent call last):
    ...
    ValueError: out has shape (3, 2) but cols has shape (2, 3); pass np.empty((2, 3), dtype=float64)
    """
    if (
        type(out) is np.ndarray
        and out.shape == shape
        and out.dtype == dtype
        and out.flags.c_contiguous
        and out.flags.writeable
        and not np.may_share_memory(out, source)
    ):
        return out
    shape, dtype = tuple(shape), np.dtype(dtype)
    fix = f"pass np.empty({shape}, dtype={dtype})"
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array for {what}, got {type(out).__name__}; {fix}")
    if out.shape != shape:
        raise ValueError(f"{name} has shape {out.shape} but {what} has shape {shape}; {fix}")
    if out.dtype != dtype:
        raise TypeError(
            f"{name} has dtype {out.dtype} but {what} is {dtype} (the dtype of "
            f"{source_name}); {fix}"
        )
    if not out.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (a view with strides is not); {fix}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only; {fix}")
    if np.may_share_memory(out, source):
        raise ValueError(
            f"{name} shares memory with {source_name}: {what} would overwrite its own "
            f"input; use a separate buffer"
        )
    return out  # an ndarray subclass that passes every check
