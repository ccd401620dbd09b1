"""The performance goals, checked against one run's records.

Each goal reads the medians of one run (one shape, dtype and thread count),
so a goal compares figures measured side by side.  Goals are judged on our
functions *as called* (a fresh output every call, default settings) against
a copy that allocates (``copy.alloc``); where our stage has an ``out=``
variant, the same measure into a reused buffer (against ``copy.cols``) is
reported beside it as ``reused``.  Goals are reported, never asserted: the
test suite has no timing asserts.
"""

from __future__ import annotations

__all__ = ["GOALS", "evaluate_goals"]

# (description, shapes, dtype, stage, kind, reference, op, target)
#   kind "ratio":   seconds(stage) / seconds(copy.alloc)     op "<="
#   kind "speedup": seconds(reference) / seconds(stage)      op ">="
#   kind "vs":      seconds(stage) / seconds(reference)      op "<="
#   kind "seconds": seconds(stage)                           op "<="
GOALS = [
    ("im2col <= 1.3x a copy", ("a", "b"), "float64", "im2col.cython", "ratio", None, 1.3),
    ("im2col <= 3x a copy", ("c",), "float64", "im2col.cython", "ratio", None, 3.0),
    (
        "im2col >= 1.5x faster than textbook Cython",
        ("a", "b", "c"),
        "float64",
        "im2col.cython",
        "speedup",
        "im2col.textbook_cy",
        1.5,
    ),
    (
        "im2col >= 2x faster than torch unfold",
        ("a", "b", "c"),
        "float64",
        "im2col.cython",
        "speedup",
        "im2col.torch_unfold",
        2.0,
    ),
    (
        "im2col never slower than sliding_window_view + copy",
        ("a", "b", "c", "d"),
        "float64",
        "im2col.cython",
        "speedup",
        "im2col.sliding_window",
        1.0,
    ),
    ("col2im <= 2.2x a copy", ("a", "b", "c"), "float64", "col2im.cython", "ratio", None, 2.2),
    (
        "col2im >= 5x faster than np.add.at",
        ("a", "b", "c"),
        "float64",
        "col2im.cython",
        "speedup",
        "col2im.add_at",
        5.0,
    ),
    (
        "col2im >= 2x faster than torch fold",
        ("a", "b", "c"),
        "float64",
        "col2im.cython",
        "speedup",
        "col2im.torch_fold",
        2.0,
    ),
    (
        "forward <= 0.6x torch conv2d (float64)",
        ("a", "b", "c"),
        "float64",
        "forward.cython",
        "vs",
        "forward.torch_conv2d",
        0.6,
    ),
    (
        "forward+backward <= 1.0x torch (float64)",
        ("a", "b", "c"),
        "float64",
        "fwd_bwd.cython",
        "vs",
        "fwd_bwd.torch_conv2d",
        1.0,
    ),
    (
        "forward <= 1.3x torch conv2d (float32)",
        ("a", "b", "c"),
        "float32",
        "forward.cython",
        "vs",
        "forward.torch_conv2d",
        1.3,
    ),
    (
        "forward+backward <= 1.3x torch (float32)",
        ("a", "b", "c"),
        "float32",
        "fwd_bwd.cython",
        "vs",
        "fwd_bwd.torch_conv2d",
        1.3,
    ),
    (
        "naive -> Cython layer >= 1000x",
        ("a",),
        "float64",
        "forward.cython",
        "speedup",
        "forward.naive",
        1000.0,
    ),
    ("call overhead <= 10 us: im2col", ("d",), "float64", "im2col.cython", "seconds", None, 10e-6),
    ("call overhead <= 10 us: col2im", ("d",), "float64", "col2im.cython", "seconds", None, 10e-6),
    (
        "call overhead <= 10 us: conv_forward",
        ("d",),
        "float64",
        "forward.cython",
        "seconds",
        None,
        10e-6,
    ),
]


def _measure(index, shape, stage, dtype, threads, kind, ref, ratio_key):
    """The goal's figure from one record (and its reference), or None if not run."""
    rec = index.get((shape, stage, dtype, threads))
    if rec is None:
        return None
    if kind == "ratio":
        return rec[ratio_key]
    if kind == "seconds":
        return rec["seconds"]
    other = index.get((shape, ref, dtype, threads))
    if other is None:
        return None
    if kind == "speedup":
        return other["seconds"] / rec["seconds"]
    return rec["seconds"] / other["seconds"]


def evaluate_goals(records, threads=1) -> list:
    """Check every goal that the records can decide.

    Parameters
    ----------
    records : list of dict
        From :func:`cs_conv.bench.run.run_benchmark`.
    threads : int
        The thread count the goals are stated for.

    Returns
    -------
    list of dict
        ``{"goal", "shape", "dtype", "threads", "measured", "target", "op", "met"}``,
        plus ``"reused"``: the same measure of our ``*_out`` stage into a reused
        buffer (ratios against ``copy.cols``), where the run has one.

    Examples
    --------
    >>> recs = [{"shape": "d", "stage": "im2col.cython", "dtype": "float64",
    ...          "threads": 1, "seconds": 4e-6, "ratio": 9.0}]
    >>> [(g["goal"], g["met"]) for g in evaluate_goals(recs)]
    [('call overhead <= 10 us: im2col', True)]
    """
    index = {(r["shape"], r["stage"], r["dtype"], r["threads"]): r for r in records}
    out = []
    for desc, shapes, dtype, stage, kind, ref, target in GOALS:
        op = ">=" if kind == "speedup" else "<="
        for shape in shapes:
            measured = _measure(index, shape, stage, dtype, threads, kind, ref, "ratio")
            if measured is None:
                continue
            goal = {
                "goal": desc,
                "shape": shape,
                "dtype": dtype,
                "threads": threads,
                "measured": measured,
                "target": target,
                "op": op,
                "met": bool(measured <= target if op == "<=" else measured >= target),
            }
            if kind != "seconds":
                reused = _measure(
                    index, shape, stage + "_out", dtype, threads, kind, ref, "ratio_reused"
                )
                if reused is not None:
                    goal["reused"] = reused
            out.append(goal)
    return out
