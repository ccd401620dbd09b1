"""Read a worker's outcomes back, safely.

The worker (:mod:`autograder.sandbox.worker.results`) writes ``payload.json``
(``[{"meta": {...}, "arrays": {name: file}}]``) and one ``.npy`` file per
array. Everything is bounded and checked before it is believed: file sizes,
the JSON structure, file names (no paths), the ``.npy`` header (numeric dtype,
size) and ``np.load(allow_pickle=False)``. Anything wrong makes the whole test
an ``error`` with a message, never an exception in the grader.
:meth:`cs_conv.check.Outcome.from_payload` validates again."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from .protocol import PAYLOAD_INDEX

__all__ = ["load_payload"]

MAX_JSON = 8 * 1024**2
MAX_ARRAYS_BYTES = 512 * 1024**2
MAX_OUTCOMES = 256
_NAME = re.compile(r"^[0-9]+_[0-9]+\.npy$")


def _load_npy(path: Path, limit: int = MAX_ARRAYS_BYTES):
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"unsupported .npy version {version}")
        if dtype.kind not in "biuf" or dtype.hasobject:
            raise ValueError(f"array of dtype {dtype} (only numbers are accepted)")
        if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize > limit:
            raise ValueError("array too large")
    return np.load(path, allow_pickle=False)


def load_payload(folder, limit: int = MAX_ARRAYS_BYTES) -> tuple[list | None, str | None]:
    """``(payloads, None)`` or ``(None, problem)``; at most ``limit`` bytes of arrays."""
    folder = Path(folder)
    index = folder / PAYLOAD_INDEX
    try:
        if not index.is_file() or index.is_symlink():
            return None, "the worker wrote no outcomes"
        if index.stat().st_size > MAX_JSON:
            return None, "the outcomes file is too large"
        meta = json.loads(index.read_text())
        if not isinstance(meta, list) or len(meta) > MAX_OUTCOMES:
            return None, "malformed outcomes"
        out, total = [], 0
        for item in meta:
            if not isinstance(item, dict) or not isinstance(item.get("arrays"), dict):
                return None, "malformed outcomes"
            arrays = {}
            for name, fname in item["arrays"].items():
                if not isinstance(fname, str) or not _NAME.match(fname):
                    return None, f"bad array file name {fname!r}"
                path = folder / fname
                if path.is_symlink() or not path.is_file():
                    return None, f"missing array file {fname}"
                total += path.stat().st_size
                if total > limit:
                    return None, "the outcomes are too large"
                arrays[str(name)] = _load_npy(path, limit)
            out.append({"meta": item.get("meta"), "arrays": arrays})
        return out, None
    except (OSError, ValueError, TypeError) as exc:
        return None, f"unreadable outcomes: {type(exc).__name__}: {exc}"[:500]
