"""The package students install: every check works offline, no graded stage is readable.

One release (``cs-conv release``, notebooks and wheel) per session; the wheel is
installed with ``--no-deps`` into a fresh virtual environment that borrows this
environment's site-packages for numpy and friends (after its own, so that its
``cs_conv`` is the wheel's), and probed there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from autograder.installation import cs_conv_dir
from autograder.student_package import compiled_modules

pytestmark = pytest.mark.slow

GRADED = {
    "cs_conv.naive": ["conv_forward", "conv_backward"],
    "cs_conv.im2col_loops": ["im2col", "col2im"],
    "cs_conv.im2col_fancy": ["im2col_indices", "im2col", "col2im"],
    "cs_conv.im2col_cython": ["im2col", "col2im"],
    "cs_conv.layers": ["conv_forward", "conv_backward"],
    "cs_conv.geometry": ["conv_output_shape"],
    "cs_conv.padding": ["pad_input"],
    "cs_conv.check.mutations": ["cols_from_windows", "fold", "windows"],
}


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    from autograder.cli import main

    out = tmp_path_factory.mktemp("release")
    assert main(["release", "--out", str(out)]) == 0
    wheels = list((out / "dist").glob("cs_conv-*.whl"))
    assert len(wheels) == 1, wheels
    return out, wheels[0]


@pytest.fixture(scope="session")
def student_python(release, tmp_path_factory):
    _, wheel = release
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
    )
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # numpy, matplotlib, Cython... from this environment, after the student's own
    (Path(site) / "zz_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return py


def test_the_wheel_holds_no_source_of_a_module(release):
    _, wheel = release
    names = zipfile.ZipFile(wheel).namelist()
    sources = [n for n in names if n.endswith((".py", ".pyx", ".c", ".pxd", ".html"))]
    assert all(n.endswith("__init__.py") for n in sources), sources
    compiled = {n.split(".")[0] for n in names if n.endswith(".so")}
    for module in compiled_modules(cs_conv_dir()):
        assert module.rsplit(".", 1)[0] in compiled, module
    assert not any(n.startswith("autograder") for n in names)


PROBE = r"""
import inspect, json, os, sys
import numpy as np
import cs_conv
from cs_conv.check import check_col2im, check_im2col

report = {"file": cs_conv.__file__, "readable": [], "docs": []}
for module, names in json.loads(sys.argv[1]).items():
    mod = __import__(module, fromlist=["_"])
    for name in names:
        f = getattr(mod, name)
        try:
            inspect.getsource(f)
            report["readable"].append(f"{module}.{name}")
        except (OSError, TypeError):
            pass
        if f.__doc__:
            report["docs"].append(f"{module}.{name}")
root = os.path.dirname(cs_conv.__file__)
report["files"] = sorted(
    os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
    if f.endswith((".py", ".pyx", ".c")) and f != "__init__.py"
)


def col2im_overwrites(cols, x_shape, HH, WW, stride=1, pad=0):
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    col = 0
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                window = cols[:, col].reshape(C, HH, WW)
                x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] = window
                col += 1
    return x_pad[:, :, pad:pad + H, pad:pad + W]


result = check_col2im(col2im_overwrites, stage="loops")
report["mistakes"] = result.mistakes
report["html"] = "col2im-not-accumulating" in result._repr_html_()
report["reference_passes"] = check_im2col(cs_conv.im2col_fancy.im2col, stage="fancy").passed
from cs_conv import viz
report["figure"] = type(viz.plot_im2col((1, 2, 5, 8), 3, 2, stride=2, pad=1)).__name__
print(json.dumps(report))
"""


def test_no_graded_stage_can_be_read_and_the_checks_still_diagnose(student_python, tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    out = subprocess.run(
        [str(student_python), str(probe), json.dumps(GRADED)],
        capture_output=True, text=True, cwd=tmp_path,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    assert str(student_python.parent.parent) in report["file"]  # the wheel's, not the checkout's
    assert report["readable"] == []
    assert report["docs"] == []
    assert report["files"] == []
    assert report["mistakes"] == ["col2im-not-accumulating"]
    assert report["html"]
    assert report["reference_passes"]
    assert report["figure"] == "VizFigure"


def test_the_student_command_has_no_grader(student_python):
    cs_conv = student_python.parent / "cs-conv"
    help_text = subprocess.run([str(cs_conv), "--help"], capture_output=True, text=True).stdout
    assert "selfcheck" in help_text
    grade = subprocess.run([str(cs_conv), "grade", "x"], capture_output=True, text=True)
    assert grade.returncode == 2
    assert "invalid choice: 'grade'" in grade.stderr
    selfcheck = subprocess.run(
        [str(cs_conv), "selfcheck"], capture_output=True, text=True, env={"MPLBACKEND": "Agg"}
    )
    assert selfcheck.returncode == 0, selfcheck.stdout + selfcheck.stderr


def test_a_failed_build_says_why_and_keeps_the_notebooks(tmp_path, monkeypatch, capsys):
    from autograder import student_package
    from autograder.cli import main

    monkeypatch.setattr(student_package.shutil, "which", lambda name: None)
    assert main(["release", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no C compiler" in err
    assert "notebooks in" in err
    assert list(tmp_path.glob("*.ipynb"))
