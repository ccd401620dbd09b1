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

__all__ = [
    "cache_root",
    "code_digest",
    "cs_conv_dir",
    "grader_dir",
    "matplotlib_fonts",
    "python_dirs",
    "worker_python",
]


def cache_root() -> Path:
    """Where the grader keeps what it builds once (compiled cells, the course, fonts):
    ``$CS_CONV_CACHE``, else ``$XDG_CACHE_HOME/cs_conv/grader``, else ``~/.cache/...``."""
    if os.environ.get("CS_CONV_CACHE"):
        return Path(os.environ["CS_CONV_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "cs_conv", "grader")


@functools.cache
def matplotlib_fonts() -> list[Path]:
    """matplotlib's font list, built once on this machine: a worker that imports
    matplotlib starts from a copy instead of scanning the fonts (a second or two)."""
    import subprocess

    folder = cache_root() / "matplotlib"
    found = sorted(folder.glob("fontlist-*.json"))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, MPLCONFIGDIR=str(folder), MPLBACKEND="Agg")
        subprocess.run(
            [sys.executable, "-c", "import matplotlib.font_manager"],
            env=env, capture_output=True, timeout=300, check=False,
        )  # fmt: skip
        found = sorted(folder.glob("fontlist-*.json"))
    return found


@functools.cache
def cs_conv_dir() -> Path:
    """The folder of the installed ``cs_conv`` package (for an editable install, the checkout's)."""
    import cs_conv

    return Path(cs_conv.__file__).resolve().parent


@functools.cache
def worker_python() -> str:
    """The interpreter the sandboxed workers run: this one, always under one name.

    A virtual environment's ``python``, ``python3`` and ``python3.11`` are one
    interpreter, but IPython's ``%%cython`` magic names a build by
    ``sys.executable``: a grader started as ``cs-conv`` (``python3``) and one
    started from a Python session (``python``) would not share a single build.
    So the workers always run ``python3`` (else ``python``) of this interpreter's
    folder when that is the same file, and the build cache is keyed by it.
    """
    exe = sys.executable
    for name in ("python3", "python"):
        candidate = os.path.join(os.path.dirname(exe), name)
        try:
            if os.path.samefile(candidate, exe):
                return candidate
        except OSError:
            continue
    return exe


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


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent)
    parts = list(rel.parts)
    parts[-1] = parts[-1].split(".")[0]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(package_dir: Path) -> dict:
    """Every module of a package (``.py``, ``.pyx`` and compiled ``.so``) by dotted name."""
    found = {}
    for pattern in ("*.py", "*.pyx", "*.so"):
        for p in package_dir.rglob(pattern):
            if "__pycache__" not in p.parts and "build" not in p.relative_to(package_dir).parts:
                found.setdefault(_module_name(p, package_dir), p)
    return found


@functools.cache
def sandbox_view(entry_modules: tuple) -> tuple[tuple, tuple]:
    """``(visible files, hidden module names)`` of ``cs_conv`` in the bubblewrap sandbox.

    The visible files are those of ``entry_modules`` and of every cs_conv module
    they import, found by importing them in a fresh interpreter (with their
    packages' ``__init__.py``); every other module of cs_conv is hidden.
    """
    import json
    import subprocess

    code = (
        "import importlib, json, sys\n"
        f"for m in {list(entry_modules)!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items()\n"
        "    if n.split('.')[0] == 'cs_conv' and getattr(m, '__file__', None))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    root = cs_conv_dir()
    visible = {Path(f).resolve() for f in json.loads(out.stdout)}
    visible = {p for p in visible if root in p.parents}
    names = {_module_name(p, root) for p in visible}
    hidden = sorted(n for n in package_modules(root) if n not in names)
    return tuple(sorted(str(p) for p in visible)), tuple(hidden)


def library_paths(modules) -> list[str]:
    """Where the installed modules ``modules`` (``scipy.signal``, ``torch``) live, found
    without importing them: a package's folder, or a module's files (one per suffix);
    modules that are not installed are left out.  The same lookup as the worker's
    reference watch (:func:`~autograder.sandbox.worker.watch.module_paths`), resolved
    to the files the sandbox must mask."""
    from .sandbox.worker.watch import module_paths

    paths = []
    for prefix in module_paths(modules):
        if prefix.endswith(os.sep):
            paths.append(str(Path(prefix).resolve()))
        else:  # ".../signal." -> every ".../signal.*" file
            path = Path(prefix[:-1])
            paths += [str(p.resolve()) for p in path.parent.glob(path.name + ".*")]
    return sorted(set(paths))
