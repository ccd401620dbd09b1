"""Stand-ins for the modules of cs_conv that the bubblewrap sandbox masks.

The sandbox shows only the checkers' runner and the course's helpers of
cs_conv (see :class:`autograder.sandbox.launch.Mask`; the libraries that
convolve are not stood in for: importing one fails, as other libraries
expect of a package that is not installed).  A notebook's setup cell still says
``from cs_conv import viz`` or ``from cs_conv.check import check_im2col``: so
that such imports succeed (and the cell goes on to define what the graded
functions need), every masked module is replaced by a stand-in whose every
attribute is a function that raises when called.  A call is also remembered
(:func:`take_attempts`): an answer that tries the reference while it is
graded is reported like one that reached it.
"""

from __future__ import annotations

import sys
import types

__all__ = ["Unavailable", "install", "take_attempts"]

_ATTEMPTS: list = []  # what was called since the last take_attempts()

_WHY = (
    "is not available while grading: the grader's sandbox hides the course's reference, "
    "its figures and its checks (the grader checks your answers itself)"
)


class Unavailable:
    """A masked function (or object): calling it, or anything on it, raises RuntimeError."""

    def __init__(self, name: str):
        self._name = name

    def __call__(self, *args, **kwargs):
        _ATTEMPTS.append(self._name)
        raise RuntimeError(f"{self._name} {_WHY}")

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Unavailable(f"{self._name}.{attr}")

    def __repr__(self) -> str:
        return f"<{self._name}: not available while grading>"


class UnavailableModule(types.ModuleType):
    """A masked module: every public attribute is an :class:`Unavailable`."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Unavailable(f"{self.__name__}.{attr}")


def install(hidden_modules) -> None:
    """Put a stand-in in ``sys.modules`` for each masked module, so that imports of it
    succeed (``cs_conv``'s lazy attributes import their modules, so they find it too)."""
    for name in sorted(hidden_modules, key=lambda n: n.count(".")):
        if name in sys.modules:
            continue
        module = UnavailableModule(name, f"{name} {_WHY}")
        module.__path__ = []  # a package to the import system: its submodules are stand-ins too
        sys.modules[name] = module


def take_attempts() -> list:
    """The masked functions called since the last take (each once, sorted); then start afresh."""
    seen = sorted(set(_ATTEMPTS))
    _ATTEMPTS.clear()
    return seen
