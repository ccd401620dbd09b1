"""The pipeline on a tiny course of its own: resumable, deterministic, forced."""

import nbformat
import pytest

from autograder.executors.local import SerialExecutor
from autograder.pipeline import grade
from autograder.settings import Limits

SOLUTION = """def im2col(x, HH, WW, stride=1, pad=0):
    ### BEGIN SOLUTION
    import numpy as np
    N, C, H, W = x.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((C * HH * WW, N * Ho * Wo), dtype=x.dtype)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                win = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                cols[:, (n * Ho + i) * Wo + j] = win.reshape(-1)
    return cols
    ### END SOLUTION"""


def _course(tmp_path):
    answer = nbformat.v4.new_code_cell(SOLUTION)
    answer.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "a"}
    test = nbformat.v4.new_code_cell("pass")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 2}
    test.metadata["cs_conv"] = {
        "checker": "im2col",
        "functions": {"im2col": "im2col"},
        "key": "hidden-test",
        "stage": "loops",
    }
    nb = nbformat.v4.new_notebook(cells=[answer, test])
    src = tmp_path / "source"
    src.mkdir()
    nbformat.write(nb, str(src / "nb.ipynb"))
    for student, source in (("ann", SOLUTION), ("bob", "def im2col(*a, **k):\n    return None")):
        folder = tmp_path / "submitted" / student / "hw"
        folder.mkdir(parents=True)
        copy = nbformat.from_dict(nb)
        copy.cells[0].source = source
        nbformat.write(copy, str(folder / "nb.ipynb"))
    return src


class Interrupted(SerialExecutor):
    """Stops (like Ctrl-C) after the first finished notebook."""

    def map_unordered(self, fn, tasks):
        for item in super().map_unordered(fn, tasks):
            yield item
            raise KeyboardInterrupt


def test_killed_midway_loses_nothing_and_rerun_completes(tmp_path):
    src = _course(tmp_path)
    kw = dict(source_dir=src, assignment="hw", limits=Limits(cell_timeout=60, test_timeout=60))
    with pytest.raises(KeyboardInterrupt):
        grade(tmp_path / "submitted", tmp_path / "out", executor=Interrupted(), **kw)
    done = list((tmp_path / "out" / "results").glob("*/*/*.json"))
    assert len(done) == 1
    run = grade(tmp_path / "submitted", tmp_path / "out", workers=1, **kw)
    assert (run.graded, run.skipped) == (1, 1)
    first = (tmp_path / "out" / "grades.csv").read_text()
    assert first.splitlines()[1:] == [
        "ann,hw,nb,t,pass,2,2,",
        "bob,hw,nb,t,fail,0,2,not-implemented",
    ]
    run = grade(tmp_path / "submitted", tmp_path / "out", workers=2, force=True, **kw)
    assert (run.graded, run.skipped) == (2, 0)
    assert (tmp_path / "out" / "grades.csv").read_text() == first


def test_a_changed_notebook_is_the_only_one_graded_again(tmp_path):
    """Incremental regrading: one student edits one notebook, the class is graded again,
    and only that notebook is run (the others keep their grades by their hash)."""
    src = _course(tmp_path)
    kw = dict(source_dir=src, assignment="hw", limits=Limits(cell_timeout=60, test_timeout=60))
    run = grade(tmp_path / "submitted", tmp_path / "out", workers=1, **kw)
    assert (run.graded, run.skipped) == (2, 0)
    path = tmp_path / "submitted" / "bob" / "hw" / "nb.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[0].source = SOLUTION  # bob fixes his answer
    nbformat.write(nb, str(path))
    run = grade(tmp_path / "submitted", tmp_path / "out", workers=1, **kw)
    assert (run.graded, run.skipped) == (1, 1)
    assert (tmp_path / "out" / "grades.csv").read_text().splitlines()[1:] == [
        "ann,hw,nb,t,pass,2,2,",
        "bob,hw,nb,t,pass,2,2,",
    ]
    assert (grade(tmp_path / "submitted", tmp_path / "out", workers=1, **kw).graded) == 0


def test_an_enormous_result_is_refused_in_the_worker(tmp_path):
    """A function that returns arrays far beyond the documented shapes: the worker refuses
    to write them (the limit of one test's payload), the grader never reads them."""
    src = _course(tmp_path)
    path = tmp_path / "submitted" / "bob" / "hw" / "nb.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[0].source = (
        "import numpy as np\n\n\ndef im2col(x, HH, WW, stride=1, pad=0):\n"
        "    return np.ones((2000, 1999))  # 32 MB per case, far beyond the layout\n"
    )
    nbformat.write(nb, str(path))
    kw = dict(source_dir=src, assignment="hw", limits=Limits(cell_timeout=60, test_timeout=60))
    grade(tmp_path / "submitted", tmp_path / "out", workers=1, **kw)
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert "bob,hw,nb,t,error,0,2," in rows
    import json

    record = json.loads((tmp_path / "out" / "results" / "bob" / "hw" / "nb.json").read_text())
    assert "MiB a test may return" in record["tests"][0]["message"]
