"""Execute one notebook top to bottom in a fresh kernel and write the result (the runner of
the notebook tests, started as ``python run_notebook.py IN OUT`` in its own process).

What ``jupyter nbconvert --execute --allow-errors`` does, from the notebook's own folder,
with one difference: a cell that shows an ipywidget gets a short timeout.  After such a
cell nbclient can miss the kernel's reply and wait for the whole cell timeout before it
reads it (jupyter/nbclient#312, open); the reply is there all along, so the cell still
completes, only late.  CI saw 300 s lost that way on ``explore_im2col``.  Every other cell
keeps the long timeout (a cold ``%%cython`` compile takes tens of seconds).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CELL_TIMEOUT = 300
WIDGET_CELL_TIMEOUT = 30
WIDGET_CALLS = ("explore_im2col(", "interact(", "interactive(")


def cell_timeout(cell) -> int:
    """Seconds nbclient waits for a cell's reply."""
    source = cell.get("source", "")
    return WIDGET_CELL_TIMEOUT if any(call in source for call in WIDGET_CALLS) else CELL_TIMEOUT


def main(src: str, dst: str) -> int:
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        timeout_func=cell_timeout,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(src).resolve().parent)}},
    )
    client.execute()
    nbformat.write(nb, dst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
