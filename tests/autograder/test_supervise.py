"""The supervisor and the worker on cells alone (no checker needed)."""

from pathlib import Path

import pytest

from autograder.sandbox.protocol import CellTask, Job
from autograder.sandbox.supervise import run_job

LIMITS = {"cell_timeout": 2, "test_timeout": 2, "total_timeout": 60, "grace": 2}


def run(kind, tmp_path, cells, tests=()):
    sub = tmp_path / "student"
    sub.mkdir()
    (sub / "data.txt").write_text("mine")
    job = Job(
        "alice",
        "a",
        "nb",
        str(sub),
        tuple(CellTask(i, s) for i, s in enumerate(cells)),
        tuple(tests),
        limits=LIMITS,
        sandbox=kind,
    )
    return run_job(job, slot=0)


def test_one_bad_cell_never_stops_the_others(kind, tmp_path):
    cells = [
        "print('x' * 100000); import warnings; warnings.warn('noise')",
        "1/0",
        "while True: pass",
        "import ctypes; ctypes.string_at(0)",
        "a = bytearray(8 * 1024**3)",
        "import os; os._exit(3)",
        "assert open('data.txt').read() == 'mine'",
    ]
    res = run(kind, tmp_path, cells)
    status = {i: c["status"] for i, c in res.cells.items()}
    assert status == {
        0: "ok",
        1: "error",
        2: "timeout",
        3: "crash",
        4: "oom",
        5: "crash",
        6: "ok",
    }
    assert "ZeroDivisionError" in res.cells[1]["error"]
    assert res.restarts == 2
    assert res.sandbox == kind


def test_c_level_hang_is_killed(kind, tmp_path):
    # like a nogil loop in C: the alarm cannot stop it, the supervisor kills the group
    cells = [
        "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True: pass",
        "y = 2",
    ]
    res = run(kind, tmp_path, cells)
    assert res.cells[0]["status"] == "timeout"
    assert res.cells[0].get("killed")


def test_bwrap_isolation(tmp_path):
    from autograder.sandbox import launch as sandbox

    if sandbox.detect_kind("auto") != "bwrap":
        pytest.skip("bubblewrap is not usable here")
    repo = str(Path(__file__).resolve().parents[2])  # wherever the checkout is
    probe = (
        "import os, socket\n"
        "names = [n for _, n in socket.if_nameindex()]\n"
        "assert names == ['lo'], names\n"
        f"assert not os.path.exists({repo + '/notebooks'!r})\n"
        f"assert not os.path.exists({repo + '/autograder/sample_class'!r})\n"
        "open('/usr/x', 'w')"
    )
    res = run("bwrap", tmp_path, [probe])
    assert res.cells[0]["status"] == "error"
    assert "Read-only file system" in res.cells[0]["error"] or "Permission" in res.cells[0]["error"]


def test_no_network_in_either_sandbox_as_root(kind, tmp_path):
    import os
    import select
    import socket

    if kind == "plain":
        import subprocess
        import sys

        probe_netns = "import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare(0x40000000))"
        can = subprocess.run([sys.executable, "-c", probe_netns], check=False).returncode == 0
        if os.geteuid() != 0 or not can:
            pytest.skip("a plain worker gets its own network namespace only where root may unshare")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    probe = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
    try:
        res = run(kind, tmp_path, [probe, "import socket; print(socket.if_nameindex())"])
        ready, _, _ = select.select([listener], [], [], 0.2)
        assert not ready, "a connection reached the host"
    finally:
        listener.close()
    assert res.cells[0]["status"] == "error"
    assert "unreachable" in res.cells[0]["error"] or "refused" in res.cells[0]["error"]
    assert res.cells[1]["status"] == "ok"


def test_bwrap_tmp_is_bounded(tmp_path, monkeypatch):
    from autograder.sandbox import launch as sandbox

    if sandbox.detect_kind("auto") != "bwrap" or not sandbox._tmpfs_size_supported():
        pytest.skip("bubblewrap (0.5+, sizing a tmpfs) is not usable here")
    monkeypatch.setitem(LIMITS, "tmp_size", 4 * 1024**2)
    fill = (
        "import errno, os\n"
        "try:\n"
        "    with open('/tmp/fill', 'wb') as fh:\n"
        "        fh.write(b'x' * (8 * 1024**2))\n"
        "except OSError as exc:\n"
        "    assert exc.errno == errno.ENOSPC, exc\n"
        "    os.remove('/tmp/fill')\n"
        "else:\n"
        "    raise AssertionError('8 MiB fitted into a 4 MiB /tmp')"
    )
    small = "open('/tmp/small', 'wb').write(b'x' * 1024**2)"  # 1 MiB still fits
    res = run("bwrap", tmp_path, [fill, small])
    assert res.cells[0]["status"] == "ok", res.cells[0]
    assert res.cells[1]["status"] == "ok", res.cells[1]


BUILD_LIMITS = {**LIMITS, "cell_timeout": 60}  # a compile takes seconds on a busy machine


def test_compile_only_builds_are_shared_and_never_run(kind, tmp_path):
    # module-level code: must not run in the build
    src = "%%cython\nimport os\nos._exit(7)\ndef f(int a):\n    return a + 1\n"
    (tmp_path / "empty").mkdir()
    build = Job(
        "b",
        "a",
        "nb",
        str(tmp_path / "empty"),
        (CellTask(0, src),),
        [],
        limits=BUILD_LIMITS,
        sandbox=kind,
        compile_only=True,
        export_cache=str(tmp_path / "cache"),
    )
    res = run_job(build)
    assert res.restarts == 0  # os._exit did not run
    assert any(p.name.endswith(".so") for p in (tmp_path / "cache").iterdir())
    sub = tmp_path / "student"
    sub.mkdir()
    job = Job(
        "s",
        "a",
        "nb",
        str(sub),
        (CellTask(0, src), CellTask(1, "f(1)")),
        [],
        limits=BUILD_LIMITS,
        sandbox=kind,
        cython_cache=str(tmp_path / "cache"),
    )
    res = run_job(job)  # the student's own run does run its module: os._exit
    assert res.cells[0]["status"] == "crash"


def test_forged_events_on_the_worker_channel_are_ignored(kind, tmp_path):
    """Student code shares the worker's event channel: garbage there is noise, not a crash."""
    forge = (
        "import os, json\n"
        "fd = int(os.environ['CS_CONV_EVENT_FD'])\n"
        "for ev in ({'ev': 'cell_start', 'i': [1]}, {'ev': 'cell_end', 'i': [1]},\n"
        "           {'ev': 'test_end', 'id': {'x': 1}}, {'ev': 'cell_end', 'i': -5}):\n"
        "    os.write(fd, (json.dumps(ev) + '\\n').encode())\n"
        "os.write(fd, b'not json at all\\n')\n"
    )
    res = run(kind, tmp_path, [forge, "x = 1"])
    assert {i: c["status"] for i, c in res.cells.items()} == {0: "ok", 1: "ok"}
