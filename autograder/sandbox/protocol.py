"""The supervisor-worker protocol: the job a worker runs and the events it sends.

Both sides import this module: the trusted supervisor
(:mod:`autograder.sandbox.supervise`) and the untrusted worker
(:mod:`autograder.sandbox.worker`), which runs inside the sandbox with a copy
of this file and may import nothing else of :mod:`autograder`.  So it uses the
standard library only.

**The job.**  :class:`WorkerJob` is written to ``job.json`` in the worker's
job folder: the student's code cells (:class:`CellTask`), the tests
(:class:`TestTask`, with the cases the trusted side drew), what to skip after
a restart, time limits and rlimits, and the policy the reference watch uses.

**The events.**  The worker writes one JSON object per line to a pipe, each
with an ``ev`` name; every step is announced *before* it starts, so that the
supervisor knows which cell or test a dying worker was running.  The student's
code shares that pipe, so :func:`decode` checks every field's type and drops
anything else as noise.

=================  =====================================================
``ready``          the prologue is done (:class:`Ready`)
``fatal``          the worker cannot go on (:class:`Fatal`)
``cell_start``     a cell starts (:class:`CellStart`) ...
``cell_end``       ... and ends (:class:`CellEnd`)
``test_start``     a test starts (:class:`TestStart`) ...
``test_end``       ... and ends; its outcomes are in ``out/<dir>``
                   (:class:`TestEnd`)
``integrity``      the modules the student's code patched (:class:`Integrity`)
``done``           nothing left to run (:class:`Done`)
=================  =====================================================
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import ClassVar

__all__ = [
    "EVENTS",
    "PAYLOAD_INDEX",
    "CellEnd",
    "CellStart",
    "CellTask",
    "Done",
    "Fatal",
    "Integrity",
    "Job",
    "Ready",
    "TestEnd",
    "TestStart",
    "TestTask",
    "WorkerJob",
    "array_file",
    "cython_build_dir",
    "cython_module",
    "decode",
    "encode",
    "typing_file",
]

#: the index of a test's outcomes in its folder, and the name of each array file
PAYLOAD_INDEX = "payload.json"


def cython_module(source: str, executable: str | None = None) -> str | None:
    """The module IPython's ``%%cython`` magic builds the cell ``source`` into (as the
    magic names it: a hash of the cell, its options, the Python and Cython versions and
    ``executable``, by default ``sys.executable``: the worker's), or None when the cell
    names its own module or forces a new one each time."""
    import hashlib
    import sys
    from importlib.metadata import version

    first, _, cell = source.lstrip().partition("\n")
    line = first[len("%%cython") :].strip()
    words = line.split()
    if any(
        w in ("-n", "--name", "-f", "--force", "--pgo") or w.startswith("--name=") for w in words
    ):
        return None
    code = cell if cell.endswith("\n") else cell + "\n"
    key = (code, line, sys.version_info, executable or sys.executable, version("Cython"))
    return "_cython_magic_" + hashlib.sha256(str(key).encode("utf-8")).hexdigest()


def typing_file(source: str) -> str:
    """The file of the verdicts on the typing of a ``%%cython`` cell's functions, written
    by the compile job beside the cell's build and read by the grader."""
    import hashlib

    return f"typing-{hashlib.sha256(source.encode()).hexdigest()}.json"


def cython_build_dir() -> str:
    """Where IPython's ``%%cython`` magic keeps its builds in a worker (and where the
    compile jobs leave theirs): ``$XDG_CACHE_HOME/ipython/cython``."""
    import os

    return os.path.join(os.environ.get("XDG_CACHE_HOME", "."), "ipython", "cython")


def array_file(outcome: int, array: int) -> str:
    """The file name of array ``array`` of outcome ``outcome`` (no folders, no dots but one)."""
    return f"{outcome}_{array}.npy"


# -- the job ------------------------------------------------------------------


@dataclass(frozen=True)
class CellTask:
    """A code cell of the student's notebook, by its index in the notebook."""

    index: int
    source: str


@dataclass(frozen=True)
class TestTask:
    """One graded test: the checker, the student's function names, the cases."""

    __test__ = False  # not a pytest class

    grade_id: str
    checker: str
    functions: dict  # checker argument -> the name the notebook defines
    stage: str | None = None
    key: str = ""
    cases: list | None = None  # [Case.to_dict()], drawn by the trusted side; None: no checker


@dataclass(frozen=True)
class Job:
    """One notebook of one student, complete as the trusted side planned it
    (:mod:`autograder.jobs`); :func:`autograder.sandbox.supervise.run_job` runs it."""

    student: str
    assignment: str
    notebook: str  # the source notebook's name, without .ipynb
    sub_dir: str  # the student's folder (copied, never bound), or the notebook alone
    cells: tuple = ()  # (CellTask, ...) to run, in order
    tests: tuple = ()  # (TestTask, ...)
    limits: dict = field(default_factory=dict)  # autograder.settings.Limits.to_dict()
    sandbox: str = "auto"
    submission_hash: str = ""
    cython_cache: str = ""  # a trusted folder of compiled %%cython modules to start from
    export_cache: str = ""  # copy the compiled modules here afterwards (compile-only jobs)
    compile_only: bool = False  # build %%cython cells, never import (run) them

    @property
    def label(self) -> str:
        return f"{self.student}/{self.notebook}"

    def uses_cython(self) -> bool:
        return any(c.source.lstrip().startswith("%%cython") for c in self.cells)


@dataclass(frozen=True)
class WorkerJob:
    """Everything one worker process runs, as ``job.json``."""

    cells: tuple = ()  # (CellTask, ...)
    tests: tuple = ()  # (TestTask, ...)
    skip_cells: tuple = ()  # indices of cells that killed an earlier worker
    skip_tests: tuple = ()  # grade ids already done (or that killed an earlier worker)
    cell_timeout: float = 30.0
    test_timeout: float = 30.0
    out_dir: str = ""  # where test outcomes go, as the worker sees it
    compile_only: bool = False  # build %%cython cells, never import (run) them
    uid: int | None = None  # drop root to this uid
    isolate_network: bool = False  # unshare a network namespace first (plain sandbox)
    forbidden: tuple = ()  # modules the reference watch reports (autograder.settings.POLICY)
    allowed: tuple = ()  # ... except these
    hidden_modules: tuple = ()  # cs_conv modules the sandbox masks: stand-ins replace them
    rlimits: dict = field(default_factory=dict)  # memory, cpu, nproc, fsize
    max_payload: int = 64 * 1024**2  # bytes of arrays one test may return

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> WorkerJob:
        d = json.loads(text)
        d["cells"] = tuple(CellTask(**c) for c in d["cells"])
        d["tests"] = tuple(TestTask(**t) for t in d["tests"])
        for name in ("skip_cells", "skip_tests", "forbidden", "allowed", "hidden_modules"):
            d[name] = tuple(d[name])
        return cls(**d)


# -- the events ---------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    ev: ClassVar[str] = "ready"
    pid: int = 0
    net_isolated: bool | None = None


@dataclass(frozen=True)
class Fatal:
    ev: ClassVar[str] = "fatal"
    error: str = ""


@dataclass(frozen=True)
class CellStart:
    ev: ClassVar[str] = "cell_start"
    i: int = 0


@dataclass(frozen=True)
class CellEnd:
    ev: ClassVar[str] = "cell_end"
    i: int = 0
    status: str = "ok"  # ok | error | timeout | oom | compile-error
    error: str | None = None
    seconds: float = 0.0
    output: str = ""  # the tail of what the cell printed, when it failed


@dataclass(frozen=True)
class TestStart:
    __test__ = False
    ev: ClassVar[str] = "test_start"
    id: str = ""


@dataclass(frozen=True)
class TestEnd:
    __test__ = False
    ev: ClassVar[str] = "test_end"
    id: str = ""
    status: str = "ok"  # ok | undefined | error | timeout | oom
    error: str | None = None
    dir: str = ""  # the outcomes' folder, relative to the job's out_dir
    origins: dict = field(default_factory=dict)  # argument -> where the function comes from
    seconds: float = 0.0
    reference_calls: list = field(default_factory=list)  # what the reference watch saw
    hook_removed: bool = False  # the watch's hook was gone when the function returned


@dataclass(frozen=True)
class Integrity:
    ev: ClassVar[str] = "integrity"
    patched: dict = field(default_factory=dict)  # changed / added / removed -> [module.attr]


@dataclass(frozen=True)
class Done:
    ev: ClassVar[str] = "done"


EVENTS = {cls.ev: cls for cls in (Ready, Fatal, CellStart, CellEnd, TestStart, TestEnd,
                                  Integrity, Done)}  # fmt: skip

_TYPES = {
    "int": int,
    "str": str,
    "float": (int, float),
    "bool": bool,
    "dict": dict,
    "list": list,
}


def _accepts(annotation: str, value) -> bool:
    for option in annotation.split("|"):
        option = option.strip()
        if option == "None":
            if value is None:
                return True
            continue
        kind = _TYPES[option]
        if option in ("int", "float") and isinstance(value, bool):
            continue  # True is not a number here
        if isinstance(value, kind):
            return option != "int" or value >= 0
    return False


def encode(event) -> bytes:
    """One line of the event stream."""
    body = {"ev": event.ev, **dataclasses.asdict(event)}
    return (json.dumps(body, default=str) + "\n").encode()


def decode(line: bytes):
    """The event on ``line``, or None when it is not a well-formed event (noise).

    Every field must have its declared type (ints are non-negative); unknown
    fields are dropped, missing ones take their defaults.
    """
    try:
        body = json.loads(line)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    cls = EVENTS.get(body.get("ev")) if isinstance(body.get("ev"), str) else None
    if cls is None:
        return None
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in body:
            if not _accepts(f.type, body[f.name]):
                return None
            values[f.name] = body[f.name]
    return cls(**values)
