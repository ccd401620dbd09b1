"""What an instructor gives the command line, checked before any work starts.

Each check returns what it checked or raises :class:`Refused` with one line:
the value, why it is refused and what would work.  The command line prints
that line and exits with code 2; nothing is graded, nothing is written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .discover import LAYOUTS, assignments_in, find_submissions

__all__ = ["Refused", "grade_folder", "out_dir", "source_dir", "submissions"]


class Refused(ValueError):
    """An argument or path the command cannot use (one line, for the instructor)."""


def source_dir(path) -> Path:
    """The folder of source notebooks (default ``./notebooks``): it must hold some."""
    from .course import default_source_dir

    folder = Path(path) if path else default_source_dir()
    if not folder.is_dir():
        raise Refused(
            f"--source {folder}: no such folder; give the folder of the nbgrader source "
            "notebooks (with solutions and hidden tests), e.g. --source notebooks"
        )
    if not any(folder.glob("*.ipynb")):
        raise Refused(f"--source {folder}: no notebook (*.ipynb) in it; give the source notebooks")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise Refused(f"--source {folder}: not readable by this user")
    return folder


def out_dir(path, flag: str = "--out") -> Path:
    """A folder the command can write into (created if missing)."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise Refused(f"{flag} {folder}: a file is in the way; give a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise Refused(
            f"{flag} {folder}: cannot write there ({exc.strerror or exc}); give a folder "
            "this user may create and write"
        ) from None
    return folder


def submissions(path, assignment: str, graded_notebooks: dict) -> Path:
    """The submissions folder: it must exist and hold submissions of ``assignment``."""
    folder = Path(path)
    if not folder.exists():
        raise Refused(f"{folder}: no such folder; give {LAYOUTS}")
    if not folder.is_dir():
        raise Refused(f"{folder}: not a folder; give {LAYOUTS}")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise Refused(f"{folder}: not readable by this user")
    try:
        found = find_submissions(folder, assignment, graded_notebooks)
    except OSError as exc:
        raise Refused(f"{folder}: cannot be read ({exc.strerror or exc})") from None
    if found:
        return folder
    others = assignments_in(folder)
    if others:
        raise Refused(
            f"{folder}: no submission of the assignment {assignment!r}; the assignments "
            f"found are {others}: pass one with --assignment"
        )
    raise Refused(
        f"{folder}: no submission found; looked for {LAYOUTS}, with notebooks named like "
        f"the source notebooks ({', '.join(sorted(graded_notebooks)) or 'none'})"
    )


def grade_folder(path) -> Path:
    """A folder holding grades (``cs-conv grade`` wrote into it)."""
    folder = Path(path)
    if not (folder / "results").is_dir():
        raise Refused(
            f"--out {folder}: no grades in it (no results/ folder); give the --out of a "
            "cs-conv grade run"
        )
    return folder
