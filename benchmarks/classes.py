"""The classes the grading benchmarks grade, built from the course's own notebooks.

``ordinary``: what a class hands in on an ordinary week, no adversary (issue 19):
five students on notebooks 01-04,

- ``right_a``, ``right_b``: every answer right (``right_b`` writes each answer
  cell a little differently: a comment, so its Cython kernels are compiled on
  their own, as a real classmate's would be);
- ``wrong_a``, ``wrong_b``: right shapes, wrong values (each graded function
  returns its right answer scaled, ``wrong_b`` by another factor; the change is a
  cell just before each test cell, so that nbgrader, which runs the tests where
  they stand, and our grader, which runs them after the cells, see the same);
- ``untouched``: the released notebooks as they are.

``adversarial``: the bundled sample class (a crash, a hang, a memory hog, a
cheat, ...: nbgrader waits out their timeouts).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from autograder.cli import sample_class_dir
from autograder.notebook import graded_tests
from autograder.sample_class.make_sample_class import released_and_solved, write_student

__all__ = ["NOTEBOOKS", "adversarial", "ordinary"]

NOTEBOOKS = ("01_naive", "02_im2col_loops", "03_im2col_fancy", "04_cython")

# appended to a notebook: every graded function returns its right answer, scaled
_WRONG = """
import numpy as _np


def _scaled(value, factor):
    if isinstance(value, _np.ndarray) and value.dtype.kind == "f":
        return value * factor
    if isinstance(value, _np.ndarray) and value.dtype.kind in "iu":
        return value + 1
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return value[:-1] + (value[-1] + 1,)
    if isinstance(value, tuple):
        return tuple(_scaled(v, factor) for v in value)
    return value


def _wrong(f, factor):
    def g(*args, **kwargs):
        return _scaled(f(*args, **kwargs), factor)

    return g


for _name in {names!r}:
    if not getattr(globals()[_name], "_wrong", False):  # once, though several tests use it
        globals()[_name] = _wrong(globals()[_name], {factor!r})
        globals()[_name]._wrong = True
"""


def _restyled(nb):
    """The same answers, written a little differently (a comment on every answer cell)."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            first, _, rest = cell.source.partition("\n")
            if first.startswith("%%"):
                cell.source = f"{first}\n# my own version\n{rest}"
            else:
                cell.source = "# my own version\n" + cell.source
    return nb


def _wrong_values(nb, source_nb, factor: float):
    """A cell before each test cell wraps the functions that test calls."""
    nb = nbformat.from_dict(nb)
    ids = {t.grade_id: t for t in graded_tests(source_nb)}
    cells = []
    for cell in nb.cells:
        test = ids.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if test is not None and not test.manual:
            names = sorted(n for a, n in test.functions.items() if a != "kernel")
            cells.append(nbformat.v4.new_code_cell(_WRONG.format(names=names, factor=factor)))
        cells.append(cell)
    nb.cells = cells
    return nb


def ordinary(out: Path, source_dir: Path, notebooks=NOTEBOOKS) -> Path:
    """Write the ordinary class to ``out/submitted``; return that folder."""
    released, full = released_and_solved(source_dir)
    sources = {s: nbformat.read(str(source_dir / f"{s}.ipynb"), as_version=4) for s in notebooks}
    pick = lambda d: {s: d[s] for s in notebooks}  # noqa: E731
    submitted = out / "submitted"
    students = {
        "right_a": pick(full),
        "right_b": {s: _restyled(nb) for s, nb in pick(full).items()},
        "wrong_a": {s: _wrong_values(nb, sources[s], 1.5) for s, nb in pick(full).items()},
        "wrong_b": {s: _wrong_values(nb, sources[s], -0.5) for s, nb in pick(full).items()},
        "untouched": pick(released),
    }
    for student, nbs in students.items():
        write_student(submitted, student, nbs)
    return submitted


def adversarial(out: Path) -> Path:
    """Copy the bundled sample class to ``out/submitted``; return that folder."""
    submitted = out / "submitted"
    shutil.copytree(sample_class_dir(), submitted, ignore=shutil.ignore_patterns("ruff.toml"))
    return submitted
