"""The grading pipeline: an ordered list of small steps, each in its own module.

1. :mod:`~autograder.notebook`  read the source notebooks and their graded tests
2. :mod:`~autograder.release`   their student versions (to tell instructor cells
                                from the student's own)
3. :mod:`~autograder.discover`  find the submissions
4. jobs (here)                  the cells to run, the tests with their cases,
                                a hash of everything that decides the grade
5. :mod:`~autograder.executor`  run every job on the pool ...
6. :mod:`~autograder.supervise` ... each in a sandboxed worker
                                (:mod:`~autograder.sandbox`, :mod:`~autograder.worker`)
7. :mod:`~autograder.evaluate`  decide statuses and points from the arrays, in this process
8. :mod:`~autograder.store`     write each notebook's grades at once (single writer)
9. exports, :mod:`~autograder.feedback`, :mod:`~autograder.report`
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import notebook as nbmod
from .discover import find_submissions
from .evaluate import evaluate_notebook
from .executor import LocalPoolExecutor, SerialExecutor
from .progress import Progress
from .release import source_notebooks, student_version
from .sandbox import Limits, detect_kind
from .store import GradeStore
from .supervise import Job, RawResult, run_job

__all__ = ["GRADER_VERSION", "Course", "GradeRun", "grade", "load_course"]

GRADER_VERSION = "2"


@dataclass
class Course:
    source_dir: Path
    assignment: str
    tests: dict  # notebook stem -> [TestSpec]
    release_sources: dict  # notebook stem -> set of instructor code cell sources
    source_hash: dict  # notebook stem -> hash of its graded tests

    @property
    def max_score(self) -> float:
        return sum(t.points for ts in self.tests.values() for t in ts)

    def test_order(self) -> dict:
        return {nb: {t.grade_id: i for i, t in enumerate(ts)} for nb, ts in self.tests.items()}


def default_source_dir() -> Path:
    here = Path.cwd() / "notebooks"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[1] / "notebooks"


def load_course(source_dir=None, assignment: str = "cs_conv") -> Course:
    source_dir = Path(source_dir or default_source_dir())
    paths = source_notebooks(source_dir)
    if not paths:
        raise FileNotFoundError(f"no source notebooks (*.ipynb) in {source_dir}")
    tests, release_sources, hashes = {}, {}, {}
    for p in paths:
        nb = nbmod.read(p)
        tests[p.stem] = nbmod.graded_tests(nb)
        release_sources[p.stem] = nbmod.cell_sources(nb) | nbmod.cell_sources(student_version(nb))
        blob = json.dumps([t.to_dict() for t in tests[p.stem]], sort_keys=True)
        hashes[p.stem] = hashlib.sha256(blob.encode()).hexdigest()[:16]
    return Course(source_dir, assignment, tests, release_sources, hashes)


@dataclass
class GradeRun:
    out: Path
    sandbox: str
    limits: Limits
    graded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    errors: list = field(default_factory=list)


def _cases(spec):
    from cs_conv.check import CHECKERS

    checker = CHECKERS[spec.checker]
    return [c.to_dict() for c in checker.make_cases(spec.key, stage=spec.stage)]


def make_job(sub, course: Course, limits: Limits, sandbox: str, run_all_cells: bool = False):
    """``(job, cells, found)`` for one submission; ``job`` is plain data.

    ``cells`` are all the student's code cells but the graded tests; the job
    runs only those whose results can matter (see
    :func:`autograder.notebook.prune_instructor_cells`) unless ``run_all_cells``.
    """
    tests = course.tests[sub.notebook]
    nb = nbmod.read(sub.path)
    cells, found = nbmod.student_cells(nb, tests)
    to_run = cells
    if not run_all_cells:
        needed = {f for t in tests for f in t.functions.values()}
        to_run, _ = nbmod.prune_instructor_cells(
            cells, course.release_sources[sub.notebook], needed
        )
    job_tests = []
    for t in tests:
        d = t.to_dict()
        try:
            d["cases"] = _cases(t)
        except KeyError:  # no such checker: the worker reports it, the other tests run
            d["cases"] = None
        job_tests.append(d)
    h = hashlib.sha256()
    h.update(Path(sub.path).read_bytes())
    h.update(course.source_hash[sub.notebook].encode())
    h.update(json.dumps(limits.to_dict(), sort_keys=True).encode())
    h.update(GRADER_VERSION.encode() + (b"all" if run_all_cells else b""))
    job = Job(
        student=sub.student,
        assignment=sub.assignment,
        notebook=sub.notebook,
        sub_dir=sub.folder,
        cells=to_run,
        tests=job_tests,
        limits=limits.to_dict(),
        sandbox=sandbox,
        submission_hash=h.hexdigest(),
    )
    return job, cells, found


def cython_build_jobs(course, jobs, limits, kind, folder: Path, n: int) -> list:
    """Compile every distinct ``%%cython`` cell once, shared by all submissions.

    The instructor's cells (from the released notebooks) and the students'
    are built in sandboxed *compile-only* workers, which never import (run)
    them: no student code runs there, and a module is looked up by the hash
    of its exact source, so a submission only ever loads the build of its own
    code.  Students with the same kernel (or the instructor's demo cells) are
    compiled once instead of once per submission.  Returns up to ``n`` compile
    jobs that fill ``folder / "cython"``.
    """
    sources = []
    for stem in sorted(course.tests):
        nb = student_version(nbmod.read(course.source_dir / f"{stem}.ipynb"))
        sources += [c.source for c in nb.cells if c.cell_type == "code"]
    for job in jobs:
        sources += [c["source"] for c in job.cells]
    unique = sorted(
        {
            s
            for s in sources
            if s.lstrip().startswith("%%cython") and "--pgo" not in s.split("\n", 1)[0]
        }
    )
    if not unique:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty"
    empty.mkdir(exist_ok=True)
    n = max(1, min(len(unique), n))
    compile_jobs = []
    for k in range(n):
        cells = [{"index": i, "source": s} for i, s in enumerate(unique[k::n])]
        job = Job("cython-build", course.assignment, f"cython-{k}", str(empty), cells, [])
        job.limits, job.sandbox = limits.to_dict(), kind
        job.compile_only, job.export_cache = True, str(folder / "cython")
        compile_jobs.append(job)
    return compile_jobs


def _uses_cython(job) -> bool:
    return any(c["source"].lstrip().startswith("%%cython") for c in job.cells)


def grade(
    submissions,
    out,
    *,
    source_dir=None,
    assignment: str = "cs_conv",
    workers: int | None = None,
    limits: Limits | None = None,
    force: bool = False,
    sandbox: str = "auto",
    executor=None,
    progress: bool | None = None,
    write_reports: bool = True,
    run_all_cells: bool = False,
) -> GradeRun:
    """Grade every submission into ``out``; return what was done."""
    t0 = time.monotonic()
    limits = limits or Limits()
    course = load_course(source_dir, assignment)
    kind = detect_kind(sandbox)
    store = GradeStore(out)
    run = GradeRun(Path(out), kind, limits)
    # notebooks without graded tests (e.g. a benchmark notebook) are not run at all
    source_ids = {name: [t.grade_id for t in ts] for name, ts in course.tests.items() if ts}
    subs = find_submissions(submissions, assignment, source_ids, skipped=run.errors)
    with store:
        todo = {}
        for sub in subs:
            try:
                job, cells, found = make_job(sub, course, limits, kind, run_all_cells)
            except Exception as exc:  # an unreadable notebook: every test errors
                run.errors.append(f"{sub.student}/{sub.notebook}: {type(exc).__name__}: {exc}")
                job, cells, found = None, [], {}
            if (
                job is not None
                and not force
                and store.done(sub.student, sub.assignment, sub.notebook, job.submission_hash)
            ):
                run.skipped += 1
                continue
            todo[(sub.student, sub.assignment, sub.notebook)] = (sub, job, cells, found)
        if executor is None:
            executor = SerialExecutor() if workers == 1 else LocalPoolExecutor(workers)
        cache_dir = Path(tempfile.mkdtemp(prefix="cs-conv-cython-"))
        jobs = [v[1] for v in todo.values() if v[1] is not None]
        n_slots = getattr(executor, "workers", 1)
        builds = cython_build_jobs(course, jobs, limits, kind, cache_dir, n_slots)
        for job in jobs:
            if _uses_cython(job):
                job.cython_cache = str(cache_dir / "cython")
        # the shared builds first, notebooks without Cython meanwhile, then the rest
        jobs = (
            builds + [j for j in jobs if not _uses_cython(j)] + [j for j in jobs if _uses_cython(j)]
        )
        pending = {"builds": len(builds)}
        built = threading.Event()
        if not builds:
            built.set()
        lock = threading.Lock()

        def task(job, slot):
            if job.compile_only:
                try:
                    return run_job(job, slot)
                finally:
                    with lock:
                        pending["builds"] -= 1
                        if pending["builds"] == 0:
                            built.set()
            if job.cython_cache:
                built.wait()
            return run_job(job, slot)

        bar = Progress(len(todo), "grading", enabled=progress)
        for sub, job, _, _ in todo.values():
            if job is None:
                raw = RawResult(sub.student, sub.assignment, sub.notebook, kind)
                raw.fatal = "the notebook could not be read"
                _store_one(store, course, sub, raw, [], {}, "", run)
                bar.update(f"{sub.student} (unreadable)")
        try:
            # an executor that holds cython jobs until the builds are done (Dask) gets the
            # picklable run_job: its tasks run in other processes, the closure's event cannot
            fn = run_job if getattr(executor, "builds_first", False) else task
            for job, raw in executor.map_unordered(fn, jobs):
                if job.compile_only:
                    continue
                sub, _, cells, found = todo[(job.student, job.assignment, job.notebook)]
                if isinstance(raw, BaseException):
                    exc = raw
                    run.errors.append(f"{job.student}/{job.notebook}: {exc!r}")
                    raw = RawResult(job.student, job.assignment, job.notebook, kind)
                    raw.fatal = f"grader error: {type(exc).__name__}: {exc}"
                _store_one(store, course, sub, raw, cells, found, job.submission_hash, run)
                bar.update(f"{job.student}/{job.notebook}")
        finally:
            bar.close()
            shutil.rmtree(cache_dir, ignore_errors=True)
            run.seconds = round(time.monotonic() - t0, 3)
        if write_reports:
            finish(store, course, run)
    return run


def _store_one(store, course, sub, raw, cells, found, submission_hash, run):
    tests = course.tests[sub.notebook]
    results, flags = evaluate_notebook(
        raw, tests, cells, found, course.release_sources[sub.notebook]
    )
    store.write(
        {
            "student": sub.student,
            "assignment": sub.assignment,
            "notebook": sub.notebook,
            "submission_hash": submission_hash,
            "timestamp": sub.timestamp,
            "sandbox": raw.sandbox,
            "wall_seconds": raw.wall_seconds,
            "restarts": raw.restarts,
            "cells_run": len(raw.cells),
            "cells_total": len(cells),
            "flags": flags,
            "cells": {str(k): _cell_summary(v) for k, v in sorted(raw.cells.items())},
            "tests": [r.to_dict() for r in results],
            "score": sum(r.points for r in results),
            "max_score": sum(t.points for t in tests),
        }
    )
    run.graded += 1


def _cell_summary(c):
    return {k: c.get(k) for k in ("status", "error", "seconds") if k in c}


def finish(store: GradeStore, course: Course, run: GradeRun) -> dict:
    """Exports, results.json, feedback and the class report from the store."""
    from .feedback import write_feedback
    from .report import write_report

    paths = store.export(course.test_order(), {course.assignment: course.max_score})
    records = store.records()
    summary = {
        "grader_version": GRADER_VERSION,
        "sandbox": run.sandbox,
        "sandbox_note": SANDBOX_NOTES.get(run.sandbox, ""),
        "limits": run.limits.to_dict(),
        "assignment": course.assignment,
        "max_score": course.max_score,
        "graded_this_run": run.graded,
        "skipped_this_run": run.skipped,
        "seconds_this_run": run.seconds,
        "errors": run.errors,
        "notebooks": records,
    }
    results = store.out / "results.json"
    results.write_text(json.dumps(summary, indent=1, sort_keys=True, default=str))
    paths["results"] = results
    paths["feedback"] = write_feedback(records, store.out / "feedback")
    paths["report"] = write_report(
        records, summary, store.out / "report.html", feedback_dir=paths["feedback"]
    )
    return paths


SANDBOX_NOTES = {
    "bwrap": "bubblewrap: private mount, PID, network, IPC namespaces; only the submission, "
    "the Python install and cs_conv visible; rlimits; unprivileged uid per slot",
    "plain": "plain processes (bubblewrap unavailable): rlimits and process groups; "
    "no filesystem isolation; no network only when the grader runs as root",
}


def summary_line(run: GradeRun, store_out) -> str:
    return (
        f"graded {run.graded} notebook(s), skipped {run.skipped} already graded, "
        f"in {run.seconds:.1f} s ({run.sandbox} sandbox) -> {store_out}"
    )


def eprint(*a):
    print(*a, file=sys.stderr)
