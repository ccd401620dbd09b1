"""Build the sample class: ``submitted/<student>/cs_conv/*.ipynb``.

Every student starts from the released notebooks (``autograder.release``).
``full_marks`` fills each answer cell with the source notebook's solution;
the others take full marks' answers and apply the sections of
``answers/<student>.txt``:

``# %% <notebook> replace <name>``  replace the answer cell that defines ``name``
``# %% <notebook> append``          add a code cell at the end of the notebook
``# %% <notebook> delete <grade_id>``  delete that (test) cell

``stub_only`` is the released notebooks untouched.  Run it again whenever
the notebooks change::

    python -m autograder.sample_class.make_sample_class
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ASSIGNMENT = "cs_conv"
_SECTION = re.compile(r"^# %% (\S+) (replace|append|delete)\s*(\S*)\s*$", re.M)


def solution_text(source: str) -> str:
    lines = [ln for ln in source.splitlines() if "### BEGIN SOLUTION" not in ln]
    return "\n".join(ln for ln in lines if "### END SOLUTION" not in ln)


def sections(path: Path):
    text = path.read_text()
    found = list(_SECTION.finditer(text))
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(text)
        yield m.group(1), m.group(2), m.group(3), text[m.end() : end].strip("\n") + "\n"


def _answer_cell(nb, name):
    from autograder.notebook import defined_functions

    for cell in nb.cells:
        grader = cell.metadata.get("nbgrader", {})
        solution = cell.cell_type == "code" and grader.get("solution")
        if solution and name in defined_functions(cell.source):
            return cell
    raise KeyError(f"no answer cell defines {name!r}")


def released_and_solved(source_dir: Path) -> tuple[dict, dict]:
    """``(released, full)``: the student versions of the graded notebooks, untouched and
    with every answer cell holding the source's solution (by notebook stem)."""
    from autograder.notebook import graded_tests
    from autograder.release import source_notebooks, student_version

    sources = {p.stem: nbformat.read(str(p), as_version=4) for p in source_notebooks(source_dir)}
    sources = {k: v for k, v in sources.items() if graded_tests(v)}
    released = {k: student_version(v) for k, v in sources.items()}
    full = {}
    for stem, nb in released.items():
        nb = nbformat.from_dict(nb)
        src_by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in sources[stem].cells}
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and gid in src_by_id:
                cell.source = solution_text(src_by_id[gid].source)
        full[stem] = nb
    return released, full


def write_student(out_dir: Path, student: str, nbs: dict) -> None:
    """``out_dir/<student>/cs_conv/<notebook>.ipynb``, with stable cell ids."""
    folder = out_dir / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for stem, nb in sorted(nbs.items()):
        for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes nothing
            cell["id"] = f"{stem[:2]}-{i:03d}"
        nbformat.write(nb, str(folder / f"{stem}.ipynb"))


def build(source_dir: Path, out_dir: Path) -> list[str]:
    released, full = released_and_solved(source_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    students = {"full_marks": full, "stub_only": released}
    for path in sorted((HERE / "answers").glob("*.txt")):
        nbs = {k: nbformat.from_dict(v) for k, v in full.items()}
        for stem, op, arg, body in sections(path):
            nb = nbs[stem]
            if op == "replace":
                _answer_cell(nb, arg).source = body.rstrip("\n")
            elif op == "append":
                nb.cells.append(nbformat.v4.new_code_cell(body.rstrip("\n")))
            else:
                nb.cells = [
                    c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != arg
                ]
        students[path.stem] = nbs
    for student, nbs in sorted(students.items()):
        write_student(out_dir, student, nbs)
    (out_dir / "ruff.toml").write_text(RUFF_TOML)
    return sorted(students)


# the sample class holds deliberately broken student code: the linter skips it
RUFF_TOML = 'extend = "../../../pyproject.toml"\nextend-exclude = ["*"]\n'


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    root = Path(__file__).resolve().parents[2]
    source = Path(argv[0]) if argv else root / "notebooks"
    names = build(source, HERE / "submitted")
    print(f"wrote {len(names)} students to {HERE / 'submitted'}: {', '.join(names)}")


if __name__ == "__main__":
    main()
