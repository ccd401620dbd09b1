"""The sample class graded on Dask: the same grades.csv as the local pool
(``autograder/sample_class/expected_grades.csv``, which tests/autograder/test_demo.py
holds the local pool to), with a worker killed midway, and on a scheduler/worker
pair started by hand."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from autograder.cli import sample_class_dir
from autograder.executors.dask_cluster import DaskExecutor
from autograder.pipeline import grade
from autograder.settings import DEMO_LIMITS

pytestmark = pytest.mark.dask

EXPECTED = sample_class_dir().parent / "expected_grades.csv"


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _subset(tmp_path, picks: dict) -> tuple[Path, list]:
    """A submitted/ folder with some notebooks of some students, and their expected rows."""
    root = tmp_path / "submitted"
    for student, notebooks in picks.items():
        dst = root / student / "cs_conv"
        dst.mkdir(parents=True)
        for nb in notebooks:
            shutil.copy(sample_class_dir() / student / "cs_conv" / f"{nb}.ipynb", dst)
    want = [r for r in _rows(EXPECTED) if r["notebook"] in picks.get(r["student"], ())]
    return root, want


def _grade(subs, out, executor):
    return grade(subs, out, limits=DEMO_LIMITS, executor=executor, progress=False)


SMALL = {"full_marks": ["01_naive"], "segfault": ["02_im2col_loops"], "cheat": ["03_im2col_fancy"]}


def test_a_killed_dask_worker_costs_no_grade(tmp_path):
    # the infinite loop runs ~20 s before its test times out: the kill lands mid-task
    picks = {"infinite_loop": ["03_im2col_fancy"], **SMALL}
    subs, want = _subset(tmp_path, picks)
    out = tmp_path / "grades"
    done: dict = {}
    with DaskExecutor("local:2") as ex:
        pids = ex.client.run(os.getpid)

        def run():
            try:
                done["run"] = _grade(subs, out, ex)
            except BaseException as exc:
                done["exc"] = exc

        th = threading.Thread(target=run)
        th.start()
        victim, deadline = None, time.monotonic() + 180
        while victim is None and time.monotonic() < deadline and th.is_alive():
            for addr, keys in ex.client.processing().items():
                if any("infinite_loop" in str(k) for k in keys):
                    victim = addr
            time.sleep(0.1)
        assert victim is not None
        time.sleep(2.0)  # the student's sandboxed process is looping by now
        os.kill(pids[victim], signal.SIGKILL)
        th.join(300)
        assert not th.is_alive()
        assert pids[victim] not in ex.client.run(os.getpid).values()  # it did die
    assert "exc" not in done, done.get("exc")
    assert done["run"].errors == []
    assert done["run"].graded == 4
    assert _rows(out / "grades.csv") == want  # the loop still times out as itself


NO_DASH = ["--no-dashboard", "--dashboard-address", "127.0.0.1:0"]  # health routes: loopback
WORKER_ARGS = ["--host", "127.0.0.1", *NO_DASH]
DEMO_ARGS = ["--timeout", "20", "--cell-timeout", "40", "--total-timeout", "180"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_and_a_worker_started_by_hand(tmp_path):
    from autograder.cli import main

    subs, want = _subset(tmp_path, SMALL)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
    procs = []
    try:
        with open(tmp_path / "scheduler.log", "wb") as log:
            procs.append(
                subprocess.Popen(
                    [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), *NO_DASH],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=tmp_path,
                )
            )
        with open(tmp_path / "worker.log", "wb") as log:
            procs.append(
                subprocess.Popen(
                    [*dask, "worker", address, "--nthreads", "1", *WORKER_ARGS],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=tmp_path,
                )
            )
        out = tmp_path / "grades"
        rc = main(["grade", str(subs), "--out", str(out), "--scheduler", address, *DEMO_ARGS])
        assert rc == 0
        assert _rows(out / "grades.csv") == want
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGINT)
        for p in reversed(procs):
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.mark.slow
def test_the_sample_class_on_a_local_cluster_grades_as_the_local_pool(tmp_path):
    from autograder.cli import main

    out = tmp_path / "grades"
    assert main(["demo", "--out", str(out), "--scheduler", "local:2"]) == 0
    assert (out / "grades.csv").read_bytes() == EXPECTED.read_bytes()
