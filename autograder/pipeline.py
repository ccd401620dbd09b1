"""The grading pipeline: plan, run, record.

:func:`grade` is three steps, each a function of its own:

1. :func:`plan`: read the course (:mod:`~autograder.course`), find the
   submissions (:mod:`~autograder.discover`), and make one complete job per
   submission not graded yet (:mod:`~autograder.jobs`), plus the compile jobs
   that build every ``%%cython`` cell once;
2. :func:`run`: run the jobs on an executor (:mod:`autograder.executors`),
   each in a sandboxed worker (:mod:`autograder.sandbox`): first the compile
   jobs with the notebooks that need none of their builds, then the notebooks
   that do;
3. :func:`record`: decide statuses and points from the arrays, in this process
   (:mod:`~autograder.evaluate`), and store each notebook's grades at once
   (:mod:`autograder.output.store`, a single writer); at the end
   :func:`finish` writes the exports, the feedback and the class report.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course, load_course
from .cython_cache import BuildCache
from .discover import Submission, find_submissions
from .evaluate import evaluate_notebook
from .executors.local import LocalPoolExecutor, SerialExecutor
from .jobs import cython_build_jobs, cython_sources, make_job
from .kernels import KernelVerdicts
from .output.progress import Progress
from .output.store import GradeStore
from .sandbox.launch import detect_kind
from .sandbox.protocol import Job
from .sandbox.supervise import RawResult, run_job
from .settings import GRADER_VERSION, SANDBOX_NOTES, GradeOptions, Limits

__all__ = ["GradeRun", "Plan", "finish", "grade", "plan", "record", "run", "summary_line"]


@dataclass
class GradeRun:
    """What one run did (``results.json`` and the summary line)."""

    out: Path
    sandbox: str
    limits: Limits
    graded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    errors: list = field(default_factory=list)


@dataclass(frozen=True)
class Entry:
    """One submission to grade: its job (None when the notebook could not be read),
    the student's cells and what happened to the graded test cells."""

    sub: Submission
    job: Job | None
    cells: list
    found: dict


@dataclass
class Plan:
    course: Course
    options: GradeOptions
    store: GradeStore
    run: GradeRun
    entries: dict  # (student, assignment, notebook) -> Entry
    builds: list  # compile-only jobs
    cache_dir: Path  # where this run's builds go (removed after the run)
    build_cache: BuildCache  # the builds kept between runs


def _entry(sub, course, options, kind, cython_cache, run: GradeRun) -> Entry:
    try:
        job, cells, found = make_job(sub, course, options, kind, cython_cache)
    except Exception as exc:  # an unreadable notebook: every test errors
        run.errors.append(f"{sub.student}/{sub.notebook}: {type(exc).__name__}: {exc}")
        return Entry(sub, None, [], {})
    return Entry(sub, job, cells, found)


def plan(submissions, store: GradeStore, options: GradeOptions, workers: int = 1, course=None):
    """Everything to do: one entry per submission not graded yet in ``store``, and
    the compile jobs, split over ``workers`` (the executor's).  ``course`` (default:
    loaded from ``options``) is the course already read."""
    course = course or load_course(options.source_dir, options.assignment)
    kind = detect_kind(options.sandbox)
    grade_run = GradeRun(store.out, kind, options.limits)
    subs = find_submissions(
        submissions, options.assignment, course.graded_notebooks(), skipped=grade_run.errors
    )
    cache_dir = Path(tempfile.mkdtemp(prefix="cs-conv-cython-"))
    try:
        entries = {}
        for sub in subs:
            e = _entry(sub, course, options, kind, str(cache_dir / "cython"), grade_run)
            key = (sub.student, sub.assignment, sub.notebook)
            done = e.job is not None and store.done(*key, e.job.submission_hash)
            if done and not options.force:
                grade_run.skipped += 1
                continue
            entries[key] = e
        jobs = [e.job for e in entries.values() if e.job is not None]
        cache = BuildCache(options.cache_dir)
        missing = cache.fetch(cython_sources(jobs), cache_dir / "cython")
        builds = cython_build_jobs(course, missing, options, kind, cache_dir, workers)
    except BaseException:
        shutil.rmtree(cache_dir, ignore_errors=True)
        raise
    return Plan(course, options, store, grade_run, entries, builds, cache_dir, cache)


def run(p: Plan, executor) -> Iterator[tuple[Entry, RawResult]]:
    """Every entry with its raw result, as they finish.

    Two rounds on the executor: the compile jobs with the notebooks that start
    from none of their builds, then the notebooks that do.  An executor error
    for one job becomes that notebook's ``fatal`` result, never the run's.
    """
    by_job = {(e.job.student, e.job.assignment, e.job.notebook): e for e in p.entries.values()
              if e.job is not None}  # fmt: skip
    for e in p.entries.values():
        if e.job is None or not e.job.tests:  # unreadable, or nothing to run (written answers)
            raw = RawResult(e.sub.student, e.sub.assignment, e.sub.notebook, p.run.sandbox)
            raw.fatal = "the notebook could not be read" if e.job is None else None
            yield e, raw
    jobs = [e.job for e in by_job.values() if e.job.tests]
    rounds = (
        p.builds + [j for j in jobs if not j.cython_cache],
        [j for j in jobs if j.cython_cache],
    )
    for k, jobs_of_round in enumerate(rounds):
        if k == 1:  # the builds are done: keep them for the next runs
            p.build_cache.publish(p.cache_dir / "cython")
        for job, raw in executor.map_unordered(run_job, jobs_of_round):
            if job.compile_only:
                continue
            if isinstance(raw, BaseException):
                p.run.errors.append(f"{job.label}: {raw!r}")
                exc, raw = raw, RawResult(job.student, job.assignment, job.notebook, p.run.sandbox)
                raw.fatal = f"grader error: {type(exc).__name__}: {exc}"
            yield by_job[(job.student, job.assignment, job.notebook)], raw


def record(p: Plan, e: Entry, raw: RawResult) -> None:
    """Decide one notebook's grades from its raw result and store them."""
    sub, tests = e.sub, p.course.tests[e.sub.notebook]
    results, flags = evaluate_notebook(
        raw,
        tests,
        e.cells,
        e.found,
        p.course.release_sources[sub.notebook],
        KernelVerdicts(p.cache_dir / "cython"),
    )
    p.store.write(
        {
            "student": sub.student,
            "assignment": sub.assignment,
            "notebook": sub.notebook,
            "submission_hash": e.job.submission_hash if e.job is not None else "",
            "timestamp": sub.timestamp,
            "sandbox": raw.sandbox,
            "wall_seconds": raw.wall_seconds,
            "restarts": raw.restarts,
            "cells_run": len(raw.cells),
            "cells_total": len(e.cells),
            "flags": flags,
            "cells": {str(k): _cell_summary(v) for k, v in sorted(raw.cells.items())},
            "tests": [r.to_dict() for r in results],
            "score": sum(r.points for r in results),
            "max_score": sum(t.points for t in tests),
        }
    )
    p.run.graded += 1


def _cell_summary(c):
    return {k: c.get(k) for k in ("status", "error", "seconds") if k in c}


def _executor(options: GradeOptions):
    return SerialExecutor() if options.workers == 1 else LocalPoolExecutor(options.workers)


def grade(
    submissions, out, options: GradeOptions | None = None, *, executor=None, course=None, **changes
):
    """Grade every submission into ``out``; return the :class:`GradeRun`.

    ``options`` (default :class:`~autograder.settings.GradeOptions`) may be
    changed by keyword, e.g. ``grade(subs, out, workers=2, limits=Limits(...))``;
    ``executor`` (default: a local pool of ``options.workers``) runs the jobs;
    ``course`` is the course when the caller has already read it.
    """
    options = (options or GradeOptions()).but(**changes)
    t0 = time.monotonic()
    executor = executor or _executor(options)
    store = GradeStore(out)
    with store:  # a second grader on the same folder stops here
        p = plan(submissions, store, options, getattr(executor, "workers", 1), course)
        bar = Progress(len(p.entries), "grading", enabled=options.progress)
        try:
            for e, raw in run(p, executor):
                record(p, e, raw)
                bar.update(e.sub.student + "/" + e.sub.notebook)
        finally:
            bar.close()
            shutil.rmtree(p.cache_dir, ignore_errors=True)
            p.run.seconds = round(time.monotonic() - t0, 3)
        if options.write_reports:
            finish(p.store, p.course, p.run)
    return p.run


def finish(store: GradeStore, course: Course, grade_run: GradeRun) -> dict:
    """Exports, results.json, feedback and the class report from the store."""
    from .output.feedback import write_feedback
    from .output.report import write_report

    paths = store.export(course.test_order(), {course.assignment: course.max_score})
    records = store.records()
    summary = {
        "grader_version": GRADER_VERSION,
        "sandbox": grade_run.sandbox,
        "sandbox_note": SANDBOX_NOTES.get(grade_run.sandbox, ""),
        "limits": grade_run.limits.to_dict(),
        "assignment": course.assignment,
        "max_score": course.max_score,
        "graded_this_run": grade_run.graded,
        "skipped_this_run": grade_run.skipped,
        "seconds_this_run": grade_run.seconds,
        "errors": grade_run.errors,
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


def summary_line(grade_run: GradeRun, store_out) -> str:
    return (
        f"graded {grade_run.graded} notebook(s), skipped {grade_run.skipped} already graded, "
        f"in {grade_run.seconds:.1f} s ({grade_run.sandbox} sandbox) -> {store_out}"
    )
