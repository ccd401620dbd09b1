"""A stand-in for a kernel compiled by IPython's ``%%cython`` magic, with any ``.pyx`` beside it.

``check_kernel_typed`` reads the ``.pyx`` that the magic keeps next to the compiled
module (``cs_conv.check.kernel_checks.kernel_source``).  Compiling a real kernel needs
a C compiler and seconds; this object looks the same to that lookup, so that the
check can be given sources nobody would compile: a gigabyte, binary garbage, brackets
nested thousands deep.
"""

from __future__ import annotations

import itertools
import sys
import types
from pathlib import Path

_COUNT = itertools.count()


def fake_compiled_kernel(folder, pyx, name: str = "im2col_kernel"):
    """A callable whose module is ``<folder>/_cython_magic_<k>.<so>`` beside a ``.pyx``.

    Parameters
    ----------
    folder : path
        Where the two files go (the ``.so`` is never created: only its name is read).
    pyx : bytes or int
        The ``.pyx`` source, or a size: a sparse file of that many zero bytes (no disk).
    name : str
        The kernel's ``__name__``.
    """
    module_name = f"_cython_magic_oversized_{next(_COUNT)}"
    folder = Path(folder)
    source = folder / f"{module_name}.pyx"
    if isinstance(pyx, int):
        with open(source, "wb") as fh:
            fh.truncate(pyx)
    else:
        source.write_bytes(pyx)
    module = types.ModuleType(module_name)
    module.__file__ = str(folder / f"{module_name}.cpython-311-x86_64-linux-gnu.so")
    sys.modules[module_name] = module

    class cython_function_or_method:  # the type name of a compiled Cython function
        def __init__(self):
            self.__name__ = name
            self.__module__ = module_name

        def __call__(self, *args, **kwargs):
            return None

    return cython_function_or_method()
