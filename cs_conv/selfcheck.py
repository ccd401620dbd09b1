"""Run every stage on one random non-square, strided, padded case and compare."""

from __future__ import annotations

import numpy as np

from . import im2col_cython, im2col_fancy, im2col_loops, layers, naive
from .gradcheck import rel_error

__all__ = ["run"]


def run(seed: int = 0, *, tol: float = 1e-10, out=print) -> int:
    """Print the largest disagreement between stages; return 0 if all agree."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 7, 10))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    param = {"stride": 2, "pad": (1, 2)}
    dout = rng.standard_normal((2, 4, 4, 7))
    ref_out, ref_cache = naive.conv_forward(x, w, b, param)
    ref_grads = naive.conv_backward(dout, ref_cache)
    out(f"x {x.shape}, w {w.shape}, stride {param['stride']}, pad {param['pad']}")
    worst = 0.0
    for name in ("loops", "fancy", "cython"):
        o, cache = layers.conv_forward(x, w, b, param, backend=name)
        grads = layers.conv_backward(dout, cache)
        errs = [rel_error(o, ref_out)] + [
            rel_error(a, r) for a, r in zip(grads, ref_grads, strict=True)
        ]
        worst = max(worst, *errs)
        out(
            f"  layers[{name:6s}] vs naive: out {errs[0]:.1e}  dx {errs[1]:.1e}  "
            f"dw {errs[2]:.1e}  db {errs[3]:.1e}"
        )
    c = [m.im2col(x, 3, 2, 2, (1, 2)) for m in (im2col_loops, im2col_fancy, im2col_cython)]
    e = max(rel_error(c[0], c[1]), rel_error(c[0], c[2]))
    worst = max(worst, e)
    out(f"  im2col loops/fancy/cython agree to {e:.1e}")
    ok = worst <= tol
    out("all stages agree" if ok else f"STAGES DISAGREE (worst {worst:.1e})")
    return 0 if ok else 1


def register(subparsers) -> None:
    """Add ``cs-conv selfcheck``."""
    p = subparsers.add_parser("selfcheck", help="run every stage on one case and compare them")
    p.add_argument("--seed", type=int, default=0, help="seed of the random case")
    p.set_defaults(func=lambda args: run(seed=args.seed))
