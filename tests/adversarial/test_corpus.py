"""The adversarial corpus, graded once: nothing wrongly earned, nothing lost.

One class (``corpus.py``), one grading run with short limits on 2 workers;
then one parametrized assertion per student against ``corpus.EXPECT`` and the
class-wide guarantees: the grader finished, every test has a named status and
a readable reason, the control student keeps full marks, nothing outside a
student's private copy changed, no escaped process survives, no connection
reached the host.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
from pathlib import Path

import pytest

from autograder.evaluate import STATUSES
from autograder.sandbox.launch import detect_kind
from autograder.settings import Limits

from . import corpus

pytestmark = pytest.mark.slow

LIMITS = Limits(cell_timeout=40.0, test_timeout=8.0, total_timeout=120.0, memory=int(1.5 * 1024**3))


def _tree_digest(root: Path) -> dict:
    out = {}
    for folder, dirs, files in os.walk(root):
        for n in dirs + files:
            p = Path(folder) / n
            if p.is_symlink():
                out[str(p)] = "link:" + os.readlink(p)
            elif p.is_file():
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
            elif p.is_dir():
                out[str(p)] = "dir"
            else:
                out[str(p)] = "special"
    return out


def _marker_processes() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if corpus.MARKER.encode() in fh.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.output.store import GradeStore
    from autograder.pipeline import grade

    kind = detect_kind("auto")
    root = tmp_path_factory.mktemp("adversarial")
    out = root / "out"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.5)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            with contextlib.suppress(OSError):
                connections.append(listener.accept())

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    submitted = root / "class" / "submitted"
    secrets = {
        "port": listener.getsockname()[1],
        "read": [
            str(corpus.SOURCE / "01_naive.ipynb"),
            str(corpus.ROOT / "autograder" / "pipeline.py"),
            str(out),
            str(out / "results"),
            str(submitted / "control" / "cs_conv" / "01_naive.ipynb"),
            str(submitted),
        ],
        "write": [
            str(out / "results"),
            str(out),
            str(submitted / "control" / "cs_conv"),
            str(submitted),
        ],
    }
    corpus.build_class(root / "class", secrets)
    if kind != "bwrap":  # without namespaces these attacks would really read and write
        for student, exp in corpus.EXPECT.items():
            if exp.get("bwrap_only"):
                import shutil

                shutil.rmtree(submitted / student)
    before = _tree_digest(submitted)
    source_before = _tree_digest(corpus.SOURCE)
    run = grade(submitted, out, workers=2, limits=LIMITS, sandbox=kind, progress=False)
    stop.set()
    thread.join(2)
    listener.close()
    records = {}
    for rec in GradeStore(out).records():
        records.setdefault(rec["student"], {})[rec["notebook"]] = rec
    return {
        "kind": kind,
        "run": run,
        "records": records,
        "out": out,
        "submitted": submitted,
        "before": before,
        "after": _tree_digest(submitted),
        "source_changed": _tree_digest(corpus.SOURCE) != source_before,
        "connections": connections,
        "escaped": _marker_processes(),
    }


def _tests(graded, student):
    recs = graded["records"].get(student)
    assert recs, f"{student} has no grade record"
    return {t["test_id"]: t for rec in recs.values() for t in rec["tests"]}, recs


@pytest.mark.parametrize(
    "student",
    [
        pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=e["known_gap"]))
        if e.get("known_gap")
        else s
        for s, e in sorted(corpus.EXPECT.items())
    ],
)
def test_attack_outcome(graded, student):
    exp = corpus.EXPECT[student]
    if exp.get("bwrap_only") and graded["kind"] != "bwrap":
        pytest.skip("plain sandbox: no filesystem or network isolation (best effort only)")
    tests, recs = _tests(graded, student)
    flags = [f for rec in recs.values() for f in rec["flags"]]
    for gid, t in tests.items():
        assert t["status"] in STATUSES, (gid, t["status"])
        if t["status"] != "pass":
            assert isinstance(t["message"], str), (gid, t)
            assert t["message"].strip(), (gid, t)
        assert 0 <= t["points"] <= t["max_points"]
        if exp["all"] is not None:
            assert (t["status"], t["points"]) == (exp["all"], 0), (gid, t["status"], t["message"])
        elif exp.get("zero"):
            assert t["points"] == 0, (gid, t)
        elif gid in exp["tests"]:
            status, points = exp["tests"][gid]
            assert t["points"] == points, (gid, t["status"], t["message"])
            if status is not None:
                assert t["status"] == status, (gid, t["status"], t["message"])
            else:
                assert t["status"] != "pass", gid
        elif t["status"] == "manual":  # a written answer: the instructor grades it
            assert t["points"] == 0, (gid, t)
        else:
            assert (t["status"], t["points"]) == ("pass", t["max_points"]), (gid, t["message"])
    for want in exp["flags"]:
        assert any(want in f for f in flags), (want, flags)
    for want in exp["reason"]:
        text = " ".join(t["message"] + " ".join(t["flags"]) for t in tests.values())
        alternatives = want if isinstance(want, tuple) else (want,)
        assert any(w in text for w in alternatives), (want, text[:2000])
    if exp.get("cell_status"):
        cells = [c for rec in recs.values() for c in rec["cells"].values()]
        assert any(c.get("status") == exp["cell_status"] for c in cells), cells


def test_the_grader_finished_every_submission(graded):
    expected = {
        s for s, e in corpus.EXPECT.items() if graded["kind"] == "bwrap" or not e.get("bwrap_only")
    }
    assert set(graded["records"]) == expected
    assert (graded["out"] / "grades.csv").is_file()
    assert (graded["out"] / "report.html").is_file()


def test_control_student_keeps_full_marks(graded):
    tests, recs = _tests(graded, "control")
    assert {t["status"] for t in tests.values()} == {"pass"}
    assert sum(t["points"] for t in tests.values()) == sum(corpus.POINTS.values())
    assert recs["01_naive"]["flags"] == []


def test_no_file_outside_the_private_copies_changed(graded):
    assert graded["before"] == graded["after"]
    assert not graded["source_changed"]
    store = graded["out"] / "results"
    for p in store.rglob("*"):  # only the grader's own records
        assert p.is_dir() or p.suffix == ".json", p
    assert not (graded["out"] / "x.json").exists()


def test_no_process_escaped(graded):
    assert graded["escaped"] == []


def test_no_connection_reached_the_host(graded):
    if graded["kind"] != "bwrap":
        pytest.skip("plain sandbox: no network namespace (best effort only)")
    assert graded["connections"] == []
