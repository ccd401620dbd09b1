"""Are the student's Cython kernels typed?  The verdicts of the compile jobs, read here.

The compile jobs (sandboxed, never importing the student's module) build each
distinct ``%%cython`` cell and judge every function in it with
:func:`cs_conv.check.kernel_typing.analyse_kernel`: Cython's own annotation,
no Python C-API call in the innermost loops.  They leave
``typing-<sha256 of the cell>.json`` beside the compiled modules.  This module
finds the verdict on a kernel for the trusted side:

- a test whose metadata names a ``kernel`` (the Cython im2col and col2im) also
  needs that kernel typed: an untyped one costs the test its points
  (``untyped-kernel``);
- a ``kernel_typed`` test is that verdict alone (notebook 4's "the innermost
  loop is white").

The verdicts were written in the sandbox, so they are read as untrusted data:
anything malformed counts as no verdict.
"""

from __future__ import annotations

import json
from pathlib import Path

from .notebook import defined_functions
from .sandbox.protocol import typing_file

__all__ = ["KernelVerdicts", "defining_cell"]

_MAX_BYTES = 1 << 20


def defining_cell(cells, name: str):
    """The last ``%%cython`` cell of ``cells`` that defines ``name`` (it is the one that
    counts when the notebook runs), or None."""
    found = None
    for cell in cells:
        source = cell["source"]
        if source.lstrip().startswith("%%cython") and name in defined_functions(source):
            found = cell
    return found


class KernelVerdicts:
    """The compile jobs' verdicts in ``folder`` (the shared build folder of a run)."""

    def __init__(self, folder):
        self.folder = Path(folder) if folder else None

    def of(self, source: str, kernel: str):
        """The :class:`~cs_conv.check.kernel_typing.KernelTyping` of ``kernel`` in the
        cell ``source``, or None when there is none (not built, not analysed, malformed)."""
        from cs_conv.check.kernel_typing import KernelTyping

        if self.folder is None:
            return None
        path = self.folder / typing_file(source)
        try:
            if path.is_symlink() or path.stat().st_size > _MAX_BYTES:
                return None
            verdict = json.loads(path.read_text()).get(kernel)
            return KernelTyping.from_dict(verdict) if isinstance(verdict, dict) else None
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
