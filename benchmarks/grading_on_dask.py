"""Measure: submissions per minute, the local pool against Dask clusters, in one run.

Grades a class (``benchmarks/classes.py``: by default the ordinary class; or
the bundled sample class, ``--class adversarial``) with each configuration in
turn, on this machine, with the demo's limits, the build cache warmed once
first::

    python benchmarks/grading_on_dask.py [--class ordinary|adversarial]
                                         [--configs pool:1,pool:2,local:1,local:2,...]

``pool:N`` is the local thread pool of N workers; anything else is a
``--scheduler`` spec (``local:N`` starts a LocalCluster of N single-threaded
worker processes).  The time of each run includes starting and closing its
cluster.  Not a test: it prints notebooks per minute, each as a ratio to the
first configuration, and whether every configuration wrote the same
``grades.csv``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import classes

from autograder.course import default_source_dir
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
    ap.add_argument("--class", dest="which", default="ordinary")
    ap.add_argument("--configs", default="pool:1,pool:2,local:1,local:2")
    args = ap.parse_args(argv)
    configs = args.configs.split(",")
    with tempfile.TemporaryDirectory(prefix="cs-conv-bench-dask-") as tmp:
        os.environ["CS_CONV_CACHE"] = str(Path(tmp) / "cache")
        if args.which == "ordinary":
            subs = classes.ordinary(Path(tmp), default_source_dir())
        else:
            subs = classes.adversarial(Path(tmp))
        n = len(list(subs.glob("*/cs_conv/*.ipynb")))
        print(f"{args.which} class, {n} notebooks; demo limits; load {os.getloadavg()[0]:.2f}")
        run_one("pool:2", subs, Path(tmp) / "warmup")  # the build cache, as any later run
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
