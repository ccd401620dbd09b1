"""The pooling checkers name every mistake of the pooling corpus, accuse no valid pooling,
and keep the contracts of docs/CONTRACTS.md (keys, split form, payloads, shrinking)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import numpy as np
import pytest

from cs_conv import pooling, pooling_im2col
from cs_conv.check import (
    CATALOGUE,
    CHECKERS,
    Case,
    Outcome,
    check_pool_backward,
    check_pool_forward,
)
from cs_conv.check.pool_cases import POOL_TEMPLATES
from cs_conv.check.pool_variants import backward_variants, forward_variants

from .mutants import pool_mutants as pm

NAMES = ("pool_forward", "pool_backward")
NEW_CODES = {
    "pool-forward-mean",
    "pool-hw-swapped",
    "pool-stride-confused",
    "pool-across-channels",
    "pool-planes-order",
    "pool-grad-every-max",
    "pool-tie-not-first",
    "pool-grad-overwrite",
    "pool-grad-average",
    "pool-argmax-not-offset",
}


def _funcs(f):
    return f if isinstance(f, dict) else {"max_pool_forward": f}


def _label(f):
    return getattr(f, "__name__", None) or f["max_pool_backward"].__name__


def _stage(f):
    name = _label(f)
    return "im2col" if "im2col" in name else "loops"


def _mutants(keys=("corpus",)):
    for name, table in (
        ("pool_forward", pm.FORWARD_MUTANTS),
        ("pool_backward", pm.BACKWARD_MUTANTS),
    ):
        for code, fs in table.items():
            for f in fs:
                for key in keys:
                    yield pytest.param(name, code, f, key, id=f"{name}-{code}-{_label(f)}-{key}")


def _valid():
    for name, fs in (("pool_forward", pm.FORWARD_VALID), ("pool_backward", pm.BACKWARD_VALID)):
        for f in fs:
            yield pytest.param(name, f, id=f"{name}-{_label(f)}")


@pytest.mark.parametrize(("name", "code", "func", "key"), list(_mutants()))
def test_mutant_is_named(name, code, func, key):
    result = CHECKERS[name].check(_funcs(func), key=key, stage=_stage(func), shrink=False)
    assert not result.passed
    assert result.mistakes == [code], result.message
    flat = " ".join(result.message.split())
    assert " ".join(CATALOGUE[code].fix.split()) in flat
    assert f"Diagnosis [{code}]" in flat


@pytest.mark.parametrize(
    ("name", "code", "func", "key"), list(_mutants(keys=("sweep-1", "sweep-2", "sweep-3")))
)
def test_mutant_is_named_under_other_keys(name, code, func, key):
    result = CHECKERS[name].check(_funcs(func), key=key, stage="loops", shrink=False)
    assert result.mistakes == [code], result.message


def test_every_mistake_is_written_in_two_styles_and_every_new_code_has_mutants():
    for table in (pm.FORWARD_MUTANTS, pm.BACKWARD_MUTANTS):
        for code, fs in table.items():
            assert code in CATALOGUE
            assert len(fs) >= 2 or (code == "bad-return" and table is pm.FORWARD_MUTANTS), code
    assert {*pm.FORWARD_MUTANTS, *pm.BACKWARD_MUTANTS} >= NEW_CODES
    assert set(CATALOGUE) >= NEW_CODES
    im2col = {  # the third style, through an im2col of the planes
        code
        for table in (pm.FORWARD_MUTANTS, pm.BACKWARD_MUTANTS)
        for code, fs in table.items()
        if any("im2col" in _label(f) for f in fs) and len(fs) >= 3
    }
    assert len(im2col) >= 6, im2col


def test_variants_are_told_apart_by_their_words():
    """A record memoises a variant's output by (code, evidence): no two may share them."""
    for variants in (forward_variants(), backward_variants()):
        keys = [(v.code, v.evidence) for v in variants]
        assert len(keys) == len(set(keys))
        assert {v.code for v in variants} <= set(CATALOGUE)


@pytest.mark.parametrize("key", ["corpus", "sweep-1", "sweep-2"])
@pytest.mark.parametrize("func", pm.BACKWARD_CRASHING["pool-hw-swapped"], ids=_label)
def test_a_mistake_that_crashes_wherever_it_shows_is_named_from_the_crashes(func, key):
    """An index unravelled with rows of pool_height: an IndexError where it sends the
    gradient past the edge of the image, wrong values where it does not (or none)."""
    result = CHECKERS["pool_backward"].check(func, key=key, shrink=False)
    assert result.mistakes == ["pool-hw-swapped"], result.message
    assert "IndexError" in result.message
    if all("raised IndexError" in c.detail for c in result.cases if not c.passed):
        assert "ran past the edge of the image" in " ".join(result.message.split())


@pytest.mark.parametrize(
    ("name", "func", "stage"),
    [
        ("pool_forward", pm.fwd_vec_pool_swapped, "loops"),
        ("pool_forward", pm.fwd_im2col_stride_as_pool, "im2col"),
        ("pool_forward", pm.fwd_reshape_blocks, "loops"),
        ("pool_backward", pm._with_vec(pm.bwd_vec_stride_as_pool), "loops"),
        ("pool_backward", pm._with_vec(pm.bwd_vec_pool_as_stride), "loops"),
    ],
    ids=lambda v: v if isinstance(v, str) else _label(v),
)
def test_a_mistake_that_crashes_on_some_cases_and_is_wrong_on_others_is_named(name, func, stage):
    """One variant explains both: the values where the windows fill the output grid, and
    elsewhere the crash, with the size NumPy's message says."""
    result = CHECKERS[name].check(_funcs(func), key="corpus", stage=stage, shrink=False)
    kinds = {c.detail.split(";")[0] for c in result.cases if not c.passed}
    assert any("raised ValueError" in k for k in kinds), kinds
    assert any("raised" not in k for k in kinds), kinds
    assert len(result.mistakes) == 1, result.message
    assert f"Diagnosis [{result.mistakes[0]}]" in result.message


def test_a_crash_names_a_mistake_only_with_the_message_that_mistake_gives():
    """The same cases crash as with exchanged pool sizes in an im2col, but with another
    message: no name (the family of square pools still says where to look)."""

    def forward(x, pool_param):
        try:
            return pm.fwd_im2col_pool_swapped(x, pool_param)
        except ValueError:
            raise ValueError("something else went wrong") from None

    result = check_pool_forward(forward, key="corpus", stage="im2col", shrink=False)
    assert result.mistakes == [], result.message
    flat = " ".join(result.message.split())
    assert "Right on exactly the cases with square pools (pool_height == pool_width)" in flat
    assert "out and dout (N, C, H_out, W_out)" in flat  # the pooling layout, not w's


@pytest.mark.parametrize("key", ["corpus", "sweep-1", "sweep-2"])
@pytest.mark.parametrize("func", pm.BY_BEHAVIOUR["pool-grad-overwrite"], ids=_label)
def test_a_mistake_no_variant_computes_is_named_from_the_cases_it_gets_right(func, key):
    result = CHECKERS["pool_backward"].check(func, key=key, shrink=False)
    assert result.mistakes == ["pool-grad-overwrite"], result.message
    flat = " ".join(result.message.split())
    assert "right on exactly the" in flat
    assert "windows that do not overlap (stride >= pool size)" in flat


@pytest.mark.parametrize("key", ["corpus", "near-miss", "sweep-1", "sweep-2"])
@pytest.mark.parametrize(
    ("name", "func"),
    [(name, f) for name, fs in pm.NEAR_MISSES.items() for f in fs],
    ids=lambda v: v if isinstance(v, str) else _label(v),
)
def test_near_misses_get_no_name(name, func, key):
    result = CHECKERS[name].check(_funcs(func), key=key, shrink=False)
    assert not result.passed
    assert result.mistakes == [], result.message


def test_messages_speak_of_pools_and_show_the_students_line():
    result = check_pool_forward(pm.fwd_im2col_no_stride, key="corpus", stage="im2col")
    assert result.mistakes == ["stride-ignored"]
    flat = " ".join(result.message.split())
    assert "It happened at line" in flat
    assert "of `fwd_im2col`" in flat
    assert "`return flat.reshape(N, C, Ho, Wo), (x, pool_param, arg)`" in flat
    assert "grid of the output: the windows are not H_out x W_out" in flat
    assert "filter" not in flat  # a pooling has no filter
    result = check_pool_backward(pm.bwd_vec_every, pm.fwd_ok, key="corpus", shrink=False)
    assert "w flattened" not in result.message


def test_a_global_of_another_shape_is_named_from_what_the_function_reads():
    """The realistic ignores-input: the notebook's global x, not trimmed to the case's shape,
    crashes or gives wrong shapes; the module-level read names it."""
    result = check_pool_backward(pm.bwd_global_x, pm.fwd_ok, key="corpus", shrink=False)
    assert result.mistakes == ["ignores-input"], result.message
    kinds = {c.detail.split(";")[0] for c in result.cases if not c.passed}
    assert any("raised" in k for k in kinds)
    assert "module-level array x (2, 3, 6, 6) float64" in " ".join(result.message.split())


@pytest.mark.parametrize(("name", "func"), list(_valid()))
def test_valid_alternative_passes(name, func):
    assert len(pm.FORWARD_VALID) >= 10
    assert len(pm.BACKWARD_VALID) >= 10
    result = CHECKERS[name].check(_funcs(func), key="valid", stage=_stage(func), shrink=False)
    assert result.passed, result.message
    assert result.mistakes == []
    assert result.score == 1.0


@pytest.mark.parametrize("key", [f"sweep-{k}" for k in range(12)])
def test_key_sweep_accuses_no_valid_pooling(key):
    for name, fs in (("pool_forward", pm.FORWARD_VALID), ("pool_backward", pm.BACKWARD_VALID)):
        for f in fs:
            result = CHECKERS[name].check(_funcs(f), key=key, stage="loops", shrink=False)
            assert result.passed, (_label(f), result.message)
            assert result.mistakes == []


@pytest.mark.parametrize("stage", ["loops", "im2col"])
def test_references_pass_quickly(stage):
    module = pooling if stage == "loops" else pooling_im2col
    for _ in range(2):  # the first call may import and warm up
        t0 = time.perf_counter()
        forward = check_pool_forward(module.max_pool_forward, stage=stage)
        t1 = time.perf_counter()
        backward = check_pool_backward(
            module.max_pool_backward, module.max_pool_forward, stage=stage
        )
        t2 = time.perf_counter()
    assert forward.passed
    assert backward.passed
    assert forward.label == f"max_pool_forward ({stage})"
    assert len(forward.cases) == len(backward.cases) == len(POOL_TEMPLATES)
    assert max(t1 - t0, t2 - t1) < 0.3


# ------------------------------------------------------------------ the cases
def _windows_with_tied_maximum(case):
    from numpy.lib.stride_tricks import sliding_window_view

    sp = case.spec
    x = case.arrays()["x"]
    win = sliding_window_view(x, (sp.HH, sp.WW), axis=(2, 3))[:, :, :: sp.stride, :: sp.stride]
    flat = win.reshape(*win.shape[:4], -1)
    return int(((flat == flat.max(-1, keepdims=True)).sum(-1) > 1).sum())


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("key", ["visible", "hidden-pool", "k3"])
def test_cases_cover_what_the_contract_promises(name, key):
    cases = CHECKERS[name].make_cases(key)
    specs = [c.spec for c in cases]
    assert all(sp.pad == 0 and sp.tiles for sp in specs)
    assert {sp.dtype for sp in specs} == {"float32", "float64"}
    assert any(sp.H == sp.W for sp in specs)
    assert any(sp.H != sp.W for sp in specs)
    assert any(sp.HH != sp.WW for sp in specs)
    assert {(1, 1), (2, 2), (3, 3)} <= {(sp.HH, sp.WW) for sp in specs}
    assert any(sp.stride == sp.HH == sp.WW > 1 for sp in specs)  # stride = pool
    assert any(sp.stride < min(sp.HH, sp.WW) and min(sp.H_out, sp.W_out) > 1 for sp in specs)
    assert any(sp.stride > max(sp.HH, sp.WW) and min(sp.H_out, sp.W_out) > 1 for sp in specs)
    assert any(sp.N == 1 and sp.C == 1 for sp in specs)
    assert sum(c.twin_of is not None for c in cases) == 2
    ties = [c for c in cases if c.data != "normal"]
    assert {c.spec.dtype for c in ties} == {"float32", "float64"}
    assert all(_windows_with_tied_maximum(c) > 0 for c in ties)
    assert all(_windows_with_tied_maximum(c) == 0 for c in cases if c.data == "normal")


def test_same_key_same_cases_and_data_in_another_process():
    """The grader's worker rebuilds plain Cases with Case.from_dict: the data must not change."""
    code = (
        "import json, numpy as np\n"
        "from cs_conv.check import CHECKERS, Case\n"
        "from cs_conv.check.pool_cases import as_pool_case\n"
        "cases = [Case.from_dict(d) for d in json.loads(input())]\n"
        "print(json.dumps([{k: v.tolist() for k, v in as_pool_case(c).arrays().items()}"
        " for c in cases]))\n"
    )
    mine = CHECKERS["pool_backward"].make_cases("hidden-x")
    sent = json.dumps([c.to_dict() for c in mine])
    out = subprocess.run(
        [sys.executable, "-c", code], input=sent, capture_output=True, text=True, check=True
    )
    theirs = json.loads(out.stdout)
    for case, arrays in zip(mine, theirs, strict=True):
        for name, a in case.arrays().items():
            np.testing.assert_array_equal(np.asarray(arrays[name], dtype=a.dtype), a)


def test_different_keys_different_shapes():
    a = [c.spec for c in CHECKERS["pool_forward"].make_cases("a")]
    b = [c.spec for c in CHECKERS["pool_forward"].make_cases("b")]
    assert a != b


def test_split_form_round_trip_from_plain_cases_without_pickle():
    checker = CHECKERS["pool_backward"]
    funcs = {"max_pool_backward": pm.bwd_every, "max_pool_forward": pm.fwd_ok}
    cases = checker.make_cases("grader", stage="loops")
    plain = [Case.from_dict(json.loads(json.dumps(c.to_dict()))) for c in cases]
    assert not any(type(c) is type(cases[0]) for c in plain)  # what the worker has
    payloads = []
    for o in checker.run(funcs, plain):
        p = o.to_payload()
        buf = io.BytesIO()
        np.savez(buf, **p["arrays"])
        buf.seek(0)
        with np.load(buf, allow_pickle=False) as z:
            payloads.append({"meta": json.loads(json.dumps(p["meta"])), "arrays": dict(z)})
    result = checker.evaluate(cases, [Outcome.from_payload(p) for p in payloads], stage="loops")
    direct = checker.check(funcs, key="grader", stage="loops", shrink=False)
    assert result.mistakes == direct.mistakes == ["pool-grad-every-max"]
    assert result.score == direct.score < 1
    assert result.to_dict() == json.loads(json.dumps(result.to_dict()))


def test_cached_answers_fail_as_ignores_input():
    memory = {}
    for case in CHECKERS["pool_forward"].make_cases("visible"):
        x = case.arrays()["x"]
        memory[(x.shape, x.dtype.str)] = pooling.max_pool_forward(x, case.spec.pool_param)

    def cheater(x, pool_param):
        return memory[(x.shape, x.dtype.str)]

    assert not check_pool_forward(cheater, key="hidden", shrink=False).passed
    visible = check_pool_forward(cheater, key="visible", shrink=False)
    assert visible.mistakes == ["ignores-input"]


def test_shrinking_shows_a_small_tied_case_with_its_input():
    result = check_pool_backward(pm.bwd_every, pm.fwd_ok)
    assert result.mistakes == ["pool-grad-every-max"]
    lines = result.message.splitlines()
    assert lines[1].startswith("Smallest failing case: x (1, 1,")
    assert lines[2] == "  x[0, 0] ="
    assert "  dout[0, 0] =" in lines
    assert result.example["name"] == "dx"


def test_stages_and_arguments():
    assert CHECKERS["pool_backward"].functions == ("max_pool_backward", "max_pool_forward")
    with pytest.raises(ValueError, match="stage must be one of"):
        check_pool_forward(pooling.max_pool_forward, stage="fancy")
    with pytest.raises(TypeError, match=r"needs the function\(s\) \['max_pool_forward'\]"):
        CHECKERS["pool_backward"].check({"max_pool_backward": pooling.max_pool_backward})


def test_student_exceptions_are_reported_not_raised():
    def forward(x, pool_param):
        raise KeyError("pool_size")

    result = check_pool_forward(forward, shrink=False)
    assert not result.passed
    assert result.mistakes == []
    assert "KeyError" in result.message


def test_channels_pooled_together_are_named_from_the_reshape_error():
    funcs = {"max_pool_backward": pm.bwd_ok, "max_pool_forward": pm.fwd_channel_cols_flat}
    result = CHECKERS["pool_backward"].check(funcs, key="corpus", shrink=False)
    assert result.mistakes == ["pool-across-channels"], result.message
    assert "= N*H_out*W_out values" in " ".join(result.message.split())

    def forward(x, pool_param):  # another reshape error: no diagnosis
        out, cache = pm.fwd_ok(x, pool_param)
        return out.reshape(*out.shape[:2], -1, 7), cache

    assert CHECKERS["pool_forward"].check(forward, key="corpus", shrink=False).mistakes == []


def test_a_crash_no_rule_reads_is_shown_as_it_is_when_its_variant_predicted_it():
    """Crashes only, each with the message a variant predicts (the channels reshape, here
    into another shape than the output's, so no rule reads it): the code is named and the
    evidence is the error itself."""
    checker = CHECKERS["pool_forward"]
    cases = checker.make_cases("corpus")
    outcomes = []
    for case in cases:
        sp = case.spec
        if sp.C == 1:
            out, _ = pooling.max_pool_forward(case.arrays()["x"], sp.pool_param)
            outcomes.append(Outcome(case.index, outputs={"out": out}))
        else:
            message = f"cannot reshape array of size {sp.N * sp.H_out * sp.W_out} into shape (7,7)"
            outcomes.append(
                Outcome(case.index, status="error", error_type="ValueError", error_message=message)
            )
    result = checker.evaluate(cases, outcomes, stage="loops")
    assert result.mistakes == ["pool-across-channels"], result.message
    flat = " ".join(result.message.split())
    assert "into shape (7,7)`, the error this mistake gives on these sizes" in flat
