"""Measure: submissions per minute, ``cs-conv grade`` against ``nbgrader autograde``.

Both grade the same submitted notebooks (the bundled sample class, or a
subset of its students) in the same run, on this machine::

    python benchmarks/grading_vs_nbgrader.py [--students full_marks,...] [--workers N]

nbgrader runs from a temporary course folder (``source/cs_conv`` = the source
notebooks, ``submitted/`` = copies); its per-cell timeout is set to the
demo's.  Not a test: it prints the two rates and their ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.cli import sample_class_dir
from autograder.course import default_source_dir
from autograder.pipeline import grade
from autograder.settings import DEMO_LIMITS


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", default="", help="comma-separated (default: all)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--source", default=None)
    args = ap.parse_args(argv)
    source = Path(args.source or default_source_dir())
    students = sorted(p.parent.name for p in sample_class_dir().glob("*/cs_conv"))
    if args.students:
        students = [s for s in students if s in args.students.split(",")]
    with tempfile.TemporaryDirectory(prefix="cs-conv-bench-") as tmp:
        course = Path(tmp) / "course"
        (course / "source").mkdir(parents=True)
        shutil.copytree(source, course / "source" / "cs_conv")
        for s in students:
            shutil.copytree(sample_class_dir() / s, course / "submitted" / s)
        n_notebooks = len(list((course / "submitted").glob("*/cs_conv/*.ipynb")))

        times = {}
        for label, run_all in (("", False), (" --run-all-cells", True)):
            t0 = time.perf_counter()
            grade(
                course / "submitted",
                Path(tmp) / f"ours{label.strip()}",
                source_dir=source,
                workers=args.workers,
                limits=DEMO_LIMITS,
                progress=False,
                run_all_cells=run_all,
            )
            times[label] = time.perf_counter() - t0
            print(f"cs-conv grade{label}: {times[label]:.1f} s", flush=True)

        timeout = int(DEMO_LIMITS.cell_timeout)
        nbg = [sys.executable, "-m", "nbgrader"]
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        common = ["--CourseDirectory.root=" + str(course), "--log-level=ERROR"]
        subprocess.run(
            [*nbg, "generate_assignment", "cs_conv", "--force", *common],
            check=True,
            cwd=course,
            capture_output=True,
            env=env,
        )
        t0 = time.perf_counter()
        subprocess.run(
            [
                *nbg,
                "autograde",
                "cs_conv",
                "--force",
                *common,
                f"--ExecutePreprocessor.timeout={timeout}",
            ],
            cwd=course,
            capture_output=True,
            env=env,
        )
        theirs = time.perf_counter() - t0
    rate = lambda s: n_notebooks / s * 60  # noqa: E731
    print(f"{len(students)} students, {n_notebooks} notebooks")
    for label, t in times.items():
        print(
            f"cs-conv grade{label:<17}: {t:7.1f} s  {rate(t):6.1f} notebooks/min  "
            f"{theirs / t:5.2f}x nbgrader"
        )
    print(f"nbgrader autograde            : {theirs:7.1f} s  {rate(theirs):6.1f} notebooks/min")


if __name__ == "__main__":
    main()
