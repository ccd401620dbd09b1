"""Step: the student versions of the source notebooks (nbgrader's generate step).

nbgrader's own preprocessors on each notebook, without a course directory or
database: ``ClearSolutions`` (``### BEGIN SOLUTION`` blocks become the stub),
``ClearHiddenTests``, ``ClearMarkScheme``, ``ClearOutput``, ``LockCells`` and
``ComputeChecksums`` (so that ``nbgrader autograde`` also accepts them), then
:func:`cs_conv.course.hide_keys`: the ``cs_conv`` metadata keeps the checker,
function names and stage, but not the hidden key that seeds the grader's cases.
``cs_conv.course.release`` makes the same notebooks through nbgrader's
``generate_assignment`` with a course directory; a test holds the two equal.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from cs_conv.course import hide_keys

__all__ = ["release", "student_version"]


def student_version(nb):
    from nbgrader.preprocessors import (
        ClearHiddenTests,
        ClearMarkScheme,
        ClearOutput,
        ClearSolutions,
        ComputeChecksums,
        LockCells,
    )

    nb = copy.deepcopy(nb)
    resources = {"language": "python"}
    for pp in (
        ClearSolutions(),
        ClearHiddenTests(),
        ClearMarkScheme(),
        ClearOutput(),
        LockCells(),
        ComputeChecksums(),
    ):
        nb, resources = pp.preprocess(nb, resources)
    return hide_keys(nb)


def source_notebooks(source_dir) -> list[Path]:
    return sorted(p for p in Path(source_dir).glob("*.ipynb") if p.is_file())


def release(source_dir, out_dir) -> list[Path]:
    """Write the student version of every ``*.ipynb`` of ``source_dir`` to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in source_notebooks(source_dir):
        nb = student_version(nbformat.read(str(src), as_version=4))
        dst = out_dir / src.name
        nbformat.write(nb, str(dst))
        written.append(dst)
    return written
