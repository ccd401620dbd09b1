"""The release: the student versions of the source notebooks (nbgrader's generate step).

nbgrader's own preprocessors on each notebook, without a course directory or
database: ``ClearSolutions`` (``### BEGIN SOLUTION`` blocks become the stub),
``ClearHiddenTests``, ``ClearMarkScheme``, ``ClearOutput``, ``LockCells`` and
``ComputeChecksums`` (so that ``nbgrader autograde`` also accepts them), then
:func:`hide_keys`: the ``cs_conv`` metadata keeps the checker, function names
and stage, but not the hidden key that seeds the grader's cases.  This is the
one release path (``cs-conv release``, the grader, the tests); a test holds it
to nbgrader's own ``generate_assignment``.
"""

from __future__ import annotations

import copy
from pathlib import Path

__all__ = ["hide_keys", "release", "source_notebooks", "student_version"]


def hide_keys(nb):
    """Drop the hidden ``key`` from every cell's ``cs_conv`` metadata, in place.

    The key seeds the random cases of a graded cell's hidden test; a student
    version must not carry it (the grader takes it from the source notebook).
    The rest of the metadata (checker, function names, stage) stays: it tells
    a student's notebook which of their functions each test checks.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("check_im2col(im2col).assert_ok()")
    >>> cell.metadata["cs_conv"] = {"checker": "im2col", "key": "hidden-im2col"}
    >>> nb = hide_keys(nbformat.v4.new_notebook(cells=[cell]))
    >>> nb.cells[0].metadata["cs_conv"]
    {'checker': 'im2col'}
    """
    if not isinstance(getattr(nb, "cells", None), list):
        raise TypeError(f"hide_keys needs a notebook (nbformat.NotebookNode), got {nb!r:.80}")
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("cs_conv")
        if isinstance(meta, dict):
            meta.pop("key", None)
    return nb


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
    import nbformat  # here, not at the top: the grader imports this module at every start

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in source_notebooks(source_dir):
        nb = student_version(nbformat.read(str(src), as_version=4))
        dst = out_dir / src.name
        nbformat.write(nb, str(dst))
        written.append(dst)
    return written
