"""The course as the grader sees it: the source notebooks' graded tests.

:func:`load_course` reads every source notebook once: its graded test cells
(:func:`autograder.notebook.graded_tests`), the code cells an instructor wrote
(those of the source and of the student version: to tell them from the
student's own) and a hash of the graded tests (part of every submission's hash).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import notebook as nbmod
from .output.files import atomic_write
from .release import source_notebooks, student_version

__all__ = ["Course", "default_source_dir", "load_course"]


@dataclass(frozen=True)
class Course:
    source_dir: Path
    assignment: str
    tests: dict  # notebook stem -> [TestSpec]
    release_sources: dict  # notebook stem -> set of instructor code cell sources
    source_hash: dict  # notebook stem -> hash of its graded tests

    @property
    def max_score(self) -> float:
        return sum(t.points for ts in self.tests.values() for t in ts)

    def test_order(self) -> dict:
        return {nb: {t.grade_id: i for i, t in enumerate(ts)} for nb, ts in self.tests.items()}

    def graded_notebooks(self) -> dict:
        """Notebook stem -> its grade ids, for the notebooks that have graded tests
        (a benchmark notebook without any is not run at all)."""
        return {name: [t.grade_id for t in ts] for name, ts in self.tests.items() if ts}


def default_source_dir() -> Path:
    """``./notebooks`` when there is one, else the checkout's."""
    here = Path.cwd() / "notebooks"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[1] / "notebooks"


def _read_notebook(path: Path) -> dict:
    """What the grader needs of one source notebook (plain data)."""
    import nbformat

    nb = nbformat.from_dict(nbmod.read(path))
    student = student_version(nb)
    tests = nbmod.graded_tests(nb)
    blob = json.dumps([t.to_dict() for t in tests], sort_keys=True)
    return {
        "tests": [t.to_dict() for t in tests],
        "instructor_cells": sorted(nbmod.cell_sources(nb) | nbmod.cell_sources(student)),
        "hash": hashlib.sha256(blob.encode()).hexdigest()[:16],
    }


def _cache_file(paths) -> Path:
    """Where the course read from ``paths`` is kept: releasing a notebook runs nbgrader,
    which costs seconds at every start; the same sources give the same course."""
    from .installation import cache_root
    from .settings import GRADER_VERSION

    h = hashlib.sha256(GRADER_VERSION.encode())
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return cache_root() / "courses" / f"course-{h.hexdigest()[:24]}.json"


def load_course(source_dir=None, assignment: str = "cs_conv") -> Course:
    source_dir = Path(source_dir or default_source_dir())
    paths = source_notebooks(source_dir)
    if not paths:
        raise FileNotFoundError(f"no source notebooks (*.ipynb) in {source_dir}")
    cache = _cache_file(paths)
    try:
        read = json.loads(cache.read_text())
    except (OSError, ValueError):
        read = {p.stem: _read_notebook(p) for p in paths}
        with contextlib.suppress(OSError):  # a cache that cannot be written is no cache
            atomic_write(cache, json.dumps(read))
    tests = {stem: [nbmod.TestSpec(**t) for t in d["tests"]] for stem, d in read.items()}
    instructor = {stem: set(d["instructor_cells"]) for stem, d in read.items()}
    hashes = {stem: d["hash"] for stem, d in read.items()}
    return Course(source_dir, assignment, tests, instructor, hashes)
