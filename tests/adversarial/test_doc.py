"""docs/security.md shows the adversarial corpus as it is (fast: no grading).

The table is rendered from ``corpus.EXPECT``; ``test_corpus.py`` grades the
class and asserts each row, so the page states what the tests show.
"""

from __future__ import annotations

from pathlib import Path

from . import corpus

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
START, END = "<!-- attack-table -->\n", "<!-- /attack-table -->"


def test_every_student_is_described():
    assert set(corpus.ATTACK) == set(corpus.EXPECT)


def test_security_doc_has_the_corpus_table():
    text = DOC.read_text()
    assert START in text, f"docs/security.md needs the markers {START.strip()} … {END}"
    table = text.split(START, 1)[1].split(END, 1)[0]
    assert table == corpus.markdown_table(), (
        "docs/security.md's attack table is stale; paste corpus.markdown_table() between the "
        "markers"
    )
