"""Compiled ``%%cython`` cells kept between runs: build each cell once, ever.

A ``%%cython`` cell is compiled by IPython's Cython magic into
``_cython_magic_<sha256>.so``, named by a hash of the cell, its options, the
Python and Cython versions.  The grader compiles every distinct cell of a run
in sandboxed compile jobs (never importing it); this cache keeps what they
built, with the verdicts on the kernels' typing, in a folder keyed by
everything the build depends on (Cython, Python, the interpreter, the
platform, the C compiler), so that a later run (a regrade, the next class,
another grader on the same machine) compiles nothing it has compiled before.

Writers put each file in place with an atomic rename, and a file's name is
the hash of what it holds, so graders running at the same time can share the
folder.  Delete it to reclaim the space; nothing else refers to it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from .installation import cache_root, worker_python
from .sandbox.protocol import cython_module, typing_file

__all__ = ["BuildCache", "module_name", "typing_name"]


@functools.cache
def _compiler() -> str:
    cc = sysconfig.get_config_var("CC") or "cc"
    try:
        out = subprocess.run(
            [cc.split()[0], "--version"], capture_output=True, text=True, timeout=30
        )
        return out.stdout.splitlines()[0] if out.stdout else cc
    except (OSError, subprocess.TimeoutExpired):
        return cc


@functools.cache
def version_key() -> str:
    """What a build depends on beyond the cell, as a short hash."""
    import Cython

    parts = (Cython.__version__, sys.version, worker_python(), platform.machine(), _compiler())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def module_name(source: str) -> str | None:
    """The module a ``%%cython`` cell builds into (:func:`~autograder.sandbox.protocol.
    cython_module`, which the worker uses to load a cached build), as the worker names it:
    it runs :func:`~autograder.installation.worker_python`."""
    return cython_module(source, worker_python())


def typing_name(source: str) -> str:
    """The file of the verdicts on a cell's kernels (written by the compile jobs)."""
    return typing_file(source)


class BuildCache:
    """The builds of one toolchain: ``<root>/cython-<version key>``."""

    def __init__(self, root=None):
        self.folder = Path(root or cache_root()) / f"cython-{version_key()}"

    def files(self, source: str) -> list[Path]:
        """The cached files of a cell (its module and verdicts), or [] when any is missing."""
        name = module_name(source)
        if name is None:
            return []
        modules = sorted(self.folder.glob(name + ".*.so")) if self.folder.is_dir() else []
        verdicts = self.folder / typing_name(source)
        return [*modules[:1], verdicts] if modules and verdicts.is_file() else []

    def fetch(self, sources, dest: Path) -> list[str]:
        """Copy the cached builds of ``sources`` to ``dest``; return the sources not cached."""
        dest.mkdir(parents=True, exist_ok=True)
        missing = []
        for source in sources:
            found = self.files(source)
            if not found:
                missing.append(source)
            for f in found:
                shutil.copyfile(f, dest / f.name)
        return missing

    def publish(self, built: Path) -> int:
        """Put the builds in ``built`` (a run's folder) into the cache; how many were new."""
        if not built.is_dir():
            return 0
        self.folder.mkdir(parents=True, exist_ok=True)
        new = 0
        for f in sorted(built.iterdir()):
            target = self.folder / f.name
            if not f.is_file() or f.is_symlink() or target.exists() or f.suffix == ".html":
                continue
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            os.close(fd)
            shutil.copyfile(f, tmp)
            os.replace(tmp, target)  # atomic: a concurrent grader sees all of it or nothing
            new += 1
        return new
