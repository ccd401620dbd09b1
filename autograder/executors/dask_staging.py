"""What runs on a Dask worker around each job: staging files in, slots, exports out.

A task carries its submission's files and (for notebooks with ``%%cython``
cells) the compiled modules it starts from, so that workers need no
filesystem shared with the client; :func:`run_staged` writes them to the Dask
worker's local directory, runs the job there with paths changed accordingly,
and sends back the modules a compile-only job exported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from ..installation import code_digest

__all__ = ["pack", "run_staged", "unpack", "worker_info"]

_slot_lock = threading.Lock()
_busy: set[int] = set()
_caches: dict[str, str] = {}  # digest -> staged folder, per worker process
_cache_lock = threading.Lock()


@contextlib.contextmanager
def _worker_slot():
    with _slot_lock:
        k = 0
        while k in _busy:
            k += 1
        _busy.add(k)
    try:
        yield k
    finally:
        with _slot_lock:
            _busy.discard(k)


def _local_dir() -> str:
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except (ImportError, ValueError):
        return tempfile.gettempdir()


def _safe_rel(rel: str) -> str:
    parts = Path(rel).parts
    if not parts or Path(rel).is_absolute() or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"refusing to stage {rel!r}")
    return rel


def unpack(entries, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for rel, data in entries:
        p = dest / _safe_rel(rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def pack(folder: Path, keep=lambda name: True) -> list[tuple[str, bytes]]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for n in sorted(files):
            p = Path(root, n)
            if keep(n) and p.is_file() and not p.is_symlink():
                out.append((str(p.relative_to(folder)), p.read_bytes()))
    return out


def _staged_cache(digest: str, entries) -> str:
    with _cache_lock:
        folder = _caches.get(digest)
        if folder is None or not os.path.isdir(folder):
            folder = os.path.join(_local_dir(), f"cs-conv-cython-{digest[:16]}")
            shutil.rmtree(folder, ignore_errors=True)
            unpack(entries, Path(folder))
            _caches[digest] = folder
    return folder


def run_staged(fn, task, files, cache):
    """On a Dask worker: stage what the task needs, ``fn(task, slot)``, collect exports.

    Returns ``(result, exported)`` where ``exported`` is the list of files a
    compile-only job wrote to its ``export_cache`` (or ``None``).
    """
    with _worker_slot() as slot:
        if files is None and cache is None and not getattr(task, "export_cache", ""):
            return fn(task, slot), None
        changes = {}
        stage = Path(tempfile.mkdtemp(prefix="cs-conv-stage-", dir=_local_dir()))
        try:
            if files is not None:
                name, entries = files
                unpack(entries, stage / "sub")
                changes["sub_dir"] = str(stage / "sub" / name) if name else str(stage / "sub")
            if cache is not None:
                changes["cython_cache"] = _staged_cache(*cache)
            export = getattr(task, "export_cache", "")
            if export:
                changes["export_cache"] = str(stage / "export")
            result = fn(dataclasses.replace(task, **changes), slot)
            exported = pack(stage / "export") if export and (stage / "export").is_dir() else None
            return result, exported
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def worker_info() -> dict:
    """What must match between the client and every worker."""
    from ..sandbox.launch import detect_kind

    return {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "code": code_digest(),
        "sandbox": detect_kind("auto"),
        "root": os.geteuid() == 0,
    }
