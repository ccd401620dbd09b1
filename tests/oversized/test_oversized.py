"""No public call can exhaust memory or hang: oversized and absurd arguments are refused.

Every public callable of cs_conv (walked from the ``__all__`` of its public modules) is
called with oversized and absurd arguments (:mod:`.calls`) in a child process limited
to a 3 GiB address space and a deadline.  Every call must end at once with a clean
``ValueError``, ``TypeError`` or ``MemoryError`` (or, where the contract says so, return:
a checker reports absurd student outputs as a failed check), and the child must never be
killed.  A public callable missing from :data:`.calls.CALLS` fails the suite: a new one
(pooling is coming) needs its own oversized calls.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .calls import EXEMPT, GROUPS

ROOT = Path(__file__).resolve().parents[2]
#: the public modules whose ``__all__`` is walked (submodules listed there are entered)
ROOTS = (
    "cs_conv",
    "cs_conv.viz",
    "cs_conv.check",
    "cs_conv.gradcheck",
    "cs_conv.bench",
    "cs_conv.course",
    "cs_conv.budget",
    "cs_conv.costs",
)
#: the whole group must finish within this (the issue's bound per child)
DEADLINE = 60
#: and each call well within it
PER_CALL = 5.0


def public_callables() -> set[str]:
    """``module.name`` of every callable in the ``__all__`` of :data:`ROOTS`, recursively."""
    found, seen = set(), set()

    def walk(module: ModuleType) -> None:
        if module.__name__ in seen:
            return
        seen.add(module.__name__)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if isinstance(obj, ModuleType):
                if obj.__name__.startswith("cs_conv"):
                    walk(obj)
            elif callable(obj):
                found.add(f"{module.__name__}.{name}")

    for root in ROOTS:
        walk(importlib.import_module(root))
    return found


@pytest.fixture(scope="module")
def tables() -> dict[str, dict]:
    """Group name -> its table of calls (built here too, to check coverage)."""
    return {group: build() for group, build in GROUPS.items()}


def test_every_public_callable_is_covered(tables):
    covered = {name for table in tables.values() for name in table}
    public = public_callables()
    missing = sorted(public - covered - set(EXEMPT))
    assert missing == [], (
        f"public callables without oversized calls: {missing}; add them to "
        "tests/oversized/calls.py (or to EXEMPT, with the reason, if they take no size)"
    )
    assert sorted((covered | set(EXEMPT)) - public) == []  # nothing stale
    assert all(calls for table in tables.values() for calls in table.values())


def test_the_walk_finds_what_it_must():
    public = public_callables()
    for name in (
        "cs_conv.naive.conv_forward",  # a submodule listed in cs_conv.__all__
        "cs_conv.viz.plot_im2col",
        "cs_conv.check.check_col2im",
        "cs_conv.check.Case",
        "cs_conv.bench.run_benchmark",
    ):
        assert name in public


def _run_group(group: str) -> tuple[list[dict], subprocess.CompletedProcess | None, str]:
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.oversized.runner", group],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
        out, problem = proc.stdout, ""
    except subprocess.TimeoutExpired as exc:
        proc = None
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        problem = f"the child ran over the {DEADLINE} s deadline"
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return records, proc, problem


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_oversized_calls_are_refused_at_once_under_3_gib(group, tables):
    records, proc, problem = _run_group(group)
    started = [r for r in records if "start" in r]
    ended = [r for r in records if "outcome" in r]
    last = f"{started[-1]['start']} ({started[-1]['label']})" if started else "none"
    if proc is not None and proc.returncode != 0:
        problem = f"the child exited with {proc.returncode}: {proc.stderr[-1500:]}"
    assert not problem, f"{problem}; the last call started: {last}"
    assert records[-1] == {"done": True}
    assert len(ended) == sum(len(c) for c in tables[group].values())
    wrong = [
        f"{r['name']} ({r['label']}): expected to {r['expect']}, {r['outcome']} "
        f"{r['type']}: {r['message']}"
        for r in ended
        if (r["expect"], r["outcome"]) not in (("refuse", "refused"), ("return", "returned"))
    ]
    assert wrong == []
    slow = [
        f"{r['name']} ({r['label']}): {r['seconds']:.2f} s"
        for r in ended
        if r["seconds"] > PER_CALL
    ]
    assert slow == []
    budget = [r for r in ended if r["outcome"] == "refused" and "MemoryError" in r["type"]]
    # a MemoryError is a clean end, but a budget should have refused first: say which
    print(
        f"{group}: {len(ended)} calls, slowest "
        + ", ".join(
            f"{r['name']} ({r['label']}) {r['seconds']:.3f} s"
            for r in sorted(ended, key=lambda r: -r["seconds"])[:3]
        )
        + (f"; MemoryError instead of a budget: {[r['name'] for r in budget]}" if budget else "")
    )
