"""The checkers name every mistake of the corpus, accuse no valid implementation, and are
deterministic per key.

The corpus (:mod:`tests.check.corpus`) holds every mistake of the catalogue written in at
least three styles, near misses that must get no name, and valid alternatives.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from cs_conv import im2col_fancy, layers, naive
from cs_conv.check import (
    CATALOGUE,
    CHECKERS,
    Outcome,
    check_col2im,
    check_conv_backward,
    check_im2col,
    check_layer_backward,
    markdown_table,
)

from .corpus import MUTANTS, VALID, check, verdict
from .mutants import col2im_mutants, pool_mutants

ROOT = Path(__file__).resolve().parents[2]


def _ids(entries):
    return [
        f"{e.checker}-{'+'.join(getattr(e, 'codes', ())) or 'none'}-{e.style}-{e.name}"
        for e in entries
    ]


@pytest.mark.parametrize("entry", MUTANTS, ids=_ids(MUTANTS))
def test_mutant_is_named(entry):
    result = check(entry, "corpus")
    assert not result.passed
    want = [c for c in CATALOGUE if c in entry.codes]
    assert result.mistakes == want, result.message
    flat = " ".join(result.message.split())
    for code in want:
        assert " ".join(CATALOGUE[code].fix.split()) in flat
        assert f"Diagnosis [{code}]" in flat


@pytest.mark.parametrize("entry", VALID, ids=_ids(VALID))
def test_valid_alternative_passes(entry):
    result = check(entry, "valid")
    assert result.passed, result.message
    assert result.mistakes == []
    assert result.score == 1.0


@pytest.mark.parametrize("key", ["sweep-1", "sweep-2"])
def test_sweep_accuses_nothing_valid_and_misnames_nothing(key):
    bad = []
    for entry in MUTANTS + VALID:
        v = verdict(entry, check(entry, key))
        if v in ("misnamed", "accused", "passed"):
            bad.append((entry.checker, entry.name, v))
    assert bad == []


@pytest.mark.slow
def test_long_sweep_over_keys():
    """Ten more keys: no false accusation, no wrong name, at least 90% named per style."""
    counts: dict = defaultdict(lambda: defaultdict(int))
    bad = []
    for k in range(10):
        for entry in MUTANTS + VALID:
            v = verdict(entry, check(entry, f"long-sweep-{k}"))
            counts[entry.style][v] += 1
            if v in ("misnamed", "accused", "passed"):
                bad.append((k, entry.checker, entry.name, v))
    assert bad == []
    for style, c in counts.items():
        total = c["named"] + c["unnamed"]
        assert c["named"] >= 0.9 * total, (style, dict(c))


# codes with mutants of their own elsewhere: pooling (tests/check/test_pool_checks.py,
# two styles each) and the codes judged without a mutant (tests/check/test_kernel_typing.py
# and tests/check/test_training_checks.py name each of them)
POOL_CODES = {*pool_mutants.FORWARD_MUTANTS, *pool_mutants.BACKWARD_MUTANTS}
JUDGED_ELSEWHERE = {"untyped-kernel", "loss-not-averaged", "softmax-overflow", "low-accuracy"}


def test_every_code_has_mutants_in_three_styles():
    styles = defaultdict(set)
    for m in MUTANTS:
        for code in m.codes:
            styles[code].add(m.style)
    conv_codes = set(CATALOGUE) - JUDGED_ELSEWHERE - (POOL_CODES - set(styles))
    assert set(styles) == conv_codes
    assert {c: sorted(s) for c, s in styles.items() if len(s) < 3} == {}
    assert len(VALID) >= 30


def test_near_misses_get_no_name():
    misses = [m for m in MUTANTS if not m.codes]
    assert len(misses) >= 3
    for m in misses:
        result = check(m, "near-miss")
        assert not result.passed
        assert result.mistakes == [], (m.name, result.message)


def test_references_pass_at_every_stage():
    for stage in ("loops", "fancy", "cython"):
        assert check_im2col(im2col_fancy.im2col, stage=stage).passed
        assert check_col2im(im2col_fancy.col2im, stage=stage).passed
    assert check_conv_backward(naive.conv_backward, naive.conv_forward).passed

    def fwd(x, w, b, p):
        return layers.conv_forward(x, w, b, p, backend="fancy")

    assert check_layer_backward(layers.conv_backward, fwd, stage="fancy").passed


def test_shrinking_reports_a_small_case():
    result = check_col2im(col2im_mutants.col2im_loops_assign)
    assert result.mistakes == ["col2im-not-accumulating"]
    first = result.message.splitlines()[1]
    assert first.startswith("Smallest failing case: cols")
    assert "x_shape (1, 1," in first  # shrunk to N = 1, C = 1


def _fingerprint(key):
    cases = CHECKERS["layer_backward"].make_cases(key)
    return [
        (c.spec, {k: float(np.round(v.sum(), 12)) for k, v in c.arrays().items()}) for c in cases
    ]


def test_same_key_same_cases_in_another_process():
    code = (
        "from cs_conv.check import CHECKERS\n"
        "import numpy as np, json\n"
        "cases = CHECKERS['layer_backward'].make_cases('hidden-x')\n"
        "print(json.dumps([[c.to_dict(), {k: float(np.round(v.sum(), 12))"
        " for k, v in c.arrays().items()}] for c in cases]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    theirs = json.loads(out.stdout)
    mine = CHECKERS["layer_backward"].make_cases("hidden-x")
    assert [t[0] for t in theirs] == [json.loads(json.dumps(c.to_dict())) for c in mine]
    assert [t[1] for t in theirs] == [f[1] for f in _fingerprint("hidden-x")]


def test_different_keys_different_shapes():
    a = [c.spec for c in CHECKERS["im2col"].make_cases("a")]
    b = [c.spec for c in CHECKERS["im2col"].make_cases("b")]
    assert a != b
    assert all(c.spec.tiles for c in CHECKERS["im2col"].make_cases("b"))


def test_cached_answers_fail():
    """Answers memorised from the visible cases (by input shape) fail every key."""
    memory = {}
    for case in CHECKERS["im2col"].make_cases("visible"):
        x = case.arrays()["x"]
        sp = case.spec
        memory[(x.shape, x.dtype.str, sp.HH, sp.WW, sp.stride, sp.pad)] = im2col_fancy.im2col(
            x, sp.HH, sp.WW, sp.stride, sp.pad
        )

    def cheater(x, HH, WW, stride=1, pad=0):
        return memory[(x.shape, x.dtype.str, HH, WW, stride, pad)]

    hidden = check_im2col(cheater, key="hidden", shrink=False)
    assert not hidden.passed
    visible = check_im2col(cheater, key="visible", shrink=False)
    assert not visible.passed  # the twin case: same shape, different x
    assert "ignores-input" in visible.mistakes


def test_split_form_round_trip_without_pickle():
    checker = CHECKERS["col2im"]
    cases = checker.make_cases("grader", stage="fancy")
    outcomes = checker.run({"col2im": col2im_mutants.col2im_fancy_plus_equals}, cases)
    payloads = []
    for o in outcomes:
        p = o.to_payload()
        meta = json.loads(json.dumps(p["meta"]))
        buf = io.BytesIO()
        np.savez(buf, **p["arrays"])
        buf.seek(0)
        with np.load(buf, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        payloads.append({"meta": meta, "arrays": arrays})
    back = [Outcome.from_payload(p) for p in payloads]
    result = checker.evaluate(cases, back, stage="fancy")
    direct = checker.check(
        {"col2im": col2im_mutants.col2im_fancy_plus_equals},
        key="grader",
        stage="fancy",
        shrink=False,
    )
    assert result.mistakes == direct.mistakes == ["col2im-not-accumulating"]
    assert result.score == direct.score
    assert result.to_dict() == json.loads(json.dumps(result.to_dict()))


def test_forged_payloads_are_rejected():
    bad = Outcome.from_payload(
        {
            "meta": {"index": 0, "status": "ok", "outputs": ["dx"]},
            "arrays": {"dx": np.array([object()])},
        }
    )
    assert bad.status == "bad-payload"
    assert Outcome.from_payload("nonsense").status == "bad-payload"
    assert (
        Outcome.from_payload(
            {"meta": {"index": 1, "status": "hacked", "outputs": []}, "arrays": {}}
        ).status
        == "bad-payload"
    )


def test_student_exceptions_never_escape_and_are_escaped_in_html():
    def evil(x, HH, WW, stride=1, pad=0):
        raise KeyError("<script>alert(1)</script>")

    result = check_im2col(evil, shrink=False)
    assert not result.passed
    assert "KeyError" in result.message
    html = result._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    with pytest.raises(AssertionError, match="KeyError"):
        result.assert_ok()


def test_inputs_are_copies():
    seen = []

    def spy(x, HH, WW, stride=1, pad=0):
        seen.append(x)
        return im2col_fancy.im2col(x, HH, WW, stride, pad)

    CHECKERS["im2col"].run({"im2col": spy}, CHECKERS["im2col"].make_cases("k")[:2])
    seen[0][...] = 0  # the checker's own arrays are unaffected
    again = CHECKERS["im2col"].make_cases("k")[0].arrays()["x"]
    assert np.abs(again).sum() > 0


def test_html_has_a_row_per_case_and_a_picture_or_map():
    result = check_col2im(col2im_mutants.col2im_loops_assign, shrink=False)
    html = result._repr_html_()
    assert html.count("<tr style=") == len(result.cases)
    assert "<img" in html or "Where the output is wrong" in html


def test_docs_mistakes_in_sync():
    assert (ROOT / "docs" / "mistakes.md").read_text() == markdown_table()


def test_nan_and_huge_outputs_fail_cleanly():
    def nan_cols(x, HH, WW, stride=1, pad=0):
        cols = im2col_fancy.im2col(x, HH, WW, stride, pad)
        cols[0, 0] = np.nan
        cols[-1, -1] = 1e308
        return cols

    result = check_im2col(nan_cols)
    assert not result.passed
    assert result.mistakes == []
    assert "values differ" in result.message


def test_one_call_accepts_every_documented_stage_and_rejects_others():
    for stage in ("loops", "fancy", "cython"):
        assert CHECKERS["layer_forward"].label(stage) == f"conv_forward ({stage})"
    with pytest.raises(ValueError, match="stage must be one of"):
        check_im2col(im2col_fancy.im2col, stage="gpu")


def test_one_coincidental_error_message_names_no_mistake():
    """A mistake named from error messages needs two crashes that show it (or the only one)."""
    calls = []

    def col2im(cols, x_shape, HH, WW, stride=1, pad=0):
        calls.append(1)
        C = x_shape[1]
        if HH != WW and len(calls) == 1:  # the shapes fit filter-hw-swapped, this once
            raise ValueError(
                f"cannot reshape array of size {C * HH * WW} into shape ({C},{HH},{HH})"
            )
        raise RuntimeError("something else went wrong")

    result = CHECKERS["col2im"].check({"col2im": col2im}, key="corpus", stage="loops", shrink=False)
    assert not result.passed
    assert "filter-hw-swapped" not in result.mistakes, result.message
