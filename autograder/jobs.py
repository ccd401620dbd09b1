"""Plan the work: one complete :class:`~autograder.sandbox.protocol.Job` per submission.

A job holds everything its sandboxed worker needs and everything that decides
its grade: the cells to run, the tests with the cases the trusted side drew,
the limits, the sandbox, and a hash of all of it (the submission, the graded
tests, the limits, the grader's version).  Jobs are built complete and never
changed afterwards.

Compile jobs (:func:`cython_build_jobs`) build every distinct ``%%cython``
cell once for the whole class, before the jobs that need them run.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from . import notebook as nbmod
from .course import Course
from .sandbox.protocol import CellTask, Job, TestTask
from .settings import GRADER_VERSION, GradeOptions

__all__ = [
    "class_cases",
    "cython_build_jobs",
    "cython_sources",
    "draw_cases",
    "make_job",
    "runs_in_worker",
]


def runs_in_worker(checker: str) -> bool:
    """Whether a test calls the student's functions (in the worker); a test that
    judges source only (a kernel's typing) is decided on the trusted side."""
    from cs_conv.check.runner import CALLS

    return checker in CALLS or checker not in _checker_names()


@functools.cache
def _checker_names() -> frozenset:
    from cs_conv.check import CHECKERS

    return frozenset(CHECKERS)


@functools.lru_cache(maxsize=256)
def class_cases(checker: str, key: str, stage: str | None) -> tuple | None:
    """The cases of a test, drawn once per (checker, key, stage) for the whole class:
    the jobs send them, :mod:`~autograder.evaluate` judges against them.  None when
    there is no such checker (the worker then reports it and the other tests run)."""
    from cs_conv.check import CHECKERS

    if checker not in CHECKERS:
        return None
    return tuple(CHECKERS[checker].make_cases(key, stage=stage))


@functools.lru_cache(maxsize=256)
def draw_cases(checker: str, key: str, stage: str | None) -> tuple | None:
    """:func:`class_cases` as plain dicts, what a worker's job carries."""
    cases = class_cases(checker, key, stage)
    return None if cases is None else tuple(c.to_dict() for c in cases)


def _test_task(spec) -> TestTask:
    cases = draw_cases(spec.checker, spec.key, spec.stage)
    return TestTask(
        grade_id=spec.grade_id,
        checker=spec.checker,
        functions=dict(spec.functions),
        stage=spec.stage,
        key=spec.key,
        cases=None if cases is None else list(cases),
    )


def _submission_hash(path, course: Course, notebook: str, options: GradeOptions) -> str:
    h = hashlib.sha256()
    h.update(Path(path).read_bytes())
    h.update(course.source_hash[notebook].encode())
    h.update(json.dumps(options.limits.to_dict(), sort_keys=True).encode())
    h.update(GRADER_VERSION.encode() + (b"all" if options.run_all_cells else b""))
    return h.hexdigest()


def _is_cython(source: str) -> bool:
    return source.lstrip().startswith("%%cython")


def make_job(sub, course: Course, options: GradeOptions, kind: str, cython_cache: str = ""):
    """``(job, cells, found)`` for one submission.

    ``cells`` are all the student's code cells but the graded tests; the job
    runs only those whose results can matter (see
    :func:`autograder.notebook.prune_instructor_cells`) unless
    ``options.run_all_cells``.  ``found`` says what happened to each graded test
    cell.  A job with ``%%cython`` cells starts from ``cython_cache``.
    """
    tests = course.tests[sub.notebook]
    nb = nbmod.read(sub.path)
    cells, found = nbmod.student_cells(nb, tests)
    to_run = cells
    if not options.run_all_cells:
        needed = {f for t in tests for f in t.functions.values()}
        to_run, _ = nbmod.prune_instructor_cells(
            cells, course.release_sources[sub.notebook], needed
        )
    tasks = tuple(CellTask(c["index"], c["source"]) for c in to_run)
    job = Job(
        student=sub.student,
        assignment=sub.assignment,
        notebook=sub.notebook,
        sub_dir=sub.folder,
        cells=tasks,
        tests=tuple(_test_task(t) for t in tests if not t.manual and runs_in_worker(t.checker)),
        limits=options.limits.to_dict(),
        sandbox=kind,
        submission_hash=_submission_hash(sub.path, course, sub.notebook, options),
        cython_cache=cython_cache if any(_is_cython(c.source) for c in tasks) else "",
    )
    return job, cells, found


def cython_sources(jobs) -> list[str]:
    """The distinct ``%%cython`` cells the jobs run (a cell that profiles itself with
    ``--pgo`` is left to its own notebook)."""
    found = {c.source for job in jobs for c in job.cells if _is_cython(c.source)}
    return sorted(s for s in found if "--pgo" not in s.split("\n", 1)[0])


def cython_build_jobs(course: Course, sources, options: GradeOptions, kind, folder: Path, n: int):
    """Compile each of ``sources`` (distinct ``%%cython`` cells) once, for everyone.

    The cells are built in sandboxed *compile-only* workers, which never import
    (run) them: no student code runs there, and a module is looked up by the
    hash of its exact source, so a submission only ever loads the build of its
    own code.  Students with the same kernel are compiled once instead of once
    per submission.  Returns up to ``n`` compile jobs that fill
    ``folder / "cython"``.
    """
    unique = sorted(set(sources))
    if not unique:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty"
    empty.mkdir(exist_ok=True)
    n = max(1, min(len(unique), n))
    return [
        Job(
            student="cython-build",
            assignment=course.assignment,
            notebook=f"cython-{k}",
            sub_dir=str(empty),
            cells=tuple(CellTask(i, s) for i, s in enumerate(unique[k::n])),
            limits=options.limits.to_dict(),
            sandbox=kind,
            export_cache=str(folder / "cython"),
            compile_only=True,
        )
        for k in range(n)
    ]
