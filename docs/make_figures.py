"""Regenerate the example figures in docs/img/.

Run from the repository root: ``python docs/make_figures.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cs_conv.im2col_fancy import im2col
from cs_conv.viz import plot_benchmark, plot_col2im_overlap, plot_im2col, plot_mismatch

OUT = Path(__file__).resolve().parent / "img"


def _mismatch_example():
    """A conv output with two typical bugs: one output row never written, one entry off."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 6))
    expected = np.einsum("fk,kl->fl", rng.standard_normal((4, 27)), im2col(x, 3, 3, 1, 1))
    out = expected.reshape(4, 2, 6, 6).transpose(1, 0, 2, 3)
    got = out.copy()
    got[:, 2, 0, :] = 0.0  # first output row of filter 2 not written
    got[1, 1, 3, 4] += 0.05  # one entry slightly off
    return out, got


def _benchmark_example():
    """Made-up ratios, for illustration only."""
    results = []
    for shape, scale in (
        ("(8, 3, 32, 32), 3x3, s1 p1", 1.0),
        ("(64, 3, 32, 32), 3x3, s1 p1", 1.25),
        ("(16, 64, 16, 16), 3x3, s2 p1", 0.8),
    ):
        for stage, ratio in (("naive", 2400.0), ("loops", 310.0), ("fancy", 7.5), ("cython", 1.7)):
            results.append({"shape": shape, "stage": stage, "ratio": ratio * scale})
    return results


def main() -> None:
    OUT.mkdir(exist_ok=True)
    expected, got = _mismatch_example()
    figures = {
        "im2col.png": plot_im2col((1, 2, 5, 8), 3, 2, stride=2, pad=1),
        # the shape of the viz issue: stride 2 does not tile W + 2*pad - WW = 7
        "im2col_untiled.png": plot_im2col((1, 2, 5, 7), 3, 2, stride=2, pad=1),
        "col2im_overlap.png": plot_col2im_overlap((1, 1, 5, 7), 3, 3, stride=2, pad=1),
        "mismatch.png": plot_mismatch(expected, got),
        "benchmark.png": plot_benchmark(
            _benchmark_example(),
            title="Stage time / memory-copy time: EXAMPLE DATA (made-up numbers)",
        ),
    }
    for name, fig in figures.items():
        fig.savefig(OUT / name, dpi=110 if name.startswith("im2col") else 90)
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
