"""What the course teaches, measured on the notebooks and their released versions (fast: the
release is nbgrader's own preprocessors in memory, ``autograder.release.student_version``).

- every notebook opens with a heading that nbconvert renders as ``<h1>``;
- derive, don't dictate: at most 5% of the non-trivial solution lines appear verbatim in the
  released notebooks (markdown and code);
- no released notebook names a reference module or function;
- a graded pooling exercise, at least four hand-graded written answers whose model answers the
  release strips, and the student's own layers used on bundled real data.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAMES = [p.name for p in NOTEBOOKS]

#: at most this fraction of the solution lines may appear in the released notebooks
DICTATION_LIMIT = 0.05
# the layout table's shape formulas, which every notebook shows on purpose
SHAPE_FORMULAS = {
    re.sub(r"\s+", "", s)
    for s in (
        "H_out = (H + 2 * pad - HH) // stride + 1",
        "W_out = (W + 2 * pad - WW) // stride + 1",
    )
}
TRIVIAL_RETURN = re.compile(r"^return\s+[\w\s,()\[\]]*$")
REFERENCE_NAMES = (
    "cs_conv.naive",
    "cs_conv.im2col_loops",
    "cs_conv.im2col_fancy",
    "cs_conv.im2col_cython",
    "cs_conv.layers",
    "cs_conv.pooling",
    "cs_conv.pooling_im2col",
    "cs_conv.conv_output_shape",
    "cs_conv.pad_input",
    "cs_conv.geometry",
    "cs_conv.padding",
)
REFERENCE_MODULES = ("naive", "im2col_loops", "im2col_fancy", "im2col_cython", "layers",
                     "pooling", "pooling_im2col", "geometry", "padding", "conv_output_shape",
                     "pad_input")  # fmt: skip


def _read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


@cache
def _released(name: str) -> nbformat.NotebookNode:
    from autograder.release import student_version

    return student_version(_read(ROOT / "notebooks" / name))


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


# ------------------------------------------------------------------ headings


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_first_cell_renders_as_a_title(path):
    """nbconvert's HTML exporter (its own markdown renderer) makes the first cell an <h1>."""
    from nbconvert import HTMLExporter

    nb = _read(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    lone = nbformat.v4.new_notebook(cells=[first], metadata=nb.metadata)
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(lone)
    m = re.search(r'<div[^>]*class="[^"]*jp-RenderedMarkdown[^"]*"[^>]*>\s*(.{0,120})', html, re.S)
    assert m, f"{path.name}: no rendered markdown cell"
    assert m.group(1).startswith("<h1"), f"{path.name}: the first cell renders as {m.group(1)!r}"


# ------------------------------------------------------------------ dictation


def solution_lines(nb) -> list[str]:
    """Non-trivial lines of the code solutions: comments and whitespace stripped, lines of at
    most 10 characters, ``return x``-like lines and the layout's shape formulas left out."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code" or not _nbgrader(cell).get("solution"):
            continue
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside:
                text = re.sub(r"\s+#.*$", "", line).strip()
                if text.startswith("#") or len(text) <= 10 or TRIVIAL_RETURN.match(text):
                    continue
                if re.sub(r"\s+", "", text) not in SHAPE_FORMULAS:
                    lines.append(text)
    return lines


def dictated_lines() -> tuple[int, list[tuple[str, str]]]:
    """``(solution lines, those found verbatim in a released notebook)``; whitespace is
    ignored on both sides, and every released notebook counts (a pitfall of notebook 2 may
    not hold notebook 3's answer)."""
    released = "".join(
        re.sub(r"\s+", "", cell.source) for name in NAMES for cell in _released(name).cells
    )
    total, found = 0, []
    for path in NOTEBOOKS:
        lines = solution_lines(_read(path))
        total += len(lines)
        found += [(path.name, ln) for ln in lines if re.sub(r"\s+", "", ln) in released]
    return total, found


def test_at_most_five_percent_of_solution_lines_are_dictated():
    total, found = dictated_lines()
    assert total >= 100, f"only {total} solution lines: the measure has nothing to measure"
    shown = "\n".join(f"  {name}: {line}" for name, line in found)
    assert len(found) <= DICTATION_LIMIT * total, (
        f"{len(found)} of {total} solution lines appear verbatim in released notebooks:\n{shown}"
    )


def test_the_measure_catches_dictation():
    """A solution line copied into the prose is found, whatever its spacing."""
    nb = nbformat.v4.new_notebook()
    code = "def f(x):\n    ### BEGIN SOLUTION\n    y = np.cumsum(x, axis=0)\n    ### END SOLUTION\n"
    cell = nbformat.v4.new_code_cell(code)
    cell.metadata["nbgrader"] = {"solution": True}
    nb.cells = [cell, nbformat.v4.new_markdown_cell("Write `y = np.cumsum( x, axis = 0 )`.")]
    (line,) = solution_lines(nb)
    prose = re.sub(r"\s+", "", nb.cells[1].source)
    assert re.sub(r"\s+", "", line) in prose


# ------------------------------------------------------------------ reference names

_IMPORT = re.compile(
    r"from\s+cs_conv(?:\.\w+)*\s+import\s+\(?([\w\s,]+)|import\s+cs_conv\.(\w+)", re.M
)


@pytest.mark.parametrize("name", NAMES)
def test_released_notebook_names_no_reference_module(name):
    for cell in _released(name).cells:
        text = cell.source
        for ref in REFERENCE_NAMES:
            assert not re.search(re.escape(ref) + r"\b", text), f"{name} {cell.id}: {ref}"
        for m in _IMPORT.finditer(text):
            imported = {w.strip() for w in (m.group(1) or m.group(2) or "").split(",")}
            bad = imported & set(REFERENCE_MODULES)
            assert not bad, f"{name} {cell.id}: imports {bad} from cs_conv"
        assert not re.search(r"getattr\(\s*cs_conv\b", text), f"{name} {cell.id}"


def test_the_grep_catches_a_reference_import():
    text = "from cs_conv import naive, viz\n"
    (m,) = _IMPORT.finditer(text)
    assert {w.strip() for w in m.group(1).split(",")} & set(REFERENCE_MODULES) == {"naive"}


# ------------------------------------------------------------------ what the course contains


def _graded_specs(name: str) -> list[dict]:
    return [
        dict(c.metadata["cs_conv"], points=_nbgrader(c)["points"])
        for c in _read(ROOT / "notebooks" / name).cells
        if c.cell_type == "code" and _nbgrader(c).get("grade")
    ]


def test_a_graded_pooling_exercise():
    specs = _graded_specs("06_pooling.ipynb")
    found = {(s["checker"], s.get("stage")) for s in specs}
    assert {
        ("pool_forward", "loops"),
        ("pool_backward", "loops"),
        ("pool_forward", "im2col"),
        ("pool_backward", "im2col"),
    } <= found
    assert sum(s["points"] for s in specs) >= 6


def _written(nb) -> list:
    return [
        c
        for c in nb.cells
        if c.cell_type == "markdown" and _nbgrader(c).get("solution") and _nbgrader(c).get("grade")
    ]


def test_at_least_four_hand_graded_written_answers():
    answers = {name: _written(_read(ROOT / "notebooks" / name)) for name in NAMES}
    assert sum(len(a) for a in answers.values()) >= 4
    for name, cells in answers.items():
        released = {c.id: c for c in _written(_released(name))}
        for cell in cells:
            meta = _nbgrader(cell)
            assert meta["points"] > 0, cell.id
            assert not meta["locked"], cell.id
            assert not meta.get("task"), cell.id
            assert "### BEGIN SOLUTION" in cell.source, cell.id
            assert "Rubric" in cell.source, cell.id
            assert released[cell.id].source.strip() == "YOUR ANSWER HERE", (name, cell.id)


def test_bonuses_are_outside_the_maximum():
    """A bonus exercise has a check and no graded cell."""
    for name in NAMES:
        for cell in _read(ROOT / "notebooks" / name).cells:
            if _nbgrader(cell).get("grade") and cell.cell_type == "code":
                assert "bonus" not in cell.source.lower(), (name, cell.id)


def test_the_layers_work_on_bundled_real_data():
    """Notebook 7 trains the student's own layers (loaded from their notebooks) on scikit-learn's
    bundled digits and a photo from matplotlib's sample data, and is graded on the accuracy and
    the loss's sanity, by checkers that decide from returned arrays."""
    nb = _read(ROOT / "notebooks" / "07_layers_at_work.ipynb")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for notebook in ("02_im2col_loops", "03_im2col_fancy", "06_pooling"):
        assert re.search(rf'load_functions\(\s*"{notebook}\.ipynb"', text), notebook
    assert "digits_split()" in text
    assert 'get_sample_data("grace_hopper.jpg")' in text
    checkers = {s["checker"] for s in _graded_specs("07_layers_at_work.ipynb")}
    assert checkers == {"digits_accuracy", "loss_sanity"}
    for cell in nb.cells:  # no download anywhere
        assert not re.search(r"https?://|urlopen|fetch_openml|requests\.", cell.source), cell.id
