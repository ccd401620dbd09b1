"""The grade store — one writer, atomic files, resumable, exportable.

**Choice.** The store is a folder of JSON files, ``results/<student>/<assignment>/
<notebook>.json``, one per graded notebook, each written atomically (temporary
file + ``os.replace``) by the grading process alone, under an exclusive
``fcntl`` lock on ``<out>/.grader.lock`` (a second grader on the same folder
refuses clearly).  Why not nbgrader's SQLite gradebook directly: a JSON file
per notebook is written the moment it is graded, so a killed grader loses
nothing finished and a rerun skips what is done (by the submission's hash);
it needs no schema for our extra fields (mistake codes, statuses, integrity
flags, timings) and diffs cleanly.  :func:`export_gradebook` writes the same
grades into an nbgrader gradebook (``gradebook.db``) for instructors who use
nbgrader's formgrader and ``nbgrader export``.

Everything else (``grades.csv``, ``grades_nbgrader.csv``, ``results.json``) is
derived from the store, sorted, so the same submissions give the same files.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import warnings
from pathlib import Path

from .files import TMP_PREFIX, atomic_write, safe_name

__all__ = ["GradeStore", "StoreLocked"]

GRADES_COLUMNS = (
    "student",
    "assignment",
    "notebook",
    "test_id",
    "status",
    "points",
    "max_points",
    "mistakes",
)
NBGRADER_COLUMNS = (
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
)


class StoreLocked(RuntimeError):
    pass


def _fmt(x: float) -> str:
    return f"{float(x):g}"


class GradeStore:
    def __init__(self, out_dir):
        self.out = Path(out_dir)
        self.results = self.out / "results"
        self._lock_fh = None

    # -- the single writer -------------------------------------------------
    def lock(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        fh = open(self.out / ".grader.lock", "w")  # noqa: SIM115  (held until unlock)
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise StoreLocked(
                f"another cs-conv grader is writing to {self.out}; wait for it or use another --out"
            ) from None
        fh.write(str(os.getpid()))
        fh.flush()
        self._lock_fh = fh
        # temporary files of a writer killed between write and rename: with the
        # lock held nobody else is writing, so they are debris, never grades
        for stale in self.results.glob(f"*/*/{TMP_PREFIX}*"):
            stale.unlink(missing_ok=True)

    def unlock(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def __enter__(self):
        self.lock()
        return self

    def __exit__(self, *exc):
        self.unlock()

    def path(self, student, assignment, notebook) -> Path:
        folder = self.results / safe_name(student) / safe_name(assignment)
        return folder / f"{safe_name(notebook)}.json"

    def done(self, student, assignment, notebook, submission_hash) -> bool:
        p = self.path(student, assignment, notebook)
        try:
            return json.loads(p.read_text()).get("submission_hash") == submission_hash
        except (OSError, ValueError):
            return False

    def write(self, record: dict) -> Path:
        if self._lock_fh is None:
            raise RuntimeError("GradeStore.write needs the lock (use `with store:`)")
        p = self.path(record["student"], record["assignment"], record["notebook"])
        atomic_write(p, json.dumps(record, indent=1, sort_keys=True, default=str))
        return p

    # -- readers -------------------------------------------------------------
    def records(self) -> list[dict]:
        out = []
        for p in sorted(self.results.glob("*/*/*.json")):
            if p.name.startswith(TMP_PREFIX):
                continue  # not renamed into place: not a grade
            try:
                out.append(json.loads(p.read_text()))
            except (OSError, ValueError):
                continue
        out.sort(key=lambda r: (r["student"], r["assignment"], r["notebook"]))
        return out

    # -- exports (deterministic) ------------------------------------------
    def export(self, test_order: dict | None = None, max_scores: dict | None = None) -> dict:
        """Write ``grades.csv``, ``grades_nbgrader.csv``; return the paths."""
        records = self.records()
        rows = []
        for rec in records:
            tests = rec["tests"]
            order = (test_order or {}).get(rec["notebook"])
            if order:
                tests = sorted(tests, key=lambda t: order.get(t["test_id"], len(order)))
            for t in tests:
                rows.append(
                    [
                        rec["student"],
                        rec["assignment"],
                        rec["notebook"],
                        t["test_id"],
                        t["status"],
                        _fmt(t["points"]),
                        _fmt(t["max_points"]),
                        ";".join(t.get("mistakes") or []),
                    ]
                )
        grades = self.out / "grades.csv"
        atomic_write(grades, _csv([GRADES_COLUMNS, *rows]))

        totals: dict[tuple, dict] = {}
        for rec in records:
            key = (rec["assignment"], rec["student"])
            tot = totals.setdefault(key, {"score": 0.0, "timestamp": rec.get("timestamp", "")})
            tot["score"] += sum(float(t["points"]) for t in rec["tests"])
        nb_rows = []
        for (assignment, student), tot in sorted(totals.items()):
            max_score = (max_scores or {}).get(assignment)
            if max_score is None:
                max_score = max(
                    sum(float(t["max_points"]) for t in r["tests"])
                    for r in records
                    if r["assignment"] == assignment
                )
            score = _fmt(tot["score"])
            row = [assignment, "", tot["timestamp"], student, "", "", "", score, "0", score]
            nb_rows.append([*row, _fmt(max_score)])
        totals_path = self.out / "grades_nbgrader.csv"
        atomic_write(totals_path, _csv([NBGRADER_COLUMNS, *nb_rows]))
        return {"grades": grades, "totals": totals_path}


def _csv(rows) -> str:
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def export_gradebook(store: GradeStore, db_path, sources: dict) -> Path:
    """Write the store's grades into an nbgrader gradebook (SQLite).

    ``sources`` maps notebook name to its list of :class:`TestSpec`; every
    assignment, notebook, graded cell, student and submission is created as
    nbgrader's ``autograde`` would, and each grade's ``auto_score`` set.
    """
    import sys

    from nbgrader.api import Gradebook

    # nbgrader runs the `alembic` script of its environment, which may not be on PATH
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    db_path = Path(db_path).resolve()
    records = store.records()
    with Gradebook(f"sqlite:///{db_path}") as gb:
        for assignment in sorted({r["assignment"] for r in records}):
            gb.update_or_create_assignment(assignment)
            for nb_name, tests in sorted(sources.items()):
                gb.update_or_create_notebook(nb_name, assignment)
                for t in tests:
                    kind = "markdown" if getattr(t, "manual", False) else "code"
                    gb.update_or_create_grade_cell(
                        t.grade_id, nb_name, assignment, max_score=t.points, cell_type=kind
                    )
        for student in sorted({r["student"] for r in records}):
            gb.update_or_create_student(student)
        for rec in records:
            try:
                gb.find_submission(rec["assignment"], rec["student"])
            except Exception:
                with warnings.catch_warnings():  # nbgrader's own session use warns
                    warnings.simplefilter("ignore")
                    gb.add_submission(rec["assignment"], rec["student"])
            for t in rec["tests"]:
                if t["status"] == "manual":
                    continue  # left for the formgrader: nbgrader's needs_manual_grade
                try:
                    grade = gb.find_grade(
                        t["test_id"], rec["notebook"], rec["assignment"], rec["student"]
                    )
                except Exception:
                    continue
                grade.auto_score = float(t["points"])
            gb.db.commit()
    return db_path
