"""The worker's steps: a trusted prologue, the student's cells, the tests, integrity.

1. :func:`prologue`: drop root to the slot's uid, point stdout/stderr away
   (prints cost nothing), import the checkers, start the reference watch, and
   take a snapshot of ``numpy``, ``builtins`` and ``cs_conv`` so that patches
   can be reported;
2. :func:`run_cells`: every code cell in order in an IPython shell (for
   ``%%cython`` and other magics); a cell that raises is recorded and the next
   cell runs; a per-cell alarm stops Python-level loops (the supervisor kills
   anything the alarm cannot);
3. :func:`run_tests`: for every test, the checker's ``run`` on the cases the
   trusted side drew, with the student's functions under the reference watch;
   the outcomes are written as ``payload.json`` and ``.npy`` files (never
   pickle);
4. the patches seen, then ``done``.

Every step is announced on the event channel *before* it starts, so that when
this process dies or hangs the supervisor knows which cell or test did it,
kills the process group and starts a fresh worker that skips it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import time
from dataclasses import dataclass

from .. import protocol
from . import process, snapshot, stand_ins
from .process import Timeout, alarm, emit
from .results import write_payload
from .watch import ReferenceWatch, compiled_modules, function_origin

__all__ = ["run"]

CYTHON_DEF = re.compile(r"^\s*c?p?def\s+(?:[\w\[\]\.,: ]+\s+)?(\w+)\s*\(", re.M)


def describe(exc) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def classify(exc) -> str:
    if isinstance(exc, Timeout):
        return "timeout"
    if isinstance(exc, MemoryError):
        return "oom"
    return "error"


@dataclass
class Worker:
    """What the steps share: the job, the shell, the output tail, the checkers, the watch."""

    job: protocol.WorkerJob
    shell: object
    tail: process.Tail
    check: object | None  # cs_conv.check.runner, or None when it cannot be imported
    watch: ReferenceWatch | None
    before: dict  # the snapshot taken before the student's code


def _compile_only() -> None:
    """Build ``%%cython`` cells without importing them: no student code runs, so
    the compiled modules can be shared between submissions of the same code."""
    import types

    from Cython.Build import IpythonMagic

    IpythonMagic.load_dynamic = lambda name, path: types.ModuleType(name)
    IpythonMagic.CythonMagics._import_all = lambda self, module: None


def _start_watch(job: protocol.WorkerJob) -> ReferenceWatch:
    import cs_conv

    inside = [f for f in job.forbidden if any(f.startswith(a + ".") for a in job.allowed)]
    watch = ReferenceWatch(
        os.path.dirname(os.path.abspath(cs_conv.__file__)),
        allowed=job.allowed,
        libraries=[m for m in job.forbidden if m.split(".")[0] != "cs_conv"],
        denied=inside,
    )
    for name in compiled_modules(os.path.dirname(os.path.abspath(cs_conv.__file__)), "cs_conv"):
        with contextlib.suppress(ImportError):
            watch.wrap_kernel(importlib.import_module(name))
    return watch


def prologue(job: protocol.WorkerJob) -> Worker:
    """Everything before the student's first cell (see the module's docstring)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    tail = process.Tail()
    sys.stdout = sys.stderr = tail
    process.apply_limits(job.rlimits)
    net_isolated = process.isolate_network() if job.isolate_network else None
    process.drop_privileges(job.uid)
    import numpy  # noqa: F401  (the snapshot needs it loaded)

    try:
        from cs_conv.check import runner as check
    except Exception as exc:  # the course itself is broken: every test errors
        check = None
        emit(protocol.Fatal(error=describe(exc)))
    stand_ins.install(job.hidden_modules)
    watch = _start_watch(job) if check is not None else None
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    # no history database: a third of the shell's start, and nothing to keep
    quiet = Config({"HistoryManager": {"enabled": False}})
    shell = InteractiveShell.instance(colors="NoColor", config=quiet)
    if job.compile_only:
        _compile_only()
        shell.run_line_magic("load_ext", "Cython")
    shell.run_cell("pass", store_history=False)
    worker = Worker(job, shell, tail, check, watch, snapshot.take())
    emit(protocol.Ready(pid=os.getpid(), net_isolated=net_isolated))
    return worker


def _cython_failed(source: str, output: str, user_ns: dict) -> bool:
    """A ``%%cython`` cell that printed a compile error or defined none of its functions."""
    body = source.split("\n", 1)[1] if "\n" in source else ""
    wanted = CYTHON_DEF.findall(body)
    return "Error compiling Cython file" in output or bool(
        wanted and not any(n in user_ns for n in wanted)
    )


def _analyse_kernels(source: str) -> None:
    """Beside a compile job's build: how typed each function of the cell is
    (:func:`~autograder.sandbox.protocol.typing_file`, exported with the modules)."""
    import json

    try:
        from cs_conv.check.kernel_typing import analyse_kernel
    except ImportError:
        return
    body = source.split("\n", 1)[1] if "\n" in source else ""
    verdicts = {}
    for name in sorted(set(CYTHON_DEF.findall(body))):
        with contextlib.suppress(Exception):
            verdicts[name] = analyse_kernel(source, name).to_dict()
    path = os.path.join(protocol.cython_build_dir(), protocol.typing_file(source))
    with contextlib.suppress(OSError), open(path, "w") as fh:
        json.dump(verdicts, fh)


def _cached_build(source: str):
    """The module a ``%%cython`` cell was already built into (the compile jobs put the
    builds where the magic keeps them), or None.  Loading it directly spares the
    Cython magic, whose import costs a second or two per notebook."""
    import glob
    import importlib.util

    name = protocol.cython_module(source)
    folder = protocol.cython_build_dir()
    found = sorted(glob.glob(os.path.join(folder, f"{name}.*.so"))) if name else []
    if not found:
        return None
    spec = importlib.util.spec_from_file_location(name, found[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_cython(w: Worker, source: str):
    """Run a ``%%cython`` cell: its cached build's names into the namespace (as the magic
    does), else the magic itself (loaded the first time it is needed)."""
    module = None if w.job.compile_only else _cached_build(source)
    if module is None:
        if "cython" not in w.shell.magics_manager.magics.get("cell", {}):
            w.shell.run_line_magic("load_ext", "Cython")
        return w.shell.run_cell(source, store_history=False, silent=False)
    names = getattr(module, "__all__", None) or [k for k in vars(module) if not k.startswith("_")]
    w.shell.push({k: getattr(module, k) for k in names if hasattr(module, k)})
    return None


def run_cell(w: Worker, cell: protocol.CellTask) -> None:
    emit(protocol.CellStart(i=cell.index))
    t0 = time.perf_counter()
    status, error = "ok", None
    try:
        with alarm(w.job.cell_timeout):
            if cell.source.lstrip().startswith("%%cython"):
                result = _run_cython(w, cell.source)
            else:
                result = w.shell.run_cell(cell.source, store_history=False, silent=False)
        exc = (result.error_in_exec or result.error_before_exec) if result is not None else None
        if exc is not None:
            status, error = classify(exc), describe(exc)
    except Timeout as exc:
        status, error = "timeout", describe(exc)
    except MemoryError as exc:
        status, error = "oom", describe(exc)
    except Exception as exc:  # a cached Cython module that raised while it was imported
        status, error = "error", describe(exc)
    output = w.tail.take()
    source = cell.source.lstrip()
    cython = status == "ok" and source.startswith("%%cython")
    if cython and _cython_failed(source, output, w.shell.user_ns):
        status, error = "compile-error", output[-1500:]
    if cython and w.job.compile_only:
        _analyse_kernels(cell.source)
    emit(
        protocol.CellEnd(
            i=cell.index,
            status=status,
            error=error,
            seconds=round(time.perf_counter() - t0, 3),
            output=output[-process.TAIL :] if status != "ok" else "",
        )
    )


def run_cells(w: Worker) -> None:
    skip = set(w.job.skip_cells)
    for cell in w.job.cells:
        if cell.index not in skip:
            run_cell(w, cell)


def _outcomes(w: Worker, test: protocol.TestTask, funcs: dict) -> list:
    """The checker's run on the trusted side's cases, the functions under the watch."""
    if w.check is None:
        raise RuntimeError("cs_conv.check.runner could not be imported")
    if test.cases is None:
        raise KeyError(f"no checker named {test.checker!r}")
    from cs_conv.check.cases import Case

    cases = [Case.from_dict(d) for d in test.cases]  # drawn by the trusted parent
    watched = {a: w.watch.watched(f) for a, f in funcs.items()}
    return [o.to_payload() for o in w.check.run_checker(test.checker, watched, cases)]


def run_test(w: Worker, n: int, test: protocol.TestTask) -> None:
    emit(protocol.TestStart(id=test.grade_id))
    t0 = time.perf_counter()
    funcs = {arg: w.shell.user_ns.get(name) for arg, name in test.functions.items()}
    missing = sorted(test.functions[a] for a, f in funcs.items() if not callable(f))
    origins = {a: function_origin(f) for a, f in funcs.items()}
    status, error = "ok", None
    if missing:
        status, error = "undefined", "not defined: " + ", ".join(missing)
    else:
        try:
            with alarm(w.job.test_timeout):
                payloads = _outcomes(w, test, funcs)
            write_payload(os.path.join(w.job.out_dir, f"test{n}"), payloads, w.job.max_payload)
        except Timeout as exc:
            status, error = "timeout", describe(exc)
        except MemoryError as exc:
            status, error = "oom", describe(exc)
        except Exception as exc:
            status, error = "error", describe(exc)
    w.tail.take()
    seen = w.watch.take() if w.watch is not None else {}
    attempts = stand_ins.take_attempts()
    if attempts:
        calls = seen.get("reference_calls", []) + [f"{a} (masked)" for a in attempts]
        seen["reference_calls"] = sorted(set(calls))[:20]
    emit(
        protocol.TestEnd(
            id=test.grade_id,
            status=status,
            error=error,
            dir=f"test{n}",
            origins=origins,
            seconds=round(time.perf_counter() - t0, 3),
            **seen,
        )
    )


def run_tests(w: Worker) -> None:
    skip = set(w.job.skip_tests)
    stand_ins.take_attempts()  # what the student's cells tried before any test is not graded
    for n, test in enumerate(w.job.tests):
        if test.grade_id not in skip:
            run_test(w, n, test)


def main(job_dir: str) -> int:
    with open(os.path.join(job_dir, "job.json")) as fh:
        job = protocol.WorkerJob.from_json(fh.read())
    w = prologue(job)
    run_cells(w)
    patched = snapshot.changes(w.before, snapshot.take())
    # patches made while the tests ran (cs_conv's own lazy state excluded)
    before_np = {k: v for k, v in w.before.items() if not k.startswith("cs_conv")}
    run_tests(w)
    during = snapshot.changes(before_np, snapshot.take(("numpy", "builtins")))
    for kind in ("changed", "added", "removed"):
        patched[kind] = sorted(set(patched[kind]) | set(during[kind]))
    emit(protocol.Integrity(patched=patched))
    emit(protocol.Done())
    return 0


def run(job_dir: str):
    """The entry point: :func:`main`, any failure of ours reported, no teardown."""
    try:
        code = main(job_dir)
    except BaseException as exc:  # a bug of ours, or the prologue failed
        import traceback

        emit(protocol.Fatal(error=describe(exc) + "\n" + traceback.format_exc()[-1500:]))
        code = 4
    # skip interpreter teardown: student objects' __del__ must not run after we are done
    os._exit(code)
