"""The course notebooks: stored clean, valid for nbgrader, solved by their sources, and
released as student versions that run top to bottom with a clean "not implemented".

The executions (``slow``) run each source notebook and each released notebook once per
session, one kernel at a time (notebook 5 reuses what notebook 4 compiled), with
``run_notebook.py``, and share the results between tests.  The five-minute budget of the
course is checked on the time the kernel spent in cells, so that a slow kernel start or a
stall of the test harness (nbclient can read a widget cell's reply late: see
``run_notebook.py``) is reported with wall times but does not count as the course being slow.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
NAMES = [p.name for p in NOTEBOOKS]
RUNNER = Path(__file__).with_name("run_notebook.py")
#: the course's promise: each version of the whole sequence runs in under five minutes
SEQUENCE_BUDGET = 300
CHECK_CALL = re.compile(r"^check_\w+\(")


def _read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _is_graded(cell) -> bool:
    return cell.cell_type == "code" and bool(_nbgrader(cell).get("grade"))


def _is_visible_check(cell) -> bool:
    """An ungraded, read-only cell whose only statement is a checker call."""
    meta = _nbgrader(cell)
    return (
        cell.cell_type == "code"
        and meta.get("locked")
        and not meta.get("grade")
        and bool(CHECK_CALL.match(cell.source.strip()))
    )


def _output_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.extend(str(v) for k, v in out.data.items() if k.startswith("text/"))
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
    return "\n".join(parts)


def _says_not_implemented(text: str) -> bool:
    """The checker's verdict on a stub: its mistake code, or the words."""
    text = text.lower()
    return "not-implemented" in text or "not implemented" in text


def _errors(nb):
    return [
        (i, cell, out)
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]


def _execute(path: Path, out_dir: Path):
    """Run a notebook top to bottom in a fresh kernel, from its own folder, in a separate
    process (``run_notebook.py``: nbclient, errors allowed); return (notebook, seconds)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(RUNNER), str(path), str(out_dir / path.name)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, f"executing {path.name} failed:\n{proc.stderr[-3000:]}"
    return _read(out_dir / path.name), seconds


def _execute_all(paths, out_dir):
    # in order, one kernel at a time: notebook 5 reads notebooks 1-4 from disk and reuses
    # the kernel notebook 4 compiled
    return {p.name: _execute(p, out_dir) for p in paths}


def _cell_seconds(cell) -> float:
    """Seconds the kernel spent on a cell: from its ``execute_input`` to its reply
    (the timestamps nbclient records in ``metadata.execution``)."""
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return (end - start).total_seconds()


def _budget_report(runs) -> tuple[float, str]:
    """Total kernel seconds of a sequence, and a report of wall times and slowest cells."""
    total, lines, cells = 0.0, [], []
    for name, (nb, wall) in runs.items():
        seconds = [(_cell_seconds(c), name, c.get("id", "?")) for c in nb.cells]
        in_cells = sum(t for t, _, _ in seconds)
        total += in_cells
        cells += seconds
        lines.append(f"{name}: {in_cells:.1f} s in cells, {wall:.1f} s wall")
    lines += [f"  slow cell {name}:{cid}: {t:.1f} s" for t, name, cid in sorted(cells)[-5:]]
    return total, "\n".join(lines)


@pytest.fixture(scope="session")
def executed_sources(tmp_path_factory):
    return _execute_all(NOTEBOOKS, tmp_path_factory.mktemp("executed-sources"))


@pytest.fixture(scope="session")
def released(tmp_path_factory):
    from autograder.release import release

    out = tmp_path_factory.mktemp("release")
    release(NB_DIR, out)
    return out


def _nbgrader_generate_assignment(source_dir, course_dir, assignment="cs_conv"):
    """nbgrader's own ``generate_assignment`` on a scratch course folder (the oracle of
    our release): ``course_dir/release/<assignment>``."""
    import os
    import shutil
    import sys

    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    dest = course_dir / "source" / assignment
    dest.mkdir(parents=True)
    for nb in sorted(source_dir.glob("*.ipynb")):
        shutil.copy2(nb, dest / nb.name)
    config = Config()
    config.CourseDirectory.root = str(course_dir)
    config.CourseDirectory.db_url = f"sqlite:///{course_dir / 'gradebook.db'}"
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    path = os.environ.get("PATH", "")  # nbgrader runs `alembic` from this Python's bin
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), path])
    try:
        result = api.generate_assignment(assignment, force=True, create=True)
    finally:
        os.environ["PATH"] = path
    assert result.get("success"), str(result.get("error", "")) + str(result.get("log", ""))
    return course_dir / "release" / assignment


@pytest.fixture(scope="session")
def executed_releases(released, tmp_path_factory):
    return _execute_all(
        sorted(released.glob("*.ipynb")), tmp_path_factory.mktemp("executed-releases")
    )


# ------------------------------------------------------------------ fast: the stored files


def test_the_seven_notebooks_exist():
    assert NAMES == [
        "01_naive.ipynb",
        "02_im2col_loops.ipynb",
        "03_im2col_fancy.ipynb",
        "04_cython.ipynb",
        "05_benchmarks.ipynb",
        "06_pooling.ipynb",
        "07_layers_at_work.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_stored_without_outputs(path):
    nb = _read(path)
    nbformat.validate(nb)
    dirty = [
        cell.id
        for cell in nb.cells
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells stored with outputs {dirty}; clear them"
    ids = [cell.id for cell in nb.cells]
    assert len(ids) == len(set(ids)), f"{path.name}: duplicate cell ids"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_nbgrader_metadata(path):
    """Grade ids unique, graded tests locked with points, answers hold a solution region,
    written answers are nbgrader's manually graded answer cells."""
    nb = _read(path)
    grade_ids = [_nbgrader(c)["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(grade_ids) == len(set(grade_ids)), f"duplicate grade ids in {path.name}"
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if not meta:
            continue
        assert meta["schema_version"] == 3
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source, meta["grade_id"]
            assert "### END SOLUTION" in cell.source, meta["grade_id"]
        else:
            assert "### BEGIN SOLUTION" not in cell.source, meta["grade_id"]
        if meta.get("grade"):
            assert meta["points"] > 0, meta["grade_id"]
            # a test cell is locked; a manually graded answer is the student's to edit
            assert meta["locked"] == (not meta.get("solution")), meta["grade_id"]
            assert not meta.get("task"), meta["grade_id"]
            if meta.get("solution"):
                assert cell.cell_type == "markdown", meta["grade_id"]


def _cython_names(nb) -> set[str]:
    """Functions defined by the notebook's ``%%cython`` answer cells."""
    return {
        name
        for cell in nb.cells
        if cell.cell_type == "code" and cell.source.lstrip().startswith("%%cython")
        for name in re.findall(r"^c?p?def\s+(\w+)\s*\(", cell.source, flags=re.M)
    }


def src_visible(cell) -> str:
    """A graded cell's source before its hidden tests."""
    return cell.source.split("### BEGIN HIDDEN TESTS")[0]


def _defined_names(nb) -> set[str]:
    """Functions defined by answer cells and export cells (what a student's notebook has)."""
    names = set()
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code":
            continue
        if not (meta.get("solution") or "export" in cell.metadata.get("tags", [])):
            continue
        names |= set(re.findall(r"^(?:c?p?def)\s+(\w+)\s*\(", cell.source, flags=re.M))
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_graded_cells_point_to_real_checkers(path):
    """The ``cs_conv`` metadata of every graded cell names a checker, its functions and a key."""
    from cs_conv.check import CHECKERS

    nb = _read(path)
    defined = _defined_names(nb)
    graded = [c for c in nb.cells if _is_graded(c)]
    for cell in graded:
        gid = _nbgrader(cell)["grade_id"]
        spec = cell.metadata.get("cs_conv")
        assert spec, f"{gid}: no cs_conv metadata"
        assert spec["checker"] in CHECKERS, f"{gid}: unknown checker {spec['checker']}"
        checker = CHECKERS[spec["checker"]]
        assert set(spec["functions"]) == set(checker.functions), gid
        for arg, name in spec["functions"].items():
            assert name in defined, f"{gid}: {arg} -> {name}, which the notebook does not define"
        assert spec["key"].startswith("hidden-"), gid
        assert spec.get("stage") in (None, "loops", "fancy", "cython", "im2col"), gid
        if "kernel" in spec:  # the test also requires that compiled kernel to be typed
            assert spec["kernel"] in _cython_names(nb), f"{gid}: no %%cython {spec['kernel']}"
            assert f"check_kernel_typed({spec['kernel']}" in src_visible(cell), gid
        src = cell.source
        hidden = src[src.index("### BEGIN HIDDEN TESTS") : src.index("### END HIDDEN TESTS")]
        assert f'key="{spec["key"]}"' in hidden, gid
        assert ".assert_ok()" in hidden, gid
        visible_key = spec["key"].replace("hidden-", "visible-", 1)
        assert f'key="{visible_key}"' in src.split("### BEGIN HIDDEN TESTS")[0], gid
        ast.parse(src)  # plain Python, no magics


def test_points_and_grade_ids_across_the_course():
    graded = [
        _nbgrader(cell) for path in NOTEBOOKS for cell in _read(path).cells if _is_graded(cell)
    ]
    ids = [meta["grade_id"] for meta in graded]
    assert len(ids) == len(set(ids)), "a grade id is used twice in the course"
    assert sum(meta["points"] for meta in graded) >= 20


# ------------------------------------------------------------------ slow: the sources


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_source_notebook_runs_and_passes(executed_sources, name):
    nb, _ = executed_sources[name]
    errors = _errors(nb)
    assert not errors, "\n\n".join(
        f"{name} cell {i} ({cell.id}):\n{cell.source[:300]}\n-> {out.ename}: {out.evalue}"
        for i, cell, out in errors
    )
    for cell in nb.cells:
        if _is_visible_check(cell):
            text = _output_text(cell)
            assert "passed" in text, f"{name} {cell.id}: {text[:500]}"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_source_notebook_validates(executed_sources, tmp_path, name):
    """What ``nbgrader validate`` checks, on the executed notebook (no second execution)."""
    from nbgrader.preprocessors import CheckCellMetadata
    from nbgrader.validator import Validator
    from traitlets import List

    class ValidateExecuted(Validator):
        preprocessors = List([CheckCellMetadata])

    nb, _ = executed_sources[name]
    path = tmp_path / name
    nbformat.write(nb, path)
    results = ValidateExecuted().validate(str(path))
    assert results == {}, json.dumps(results, indent=1)[:3000]


# ------------------------------------------------------------------ slow: the student versions


@pytest.mark.slow
def test_release_strips_solutions_and_hidden_tests(released):
    names = sorted(p.name for p in released.glob("*.ipynb"))
    assert names == NAMES
    for path in sorted(released.glob("*.ipynb")):
        nb = _read(path)
        for cell in nb.cells:
            assert "### BEGIN SOLUTION" not in cell.source, (path.name, cell.id)
            assert "BEGIN HIDDEN TESTS" not in cell.source, (path.name, cell.id)
            assert 'key="hidden-' not in cell.source, (path.name, cell.id)
            if _nbgrader(cell).get("solution") and cell.cell_type == "code":
                assert "raise NotImplementedError()" in cell.source, (path.name, cell.id)
            # the seed of the hidden cases stays with the instructor
            assert "key" not in cell.metadata.get("cs_conv", {}), (path.name, cell.id)
            assert "hidden-" not in json.dumps(cell.metadata), (path.name, cell.id)


@pytest.mark.slow
def test_the_release_is_nbgraders_generate_assignment(released, tmp_path):
    """``cs-conv release`` (nbgrader's preprocessors in memory, then the hidden keys
    dropped) gives the cells of nbgrader's own ``generate_assignment``: sources and
    metadata."""
    from autograder.release import hide_keys

    theirs_dir = _nbgrader_generate_assignment(NB_DIR, tmp_path / "course")

    def cells(nb):
        return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in nb.cells]

    for source in NOTEBOOKS:
        ours = _read(released / source.name)
        theirs = hide_keys(_read(theirs_dir / source.name))
        assert cells(ours) == cells(theirs), source.name


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_released_notebook_says_not_implemented(executed_releases, name):
    nb, _ = executed_releases[name]
    for i, cell, out in _errors(nb):
        # only graded cells may fail, with the checker's AssertionError (a short traceback)
        assert _is_graded(cell), f"{name} cell {i} ({cell.id}) failed: {out.ename}: {out.evalue}"
        assert out.ename == "AssertionError", f"{name} {cell.id}: {out.ename}: {out.evalue}"
        assert _says_not_implemented(out.evalue), f"{name} {cell.id}: {out.evalue}"
        assert len(out.traceback) <= 6, f"{name} {cell.id}: a deep traceback"
    checks = [cell for cell in nb.cells if _is_visible_check(cell)]
    for cell in checks:
        text = _output_text(cell)
        assert _says_not_implemented(text), f"{name} {cell.id}: {text[:500]}"
        assert not any(o.output_type == "error" for o in cell.outputs)
    graded = [cell for cell in nb.cells if _is_graded(cell)]
    assert len(checks) >= len(graded)  # a bonus has a check and no graded cell


@pytest.mark.slow
@pytest.mark.parametrize("version", ["executed_sources", "executed_releases"])
def test_whole_sequence_runs_in_five_minutes(request, version):
    """Each version of the seven notebooks, top to bottom, within the course's budget
    (kernel time in cells; the Cython compiles of notebook 4 included), reported per
    notebook (``pytest -s`` prints the report; a failure shows it)."""
    runs = request.getfixturevalue(version)
    assert list(runs) == NAMES
    total, report = _budget_report(runs)
    print(f"{version}: {total:.1f} s of kernel time in cells\n{report}")
    assert 0 < total < SEQUENCE_BUDGET, f"{version}: {total:.0f} s in cells\n{report}"
    for name, (nb, _) in runs.items():
        assert sum(_cell_seconds(c) for c in nb.cells) > 0, f"{name}: no cell timing"
