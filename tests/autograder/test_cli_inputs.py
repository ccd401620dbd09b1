"""The command line refuses bad input: one clear line, exit code 2, nothing graded.

Each case is what a hurried instructor types; none may print a traceback or
quietly grade a class 0 (issue 20)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cs_conv.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "autograder" / "sample_class" / "submitted"


def _refused(capsys, argv, *words):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, (argv, err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err  # one line, never a traceback
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--timeout", "-5", ["-5 is refused", "positive number of seconds", "--timeout 30"]),
        ("--timeout", "0", ["0 is refused"]),
        ("--cell-timeout", "nan", ["nan is refused"]),
        ("--total-timeout", "abc", ["'abc' is not a number"]),
        ("--memory-gb", "-1", ["-1 is refused", "GiB"]),
        ("--workers", "0", ["0 is refused", "no grading without a worker"]),
        ("--workers", "2.5", ["'2.5' is not a number"]),
        ("--sandbox", "docker", ["invalid choice: 'docker'"]),
    ],
)
def test_non_positive_or_absurd_settings_are_refused(capsys, tmp_path, flag, value, words):
    _refused(capsys, ["grade", str(tmp_path), "--out", str(tmp_path / "o"), flag, value], *words)
    assert not (tmp_path / "o").exists()


def test_a_missing_submissions_folder_is_refused(capsys, tmp_path):
    _refused(capsys, ["grade", str(tmp_path / "nope")], "no such folder", "submitted/")


def test_a_file_given_as_submissions_is_refused(capsys, tmp_path):
    (tmp_path / "f.txt").write_text("x")
    _refused(capsys, ["grade", str(tmp_path / "f.txt")], "not a folder")


def test_a_missing_source_folder_is_refused(capsys, tmp_path):
    line = _refused(capsys, ["grade", str(SAMPLE), "--source", str(tmp_path / "nope")], "--source")
    assert "no such folder" in line


def test_a_source_folder_without_notebooks_is_refused(capsys, tmp_path):
    _refused(capsys, ["grade", str(SAMPLE), "--source", str(tmp_path)], "no notebook")


def test_an_empty_class_is_refused_and_says_which_layouts(capsys, tmp_path):
    line = _refused(capsys, ["grade", str(tmp_path), "--out", str(tmp_path / "o")], "no submission")
    assert "<student>.ipynb" in line
    assert "01_naive" in line
    assert not (tmp_path / "o").exists()


def test_an_assignment_that_matches_nothing_lists_those_found(capsys, tmp_path):
    line = _refused(
        capsys, ["grade", str(SAMPLE), "--assignment", "hw9", "--out", str(tmp_path / "o")]
    )
    assert "'hw9'" in line
    assert "['cs_conv']" in line


def test_an_output_folder_that_cannot_be_made_is_refused(capsys, tmp_path):
    (tmp_path / "file").write_text("x")
    _refused(
        capsys, ["grade", str(SAMPLE), "--out", str(tmp_path / "file")], "a file is in the way"
    )
    _refused(
        capsys, ["release", "--no-wheel", "--out", str(tmp_path / "file" / "sub")], "cannot write"
    )


def test_an_unreadable_submissions_folder_is_refused(capsys, tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    sub = tmp_path / "sub"
    shutil.copytree(SAMPLE / "full_marks", sub / "full_marks")
    sub.chmod(0)
    try:
        _refused(capsys, ["grade", str(sub)], "not readable")
    finally:
        sub.chmod(0o755)


def test_reports_need_grades(capsys, tmp_path):
    for command in ("report", "feedback", "gradebook"):
        _refused(capsys, [command, "--out", str(tmp_path)], "no grades in it")


def test_a_missing_argument_is_one_line(capsys):
    _refused(capsys, ["grade"], "required: submissions", "--help")
