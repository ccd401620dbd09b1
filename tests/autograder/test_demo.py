"""End to end: ``cs-conv demo`` on the bundled sample class, twice.

Every student and test must get exactly the grades recorded in
``autograder/sample_class/expected_grades.csv`` (regenerate it with the
sample class when the notebooks change), each adversarial student must be
contained and named as intended, and a second (forced) run must give an
identical ``grades.csv``.
"""

import csv
import re
from pathlib import Path

import pytest

from autograder.cli import main

EXPECTED = Path(__file__).resolve().parents[2] / "autograder/sample_class/expected_grades.csv"

# what each adversarial student must get, whatever else changes in the notebooks
INTENT = {
    ("full_marks", None): {"pass", "manual"},  # the written answers await the instructor
    ("infinite_loop", "im2col_fancy"): "timeout",
    ("memory_hog", "col2im_fancy"): "oom",
    ("segfault", "im2col_cython"): "crash",
    ("segfault", "col2im_cython"): "pass",
    ("untyped_kernel", "im2col_cython"): "fail",
    ("untyped_kernel", "im2col_kernel_typed"): "fail",
    ("compile_error", "im2col_cython"): "compile-error",
    ("cheat", "im2col_fancy"): "tampered",
    ("cheat", "col2im_fancy"): "tampered",
    ("deleted_test", "col2im_loops"): "missing",
}


# the seed mistakes the checkers must name (the full mistake column follows the
# checkers' catalogue as it grows: expected_grades.csv records it, status and points
# are compared exactly)
SEED_MISTAKES = {
    ("col2im_overwrites", "col2im_loops"): {"col2im-not-accumulating"},
    ("col2im_uncropped", "col2im_loops"): {"col2im-uncropped"},
    ("global_x", "im2col_loops"): {"ignores-input"},
    ("filter_height_as_width", "im2col_loops"): {"filter-hw-swapped"},
    ("hw_swapped", "layer_forward_loops"): {"hw-swapped"},
    ("bias_column", "layer_backward_loops"): {"wrong-shape", "db-wrong-axes", "bias-wrong-axis"},
    ("untyped_kernel", "im2col_kernel_typed"): {"untyped-kernel"},
    ("pool_every_max", "pool_backward_loops"): {"pool-grad-every-max"},
}
GRADE = ("student", "assignment", "notebook", "test_id", "status", "points", "max_points")


def _grades(rows):
    return [tuple(r[k] for k in GRADE) for r in rows]


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_demo_grades_the_sample_class_exactly_and_deterministically(tmp_path):
    out1, out2 = tmp_path / "one", tmp_path / "two"
    assert main(["demo", "--out", str(out1)]) == 0
    rows = _rows(out1 / "grades.csv")
    got = {(r["student"], r["test_id"]): r["status"] for r in rows}
    for (student, test), status in INTENT.items():
        if test is None:
            mine = {t: s for (st, t), s in got.items() if st == student}
            assert set(mine.values()) == status, mine
        else:
            assert got[(student, test)] == status, (student, test)
    assert not any(s == "pass" for (st, _), s in got.items() if st == "stub_only")
    assert got[("deleted_test", "col2im_loops")] == "missing"
    assert _grades(rows) == _grades(_rows(EXPECTED))
    codes = {
        (r["student"], r["test_id"]): set(filter(None, r["mistakes"].split(";")))
        for r in rows
        if r["status"] != "manual"
    }
    for key, allowed in SEED_MISTAKES.items():
        assert codes[key] & allowed, (key, codes[key])
    for (student, _), found in codes.items():
        if student == "stub_only":
            assert found == {"not-implemented"}
    for name in ("grades_nbgrader.csv", "results.json", "report.html"):
        assert (out1 / name).is_file()
    assert (out1 / "feedback" / "cheat" / "03_im2col_fancy.html").is_file()
    html = (out1 / "feedback" / "full_marks" / "02_im2col_loops.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in html  # never the hidden tests
    assert ".assert_ok()" not in html
    # the class report links every feedback page, and only pages that exist
    hrefs = set(re.findall(r"href='([^']+)'", (out1 / "report.html").read_text()))
    pages = {p.relative_to(out1).as_posix() for p in (out1 / "feedback").rglob("*.html")}
    assert hrefs == pages
    assert main(["demo", "--out", str(out2), "--force"]) == 0
    assert (out1 / "grades.csv").read_bytes() == (out2 / "grades.csv").read_bytes()
