"""The grading subcommands of ``cs-conv``: release, grade, feedback, report, gradebook, demo.

``cs-conv`` (:mod:`cs_conv.cli`) finds :func:`register` through the
``cs_conv.commands`` entry point.  The options of ``grade`` and ``demo`` are
derived from :mod:`autograder.settings`, where each is declared once with its
help and default.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path

from .settings import DEMO_LIMITS, GradeOptions, Limits, default_text

__all__ = ["register", "sample_class_dir"]


def _help(f, default) -> str:
    shown = default_text(f, default)
    text = f.metadata.get("help", "")
    return f"{text} (default {shown})" if shown and not isinstance(default, bool) else text


def _positive(kind, flag: str, example: str):
    """An argparse type: a finite number above 0, else one line saying so."""
    unit = {"s": "seconds"}.get(example.partition(" ")[2], example.partition(" ")[2])
    number = example.partition(" ")[0]
    why = (
        "there is no grading without a worker"
        if flag == "--workers"
        else "a limit of 0 or less would fail every test of every student"
    )

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number (e.g. {flag} {number})"
            ) from None
        if not math.isfinite(value) or value <= 0:
            what = f"a positive number{' of ' + unit if unit else ''}"
            raise argparse.ArgumentTypeError(
                f"{text} is refused: it must be {what} (e.g. {flag} {number}); {why}"
            )
        return value

    parse.__name__ = kind.__name__
    return parse


def _add_settings(p, cls, defaults) -> None:
    """One option per setting of ``cls`` that declares a flag."""
    for f in dataclasses.fields(cls):
        flag = f.metadata.get("flag")
        if not flag:
            continue
        default = getattr(defaults, f.name)
        if f.type == "bool":
            p.add_argument(flag, dest=f.name, action="store_true", help=_help(f, default))
            continue
        kind = {"float": float, "int": float if f.metadata.get("scale", 1) != 1 else int}.get(
            f.type.split(" |")[0], str
        )
        if kind is not str:
            kind = _positive(kind, flag, default_text(f, default) or "1")
        choices = ("auto", "bwrap", "plain") if f.name == "sandbox" else None
        metavar = flag.lstrip("-").upper().replace("-", "_")
        p.add_argument(
            flag,
            dest=f.name,
            type=kind,
            default=None,
            choices=choices,
            metavar=None if choices else metavar,
            help=_help(f, default),
        )


def _limits(args, base: Limits) -> Limits:
    changes = {}
    for f in dataclasses.fields(Limits):
        value = getattr(args, f.name, None)
        if f.metadata.get("flag") and value is not None:
            changes[f.name] = type(getattr(base, f.name))(value * f.metadata.get("scale", 1))
    return dataclasses.replace(base, **changes)


def _options(args, limits: Limits) -> GradeOptions:
    changes = {"limits": limits}
    for f in dataclasses.fields(GradeOptions):
        if f.metadata.get("flag") and getattr(args, f.name, None) is not None:
            changes[f.name] = getattr(args, f.name)
    return GradeOptions().but(**changes)


def _grade_args(p, default_out: str, limits: Limits) -> None:
    p.add_argument("--out", default=default_out, help=f"output folder (default {default_out})")
    _add_settings(p, GradeOptions, GradeOptions())
    _add_settings(p, Limits, limits)


def _checked(cmd):
    """A command whose refusals (:class:`autograder.inputs.Refused`) are one line and exit 2."""
    import functools

    @functools.wraps(cmd)
    def run(args):
        from .inputs import Refused

        try:
            return cmd(args)
        except Refused as exc:
            print(f"cs-conv {args.command}: error: {exc}", file=sys.stderr)
            return 2

    return run


@_checked
def cmd_release(args):
    from . import inputs
    from .release import release
    from .student_package import WheelBuildError, build_student_wheel

    source = inputs.source_dir(args.source)
    inputs.out_dir(args.out)
    written = release(source, args.out)
    print(f"released {len(written)} notebook(s) to {args.out}")
    if args.no_wheel:
        return 0
    print("building the student package (every module compiled; a few minutes) ...")
    try:
        wheel = build_student_wheel(Path(args.out) / "dist")
    except WheelBuildError as exc:
        print(f"cs-conv release: the student package was not built: {exc}", file=sys.stderr)
        print(f"(the notebooks in {args.out} are written)", file=sys.stderr)
        return 1
    print(f"student package: {wheel}")
    print("  install it on the class's hub (pip install it): it holds no readable solution")
    return 0


def _run_grade(args, submissions, limits: Limits):
    from . import inputs
    from .course import load_course
    from .executors.dask_cluster import ClusterError, open_executor

    options = _options(args, limits)
    source = inputs.source_dir(options.source_dir)
    course = load_course(source, options.assignment)
    inputs.submissions(submissions, options.assignment, course.graded_notebooks())
    inputs.out_dir(args.out)
    options = options.but(source_dir=str(source))
    try:
        with open_executor(options.scheduler) as executor:
            return _grade(args, submissions, options, executor, course)
    except ClusterError as exc:
        print(f"cs-conv: {exc}", file=sys.stderr)
        return 1


PLAIN_WARNING = (
    "cs-conv: warning: bubblewrap cannot run here, so students' code runs in plain "
    "processes: it can read the source notebooks, the hidden tests, other submissions and "
    "the grade store, and can reach the reference by a child process (only the grader's "
    "best-effort watch looks); use --sandbox bwrap to refuse instead"
)


def _grade(args, submissions, options: GradeOptions, executor, course):
    from .output.store import StoreLocked
    from .pipeline import grade, summary_line
    from .sandbox.launch import SandboxUnavailable, detect_kind

    try:
        if detect_kind(options.sandbox) == "plain":
            print(PLAIN_WARNING, file=sys.stderr)
        run = grade(submissions, args.out, options, executor=executor, course=course)
    except (StoreLocked, SandboxUnavailable) as exc:
        print(f"cs-conv: {exc}", file=sys.stderr)
        return 2
    print(summary_line(run, args.out))
    _print_table(args.out)
    for e in run.errors:
        print("  grader error:", e, file=sys.stderr)
    return 0


def _print_table(out):
    from .output.store import GradeStore

    totals = {}
    for rec in GradeStore(out).records():
        score, mx, st = totals.get(rec["student"], (0.0, 0.0, []))
        st = st + [t["status"] for t in rec["tests"] if t["status"] != "pass"]
        totals[rec["student"]] = (score + rec["score"], mx + rec["max_score"], st)
    for s, (score, mx, st) in sorted(totals.items()):
        worst = ", ".join(sorted(set(st))) or "all pass"
        print(f"  {s:<24} {score:5g} / {mx:g}   {worst}")
    print(f"  report: {Path(out) / 'report.html'}   feedback: {Path(out) / 'feedback'}/")


@_checked
def cmd_grade(args):
    return _run_grade(args, args.submissions, _limits(args, Limits()))


def _rebuild(args):
    from . import inputs
    from .course import load_course
    from .output.store import GradeStore
    from .pipeline import GradeRun, finish
    from .sandbox.launch import detect_kind

    course = load_course(inputs.source_dir(args.source), args.assignment)
    store = GradeStore(inputs.grade_folder(args.out))
    with store:
        return finish(store, course, GradeRun(Path(args.out), detect_kind("auto"), Limits()))


@_checked
def cmd_feedback(args):
    paths = _rebuild(args)
    print(f"feedback in {paths['feedback']}")
    return 0


@_checked
def cmd_report(args):
    paths = _rebuild(args)
    print(f"report: {paths['report']}")
    return 0


@_checked
def cmd_gradebook(args):
    from . import inputs
    from .course import load_course
    from .output.store import GradeStore, export_gradebook

    course = load_course(inputs.source_dir(args.source), args.assignment)
    db = export_gradebook(
        GradeStore(inputs.grade_folder(args.out)),
        args.db or Path(args.out) / "gradebook.db",
        {k: v for k, v in course.tests.items() if v},
    )
    print(f"nbgrader gradebook: {db}")
    return 0


def sample_class_dir() -> Path:
    """The bundled sample class: ``submitted/<student>/cs_conv/*.ipynb``."""
    return Path(__file__).resolve().parent / "sample_class" / "submitted"


@_checked
def cmd_demo(args):
    print(f"grading the bundled sample class ({sample_class_dir()}) into {args.out}")
    return _run_grade(args, sample_class_dir(), _limits(args, DEMO_LIMITS))


def _course_args(p, out_help: str) -> None:
    p.add_argument("--out", default="grades", help=out_help)
    p.add_argument("--source", default=None, help="source notebooks (default ./notebooks)")
    p.add_argument("--assignment", default="cs_conv")


def register(subparsers) -> None:
    """Add the grading subcommands to ``cs-conv``'s subparsers."""
    p = subparsers.add_parser(
        "release",
        help="write the student versions of the notebooks and the package students install",
        description="Writes OUT/<notebook>.ipynb (solutions and hidden tests removed) and "
        "OUT/dist/cs_conv-*.whl: cs_conv with every module compiled and no source, for the "
        "class's hub.",
    )
    p.add_argument("--out", default="release", help="output folder (default release/)")
    p.add_argument("--source", default=None, help="source notebooks (default ./notebooks)")
    p.add_argument(
        "--no-wheel", action="store_true", help="the notebooks only, not the student package"
    )
    p.set_defaults(func=cmd_release)

    p = subparsers.add_parser(
        "grade",
        help="autograde every submission, safely and in parallel",
        description="SUBMISSIONS is nbgrader's submitted/<student>/<assignment>/*.ipynb "
        "(or the course folder holding submitted/), or a folder of <student>.ipynb files.",
    )
    p.add_argument("submissions", help="submitted/ folder or a folder of <student>.ipynb")
    _grade_args(p, "grades", Limits())
    p.set_defaults(func=cmd_grade)

    for name, func, what in (
        ("feedback", cmd_feedback, "per-student feedback HTML"),
        ("report", cmd_report, "class report HTML"),
    ):
        p = subparsers.add_parser(name, help=f"(re)write the {what} from the grades in --out")
        _course_args(p, "the grade folder (default grades/)")
        p.set_defaults(func=func)

    p = subparsers.add_parser(
        "gradebook", help="export the grades in --out to an nbgrader gradebook (SQLite)"
    )
    _course_args(p, "the grade folder (default grades/)")
    p.add_argument("--db", default=None, help="gradebook file (default OUT/gradebook.db)")
    p.set_defaults(func=cmd_gradebook)

    p = subparsers.add_parser(
        "demo", help="grade the bundled sample class: grades, feedback and a report"
    )
    _grade_args(p, "demo-grades", DEMO_LIMITS)
    p.set_defaults(func=cmd_demo)


def main(argv=None):  # for ``python -m autograder.cli``
    parser = argparse.ArgumentParser(prog="cs-conv")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
