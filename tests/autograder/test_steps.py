"""Unit tests of the small pipeline steps (no sandbox, no notebooks of the course)."""

import json

import nbformat
import numpy as np
import pytest

from autograder import notebook, policy
from autograder.executors.local import LocalPoolExecutor, SerialExecutor
from autograder.output.progress import Progress
from autograder.output.store import GradeStore, StoreLocked
from autograder.sandbox.payload import load_payload


def test_defined_functions_python_and_cython():
    assert notebook.defined_functions("def f(x):\n    return x\ng = 1") == {"f", "g"}
    cy = "%%cython\ncpdef double[:, ::1] k(double[:, ::1] a):\n    pass\ndef h(x):\n    pass"
    assert {"k", "h"} <= notebook.defined_functions(cy)
    assert notebook.defined_functions("%load_ext Cython\nimport numpy as np") == {"np"}


def _nb(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    return nb


def _test_cell(gid, key="hidden"):
    c = nbformat.v4.new_code_cell(
        "check(f)\n### BEGIN HIDDEN TESTS\ncheck(f, key='h')\n### END HIDDEN TESTS"
    )
    c.metadata["nbgrader"] = {"grade": True, "grade_id": gid, "points": 2, "solution": False}
    c.metadata["cs_conv"] = {"checker": "im2col", "functions": {"im2col": "f"}, "key": key}
    return c


def test_graded_tests_and_student_cells():
    src = _nb([nbformat.v4.new_code_cell("def f(): pass"), _test_cell("t1"), _test_cell("t2")])
    tests = notebook.graded_tests(src)
    assert [t.grade_id for t in tests] == ["t1", "t2"]
    assert tests[0].points == 2
    released = _test_cell("t1")
    released.source = "check(f)\n"
    edited = _test_cell("t2")
    edited.source = "pass"
    student = _nb([nbformat.v4.new_code_cell("def f(): pass"), released, edited])
    cells, found = notebook.student_cells(student, tests)
    assert [c["index"] for c in cells] == [0]  # test cells are never run
    assert found == {"t1": "present", "t2": "edited"}
    cells, found = notebook.student_cells(_nb([nbformat.v4.new_code_cell("x=1")]), tests)
    assert found == {"t1": "missing", "t2": "missing"}


@pytest.mark.parametrize(
    ("source", "hits"),
    [
        ("from cs_conv.im2col_fancy import im2col", ["cs_conv.im2col_fancy"]),
        ("def f(x):\n    return cs_conv.naive.conv_forward(x)", ["cs_conv.naive"]),
        ("import cs_conv.layers as L", ["cs_conv.layers"]),
        ("from scipy.signal import correlate", ["scipy.signal"]),
        ("from scipy import signal", ["scipy.signal"]),
        ("from scipy import ndimage as nd, linalg", ["scipy.ndimage"]),
        ("from cs_conv import naive, check", ["cs_conv.naive"]),
        ("from torch import nn", ["torch"]),
        ("import torch", ["torch"]),
        ("from cs_conv.check import check_im2col\ncs_conv.check.check_im2col(f)", []),
        ("import numpy as np\nnp.pad(x, 1)", []),
        ("%%cython\nfrom cs_conv import _im2col_cy", ["cs_conv"]),
    ],
)
def test_forbidden_references(source, hits):
    assert policy.forbidden_references(source) == hits


def test_payload_roundtrip_and_refusals(tmp_path):
    np.save(tmp_path / "0_0.npy", np.eye(2))
    (tmp_path / "payload.json").write_text(
        json.dumps([{"meta": {"index": 0}, "arrays": {"cols": "0_0.npy"}}])
    )
    out, problem = load_payload(tmp_path)
    assert problem is None
    assert out[0]["arrays"]["cols"].tolist() == [[1, 0], [0, 1]]
    np.save(tmp_path / "0_1.npy", np.array([object()]), allow_pickle=True)
    (tmp_path / "payload.json").write_text(json.dumps([{"meta": {}, "arrays": {"a": "0_1.npy"}}]))
    assert load_payload(tmp_path)[0] is None
    (tmp_path / "payload.json").write_text(json.dumps([{"meta": {}, "arrays": {"a": "../x.npy"}}]))
    assert "bad array file name" in load_payload(tmp_path)[1]
    assert load_payload(tmp_path / "nothing")[1] == "the worker wrote no outcomes"


def _record(student, points):
    return {
        "student": student,
        "assignment": "a",
        "notebook": "nb",
        "submission_hash": "h" + student,
        "timestamp": "",
        "tests": [
            {
                "test_id": "t",
                "status": "pass" if points else "fail",
                "points": points,
                "max_points": 2,
                "mistakes": [] if points else ["hw-swapped"],
            },
        ],
        "score": points,
        "max_score": 2,
    }


def test_store_single_writer_resume_and_exports(tmp_path):
    store = GradeStore(tmp_path)
    with store:
        with pytest.raises(StoreLocked):
            GradeStore(tmp_path).lock()
        store.write(_record("bob", 0))
        store.write(_record("ann", 2))
        assert store.done("ann", "a", "nb", "hann")
        assert not store.done("ann", "a", "nb", "other")
        paths = store.export()
    grades = paths["grades"].read_text().splitlines()
    assert grades[0] == "student,assignment,notebook,test_id,status,points,max_points,mistakes"
    assert grades[1:] == ["ann,a,nb,t,pass,2,2,", "bob,a,nb,t,fail,0,2,hw-swapped"]
    totals = paths["totals"].read_text().splitlines()
    assert totals[0].startswith("assignment,duedate,timestamp,student_id")
    assert totals[1] == "a,,,ann,,,,2,0,2,2"
    with pytest.raises(RuntimeError):
        store.write(_record("eve", 1))  # not locked any more


def test_store_ignores_and_clears_a_killed_writers_temporary_files(tmp_path):
    """SIGKILL between write and rename leaves a complete .tmp- file: never a grade."""
    store = GradeStore(tmp_path)
    with store:
        real = store.write(_record("ann", 2))
    debris = real.parent / ".tmp-abc123.json"
    debris.write_text(real.read_text().replace('"ann"', '"ghost"'))
    assert [r["student"] for r in store.records()] == ["ann"]
    with store:  # the next grader to take the lock sweeps the debris
        assert not debris.exists()
        assert [r["student"] for r in store.records()] == ["ann"]


def test_executors_run_everything_and_report_exceptions():
    def fn(task, slot):
        if task == 3:
            raise ValueError("boom")
        return task * 10, slot

    for ex in (SerialExecutor(), LocalPoolExecutor(2)):
        got = dict(ex.map_unordered(fn, range(6)))
        assert isinstance(got.pop(3), ValueError)
        assert {k: v[0] for k, v in got.items()} == {0: 0, 1: 10, 2: 20, 4: 40, 5: 50}
        assert all(v[1] in (0, 1) for v in got.values())


def test_progress_is_silent_off_a_terminal(capsys):
    import io

    stream = io.StringIO()
    p = Progress(3, "grading", stream=stream)
    p.update("x")
    p.close()
    assert stream.getvalue() == ""


def test_release_clears_solutions_and_hidden_tests():
    from autograder.release import student_version

    sol = nbformat.v4.new_code_cell(
        "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
    )
    sol.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "a", "locked": False}
    out = student_version(_nb([sol, _test_cell("t1")]))
    assert "return 1" not in out.cells[0].source
    assert "NotImplementedError" in out.cells[0].source
    assert "HIDDEN" not in out.cells[1].source
    assert out.cells[1].metadata["cs_conv"]["checker"] == "im2col"
    assert "key" not in out.cells[1].metadata["cs_conv"]  # the hidden seed stays behind


def test_prune_keeps_what_the_graded_functions_can_reach():
    cells = [
        {"index": 0, "source": "import numpy as np\nimport time"},
        {"index": 1, "source": "viz.plot(1)"},  # a figure: defines nothing
        {"index": 2, "source": "x = np.ones(3)"},  # a global a student function reads
        {"index": 3, "source": "def f(a):\n    return a + x"},  # student-written
        {"index": 4, "source": "def wrap(a):\n    return f(a)"},  # instructor wrapper, graded
        {"index": 5, "source": "def best_time(g):\n    return time.time()"},  # benchmark
        {"index": 6, "source": "check(f)"},  # a visible check
    ]
    instructor = {c["source"] for c in cells if c["index"] != 3}
    kept, skipped = notebook.prune_instructor_cells(cells, instructor, {"wrap"})
    assert [c["index"] for c in kept] == [0, 2, 3, 4]
    assert skipped == [1, 5, 6]


def test_export_to_an_nbgrader_gradebook(tmp_path):
    from autograder.notebook import TestSpec
    from autograder.output.store import export_gradebook

    store = GradeStore(tmp_path)
    with store:
        store.write(_record("ann", 2))
        store.write(_record("bob", 0))
    spec = TestSpec("t", 2.0, "im2col", {"im2col": "f"}, "k")
    db = export_gradebook(store, tmp_path / "gradebook.db", {"nb": [spec]})
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}") as gb:
        assert gb.find_grade("t", "nb", "a", "ann").score == 2
        assert gb.find_grade("t", "nb", "a", "bob").score == 0


def test_find_submissions_in_both_layouts(tmp_path):
    from autograder.discover import find_submissions

    nb = _nb([_test_cell("t1")])
    for student in ("bob", "ann"):
        folder = tmp_path / "course" / "submitted" / student / "hw"
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / "nb1.ipynb"))
        nbformat.write(nb, str(folder / "other.ipynb"))  # not a source notebook: ignored
    other = tmp_path / "course" / "submitted" / "bob" / "hw_old"  # another assignment
    other.mkdir()
    nbformat.write(nb, str(other / "nb1.ipynb"))
    (tmp_path / "course" / "submitted" / "ann" / "empty").mkdir()
    skipped = []
    subs = find_submissions(tmp_path / "course", "hw", {"nb1": ["t1"], "nb2": ["t9"]}, skipped)
    assert [(s.student, s.assignment, s.notebook) for s in subs] == [
        ("ann", "hw", "nb1"),
        ("bob", "hw", "nb1"),
    ]
    assert skipped == ["bob/hw_old: not the assignment 'hw'; not graded"]
    flat = tmp_path / "flat"
    flat.mkdir()
    nbformat.write(nb, str(flat / "carol.ipynb"))
    subs = find_submissions(flat, "hw", {"nb1": ["t1"], "nb2": ["t9"]})
    assert [(s.student, s.notebook) for s in subs] == [("carol", "nb1")]
    assert subs[0].folder == str(flat / "carol.ipynb")  # only the notebook is copied


def test_reached_statements_follow_names_from_the_graded_functions():
    cells = [
        {"index": 0, "source": "import numpy as np\nimport torch as T"},
        {
            "index": 1,
            "source": "def helper(a):\n    return np.sum(a)\n\n\ndef f(a):\n    return helper(a)",
        },
        # a scratch comparison: binds nothing a graded function reads
        {"index": 2, "source": "import scipy.signal\nprint(f(1), scipy.signal.correlate(1, 1))"},
        {"index": 3, "source": "def g(a):\n    return T.conv2d(a)"},
        {"index": 4, "source": "%%cython\ndef k(int a):\n    return a"},
    ]
    got = {
        (c["index"], code.split("\n")[0]): hit
        for c, code, hit in notebook.reached_statements(cells, {"f"})
    }
    assert got == {
        (0, "import numpy as np"): True,
        (0, "import torch as T"): False,
        (1, "def helper(a):"): True,
        (1, "def f(a):"): True,
        (2, "import scipy.signal"): False,
        (2, "print(f(1), scipy.signal.correlate(1, 1))"): False,
        (3, "def g(a):"): False,
        (4, "%%cython"): False,
    }
    # g reaches the torch alias through its body
    reached = {
        code.split("\n")[0] for _, code, hit in notebook.reached_statements(cells, {"g"}) if hit
    }
    assert reached == {"def g(a):", "import torch as T"}


def test_builds_are_keyed_by_the_interpreter_not_the_name_it_was_started_by(monkeypatch):
    """python, python3 and python3.X of one environment are one interpreter: a grader
    started as ``cs-conv`` (python3) and one started from a session (python) share builds,
    and their workers run the same path (the name the %%cython magic hashes)."""
    import os
    import sys

    from autograder import cython_cache, installation

    folder = os.path.dirname(sys.executable)
    aliases = [
        os.path.join(folder, n)
        for n in ("python", "python3", f"python3.{sys.version_info[1]}")
        if os.path.exists(os.path.join(folder, n))
        and os.path.samefile(os.path.join(folder, n), sys.executable)
    ]
    if len(aliases) < 2:
        pytest.skip("this interpreter has a single name")
    cell = "%%cython\ndef f(double x):\n    return 2 * x\n"
    seen = set()
    for alias in aliases:
        monkeypatch.setattr(sys, "executable", alias)
        installation.worker_python.cache_clear()
        seen.add((installation.worker_python(), cython_cache.version_key(),
                  cython_cache.module_name(cell)))  # fmt: skip
    installation.worker_python.cache_clear()
    assert len(seen) == 1
    assert os.path.samefile(next(iter(seen))[0], sys.executable)


def test_build_cache_survives_runs_and_is_shared_by_concurrent_graders(tmp_path):
    """What one run publishes, a later run fetches; four graders publishing the same builds
    at once never show a reader a half-written module (each file lands by one rename)."""
    import os
    import sysconfig
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from autograder.cython_cache import BuildCache, module_name, typing_name

    cell = "%%cython\ndef f(double x):\n    return 2 * x\n"
    built = tmp_path / "built"
    built.mkdir()
    so = built / (module_name(cell) + sysconfig.get_config_var("EXT_SUFFIX"))
    payload = os.urandom(16 << 20)  # large enough for a copy to be caught half-written
    so.write_bytes(payload)
    (built / typing_name(cell)).write_text('{"f": "typed"}')

    for race in range(6):  # a fresh cache each time: a file is published once per cache
        root = tmp_path / f"cache{race}"
        assert BuildCache(root).fetch([cell], tmp_path / f"run{race}") == [cell]
        stop, started, seen = threading.Event(), threading.Event(), []

        def read(root=root, stop=stop, started=started, seen=seen):
            while not stop.is_set():
                files = BuildCache(root).files(cell)
                started.set()
                if files:
                    seen.append(files[0].read_bytes() == payload)

        reader = threading.Thread(target=read)
        reader.start()
        started.wait()
        with ThreadPoolExecutor(4) as pool:
            new = list(pool.map(lambda _, root=root: BuildCache(root).publish(built), range(4)))
        stop.set()
        reader.join()
        assert all(seen), f"race {race}: a reader saw a half-written module"
        assert sum(new) >= 2  # the module and its verdicts, each at least once
    dest = tmp_path / "next-run"  # the next run: a new BuildCache on the same folder
    assert BuildCache(root).fetch([cell], dest) == []
    assert (dest / so.name).read_bytes() == payload
    assert not [p for p in BuildCache(root).folder.iterdir() if p.name.startswith(".tmp-")]
