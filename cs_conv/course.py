"""Helpers for the course notebooks: reuse of a student's functions across notebooks.

:func:`load_functions` lets the benchmark notebook time what a student wrote
in the *other* notebooks: it runs only their answer cells (nbgrader
``solution`` cells) and the cells tagged ``export`` (setup, given wrappers),
never checks, tests or demonstrations, in a private namespace per notebook, so
that ``im2col`` of notebook 2 and ``im2col`` of notebook 3 do not collide.
``%%cython`` cells are compiled by the IPython Cython magic (cached, so a
kernel compiled once in notebook 4 is not compiled again).
"""

from __future__ import annotations

from pathlib import Path

from . import budget

__all__ = ["load_functions"]


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
