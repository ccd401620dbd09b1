"""The grading subcommands of ``cs-conv``: release, grade, feedback, report, demo.

``cs_conv.cli`` calls :func:`register` with its subparsers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["DEMO_LIMITS", "register"]


def _limits(args):
    from .sandbox import Limits

    base = Limits()
    return Limits(
        cell_timeout=args.cell_timeout or base.cell_timeout,
        test_timeout=args.timeout or base.test_timeout,
        total_timeout=args.total_timeout or base.total_timeout,
        memory=int((args.memory_gb or base.memory / 1024**3) * 1024**3),
    )


def _grade_args(p, default_out):
    p.add_argument("--out", default=default_out, help=f"output folder (default {default_out})")
    p.add_argument("--source", default=None, help="source notebooks (default ./notebooks)")
    p.add_argument("--assignment", default="cs_conv", help="assignment name (default cs_conv)")
    p.add_argument("--workers", type=int, default=None, help="parallel workers (default: cores)")
    p.add_argument(
        "--scheduler",
        default=None,
        help="grade on Dask: a scheduler address (tcp://host:8786), a scheduler file, or "
        "local:N for a LocalCluster of N worker processes (docs/cluster.md)",
    )
    p.add_argument("--timeout", type=float, default=None, help="seconds per test (default 30)")
    p.add_argument("--cell-timeout", type=float, default=None, help="seconds per cell (default 30)")
    p.add_argument(
        "--total-timeout", type=float, default=None, help="seconds per notebook (default 300)"
    )
    p.add_argument("--memory-gb", type=float, default=None, help="address space (default 2)")
    p.add_argument("--force", action="store_true", help="regrade what is already graded")
    p.add_argument(
        "--sandbox", choices=("auto", "bwrap", "plain"), default="auto", help="default auto"
    )
    p.add_argument(
        "--run-all-cells",
        action="store_true",
        help="also run instructor cells nothing graded depends on (figures, benchmarks, "
        "visible checks), as nbgrader does",
    )


def cmd_release(args):
    from .release import release

    written = release(args.source or _source(), args.out)
    print(f"released {len(written)} notebook(s) to {args.out}")
    return 0


def _source():
    from .pipeline import default_source_dir

    return default_source_dir()


def _run_grade(args, submissions, limits):
    from .dask_executor import ClusterError, open_executor

    try:
        with open_executor(args.scheduler) as executor:
            return _grade(args, submissions, limits, executor)
    except ClusterError as exc:
        print(f"cs-conv: {exc}", file=sys.stderr)
        return 1


def _grade(args, submissions, limits, executor):
    from .pipeline import grade, summary_line
    from .store import StoreLocked

    try:
        run = grade(
            submissions,
            args.out,
            source_dir=args.source,
            assignment=args.assignment,
            workers=args.workers,
            executor=executor,
            limits=limits,
            force=args.force,
            sandbox=args.sandbox,
            run_all_cells=args.run_all_cells,
        )
    except StoreLocked as exc:
        print(f"cs-conv: {exc}", file=sys.stderr)
        return 2
    print(summary_line(run, args.out))
    _print_table(args.out)
    for e in run.errors:
        print("  grader error:", e, file=sys.stderr)
    return 0


def _print_table(out):
    from .store import GradeStore

    totals = {}
    for rec in GradeStore(out).records():
        score, mx, st = totals.get(rec["student"], (0.0, 0.0, []))
        st = st + [t["status"] for t in rec["tests"] if t["status"] != "pass"]
        totals[rec["student"]] = (score + rec["score"], mx + rec["max_score"], st)
    for s, (score, mx, st) in sorted(totals.items()):
        worst = ", ".join(sorted(set(st))) or "all pass"
        print(f"  {s:<24} {score:5g} / {mx:g}   {worst}")
    print(f"  report: {Path(out) / 'report.html'}   feedback: {Path(out) / 'feedback'}/")


def cmd_grade(args):
    return _run_grade(args, args.submissions, _limits(args))


def _rebuild(args):
    from .pipeline import GradeRun, finish, load_course
    from .sandbox import Limits, detect_kind
    from .store import GradeStore

    course = load_course(args.source, args.assignment)
    store = GradeStore(args.out)
    with store:
        return finish(store, course, GradeRun(Path(args.out), detect_kind("auto"), Limits()))


def cmd_feedback(args):
    paths = _rebuild(args)
    print(f"feedback in {paths['feedback']}")
    return 0


def cmd_report(args):
    paths = _rebuild(args)
    print(f"report: {paths['report']}")
    return 0


def cmd_gradebook(args):
    from .pipeline import load_course
    from .store import GradeStore, export_gradebook

    course = load_course(args.source, args.assignment)
    db = export_gradebook(
        GradeStore(args.out),
        args.db or Path(args.out) / "gradebook.db",
        {k: v for k, v in course.tests.items() if v},
    )
    print(f"nbgrader gradebook: {db}")
    return 0


# generous but bounded (a %%cython cell compiles in ~10 s on 2 busy cores);
# the adversarial students of the sample class fail fast
DEMO_LIMITS = dict(cell_timeout=40.0, test_timeout=20.0, total_timeout=180.0)


def sample_class_dir() -> Path:
    return Path(__file__).resolve().parent / "sample_class" / "submitted"


def cmd_demo(args):
    from .sandbox import Limits

    print(f"grading the bundled sample class ({sample_class_dir()}) into {args.out}")
    return _run_grade(args, sample_class_dir(), Limits(**DEMO_LIMITS))


def register(subparsers) -> None:
    p = subparsers.add_parser("release", help="write the student versions of the notebooks")
    p.add_argument("--out", default="release", help="output folder (default release/)")
    p.add_argument("--source", default=None, help="source notebooks (default ./notebooks)")
    p.set_defaults(func=cmd_release)

    p = subparsers.add_parser(
        "grade",
        help="autograde every submission, safely and in parallel",
        description="SUBMISSIONS is nbgrader's submitted/<student>/<assignment>/*.ipynb "
        "(or the course folder holding submitted/), or a folder of <student>.ipynb files.",
    )
    p.add_argument("submissions", help="submitted/ folder or a folder of <student>.ipynb")
    _grade_args(p, "grades")
    p.set_defaults(func=cmd_grade)

    for name, func, what in (
        ("feedback", cmd_feedback, "per-student feedback HTML"),
        ("report", cmd_report, "class report HTML"),
    ):
        p = subparsers.add_parser(name, help=f"(re)write the {what} from the grades in --out")
        p.add_argument("--out", default="grades", help="the grade folder (default grades/)")
        p.add_argument("--source", default=None)
        p.add_argument("--assignment", default="cs_conv")
        p.set_defaults(func=func)

    p = subparsers.add_parser(
        "gradebook", help="export the grades in --out to an nbgrader gradebook (SQLite)"
    )
    p.add_argument("--out", default="grades", help="the grade folder (default grades/)")
    p.add_argument("--db", default=None, help="gradebook file (default OUT/gradebook.db)")
    p.add_argument("--source", default=None)
    p.add_argument("--assignment", default="cs_conv")
    p.set_defaults(func=cmd_gradebook)

    p = subparsers.add_parser(
        "demo", help="grade the bundled sample class: grades, feedback and a report"
    )
    _grade_args(p, "demo-grades")
    p.set_defaults(func=cmd_demo)


def main(argv=None):  # for ``python -m autograder.cli``
    parser = argparse.ArgumentParser(prog="cs-conv")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
