"""Step: find the submissions.

Two layouts: nbgrader's ``submitted/<student>/<assignment>/*.ipynb`` (the
argument may be the course root or ``submitted/`` itself; one student's
folder is not enough), or a flat folder of ``<student>.ipynb`` files (one
notebook per student, matched to the source notebook by its graded cells).
As in nbgrader, only the folders named after the assignment are graded; a
student's folders of other assignments are listed as skipped, so that a
misnamed folder is seen rather than silently graded or lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["LAYOUTS", "Submission", "assignments_in", "find_submissions"]

#: what :func:`find_submissions` looks for, for messages
LAYOUTS = (
    "nbgrader's submitted/<student>/<assignment>/*.ipynb (or the course folder holding "
    "submitted/), or a folder of <student>.ipynb files"
)


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    notebook: str  # the source notebook's name (stem) it answers
    path: str  # the student's .ipynb
    folder: str  # copied into the sandbox as the cwd
    timestamp: str = ""


def _timestamp(folder: Path) -> str:
    ts = folder / "timestamp.txt"
    return ts.read_text().strip()[:64] if ts.is_file() else ""


def find_submissions(root, assignment: str, source_names, skipped=None) -> list[Submission]:
    """Every (student, notebook) of ``assignment`` in ``root``, sorted.

    ``source_names`` are the source notebooks' stems mapped to their grade ids
    (a flat layout's file is matched to the source notebook whose grade ids it
    shares most).  In the flat layout ``folder`` is the notebook file itself:
    only it is copied.  ``skipped``, a list, receives one line per student
    folder of another assignment that holds notebooks."""
    root = Path(root)
    if (root / "submitted").is_dir():
        root = root / "submitted"
    subs = []
    flat = sorted(p for p in root.glob("*.ipynb") if p.is_file())
    if flat:
        for p in flat:
            stem = _match_flat(p, source_names)
            if stem:
                subs.append(Submission(p.stem, assignment, stem, str(p), str(p)))
        return subs
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for a_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            if a_dir.name != assignment:
                if skipped is not None and any(a_dir.glob("*.ipynb")):
                    skipped.append(
                        f"{student_dir.name}/{a_dir.name}: not the assignment "
                        f"{assignment!r}; not graded"
                    )
                continue
            for nb in sorted(a_dir.glob("*.ipynb")):
                if nb.stem in source_names:
                    subs.append(
                        Submission(
                            student_dir.name,
                            a_dir.name,
                            nb.stem,
                            str(nb),
                            str(a_dir),
                            _timestamp(a_dir),
                        )
                    )
    return subs


def _match_flat(p: Path, source_names) -> str | None:
    """The source notebook whose grade ids this file shares most."""
    names = sorted(source_names)
    if len(names) == 1:
        return names[0]
    from .notebook import read

    try:
        nb = read(p)
    except Exception:
        return None
    ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    score = {n: len(ids & set(source_names[n])) for n in names}
    best = max(names, key=lambda n: (score[n], n in p.stem))
    return best if score[best] else None


def assignments_in(root) -> list[str]:
    """The assignment folders (holding notebooks) of nbgrader's layout under ``root``."""
    root = Path(root)
    if (root / "submitted").is_dir():
        root = root / "submitted"
    found = set()
    for student_dir in (p for p in root.iterdir() if p.is_dir()):
        found |= {a.name for a in student_dir.iterdir() if a.is_dir() and any(a.glob("*.ipynb"))}
    return sorted(found)
