"""explore_im2col in a real kernel: sliders for a live frontend, the static figure for
nbclient, so that stock ``jupyter nbconvert --execute`` and ``nbgrader autograde`` never
stall on it (jupyter/nbclient#312 stalled the released 02 for five minutes)."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NB02 = ROOT / "notebooks" / "02_im2col_loops.ipynb"
BIN = Path(sys.executable).parent
WIDGET = "application/vnd.jupyter.widget-view+json"
EXPLORE = "explore_im2col("
#: the issue's bound for each stock run of the released 02 (a cell's reply read late
#: after a widget costs nbclient's whole cell timeout: 30 s for nbgrader, 300 s for nbconvert)
BOUND = 60


@pytest.fixture(scope="module")
def kernel():
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")  # channels started, stdin included
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _execute(kc, code: str, *, allow_stdin: bool) -> list[dict]:
    """Run ``code`` as a frontend would; the iopub messages of the request, in order."""
    msg_id = kc.execute(code, allow_stdin=allow_stdin)
    messages, deadline = [], time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            reply = kc.get_shell_msg(timeout=30)
            assert reply["content"]["status"] == "ok", reply["content"]
            return messages
    raise AssertionError(f"no reply to {code!r} within 60 s")


def _mimetypes(messages) -> set[str]:
    return {
        mime
        for m in messages
        if m["msg_type"] in ("execute_result", "display_data")
        for mime in m["content"]["data"]
    }


CODE = "from cs_conv.viz import explore_im2col\nexplore_im2col(H=4, W=5)"


def test_a_live_frontend_gets_the_sliders(kernel):
    # JupyterLab's requests allow stdin: a person is there to answer input()
    messages = _execute(kernel, CODE, allow_stdin=True)
    assert WIDGET in _mimetypes(messages)
    assert any(m["msg_type"] == "comm_open" for m in messages)


def test_nbclient_gets_the_static_figure_and_no_widget(kernel):
    # nbclient (nbconvert, nbgrader, papermill) always sends allow_stdin=False
    messages = _execute(kernel, CODE, allow_stdin=False)
    assert "image/png" in _mimetypes(messages)
    assert WIDGET not in _mimetypes(messages)
    assert not any(m["msg_type"].startswith("comm_") for m in messages)
    text = "".join(m["content"].get("text", "") for m in messages if m["msg_type"] == "stream")
    assert "no live Jupyter frontend" in text


# ------------------------------------------------------------ stock tools on the released 02


def _released_02(folder: Path) -> Path:
    from autograder.release import student_version

    path = folder / NB02.name
    nbformat.write(student_version(nbformat.read(NB02, as_version=4)), path)
    return path


def _explore_cell(nb):
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and EXPLORE in c.source]
    return cell


def _assert_static_figure(cell):
    kinds = {k for out in cell.outputs for k in out.get("data", {})}
    assert "image/png" in kinds, cell.outputs
    assert WIDGET not in kinds


def _run(args, cwd, timeout=BOUND + 60) -> tuple[subprocess.CompletedProcess, float]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.monotonic()
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return proc, time.monotonic() - start


@pytest.mark.slow
def test_stock_nbconvert_runs_the_released_02_without_a_stall(tmp_path):
    released = _released_02(tmp_path)
    # exactly the stock command: it stops at the first graded cell of a stub, after the explorer
    stock = [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute"]
    proc, seconds = _run([*stock, released.name], tmp_path)
    assert seconds < BOUND, proc.stderr[-2000:]
    assert "CellExecutionError" in proc.stderr  # the stub's graded cell, as for any student
    assert "NotImplementedError" in proc.stderr or "not implemented" in proc.stderr
    # and every cell, as a grader runs them: the explorer cell shows the static figure
    every = ["--allow-errors", "--output", "run.ipynb", released.name]
    proc, seconds = _run([*stock, *every], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert seconds < BOUND
    _assert_static_figure(_explore_cell(nbformat.read(tmp_path / "run.ipynb", as_version=4)))


def _solved(released: Path) -> nbformat.NotebookNode:
    """The released 02 with the source's answers in its answer cells: a full-marks student."""
    source = nbformat.read(NB02, as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


@pytest.mark.slow
def test_stock_nbgrader_autograde_grades_a_02_submission_without_a_stall(tmp_path):
    course = tmp_path / "course"
    (course / "source" / "cs_conv").mkdir(parents=True)
    shutil.copy2(NB02, course / "source" / "cs_conv" / NB02.name)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    common = [f"--CourseDirectory.root={course}", "--log-level=ERROR"]
    proc, _ = _run([*nbgrader, "generate_assignment", "cs_conv", "--force", *common], course)
    assert proc.returncode == 0, proc.stderr[-2000:]
    submitted = course / "submitted" / "student" / "cs_conv"
    submitted.mkdir(parents=True)
    released = course / "release" / "cs_conv" / NB02.name
    nbformat.write(_solved(released), submitted / NB02.name)
    proc, seconds = _run([*nbgrader, "autograde", "cs_conv", "--force", *common], course)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert seconds < BOUND
    graded = nbformat.read(course / "autograded" / "student" / "cs_conv" / NB02.name, 4)
    _assert_static_figure(_explore_cell(graded))
    errors = [
        out
        for c in graded.cells
        if c.metadata.get("nbgrader", {}).get("grade")
        for out in c.get("outputs", [])
        if out.output_type == "error"
    ]
    assert errors == []  # the solved submission passes every graded cell, hidden tests included
