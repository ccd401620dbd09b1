"""Writing the grader's files: atomically, under names that are safe on any filesystem."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["TMP_PREFIX", "atomic_write", "safe_name"]

#: a file being written; never read as a result
TMP_PREFIX = ".tmp-"


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so
    that a reader (or a grader killed midway) sees the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX, suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def safe_name(name: str) -> str:
    """``name`` as one path component: letters, digits, ``-_.`` only, no leading dot.

    Examples
    --------
    >>> safe_name("../ann b")
    '_ann_b'
    """
    keep = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return keep.lstrip(".") or "_"
