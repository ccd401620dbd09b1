"""The reference watch: calls into reference code made while a student's function is graded.

Best effort, like everything in the worker (the student's code runs in this
process): the bubblewrap sandbox, which exposes no reference at all, is the
first line; this watch is the second, and the first on the plain fallback.
"""

from __future__ import annotations

import os
import sys

__all__ = ["ReferenceWatch", "compiled_modules", "function_origin", "module_paths"]


def compiled_modules(package_dir: str, package: str) -> list[str]:
    """The dotted names of the extension modules (``.so``) inside a package: the
    compiled kernels, whose functions a profile hook does not see."""
    names = []
    for folder, _dirs, files in os.walk(package_dir):
        rel = os.path.relpath(folder, package_dir)
        prefix = package if rel == "." else package + "." + rel.replace(os.sep, ".")
        names += [f"{prefix}.{f.split('.')[0]}" for f in sorted(files) if f.endswith(".so")]
    return sorted(names)


def module_paths(names) -> list[str]:
    """Where the installed modules ``names`` live, as path prefixes (a package's folder
    with a trailing separator, a module's path up to its suffix), found without
    importing any of them; names that are not installed are left out."""
    import importlib.util

    paths = []
    for name in names:
        top, *sub = name.split(".")
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            path = os.path.join(location, *sub)
            paths.append(os.path.join(path, "") if os.path.isdir(path) else path + ".")
    return paths


class ReferenceWatch:
    """Notes calls into reference code made while a student's function runs.

    A profile hook (``sys.setprofile``, and ``threading.setprofile`` for threads
    the function starts) is on only during the watched calls.  It records each
    function of reference code entered from code that is not itself reference
    code: the student's, an instructor cell's (a demonstration that wraps the
    reference), or a checker the student calls for the answer.  What counts
    comes from the course policy (``autograder.policy``, sent with the job):
    the ``cs_conv`` package but its ``allowed`` modules, and the ``libraries``
    that would convolve for the student (their compiled functions are seen by
    their module name).  The course kernel's compiled functions, which a
    profile hook does not see, are wrapped at start-up instead.  Best effort
    like everything in the worker: a student who removes the hook is noticed
    (``hook_removed``) only if the hook is still gone when the function returns.
    """

    # shape arithmetic and validation the allowed helpers use too
    SHARED = ("geometry.py", "_validate.py", "budget.py", "costs.py")

    def __init__(self, package_dir, allowed=(), libraries=(), denied=()):
        self.root = os.path.join(package_dir, "")
        self.allowed = tuple(module_paths(allowed))
        # forbidden again inside an allowed package (the checkers' mutations)
        self.denied = tuple(module_paths(denied))
        self.shared = tuple(os.path.join(package_dir, a) for a in self.SHARED)
        self.library_names = tuple(libraries)
        self.libraries = tuple(module_paths(libraries))
        self.calls = set()
        self.hook_removed = False
        self._depth = 0
        self._saved = None

    def _reference(self, filename) -> bool:
        # a package's __init__ only finds the module an attribute names (lazy imports):
        # what that module does is seen when its own functions are entered
        package = filename.startswith(self.root) and not filename.endswith("__init__.py")
        allowed = filename.startswith(self.allowed) and not filename.startswith(self.denied)
        return (package and not allowed) or filename.startswith(self.libraries)

    def _hook(self, frame, event, arg):
        if event == "c_call":
            module = getattr(arg, "__module__", None)
            if (
                isinstance(module, str)
                and module.startswith(self.library_names)
                and not self._reference(frame.f_code.co_filename)
            ):
                self.calls.add(f"{module}.{getattr(arg, '__qualname__', '?')}")
            return
        if event != "call":
            return
        code = frame.f_code
        callee = code.co_filename
        if not self._reference(callee) or code.co_name == "<module>":
            return
        back = frame.f_back
        caller = back.f_code.co_filename if back is not None else ""
        if self._reference(caller):
            return  # reference code calling itself: one use, noted where it was entered
        if caller.startswith(self.root) and callee.startswith(self.shared):
            return  # an allowed helper (a figure) using the shared shape arithmetic
        module = frame.f_globals.get("__name__", "cs_conv")
        self.calls.add(f"{module}.{getattr(code, 'co_qualname', code.co_name)}")

    def wrap_kernel(self, module):
        """Replace the compiled kernel's public functions by recording wrappers
        (without ``__wrapped__``: the original is not one attribute away)."""
        import functools

        def tripwire(fn, name):
            @functools.wraps(fn)
            def call(*args, **kwargs):
                if self._depth and not self._reference(sys._getframe(1).f_code.co_filename):
                    self.calls.add(name)
                return fn(*args, **kwargs)

            del call.__wrapped__
            return call

        for name, fn in list(vars(module).items()):
            if name.startswith("_") or not callable(fn) or isinstance(fn, type):
                continue
            setattr(module, name, tripwire(fn, f"{module.__name__}.{name}"))

    def __enter__(self):
        import threading

        self._depth += 1
        if self._depth == 1:
            self._saved = sys.getprofile()
            sys.setprofile(self._hook)
            threading.setprofile(self._hook)
        return self

    def __exit__(self, *exc):
        import threading

        self._depth -= 1
        if self._depth == 0:
            if sys.getprofile() != self._hook:
                self.hook_removed = True
            sys.setprofile(self._saved)
            threading.setprofile(None)
        return False

    def watched(self, f):
        """``f`` called under the watch (a non-callable is returned as it is)."""
        import functools

        if not callable(f):
            return f

        @functools.wraps(f)
        def call(*args, **kwargs):
            with self:
                return f(*args, **kwargs)

        return call

    def take(self) -> dict:
        """What was seen since the last call, as event fields; then start afresh."""
        seen = {"reference_calls": sorted(self.calls)[:20]}
        if self.hook_removed:
            seen["hook_removed"] = True
        self.calls, self.hook_removed = set(), False
        return seen


def function_origin(f):
    """Where a student's function really comes from (reported, not trusted)."""
    if f is None:
        return None
    code = getattr(f, "__code__", None)
    return {
        "type": type(f).__name__,
        "module": str(getattr(f, "__module__", None)),
        "file": getattr(code, "co_filename", None) if code is not None else None,
    }
