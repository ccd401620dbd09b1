"""Measure: ``cs-conv grade`` against ``nbgrader autograde``, in one run, on this machine.

Both grade the same class with their defaults (each command exactly as an
instructor types it, timed whole: start-up included), and the script checks
that they give the same points for every graded cell::

    python benchmarks/grading_vs_nbgrader.py [--classes ordinary,adversarial] [--workers N]
                                             [--cold]

Classes (``benchmarks/classes.py``): ``ordinary``, five students on notebooks
01-04 (two right, two with right shapes and wrong values, one untouched), and
``adversarial``, the bundled sample class (crashes, hangs, a memory hog, a
cheat: nbgrader waits out their timeouts).  By default our grader's build
cache is warm (a second run, as on any day but the first); ``--cold`` starts
it empty.  Also measured: one worker against ``--workers N`` on the ordinary
class.  Not a test: it prints the times and their ratios.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

import classes

from autograder.course import default_source_dir

BIN = Path(sys.executable).parent


def _env(cache: Path) -> dict:
    return dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}", CS_CONV_CACHE=str(cache))


def ours(submitted: Path, out: Path, source: Path, cache: Path, workers=None) -> float:
    cmd = [
        str(BIN / "cs-conv"),
        "grade",
        str(submitted),
        "--out",
        str(out),
        "--source",
        str(source),
    ]
    if workers:
        cmd += ["--workers", str(workers)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=_env(cache))
    return time.perf_counter() - t0


def nbgrader(course: Path, cache: Path) -> float:
    nbg = [sys.executable, "-m", "nbgrader"]
    common = ["--CourseDirectory.root=" + str(course), "--log-level=ERROR"]
    env = _env(cache)
    gen = [*nbg, "generate_assignment", "cs_conv", "--force", *common]
    subprocess.run(gen, check=True, cwd=course, capture_output=True, env=env)
    t0 = time.perf_counter()
    auto = [*nbg, "autograde", "cs_conv", "--force", *common]
    subprocess.run(auto, cwd=course, capture_output=True, env=env)
    return time.perf_counter() - t0


def nbgrader_points(course: Path) -> dict:
    """``(student, notebook, grade id) -> points`` from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    points = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.find_assignment("cs_conv").submissions:
            for nb in sub.notebooks:
                for g in nb.grades:
                    points[(sub.student.id, nb.name, g.name)] = float(g.score or 0)
    return points


def our_points(out: Path) -> dict:
    import csv

    with open(out / "grades.csv", newline="") as fh:
        return {
            (r["student"], r["notebook"], r["test_id"]): float(r["points"])
            for r in csv.DictReader(fh)
        }


def measure(name: str, tmp: Path, source: Path, workers, cold: bool) -> dict:
    course = tmp / name
    (course / "source").mkdir(parents=True)
    shutil.copytree(source, course / "source" / "cs_conv")
    build = classes.ordinary if name == "ordinary" else lambda out, _src: classes.adversarial(out)
    submitted = build(course, source)
    n = len(list(submitted.glob("*/cs_conv/*.ipynb")))
    cache = tmp / f"cache-{name}"
    if not cold:  # warm our build cache as an earlier run would have
        ours(submitted, tmp / f"warmup-{name}", source, cache, workers)
    result = {"notebooks": n, "ours": ours(submitted, tmp / f"ours-{name}", source, cache, workers)}
    if name == "ordinary":
        result["ours, 1 worker"] = ours(submitted, tmp / f"ours1-{name}", source, cache, 1)
    result["nbgrader"] = nbgrader(course, cache)
    mine, theirs = our_points(tmp / f"ours-{name}"), nbgrader_points(course)
    differ = sorted((k, v, theirs.get(k)) for k, v in mine.items() if theirs.get(k, 0.0) != v)
    result["same points"] = not differ
    result["differences"] = differ[:12]
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--classes", default="ordinary,adversarial")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--source", default=None)
    ap.add_argument("--cold", action="store_true", help="start our build cache empty")
    args = ap.parse_args(argv)
    source = Path(args.source or default_source_dir()).resolve()
    print(f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="cs-conv-bench-") as tmp:
        for name in args.classes.split(","):
            r = measure(name, Path(tmp), source, args.workers, args.cold)
            print(
                f"{name}: {r['notebooks']} notebooks, same points as nbgrader: {r['same points']}"
            )
            for key, ours_, theirs_ in r["differences"]:
                print(f"  differs: {'/'.join(key)}: ours {ours_:g}, nbgrader {theirs_}")
            print(f"  nbgrader autograde : {r['nbgrader']:7.1f} s")
            for label in ("ours", "ours, 1 worker"):
                if label in r:
                    print(
                        f"  cs-conv grade{' (1 worker)' if '1' in label else '':<11}: "
                        f"{r[label]:7.1f} s  {r['nbgrader'] / r[label]:5.1f}x nbgrader"
                    )
            if "ours, 1 worker" in r:
                print(f"  2 workers / 1 worker: {r['ours, 1 worker'] / r['ours']:.2f}x", flush=True)


if __name__ == "__main__":
    main()
