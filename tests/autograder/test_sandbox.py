import signal

from autograder.sandbox import launch as sandbox


def test_classify_exit_signals_and_codes():
    assert sandbox.classify_exit(-signal.SIGSEGV, timed_out=False)[0] == "crash"
    assert sandbox.classify_exit(128 + signal.SIGSEGV, timed_out=False)[0] == "crash"
    assert sandbox.classify_exit(-signal.SIGKILL, timed_out=True)[0] == "timeout"
    assert sandbox.classify_exit(-signal.SIGKILL, timed_out=False)[0] == "oom"
    assert sandbox.classify_exit(-signal.SIGXCPU, timed_out=False)[0] == "timeout"
    status, msg = sandbox.classify_exit(3, timed_out=False)
    assert status == "crash"
    assert "code 3" in msg


def test_bwrap_command_hides_the_host(tmp_path):
    argv, extra = sandbox.build_command(
        "bwrap", sub_dir=tmp_path / "s", job_dir=tmp_path / "j", out_dir=tmp_path / "o", event_fd=7
    )
    assert argv[0] == "bwrap"
    assert "--unshare-net" in argv
    assert "--die-with-parent" in argv
    assert extra["paths"] == {"sub": "/submission", "job": "/job", "out": "/out"}
    ro = {argv[i + 1] for i, a in enumerate(argv) if a == "--ro-bind"}
    # never the whole host, never the repository root (notebooks, sample class)
    assert "/" not in ro
    assert not any(p.endswith("/notebooks") for p in ro)
    assert "--clearenv" in argv


def test_plain_command_runs_in_the_submission(tmp_path):
    argv, extra = sandbox.build_command(
        "plain", sub_dir=tmp_path / "s", job_dir=tmp_path / "j", out_dir=tmp_path / "o", event_fd=7
    )
    assert extra["cwd"] == str(tmp_path / "s")
    assert extra["env"]["CS_CONV_EVENT_FD"] == "7"
    assert argv[-2].endswith("worker.py")


def test_concurrent_graders_never_share_a_uid():
    import os

    import pytest

    if os.geteuid() != 0:
        pytest.skip("uids are switched only as root")
    with sandbox.reserve_uid(0) as a, sandbox.reserve_uid(0) as b:
        assert a is not None
        assert b is not None
        assert a != b
