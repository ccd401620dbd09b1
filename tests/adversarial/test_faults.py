"""Faults: the grader SIGKILLed halfway, and two graders on one output folder.

The class is 20 copies of the sample class's ``01_naive`` notebooks (full
marks, stubs and the wrong ones).  Their clean-run grades are known: the
sample class's ``expected_grades.csv`` (which ``tests/autograder/test_demo.py``
proves a clean run gives), with the student renamed.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "autograder" / "sample_class"
NB = "01_naive"
ARGS = ["--workers", "2", "--timeout", "20", "--cell-timeout", "40", "--total-timeout", "120"]


def _make_class(root: Path, n: int) -> tuple[Path, list[list[str]]]:
    """``n`` students copied round-robin from the sample class; their expected rows."""
    with open(SAMPLE / "expected_grades.csv", newline="") as fh:
        expected = [r for r in csv.reader(fh)]
    header, rows = expected[0], expected[1:]
    sources = sorted({r[0] for r in rows})
    submitted = root / "submitted"
    want = []
    for k in range(n):
        src = sources[k % len(sources)]
        name = f"s{k:02d}_{src}"
        folder = submitted / name / "cs_conv"
        folder.mkdir(parents=True)
        shutil.copy(SAMPLE / "submitted" / src / "cs_conv" / f"{NB}.ipynb", folder)
        want += [[name, *r[1:]] for r in rows if r[0] == src and r[2] == NB]
    return submitted, [header, *want]  # s00.. in order, tests in the notebook's order


def _grade_cmd(submitted, out, *extra):
    cmd = [sys.executable, "-m", "cs_conv.cli", "grade", str(submitted), "--out", str(out)]
    return [*cmd, *ARGS, *extra]


def _csv_rows(path: Path):
    return list(csv.reader(io.StringIO(path.read_text())))


def _stored(out: Path) -> list[Path]:
    return sorted((out / "results").glob("*/*/*.json"))


def _wait(pred, proc, timeout=240):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        if proc.poll() is not None:
            return pred()
        time.sleep(0.2)
    return False


def test_sigkill_halfway_then_rerun_gives_the_clean_grades(tmp_path):
    submitted, want = _make_class(tmp_path / "class", 20)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        _grade_cmd(submitted, out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=ROOT,
    )
    try:
        assert _wait(lambda: len(_stored(out)) >= 6, proc), "the grader stored nothing"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the grader and everything in its group
        proc.wait()
    done_before = len(_stored(out))
    assert 6 <= done_before < 20, done_before  # really halfway
    for p in _stored(out):  # atomic writes: nothing half written
        json.loads(p.read_text())
    rerun = subprocess.run(
        _grade_cmd(submitted, out), capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    skipped = int(rerun.stdout.split("skipped ")[1].split()[0])
    assert skipped >= done_before - 2  # the finished ones are not graded again
    assert len(_stored(out)) == 20
    assert _csv_rows(out / "grades.csv") == want


def _add_slow_student(submitted: Path, want: list[list[str]], seconds: int) -> None:
    """The sample's full-marks student, but its notebook first sleeps ``seconds``."""
    folder = submitted / "zz_slow" / "cs_conv"
    folder.mkdir(parents=True)
    nb = json.loads((SAMPLE / "submitted" / "full_marks" / "cs_conv" / f"{NB}.ipynb").read_text())
    nb["cells"].insert(
        0,
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": f"import time\ntime.sleep({seconds})",
        },
    )
    (folder / f"{NB}.ipynb").write_text(json.dumps(nb))
    with open(SAMPLE / "expected_grades.csv", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    want += [["zz_slow", *r[1:]] for r in rows if r[0] == "full_marks" and r[2] == NB]


def test_a_second_grader_on_the_same_folder_refuses_clearly(tmp_path):
    submitted, want = _make_class(tmp_path / "class", 4)
    # warm caches make four notebooks quick: one slow student keeps the first
    # grader (and its lock) alive while the second one starts
    _add_slow_student(submitted, want, seconds=15)
    out = tmp_path / "out"
    log = tmp_path / "first.log"
    with open(log, "w") as fh:
        first = subprocess.Popen(
            _grade_cmd(submitted, out),
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )

    def locked():
        try:
            with open(out / ".grader.lock") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fh, fcntl.LOCK_UN)
                return False
        except BlockingIOError:
            return True
        except FileNotFoundError:
            return False

    try:
        assert _wait(locked, first, timeout=120), "the first grader never took the lock"
        second = subprocess.run(
            _grade_cmd(submitted, out, "--force"),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert second.returncode == 2, (second.returncode, second.stderr[-2000:])
        assert "another cs-conv grader is writing to" in second.stderr
        assert first.wait(timeout=600) == 0, log.read_text()[-3000:]
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert len(_stored(out)) == 5
    assert _csv_rows(out / "grades.csv") == want
