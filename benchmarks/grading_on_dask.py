"""Measure: submissions per minute, the local pool against Dask clusters, in one run.

Grades the bundled sample class (or some of its students) with each
configuration in turn, on this machine, with the demo's limits::

    python benchmarks/grading_on_dask.py [--students full_marks,segfault,...]
                                         [--configs pool:2,local:1,local:2,tcp://host:8786]

``pool:N`` is the local thread pool of N workers; anything else is a
``--scheduler`` spec (``local:N`` starts a LocalCluster of N single-threaded
worker processes).  The time of each run includes starting and closing its
cluster.  Not a test: it prints notebooks per minute, each as a ratio to the
first configuration, and whether every configuration wrote the same
``grades.csv``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from autograder.cli import sample_class_dir
from autograder.executors.dask_cluster import DaskExecutor, client_digest
from autograder.executors.local import LocalPoolExecutor
from autograder.installation import code_digest
from autograder.pipeline import grade
from autograder.settings import DEMO_LIMITS


def run_one(config: str, submissions: Path, out: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    limits = DEMO_LIMITS
    if config.startswith("pool:"):
        executor = LocalPoolExecutor(int(config.partition(":")[2]))
        run = grade(submissions, out, limits=limits, executor=executor, progress=False)
    else:
        with DaskExecutor(config) as executor:
            run = grade(submissions, out, limits=limits, executor=executor, progress=False)
    if run.errors:
        print("  grader errors:", run.errors)
    return time.perf_counter() - t0, run.graded


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", default="", help="comma-separated (default: all)")
    ap.add_argument("--configs", default="pool:2,local:1,local:2")
    args = ap.parse_args(argv)
    students = sorted(p.parent.name for p in sample_class_dir().glob("*/cs_conv"))
    if args.students:
        students = [s for s in students if s in args.students.split(",")]
    configs = args.configs.split(",")
    with tempfile.TemporaryDirectory(prefix="cs-conv-bench-dask-") as tmp:
        subs = Path(tmp) / "submitted"
        for s in students:
            shutil.copytree(sample_class_dir() / s, subs / s)
        n = len(list(subs.glob("*/cs_conv/*.ipynb")))
        print(f"{len(students)} students, {n} notebooks; demo limits {DEMO_LIMITS}")
        rates, csvs = {}, {}
        for config in configs:
            out = Path(tmp) / config.replace(":", "_").replace("/", "_")
            seconds, graded = run_one(config, subs, out)
            rates[config] = graded / (seconds / 60)
            csvs[config] = (out / "grades.csv").read_bytes()
            print(
                f"  {config:<12} {graded} notebooks in {seconds:7.1f} s: {rates[config]:6.1f}/min"
            )
        base = configs[0]
        print(
            f"ratios to {base}: " + ", ".join(f"{c} {rates[c] / rates[base]:.2f}" for c in configs)
        )
        same = all(v == csvs[base] for v in csvs.values())
        print("grades.csv identical across configurations:", same)
        if code_digest() != client_digest():
            print("WARNING: the grader changed on disk during the run: rates not comparable")
        return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
