"""Step: read notebooks — the graded tests of a source notebook, the cells of a
student's notebook to run, and which functions each cell defines.

The grader always uses the *source* notebook's graded test cells (matched by
nbgrader ``grade_id``): a student who deletes or edits one earns nothing by it.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = [
    "TestSpec",
    "cell_sources",
    "defined_functions",
    "file_hash",
    "graded_tests",
    "read",
    "student_cells",
    "to_python",
]

# a def or cpdef in a %%cython cell (cdef functions are not visible from Python)
_CYTHON_DEF = re.compile(r"^\s*c?p?def\s+(?:[\w\[\]\.,: ]+\s+)?(\w+)\s*\(", re.M)
_CYTHON_CDEF_ONLY = re.compile(r"^\s*cdef\s", re.M)


@dataclass(frozen=True)
class TestSpec:
    """One graded test cell of a source notebook."""

    grade_id: str
    points: float
    checker: str
    functions: dict  # checker argument -> name the notebook defines
    key: str
    stage: str | None = None
    source_hash: str = ""  # of the cell's visible part, to notice an edited copy
    kernel: str | None = None  # the %%cython kernel whose typing the test also judges
    manual: bool = False  # a written answer: graded by hand, listed with no points yet

    def to_dict(self):
        return asdict(self)


class Node(dict):
    """A notebook, cell or metadata dict whose keys read as attributes (as nbformat's)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value


def _node(value):
    if isinstance(value, dict):
        return Node({k: _node(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_node(v) for v in value]
    return value


def read(path):
    """A v4 notebook as nbformat would read it (sources joined, attribute access), read
    with the standard library: importing nbformat (and jsonschema) costs the grader
    seconds at every start.  Older formats go through nbformat's converter."""
    import json

    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        import nbformat

        return nbformat.read(str(path), as_version=4)
    if not isinstance(raw.get("cells"), list):
        raise ValueError(f"{path}: a notebook without a list of cells")
    for cell in raw["cells"]:
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise ValueError(f"{path}: a malformed cell")
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(map(str, cell["source"]))
        cell.setdefault("source", "")
        cell.setdefault("metadata", {})
        if not isinstance(cell["source"], str) or not isinstance(cell["metadata"], dict):
            raise ValueError(f"{path}: a malformed cell")
    raw.setdefault("metadata", {})
    return _node(raw)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_hash(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def graded_tests(nb) -> list[TestSpec]:
    """The graded cells, in order: the autograded test cells (with ``cs_conv``
    metadata) and the manually graded answers (``manual``, e.g. written questions)."""
    tests = []
    for cell in nb.cells:
        grader = cell.metadata.get("nbgrader", {})
        meta = cell.metadata.get("cs_conv")
        if grader.get("grade") and grader.get("solution"):
            points = float(grader.get("points", 0))
            tests.append(TestSpec(str(grader["grade_id"]), points, "", {}, "", manual=True))
            continue
        if cell.cell_type != "code" or not grader.get("grade"):
            continue
        if not meta:
            raise ValueError(
                f"graded cell {grader.get('grade_id')!r} has no cs_conv metadata "
                "(see docs/CONTRACTS.md)"
            )
        tests.append(
            TestSpec(
                grade_id=str(grader["grade_id"]),
                points=float(grader.get("points", 0)),
                checker=str(meta["checker"]),
                functions={str(k): str(v) for k, v in meta["functions"].items()},
                key=str(meta["key"]),
                stage=meta.get("stage"),
                source_hash=_visible_part(cell.source),
                kernel=meta.get("kernel"),
            )
        )
    return tests


def cell_sources(nb) -> set[str]:
    """The code cells' sources, stripped (to tell instructor code from answers)."""
    return {c.source.strip() for c in nb.cells if c.cell_type == "code"}


def student_cells(nb, tests) -> tuple[list[dict], dict]:
    """The code cells to run and what happened to the graded test cells.

    Returns ``(cells, found)``: ``cells`` is ``[{"index", "source"}]`` — every
    code cell except graded test cells (the source's ids, and any cell the
    student marked as graded) — and ``found`` maps each test's grade_id to
    ``"present"``, ``"edited"`` or ``"missing"`` (a written answer: ``"answered"``,
    ``"unanswered"`` or ``"missing"``).
    """
    ids = {t.grade_id: t for t in tests}
    found = dict.fromkeys(ids, "missing")
    cells = []
    for i, cell in enumerate(nb.cells):
        grader = cell.metadata.get("nbgrader", {})
        gid = grader.get("grade_id")
        if gid in ids and ids[gid].manual:
            found[gid] = "unanswered" if _unanswered(cell.source) else "answered"
            if cell.cell_type == "code":
                cells.append({"index": i, "source": cell.source})
            continue
        if cell.cell_type != "code":
            continue
        if gid in ids:
            # the released copy has its hidden tests stripped; compare the visible part
            same = _visible_part(cell.source) == ids[gid].source_hash
            found[gid] = "present" if same else "edited"
            continue
        if grader.get("grade") and not grader.get("solution"):
            continue  # a graded cell the source does not know: never run
        cells.append({"index": i, "source": cell.source})
    return cells, found


_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)


def _unanswered(source: str) -> bool:
    """A written answer left as released (nbgrader's placeholder) or empty."""
    text = source.strip()
    return not text or text in ("YOUR ANSWER HERE", "# YOUR CODE HERE\nraise NotImplementedError()")


def _visible_part(source: str) -> str:
    return _hash(_HIDDEN.sub("", source).strip())


@functools.lru_cache(maxsize=4096)  # the same cells recur in every submission
def to_python(source: str) -> str:
    """The Python that IPython would run (magics become calls); ``""`` if unparsable."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:
        return ""


@functools.lru_cache(maxsize=4096)  # the same cells recur in every submission
def defined_functions(source: str) -> set[str]:
    """Names a cell defines at top level (``def``, ``class``, assignments),
    or the ``def``/``cpdef`` functions of a ``%%cython`` cell."""
    text = source.lstrip()
    if text.startswith("%%cython"):
        body = text.split("\n", 1)[1] if "\n" in text else ""
        return set(_CYTHON_DEF.findall(body))
    if text.startswith("%%"):
        return set()
    try:
        tree = ast.parse(to_python(source))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    names.add(t.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            for a in node.names:
                names.add((a.asname or a.name).split(".")[0])
    return names


def _top_level_defs(tree) -> set[str]:
    """Names bound at top level (not inside function or class bodies)."""
    names = set()
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _names(tree) -> tuple[set[str], set[str]]:
    loads, bound = set(), set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            (loads if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
    # a name bound anywhere in the code (argument, local) is taken as not global
    return _top_level_defs(tree), loads - bound


@functools.lru_cache(maxsize=4096)  # the same cells recur in every submission
def cell_names(source: str) -> tuple[set[str], set[str]]:
    """``(defined, used)`` names of a cell; ``used`` includes names read inside
    function bodies (a function reading a global needs the cell defining it)."""
    text = source.lstrip()
    if text.startswith("%%"):
        return defined_functions(source), set()
    try:
        tree = ast.parse(to_python(source))
    except SyntaxError:
        return set(), set()
    return _names(tree)


@functools.lru_cache(maxsize=4096)  # the same cells recur in every submission
def statements(source: str) -> list[tuple[set[str], set[str], str]]:
    """``(defined, used, code)`` of each top-level statement of a cell (a
    ``%%`` cell, or one that does not parse, is one statement)."""
    text = source.lstrip()
    python = "" if text.startswith("%%") else to_python(source)
    try:
        tree = ast.parse(python) if python else None
    except SyntaxError:
        tree = None
    if tree is None:
        return [(*cell_names(source), source)]
    out = []
    for node in tree.body:
        module = ast.Module(body=[node], type_ignores=[])
        out.append((*_names(module), ast.get_source_segment(python, node) or ""))
    return out


def reached_statements(cells, needed) -> list[tuple[dict, str, bool]]:
    """``(cell, code, reached)`` for every top-level statement of ``cells``.

    A statement is reached when it binds a name in ``needed`` (the graded
    functions), or a name a reached statement reads, to a fixed point.  A
    statement that binds nothing (a call, a print, a comparison in a scratch
    cell) is never reached: it cannot change what a graded function computes
    except through side effects, which the worker's watch and fingerprint see.
    """
    info = [(c, *st) for c in cells for st in statements(c["source"])]
    needed, reached = set(needed), set()
    changed = True
    while changed:
        changed = False
        for k, (_, defs, used, _) in enumerate(info):
            if k not in reached and defs & needed:
                reached.add(k)
                needed |= used
                changed = True
    return [(c, code, k in reached) for k, (c, _, _, code) in enumerate(info)]


def prune_instructor_cells(cells, instructor_sources, needed) -> tuple[list, list]:
    """``(kept, skipped)``: drop instructor cells whose results nothing needs.

    A cell identical to one of the released notebook is instructor code.  It is
    kept when it defines a name that is needed: a graded function, a name any
    student-written cell uses (also inside function bodies), or a name a kept
    instructor cell uses, to a fixed point.  Every student-written cell is kept.
    Figures, benchmarks, visible checks and demonstrations of mistakes are
    thereby not run: they cannot change what the graded functions return.
    """
    info = []
    needed = set(needed)
    for c in cells:
        defs, used = cell_names(c["source"])
        mine = c["source"].strip() not in instructor_sources
        info.append((c, defs, used, mine))
        if mine:
            needed |= used | defs
    keep = {id(c) for c, _, _, mine in info if mine}
    changed = True
    while changed:
        changed = False
        for c, defs, used, _ in info:
            if id(c) not in keep and defs & needed:
                keep.add(id(c))
                needed |= used
                changed = True
    kept = [c for c in cells if id(c) in keep]
    skipped = [c["index"] for c in cells if id(c) not in keep]
    return kept, skipped
