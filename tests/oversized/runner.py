"""Run one group of :mod:`.calls` in this process, under an address-space limit.

``python -m tests.oversized.runner GROUP`` sets ``RLIMIT_AS`` to :data:`LIMIT` before
importing anything heavy, then prints one JSON line when each call starts and one
when it ends (so that a parent can name the call that hung or killed the child),
and ``{"done": true}`` at the end.
"""

from __future__ import annotations

import json
import resource
import sys
import time

#: The address space of the child: 3 GiB.
LIMIT = 3 * 2**30

EXPECTED = (ValueError, TypeError, MemoryError)


def _emit(**record) -> None:
    print(json.dumps(record), flush=True)


def run(group: str) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))
    import matplotlib

    matplotlib.use("Agg")
    from tests.oversized.calls import GROUPS

    table = GROUPS[group]()
    for name, calls in table.items():
        for label, expect, thunk in calls:
            _emit(start=name, label=label)
            t0 = time.perf_counter()
            try:
                thunk()
            except EXPECTED as exc:
                outcome, kind, message = "refused", type(exc).__name__, str(exc)[:300]
            except Exception as exc:  # reported: the parent fails the test
                outcome, kind, message = "other", type(exc).__name__, str(exc)[:300]
            else:
                outcome, kind, message = "returned", "", ""
            _emit(
                name=name,
                label=label,
                expect=expect,
                outcome=outcome,
                type=kind,
                message=message,
                seconds=time.perf_counter() - t0,
            )
    _emit(done=True)


if __name__ == "__main__":
    run(sys.argv[1])
