"""Helpers for the course notebooks: the student release, and reuse of a student's functions.

:func:`release` turns the nbgrader *source* notebooks (``notebooks/``) into the
student versions with nbgrader's own ``generate_assignment`` step: solutions
become ``raise NotImplementedError()`` stubs, hidden tests disappear, read-only
cells get checksums.  :func:`hide_keys` then drops each graded cell's hidden
``key`` (the seed of the grader's random cases; the grader reads it from the
source notebooks only).  The tests execute both versions; ``cs-conv release``
makes the same student versions in memory (``autograder.release``).

:func:`load_functions` lets the benchmark notebook time what a student wrote
in the *other* notebooks: it runs only their answer cells (nbgrader
``solution`` cells) and the cells tagged ``export`` (setup, given wrappers),
never checks, tests or demonstrations, in a private namespace per notebook, so
that ``im2col`` of notebook 2 and ``im2col`` of notebook 3 do not collide.
``%%cython`` cells are compiled by the IPython Cython magic (cached, so a
kernel compiled once in notebook 4 is not compiled again).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from . import budget

__all__ = ["ASSIGNMENT", "hide_keys", "load_functions", "release"]

#: nbgrader assignment name of the whole course (one folder, five notebooks).
ASSIGNMENT = "cs_conv"


def hide_keys(nb):
    """Drop the hidden ``key`` from every cell's ``cs_conv`` metadata, in place.

    The key seeds the random cases of a graded cell's hidden test; a student
    version must not carry it (the grader takes it from the source notebook).
    The rest of the metadata (checker, function names, stage) stays: it
    tells a student's notebook which of their functions each test checks.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A notebook; changed in place.

    Returns
    -------
    nbformat.NotebookNode
        ``nb``.

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


def release(source_dir, course_dir, assignment: str = ASSIGNMENT) -> Path:
    """Generate the student versions of the notebooks of ``source_dir``.

    Parameters
    ----------
    source_dir : path
        Folder of nbgrader source notebooks (``*.ipynb``, solutions included).
    course_dir : path
        A scratch nbgrader course root; ``source/<assignment>/`` is (re)filled
        from ``source_dir`` and ``release/<assignment>/`` is (re)generated.
    assignment : str
        nbgrader assignment name.

    Returns
    -------
    Path
        ``course_dir/release/<assignment>``, holding one student notebook per
        source notebook, without hidden keys (:func:`hide_keys`).

    Raises
    ------
    RuntimeError
        nbgrader's generate step failed; the message carries its log.
    """
    source_dir, course_dir = Path(source_dir), Path(course_dir).resolve()
    for nb in source_dir.glob("*.ipynb"):
        budget.check_file(nb, "the source notebook")
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    dest = course_dir / "source" / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for nb in sorted(source_dir.glob("*.ipynb")):
        shutil.copy2(nb, dest / nb.name)
    config = Config()
    config.CourseDirectory.root = str(course_dir)
    config.CourseDirectory.db_url = f"sqlite:///{course_dir / 'gradebook.db'}"
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    # nbgrader's gradebook runs the `alembic` script: find it next to this Python even when
    # the virtual environment is not activated
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), path])
    try:
        result = api.generate_assignment(assignment, force=True, create=True)
    finally:
        os.environ["PATH"] = path
    if not result.get("success"):
        raise RuntimeError(
            "nbgrader generate_assignment failed:\n"
            + str(result.get("error", ""))
            + str(result.get("log", ""))
        )
    import nbformat

    released = course_dir / "release" / assignment
    for path in sorted(released.glob("*.ipynb")):
        nbformat.write(hide_keys(nbformat.read(path, as_version=4)), path)
    return released


def _runs(cell) -> bool:
    """Whether :func:`load_functions` runs this cell: answer cells and ``export`` cells."""
    if cell.get("cell_type") != "code":
        return False
    meta = cell.get("metadata", {})
    return bool(meta.get("nbgrader", {}).get("solution")) or "export" in meta.get("tags", [])


def _run_cython(source: str, namespace: dict, shell) -> None:
    """Compile a ``%%cython`` cell with IPython's magic; its names go to ``namespace``."""
    from Cython.Build.IpythonMagic import CythonMagics

    first, _, body = source.lstrip().partition("\n")
    # compile only: no annotated HTML
    args = [a for a in first.split()[1:] if a not in ("-a", "--annotate", "--annotate-fullc")]
    magics = CythonMagics(shell)
    # the magic pushes the module's names into the notebook; send them here instead
    magics._import_all = lambda module: namespace.update(
        {k: v for k, v in vars(module).items() if not k.startswith("_")}
    )
    magics.cython(" ".join(args), body)


def load_functions(notebook, names, *, report=print) -> dict:
    """The functions ``names`` as defined by the answer cells of ``notebook``.

    Parameters
    ----------
    notebook : path
        A course notebook (source or student version).
    names : iterable of str
        Names to return.
    report : callable
        Called with one line per problem (a cell that raised, a missing name).

    Returns
    -------
    dict of str to callable
        The names found; a missing one is left out (and reported).  A stub
        that raises ``NotImplementedError`` is returned as it is: calling it
        tells that the exercise is not done.
    """
    notebook = Path(notebook)
    budget.check_file(notebook, "the notebook")
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    namespace: dict = {"__name__": f"__{notebook.stem}__"}
    shell = None
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        pass
    for cell in nb.cells:
        if not _runs(cell):
            continue
        source = cell.source
        try:
            if source.lstrip().startswith("%%cython"):
                if shell is None:
                    report(f"{notebook.name}: a %%cython cell needs IPython; skipped")
                    continue
                _run_cython(source, namespace, shell)
                continue
            if shell is not None:
                source = shell.transform_cell(source)  # line magics -> get_ipython() calls
                namespace.setdefault("get_ipython", lambda: shell)
            exec(
                compile(source, f"<{notebook.name}, cell {cell.get('id', '?')}>", "exec"), namespace
            )
        except Exception as exc:
            report(f"{notebook.name}, cell {cell.get('id', '?')}: {type(exc).__name__}: {exc}")
    found = {}
    for name in names:
        if callable(namespace.get(name)):
            found[name] = namespace[name]
        else:
            report(f"{notebook.name}: {name} is not defined")
    return found
