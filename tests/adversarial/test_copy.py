"""Junk in a submission folder never stops its grading (fast, no worker)."""

import os

from autograder.sandbox.supervise import copy_submission


def test_special_files_and_links_are_not_copied(tmp_path):
    src = tmp_path / "sub"
    src.mkdir()
    (src / "01_naive.ipynb").write_text("{}")
    (src / "data.bin").write_bytes(b"\xff\xfe\x80")
    os.mkfifo(src / "a-fifo")  # copying it blocked or raised: the whole notebook errored
    os.symlink("/etc/shadow", src / "shadow-link")
    (src / ".ipynb_checkpoints").mkdir()
    (src / "deep").mkdir()
    (src / "deep" / "x.txt").write_text("x")
    copy_submission(str(src), tmp_path / "copy")
    got = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert got == ["01_naive.ipynb", "data.bin", "deep", "deep/x.txt"]
