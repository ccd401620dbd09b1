"""A test's outcomes as files: ``payload.json`` and one ``.npy`` per array.

``payload.json`` is ``[{"meta": {...}, "arrays": {name: file}}]``; arrays are
saved with ``allow_pickle=False``.  :mod:`autograder.sandbox.payload` reads
them back on the trusted side, believing nothing it has not checked.
"""

from __future__ import annotations

import json
import os

from ..protocol import PAYLOAD_INDEX, array_file

__all__ = ["write_payload"]


def write_payload(out_dir, payloads, limit: int | None = None) -> None:
    """Write ``payloads`` (each ``{"meta", "arrays"}``) to ``out_dir``, the index last.

    Arrays of more than ``limit`` bytes in all are refused (ValueError) before any is
    written: an answer that returns an enormous array never reaches the grader.
    """
    import numpy as np

    total = sum(
        np.asarray(a).nbytes for p in payloads for a in dict(p.get("arrays") or {}).values()
    )
    if limit is not None and total > limit:
        raise ValueError(
            f"the results of this test take {total / 2**20:.0f} MiB, more than the "
            f"{limit / 2**20:.0f} MiB a test may return: return arrays of the documented shapes"
        )
    os.makedirs(out_dir, exist_ok=True)
    meta = []
    for i, p in enumerate(payloads):
        names = {}
        for j, (name, arr) in enumerate(sorted(dict(p.get("arrays") or {}).items())):
            fname = array_file(i, j)
            np.save(os.path.join(out_dir, fname), np.asarray(arr), allow_pickle=False)
            names[str(name)] = fname
        meta.append({"meta": p.get("meta"), "arrays": names})
    tmp = os.path.join(out_dir, PAYLOAD_INDEX + ".tmp")
    with open(tmp, "w") as fh:
        json.dump(meta, fh, default=str)
    os.replace(tmp, os.path.join(out_dir, PAYLOAD_INDEX))
