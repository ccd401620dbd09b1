"""A corpus of student functions, wrong and right, for the checkers.

Each module lists ``MUTANTS`` (a function that makes one mistake, or, where a
real student's code makes two, both) and ``VALID`` (a right function in some
style).  They are written the way students write them, independently of
``cs_conv``, in several styles per mistake:

- ``scalar``: plain arithmetic on ints (conv_output_shape);
- ``loops``: Python loops (over images, windows, output positions, or axes);
- ``fancy``: index arrays and fancy indexing, ``np.add.at``;
- ``strided``: ``sliding_window_view`` or ``as_strided``;
- ``vectorised``: broadcasting, ``np.pad``, ``tensordot`` without loops over windows;
- ``gemm``: im2col and one matrix product;
- ``einsum``: ``np.einsum`` over windows or cols.

:data:`STAGE` says at which stage a style is checked (a loop is not a fancy
stage's answer: the ``python-loops`` corpus checks that separately).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STYLES = ("scalar", "loops", "fancy", "strided", "vectorised", "gemm", "einsum")

STAGE = {
    "scalar": "loops",
    "loops": "loops",
    "fancy": "fancy",
    "strided": "fancy",
    "vectorised": "fancy",
    "gemm": "loops",
    "einsum": "fancy",
}


@dataclass(frozen=True)
class Mutant:
    """A wrong student function: which checker, the codes it must get, its style."""

    checker: str
    codes: tuple
    style: str
    func: Any = field(compare=False)
    stage: str | None = None

    @property
    def name(self) -> str:
        f = self.func
        if isinstance(f, dict):
            return "+".join(getattr(g, "__name__", "?") for g in f.values())
        return getattr(f, "__name__", "?")


@dataclass(frozen=True)
class Valid:
    """A right student function."""

    checker: str
    style: str
    func: Any = field(compare=False)
    stage: str | None = None

    @property
    def name(self) -> str:
        f = self.func
        if isinstance(f, dict):
            return "+".join(getattr(g, "__name__", "?") for g in f.values())
        return getattr(f, "__name__", "?")


def mutant(checker, codes, style, func, stage=None) -> Mutant:
    """A :class:`Mutant`; ``codes`` is one code or a tuple of them."""
    return Mutant(checker, (codes,) if isinstance(codes, str) else tuple(codes), style, func, stage)
