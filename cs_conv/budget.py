"""Size and time budgets: a call that would exhaust memory or run for hours is refused first.

Every public function of :mod:`cs_conv` estimates, from its arguments' shapes
alone, the arrays it is about to create and how long its loops will run, and
refuses the call *before allocating anything* when the estimate is over budget.
The refusal is a :class:`BudgetError` (a ``ValueError``) that gives the
numbers, the budget and a smaller call that fits.

Budgets
-------
memory : :func:`max_bytes`
    All the arrays one call creates, together.  4 GiB by default, and never
    more than a quarter of the machine's memory; ``CS_CONV_MAX_GIB`` sets
    another value.  Under an address-space limit (``RLIMIT_AS``, as in the
    grader's sandbox) at most half of that limit.  Every element counts 8
    bytes (float64, ``intp``), whatever the dtype, so that one estimate holds
    for both float dtypes.
time : :func:`max_seconds`
    Python-level loops (naive convolution, im2col by loops, numerical
    gradients) and matrix products, estimated from their number of steps at a
    fixed cost per step measured on a 2-core machine (a Python loop step costs
    microseconds, a multiply-add of a matrix product half a nanosecond).
    60 s by default; ``CS_CONV_MAX_SECONDS`` sets another value.

What each stage creates and how long it runs is estimated in
:mod:`cs_conv.costs`.
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

__all__ = [
    "BudgetError",
    "address_space_limit",
    "available_bytes",
    "check",
    "check_copy",
    "check_file",
    "check_threads",
    "describe_bytes",
    "describe_seconds",
    "max_bytes",
    "max_seconds",
    "memory_override",
]

#: Default memory budget of one call (bytes).
DEFAULT_BYTES = 4 * 2**30
#: Default time budget of one call (seconds).
DEFAULT_SECONDS = 60.0
#: Bytes counted per element.
ITEM = 8
#: No budget is ever set below these, so that smaller calls skip reading the settings.
FLOOR_BYTES = 16 * 2**20
FLOOR_SECONDS = 1.0


class BudgetError(ValueError):
    """A call refused before it started: over the memory or the time budget."""


try:
    _PHYSICAL = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
    _PHYSICAL = None
try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None


def address_space_limit() -> int | None:
    """This process's address-space limit (``RLIMIT_AS``) in bytes, or None."""
    if resource is None:  # pragma: no cover - Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft


def _env_number(name: str) -> float | None:
    text = os.environ.get(name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number; unset it or give e.g. 8") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}={text!r} must be a positive finite number, e.g. 8")
    return value


def max_bytes() -> int:
    """The memory budget of one call, in bytes (see the module docstring).

    Examples
    --------
    >>> 0 < max_bytes() <= DEFAULT_BYTES or "CS_CONV_MAX_GIB" in os.environ
    True
    """
    limit = memory_override()
    if limit is None:
        limit = DEFAULT_BYTES if not _PHYSICAL else min(DEFAULT_BYTES, _PHYSICAL // 4)
    rlimit = address_space_limit()
    if rlimit is not None:
        limit = min(limit, rlimit // 2)
    return max(limit, FLOOR_BYTES)


def max_seconds() -> float:
    """The time budget of one call, in seconds (see the module docstring)."""
    seconds = _env_number("CS_CONV_MAX_SECONDS")
    return max(DEFAULT_SECONDS if seconds is None else seconds, FLOOR_SECONDS)


def describe_bytes(n: float) -> str:
    """``n`` bytes in a readable unit.

    Examples
    --------
    >>> describe_bytes(3 * 2**30), describe_bytes(1536), describe_bytes(10), describe_bytes(2**2000)
    ('3 GiB', '1.5 KiB', '10 B', 'about 2**2000 B')
    """
    if isinstance(n, int) and n > 2**1000:  # beyond a float
        return f"about 2**{n.bit_length() - 1} B"
    for unit, size in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    for unit, size in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def describe_seconds(s: float) -> str:
    """``s`` seconds in a readable unit (``"17.6 minutes"``)."""
    if isinstance(s, int) and s > 2**1000:  # beyond a float
        return f"about 2**{s.bit_length() - 1} s"
    if s >= 86400:
        return f"{s / 86400:.3g} days"
    if s >= 3600:
        return f"{s / 3600:.3g} hours"
    if s >= 120:
        return f"{s / 60:.3g} minutes"
    return f"{s:.3g} s"


def check(what: str, *, arrays=None, seconds=0.0, hint=""):
    """Raise :class:`BudgetError` when a call's estimate is over budget.

    Parameters
    ----------
    what : str
        The call, for the message (``"im2col_fancy.im2col"``).
    arrays : dict of str to int, optional
        Elements of every array the call would create, by name.
    seconds : float
        Estimated running time.
    hint : str
        A smaller call that fits (appended as ``"; try ..."``).

    Examples
    --------
    >>> check("demo", arrays={"cols": 10})
    >>> check("demo", arrays={"cols": 2**40}, hint="N=1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cs_conv.budget.BudgetError: demo is refused before it starts: it would create cols (8 TiB): ...
    """
    arrays = dict(arrays or {})
    if sum(arrays.values()) * ITEM <= FLOOR_BYTES and seconds <= FLOOR_SECONDS:
        return
    total = sum(int(n) for n in arrays.values()) * ITEM
    limit, limit_s = max_bytes(), max_seconds()
    if total <= limit and seconds <= limit_s:
        return
    parts = []
    if total > limit:
        listed = ", ".join(f"{name} ({describe_bytes(n * ITEM)})" for name, n in arrays.items())
        note = (
            "the memory budget of one call, cs_conv.budget.max_bytes(); set CS_CONV_MAX_GIB "
            "to change it"
        )
        parts.append(
            f"it would create {listed}: {describe_bytes(total)} in all (counted at {ITEM} "
            f"bytes per element), over {describe_bytes(limit)} ({note})"
        )
    if seconds > limit_s:
        parts.append(
            f"it would run for about {describe_seconds(seconds)}, over the time budget of "
            f"{describe_seconds(limit_s)} (cs_conv.budget.max_seconds(); set "
            "CS_CONV_MAX_SECONDS to change it)"
        )
    message = f"{what} is refused before it starts: " + "; and ".join(parts)
    raise BudgetError(message + (f"; try {hint}" if hint else ""))


def check_copy(a, name: str, what: str = "converting") -> None:
    """Refuse a full copy of array ``a`` (a dtype conversion, a contiguous copy) over budget.

    A broadcast view such as ``np.broadcast_to(0.0, (10**4,) * 4)`` takes no
    memory, but a copy of it would take all of it.
    """
    size = int(getattr(a, "size", 0))
    shape = tuple(getattr(a, "shape", ()))
    check(
        f"{what} {name} of shape {shape}",
        arrays={f"a copy of {name}": size},
        hint="a smaller array (copies of broadcast or strided views take the full size)",
    )


# ------------------------------------------------------------- threads, files, the benchmark

#: Most threads :func:`check_threads` allows (thread pools start one OS thread each).
MAX_THREADS = max(64, 4 * (os.cpu_count() or 1))
#: Largest notebook file the course helpers read.
MAX_NOTEBOOK_BYTES = 64 * 2**20


def check_threads(n, what: str = "the number of threads") -> int:
    """``n`` as an int in ``1..MAX_THREADS``, else ``ValueError``/``TypeError``.

    Examples
    --------
    >>> check_threads(2)
    2
    """
    if isinstance(n, bool | np.bool_) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be an int >= 1, got {n!r} of type {type(n).__name__}")
    if not 1 <= n <= MAX_THREADS:
        raise ValueError(
            f"{what} must be an int in 1..{MAX_THREADS} (at most 4 per core, or 64), got {n!r}"
        )
    return int(n)


def check_file(path, what: str, limit: int = MAX_NOTEBOOK_BYTES) -> None:
    """Refuse to read a file larger than ``limit`` bytes (a notebook is megabytes at most)."""
    size = os.stat(path).st_size
    if size > limit:
        raise BudgetError(
            f"{what} {str(path)!r} is {describe_bytes(size)}, over the {describe_bytes(limit)} "
            "a course notebook may have: clear its outputs (Kernel > Restart and Clear "
            "Outputs) and save it again"
        )


def memory_override() -> int | None:
    """The memory budget ``CS_CONV_MAX_GIB`` sets, in bytes, or None when it is not set."""
    gib = _env_number("CS_CONV_MAX_GIB")
    return None if gib is None else int(gib * 2**30)


def available_bytes() -> int:
    """Memory available now (``MemAvailable``), else the machine's memory, else 4 GiB."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return _PHYSICAL or DEFAULT_BYTES
