"""``cs-conv bench``: time every stage and every peer, report ratios."""

from __future__ import annotations

import json
import math
import sys

__all__ = ["main", "register"]


def register(subparsers) -> None:
    """Add ``cs-conv bench`` to the ``cs-conv`` command."""
    p = subparsers.add_parser(
        "bench",
        help="time every stage against its peers and the memory-copy roofline",
        description=(
            "Time im2col, col2im and the conv layer against the peers (textbook Cython, "
            "CS231n fancy indexing, sliding_window_view, torch) and a np.copyto of the "
            "same bytes, interleaved in one run; report medians and ratios."
        ),
    )
    p.add_argument(
        "--shapes",
        nargs="+",
        default=["a", "b", "c", "d"],
        metavar="SHAPE",
        help="a b c d (the course's), t1 t2 (tiny), or N,C,H,W:F,HH,WW:stride:pad",
    )
    p.add_argument("--threads", nargs="+", type=int, default=[1], choices=[1, 2])
    p.add_argument(
        "--dtype", nargs="+", default=["float64", "float32"], choices=["float64", "float32"]
    )
    p.add_argument("--repeats", type=int, default=5, help="interleaved rounds (medians)")
    p.add_argument("--min-sample", type=float, default=0.005, help="seconds per sample")
    p.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="elapsed time (default), or the process's CPU time: on a shared machine it "
        "leaves out time spent waiting for a core (one thread only)",
    )
    p.add_argument("--no-torch", action="store_true", help="leave out the torch peers")
    p.add_argument("--json", metavar="FILE", help="write every record as JSON")
    p.add_argument("--plot", metavar="FILE", help="write a PNG of the ratios")
    p.add_argument("--markdown", metavar="FILE", help="write the tables as Markdown")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=main)


def _finite(obj):
    """JSON cannot hold inf/nan: replace them by None (and say so in the record)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def main(args) -> int:
    """Run the benchmark for parsed ``args``; print the Markdown tables."""
    from .report import markdown, plot
    from .run import run_benchmark
    from .shapes import parse_shape

    try:
        shapes = [parse_shape(s) for s in args.shapes]
        if args.clock == "cpu" and max(args.threads) > 1:
            raise ValueError("--clock cpu adds up every thread's time: use it with --threads 1")
    except ValueError as exc:
        print(f"cs-conv bench: {exc}", file=sys.stderr)
        return 2
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        result = run_benchmark(
            shapes,
            dtypes=args.dtype,
            threads=args.threads,
            repeats=args.repeats,
            min_sample=args.min_sample,
            clock=args.clock,
            torch_ok=not args.no_torch,
            log=log,
        )
    except ValueError as exc:  # a budget or an argument refused before anything ran
        print(f"cs-conv bench: {exc}", file=sys.stderr)
        return 2
    result["command"] = (
        "cs-conv bench " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["bench"] else None
    )
    text = markdown(result)
    print(text)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(_finite(result), fh, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(text + "\n")
    if args.plot:
        plot(result, args.plot, threads=args.threads[0], dtype=args.dtype[0])
    return 0
