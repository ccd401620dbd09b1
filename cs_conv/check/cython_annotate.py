"""Cython's annotation (``cython -a``) of a ``%%cython`` cell, made in a child process.

:func:`annotate_html` writes the cell's text to a temporary folder and runs
Cython's front end with annotation on it (no C compiler is needed), then
returns the HTML page that ``%%cython -a`` shows.  The compiler runs in a child
process, under a memory limit and a deadline: Cython's parser recurses on
nested expressions, and a cell of a few thousand nested brackets overflows the
C stack of the process that parses it (a segmentation fault).  A student's cell
must never take down the caller: the grader, or the student's own kernel.
A crash, a timeout and a compile error all come back as an error text.

Only when no child process can be started (a sandbox that forbids it) does the
compiler run in this process, as it did before this module existed.
"""

from __future__ import annotations

import contextlib
import io
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from ..budget import describe_bytes, max_seconds

__all__ = ["CHILD_MEMORY", "MAX_SOURCE", "annotate_html", "too_large"]

#: the largest cell analysed: the course's kernel cells have 1.2 KiB, and Cython takes
#: seconds on a cell of many loops (3.1 s on 16 KiB of 560 loops, 4.7 s on 32 KiB, on the
#: loaded 2-core machine)
MAX_SOURCE = 8 * 2**10
#: the address space of the compiler's child process
CHILD_MEMORY = 2 * 2**30

# The child: lower RLIMIT_AS, run Cython, print its messages, exit 1 on a compile error.
_CHILD = """
import contextlib, io, resource, sys, warnings
limit = int(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
if soft == resource.RLIM_INFINITY or soft > limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
sys.path.insert(0, sys.argv[5])  # this cs_conv, whether installed or not
from cs_conv.check.cython_annotate import compile_here
errors = compile_here(sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]))
print(errors, end="")
sys.exit(1 if errors else 0)
"""


def too_large(n_chars: int, what: str = "The cell") -> str:
    """The message for a cell over :data:`MAX_SOURCE`, or ``""``."""
    if n_chars <= MAX_SOURCE:
        return ""
    return (
        f"{what} has {n_chars} characters, over the {describe_bytes(MAX_SOURCE)} a "
        "%%cython kernel cell may have: keep only the kernel (and what it needs) in it."
    )


def compile_here(path: str, cplus: bool, language_level: int) -> str:
    """Run Cython with annotation on ``path`` in this process; its errors, or ``""``."""
    from Cython.Build import cythonize
    from Cython.Compiler.Errors import CompileError

    out, err = io.StringIO(), io.StringIO()
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            cythonize(
                [path],
                annotate=True,
                force=True,
                quiet=True,
                language="c++" if cplus else None,
                compiler_directives={"language_level": language_level},
            )
    except (CompileError, ValueError) as exc:
        return (err.getvalue() + out.getvalue()).strip() or str(exc) or type(exc).__name__
    return ""


def _compile_in_child(path: Path, cplus: bool, language_level: int) -> str:
    """:func:`compile_here` in a child process; a crash or a timeout is an error text."""
    seconds = max_seconds()
    home = str(Path(__file__).resolve().parents[2])
    args = [str(path), "1" if cplus else "0", str(language_level), str(CHILD_MEMORY), home]
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, *args],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=seconds,
            cwd=path.parent,
        )
    except subprocess.TimeoutExpired:
        return f"Cython did not finish within {seconds:g} s (cs_conv.budget.max_seconds())"
    except OSError:  # no child process allowed here: compile in this process
        return compile_here(str(path), cplus, language_level)
    if proc.returncode < 0:
        try:
            name = signal.Signals(-proc.returncode).name
        except ValueError:
            name = f"signal {-proc.returncode}"
        return (
            f"Cython's compiler crashed on the cell ({name}), as it does on expressions "
            "nested thousands deep: write the kernel as plain loops"
        )
    if proc.stdout.strip():  # Cython's own error messages
        return proc.stdout.strip()
    if proc.returncode:  # an exception inside Cython (RecursionError, MemoryError): its last line
        last = ([ln for ln in proc.stderr.splitlines() if ln.strip()] or ["no message"])[-1]
        return (
            f"Cython failed on the cell ({last.strip()[:300]}), as it does on expressions "
            f"nested thousands deep (it may use {describe_bytes(CHILD_MEMORY)})"
        )
    return ""


def annotate_html(pyx: str, *, cplus: bool = False, language_level: int = 3) -> tuple[str, str]:
    """``(html, errors)``: Cython's annotation page of ``pyx``, or why there is none.

    Parameters
    ----------
    pyx : str
        The cell's Cython source, without its ``%%cython`` line.
    cplus, language_level
        The options of the ``%%cython`` line.

    Returns
    -------
    html : str
        The page ``cython -a`` writes (``""`` on an error).
    errors : str
        Cython's error messages (with ``kernel_under_test.pyx:<line>:`` in them), a
        crash, a timeout or a cell over :data:`MAX_SOURCE`; ``""`` when it compiled.
    """
    message = too_large(len(pyx))
    if message:
        return "", message
    with tempfile.TemporaryDirectory(prefix="cs_conv_typing_") as tmp:
        path = Path(tmp) / "kernel_under_test.pyx"
        path.write_text(pyx, encoding="utf-8", errors="replace")
        errors = _compile_in_child(path, cplus, language_level)
        if errors:
            return "", errors
        page = path.with_suffix(".html")
        if not page.exists():
            return "", "Cython wrote no annotation"
        return page.read_text(encoding="utf-8", errors="replace"), ""
