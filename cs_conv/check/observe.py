"""What the runner observes while a student's function runs (runner-safe).

- :class:`LineCounter`: the Python lines the student's own code executes
  (``sys.settrace``), to tell a loop over windows from a loop over taps;
- :func:`global_arrays`: the module-level arrays a function reads instead of
  (or besides) its arguments;
- :func:`where_raised`: the student's innermost line in a traceback.

Only the standard library and numpy: the grader's sandbox imports it.
"""

from __future__ import annotations

import dis
import inspect
import os
import sys
import sysconfig
import threading
import traceback

import numpy as np

__all__ = ["LineCounter", "global_arrays", "where_raised"]


def _library_roots() -> tuple[str, ...]:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            paths.add(p)
    paths.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # cs_conv
    roots = (os.path.join(os.path.realpath(p), "") for p in paths if p)
    return tuple(r for r in roots if len(r) > 1)  # never "/": that would hide everything


class LineCounter:
    """Counts the Python lines a student's own code executes during a call.

    A line counts when its code is not a library's: not under ``sys.prefix``,
    ``sys.base_prefix``, site-packages, the standard library or the ``cs_conv``
    package.  Notebook cells, ``exec``'d strings and the student's files count;
    a loop in a comprehension, a lambda given to ``map``, ``np.vectorize`` or
    ``np.apply_along_axis`` counts once per iteration.  Uses :func:`sys.settrace`
    (and :func:`threading.settrace` for threads started meanwhile), and puts
    back whatever tracer was there before.  ``removed`` is True when the
    student's code switched the tracer off or replaced it.

    Examples
    --------
    >>> def f(n):
    ...     total = 0
    ...     for k in range(n):
    ...         total += k
    ...     return total
    >>> with LineCounter() as c:
    ...     _ = f(10)
    >>> c.lines > 10, c.removed
    (True, False)
    """

    _roots: tuple[str, ...] | None = None

    def __init__(self):
        self.lines = 0
        self.removed = False
        self._verdicts: dict = {}
        self._tracer = self._global  # one bound method, so that gettrace() can be compared
        self._line = self._local
        self._previous = None
        self._previous_threading = None

    @classmethod
    def is_library(cls, filename: str) -> bool:
        """Whether code from ``filename`` is a library's (not counted, not the student's)."""
        if cls._roots is None:
            cls._roots = _library_roots()
        if filename.startswith("<") and not filename.startswith("<frozen"):
            return False  # exec'd strings, IPython cells
        return os.path.realpath(filename).startswith(cls._roots) or filename.startswith("<frozen")

    def _global(self, frame, event, arg):
        code = frame.f_code
        student = self._verdicts.get(code)
        if student is None:
            student = self._verdicts[code] = not self.is_library(code.co_filename)
        return self._line if student else None

    def _local(self, frame, event, arg):
        if event == "line":
            self.lines += 1
        return self._line

    def __enter__(self):
        self._previous = sys.gettrace()
        self._previous_threading = threading.gettrace()
        threading.settrace(self._tracer)
        sys.settrace(self._tracer)
        return self

    def __exit__(self, *exc):
        self.removed = sys.gettrace() is not self._tracer
        sys.settrace(self._previous)
        threading.settrace(self._previous_threading)
        return False


# ------------------------------------------------------------------ global reads
def _global_names(code) -> list[str]:
    """Names the code (and the code nested in it: comprehensions, lambdas) loads as globals."""
    names = [
        i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")
    ]
    for const in code.co_consts:
        if inspect.iscode(const):
            names += _global_names(const)
    return [n for n in names if isinstance(n, str)]


def global_arrays(funcs: dict, depth: int = 2) -> tuple[str, ...]:
    """The module-level arrays the student's functions read (not their parameters).

    Only arrays shaped like an input (4-D x, w, dout; 2-D cols) count, in the functions
    and their own helpers ``depth`` calls deep.  Each entry is ``"name (shape) dtype"``.

    Examples
    --------
    >>> import numpy as np
    >>> table = np.zeros((2, 3))
    >>> def f(x):
    ...     return x + table.sum()
    >>> global_arrays({"f": f})
    ('table (2, 3) float64',)
    """
    found: dict[str, str] = {}
    seen: set = set()
    todo = [(f, depth) for f in funcs.values()]
    while todo:
        f, left = todo.pop()
        try:
            f = inspect.unwrap(f)
        except ValueError:  # a __wrapped__ cycle
            continue
        code, env = getattr(f, "__code__", None), getattr(f, "__globals__", None)
        if code is None or env is None or id(code) in seen:
            continue
        seen.add(id(code))
        params = set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        for name in _global_names(code):
            value = env.get(name)
            if isinstance(value, np.ndarray) and value.ndim in (2, 4) and name not in params:
                found.setdefault(name, f"{name} {value.shape} {value.dtype}")
            elif left > 0 and inspect.isfunction(value) and _own(value.__code__.co_filename):
                todo.append((value, left - 1))
    return tuple(found[k] for k in sorted(found))[:8]


def _own(filename: str) -> bool:
    return not LineCounter.is_library(filename)


# --------------------------------------------------------------------- the run
def where_raised(exc: BaseException) -> str:
    """``"<file>:<line> in <function>: <source line>"`` of the innermost frame of the
    student's own code in the traceback, or ``""``."""
    found = ""
    for fs in (f for f in traceback.extract_tb(exc.__traceback__) if _own(f.filename)):
        line = (fs.line or "").strip()
        found = f"{fs.filename}:{fs.lineno} in {fs.name}" + (f": {line}" if line else "")
    return found[:500]
