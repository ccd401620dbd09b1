"""Smoke test of ``cs-conv bench``: tiny shapes, complete JSON, finite ratios.

No timing is asserted: only that every contender ran, agreed with ours (the
benchmark checks that itself before timing) and produced a finite figure.
"""

from __future__ import annotations

import json
import math

import pytest

from cs_conv.bench import GOALS, TINY, evaluate_goals, parse_shape
from cs_conv.bench.timing import interleaved
from cs_conv.cli import main

EXPECTED = {
    "copy.alloc",
    "copy.cols",
    "copy.x",
    "im2col.cython",
    "im2col.cython_out",
    "im2col.textbook_cy",
    "im2col.fancy",
    "im2col.sliding_window",
    "im2col.loops",
    "col2im.cython",
    "col2im.cython_out",
    "col2im.textbook_cy",
    "col2im.add_at",
    "col2im.loops",
    "forward.cython",
    "forward.fancy",
    "forward.loops",
    "forward.naive",
    "fwd_bwd.cython",
}
TORCH = {"im2col.torch_unfold", "col2im.torch_fold", "forward.torch_conv2d", "fwd_bwd.torch_conv2d"}


def _finite_numbers(obj):
    if isinstance(obj, bool):
        return
    if isinstance(obj, (int, float)):
        assert math.isfinite(obj), obj
    elif isinstance(obj, dict):
        for v in obj.values():
            _finite_numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            _finite_numbers(v)
    else:
        assert obj is None or isinstance(obj, str), obj


@pytest.fixture(scope="module")
def bench_json(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    path = out / "bench.json"
    argv = ["bench", "--shapes", "t1", "t2", "--dtype", "float64", "float32"]
    argv += ["--threads", "1", "2", "--repeats", "2", "--min-sample", "0.0005"]
    argv += ["--quiet", "--json", str(path), "--markdown", str(out / "bench.md")]
    assert main(argv) == 0
    return json.loads(path.read_text()), out


def test_json_is_complete(bench_json):
    result, _ = bench_json
    expected = set(EXPECTED)
    if "torch" not in result["skipped"]:
        expected |= TORCH
    for shape in TINY:
        for dtype in ("float64", "float32"):
            for threads in (1, 2):
                got = {
                    r["stage"]
                    for r in result["records"]
                    if (r["shape"], r["dtype"], r["threads"]) == (shape, dtype, threads)
                }
                assert got == expected, (shape, dtype, threads, got ^ expected)
    for key in ("machine", "config", "records", "goals", "skipped"):
        assert key in result


def test_every_peer_agrees_with_ours(bench_json):
    result, _ = bench_json
    checked = [r for r in result["records"] if "agrees" in r]
    assert len(checked) > len(TINY) * 4 * 10
    assert all(r["agrees"] for r in checked), [r["stage"] for r in checked if not r["agrees"]]


def test_every_ratio_is_finite(bench_json):
    result, _ = bench_json
    _finite_numbers(result["records"])
    for r in result["records"]:
        assert r["seconds"] > 0
        assert r["ratio"] > 0
        for label, speedup in r.get("speedup_vs", {}).items():
            assert label.split(".")[0] == r["group"]
            assert speedup > 0


def test_markdown_has_a_table_per_shape(bench_json):
    _, out = bench_json
    text = (out / "bench.md").read_text()
    for shape in TINY.values():
        assert shape.describe() in text
    assert "| **im2col.cython** |" in text
    assert "| t1 | float32 | col2im |" in text  # as called beside into a reused buffer
    assert "load average" in text


def test_goals_have_the_reused_buffer_column_where_there_is_one(bench_json):
    result, _ = bench_json
    t1 = [dict(r, shape="a") for r in result["records"] if r["shape"] == "t1"]
    recs = {(r["stage"], r["dtype"]): r for r in t1 if r["threads"] == 1}
    goals = {(g["goal"], g["dtype"]): g for g in evaluate_goals(t1)}
    g = goals[("im2col <= 1.3x a copy", "float64")]
    assert g["measured"] == recs[("im2col.cython", "float64")]["ratio"]
    assert g["reused"] == recs[("im2col.cython_out", "float64")]["ratio_reused"]
    g = goals[("col2im >= 5x faster than np.add.at", "float64")]
    add_at = recs[("col2im.add_at", "float64")]["seconds"]
    assert g["reused"] == add_at / recs[("col2im.cython_out", "float64")]["seconds"]
    assert "reused" not in goals[("naive -> Cython layer >= 1000x", "float64")]


def test_goals_are_evaluated_per_named_shape():
    recs = [
        {"shape": s, "stage": st, "dtype": "float64", "threads": 1, "seconds": t, "ratio": t}
        for s in ("a", "b")
        for st, t in (("im2col.cython", 1.0), ("im2col.textbook_cy", 3.0))
    ]
    goals = {(g["goal"], g["shape"]): g for g in evaluate_goals(recs)}
    g = goals[("im2col >= 1.5x faster than textbook Cython", "b")]
    assert g["met"]
    assert g["measured"] == pytest.approx(3.0)
    assert goals[("im2col <= 1.3x a copy", "a")]["met"]  # ratio 1.0
    assert all(len(goal) == 7 for goal in GOALS)


def test_parse_shape():
    s = parse_shape("2,3,9,9:4,3,3:2:1")
    assert (s.x_shape, s.w_shape, s.stride, s.pad) == ((2, 3, 9, 9), (4, 3, 3, 3), 2, 1)
    with pytest.raises(ValueError, match="neither"):
        parse_shape("2,3,9:4")
    with pytest.raises(ValueError, match="neither"):
        parse_shape("2,3,8,8:4,3,3:2:0")  # stride 2 does not tile


def test_interleaved_rotates_and_counts():
    calls = []
    r = interleaved(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
        repeats=4,
        min_sample=0.0,
    )
    assert r["a"]["number"] == r["b"]["number"] == 1
    assert len(r["a"]["samples"]) == 4


def test_cpu_clock_runs_one_thread_and_refuses_two(tmp_path, capsys):
    path = tmp_path / "cpu.json"
    argv = ["bench", "--shapes", "t1", "--dtype", "float32", "--repeats", "1", "--no-torch"]
    argv += ["--min-sample", "0.0005", "--quiet", "--clock", "cpu", "--json", str(path)]
    assert main(argv) == 0
    result = json.loads(path.read_text())
    assert result["config"]["clock"] == "cpu"
    assert all(r["seconds"] > 0 for r in result["records"])
    assert "clock: cpu" in capsys.readouterr().out
    assert main([*argv, "--threads", "2"]) == 2
    assert "use it with --threads 1" in capsys.readouterr().err
