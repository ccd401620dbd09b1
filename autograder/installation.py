"""Where things are installed: the reference package, this grader, the Python the workers run.

Computed once here; the sandbox binds these folders, the policy recognises
reference code by them, and the Dask executor hashes the code in them to check
that every worker runs the same grader.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

__all__ = ["code_digest", "cs_conv_dir", "grader_dir", "python_dirs"]


@functools.cache
def cs_conv_dir() -> Path:
    """The folder of the installed ``cs_conv`` package (for an editable install, the checkout's)."""
    import cs_conv

    return Path(cs_conv.__file__).resolve().parent


def grader_dir() -> Path:
    """The folder of this ``autograder`` package."""
    return Path(__file__).resolve().parent


def python_dirs() -> list[str]:
    """Directories the worker's Python needs: the install, the venv, site dirs and
    the ``cs_conv`` package (for an editable install, only that folder); system
    folders (bound anyway) and folders inside another are left out."""
    dirs = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    dirs.add(str(cs_conv_dir()))
    dirs.add(os.path.dirname(os.path.realpath(sys.executable)))
    for p in sys.path:
        if p and "site-packages" in p and os.path.isdir(p):
            dirs.add(os.path.realpath(p))
    system = ("/usr", "/etc", "/bin", "/lib")
    dirs = {d for d in dirs if not d.startswith(system)}
    return sorted(d for d in dirs if not any(d != o and d.startswith(o + "/") for o in dirs))


def code_digest() -> str:
    """A hash of the grader's and the checkers' sources (this package and cs_conv)."""
    h = hashlib.sha256()
    for pkg in (grader_dir(), cs_conv_dir()):  # with subpackages
        files = [p for p in pkg.rglob("*") if p.suffix in (".py", ".pyx") and p.is_file()]
        for p in sorted(files):
            h.update(str(p.relative_to(pkg)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]
