"""Measure: where one grading run of the ordinary class spends its time.

    python benchmarks/grading_profile.py [--workers N]

Builds the ordinary class (``benchmarks/classes.py``: five students on
notebooks 01-04), then

1. times the whole command as an instructor types it, ``cs-conv grade``: the
   first run with an empty build cache (``cold``), then again (``warm``, as on
   any day but the first), with N workers and with one;
2. grades once more in this process, timing each step of
   :func:`autograder.pipeline.grade` (read the course, plan, run the workers,
   record, write the reports) and the import of the grader;
3. prints what each notebook's worker took (``wall_seconds`` of the grade
   store: start of the sandboxed process to its last result), per notebook.

Not a test: it prints times and their shares; ``docs/throughput.md`` quotes a run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BIN = Path(sys.executable).parent


def command(submitted: Path, out: Path, source: Path, workers: int) -> float:
    """The whole ``cs-conv grade`` command, start-up included."""
    cmd = [str(BIN / "cs-conv"), "grade", str(submitted), "--out", str(out)]
    cmd += ["--source", str(source), "--workers", str(workers)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def steps(submitted: Path, out: Path, source: Path, workers: int) -> dict:
    """One run in this process, step by step (the steps of ``pipeline.grade``)."""
    from autograder import pipeline
    from autograder.course import load_course
    from autograder.output.store import GradeStore
    from autograder.settings import GradeOptions

    code = "import time; t = time.perf_counter(); import autograder.cli, autograder.pipeline; "
    code += "print(time.perf_counter() - t)"  # in a fresh process: this one has imported it
    imported = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    times = {"import the grader (fresh process)": float(imported.stdout)}
    options = GradeOptions(source_dir=str(source), workers=workers, progress=False)
    t = time.perf_counter()
    course = load_course(options.source_dir, options.assignment)
    times["read the course"] = time.perf_counter() - t
    executor = pipeline._executor(options)
    store = GradeStore(out)
    with store:
        t = time.perf_counter()
        p = pipeline.plan(submitted, store, options, workers, course)
        times["plan (jobs, cases, build cache)"] = time.perf_counter() - t
        t = time.perf_counter()
        recording = 0.0
        try:
            for e, raw in pipeline.run(p, executor):
                r = time.perf_counter()
                pipeline.record(p, e, raw)
                recording += time.perf_counter() - r
        finally:
            import shutil

            shutil.rmtree(p.cache_dir, ignore_errors=True)
        times["run the workers (waiting)"] = time.perf_counter() - t - recording
        times["record (evaluate, store)"] = recording
        t = time.perf_counter()
        pipeline.finish(p.store, p.course, p.run)
        times["write exports, feedback, report"] = time.perf_counter() - t
    return times


def worker_seconds(out: Path) -> dict:
    """Each notebook's worker wall time from the grade store, by notebook."""
    by_nb = defaultdict(list)
    for f in sorted((out / "results").rglob("*.json")):
        rec = json.loads(f.read_text())
        by_nb[rec["notebook"]].append(rec["wall_seconds"])
    return dict(sorted(by_nb.items()))


def main(argv=None):
    import classes

    from autograder.course import default_source_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--source", default=None)
    args = ap.parse_args(argv)
    source = Path(args.source or default_source_dir()).resolve()
    n = args.workers
    with tempfile.TemporaryDirectory(prefix="cs-conv-profile-") as tmp:
        tmp = Path(tmp)
        os.environ["CS_CONV_CACHE"] = str(tmp / "cache")  # starts empty: the cold run
        (tmp / "course").mkdir()
        submitted = classes.ordinary(tmp / "course", source)
        count = len(list(submitted.glob("*/cs_conv/*.ipynb")))
        print(f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; {count} notebooks")
        whole = {
            f"cold, {n} workers": command(submitted, tmp / "cold", source, n),
            f"warm, {n} workers": command(submitted, tmp / "warm", source, n),
            "warm, 1 worker": command(submitted, tmp / "warm1", source, 1),
        }
        for label, s in whole.items():
            print(f"cs-conv grade, {label:<16}: {s:6.1f} s")
        times = steps(submitted, tmp / "steps", source, n)
        total = sum(times.values())
        print(f"\none warm run in this process, {n} workers, step by step ({total:.1f} s):")
        for label, s in times.items():
            print(f"  {label:<34} {s:6.2f} s  {100 * s / total:4.0f} %")
        print("\nworker wall time per notebook (start of the sandbox to its last result):")
        for nb, secs in worker_seconds(tmp / "steps").items():
            print(
                f"  {nb:<18} median {statistics.median(secs):5.2f} s,"
                f" min {min(secs):5.2f} s, max {max(secs):5.2f} s ({len(secs)} students)"
            )


if __name__ == "__main__":
    main()
