"""The two rules a correct answer must also keep: refuse bad input where the notebook says
so (``no-validation``), and do not loop in Python over output positions in the vectorised
stage (``python-loops``)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from cs_conv import im2col_fancy
from cs_conv.check import CATALOGUE, CHECKERS, Outcome, check_conv_output_shape, check_im2col
from cs_conv.check.record import LOOP_GROWTH
from cs_conv.check.runner import run_checker

from .mutants import loops_mutants, shape_mutants


# ------------------------------------------------------------------ refusals
def test_conv_output_shape_has_refusal_cases_that_count():
    cases = CHECKERS["conv_output_shape"].make_cases("refuse")
    kinds = [c.refusal for c in cases if c.refusal]
    assert kinds == ["untiled-h", "untiled-w", "channels", "too-large"]
    for c in cases:
        sp = c.spec
        if c.refusal == "channels":
            assert sp.w_shape[1] != sp.x_shape[1]
        elif c.refusal == "too-large":
            assert sp.H + 2 * sp.pad < sp.HH or sp.W + 2 * sp.pad < sp.WW
        elif c.refusal:
            assert not sp.tiles
    for name, checker in CHECKERS.items():  # no other prose asks for a refusal
        if name != "conv_output_shape":
            assert not any(
                c.refusal
                for c in checker.make_cases("refuse", stage=None if not checker.stages else "loops")
            )


def test_an_implementation_that_accepts_bad_input_fails_and_is_told_which():
    result = check_conv_output_shape(shape_mutants.shape_no_checks, key="refuse")
    assert not result.passed
    assert result.mistakes == ["no-validation"]
    assert result.score == pytest.approx(12 / 16)
    flat = " ".join(result.message.split())
    assert "did not raise ValueError" in flat
    assert "accepted (" in flat
    assert "x_shape (" in flat
    assert "w_shape (" in flat
    assert " ".join(CATALOGUE["no-validation"].fix.split()) in flat


def test_an_assert_is_not_a_valueerror():
    result = check_conv_output_shape(shape_mutants.shape_asserts, key="refuse")
    assert result.mistakes == ["no-validation"]
    assert "raised AssertionError, not ValueError" in " ".join(result.message.split())


def test_a_subclass_of_valueerror_refuses():
    class GeometryError(ValueError):
        pass

    def conv_output_shape(x_shape, w_shape, stride=1, pad=0):
        try:
            return shape_mutants.shape_plain(x_shape, w_shape, stride, pad)
        except ValueError as exc:
            raise GeometryError(str(exc)) from None

    assert check_conv_output_shape(conv_output_shape).passed


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("untiled-h", "does not tile the padded input height"),
        ("untiled-w", "does not tile the padded input width"),
        ("channels", "channel mismatch"),
        ("too-large", "is larger than the padded input"),
    ],
)
def test_the_reference_refuses_every_refusal_case(kind, says):
    from cs_conv import conv_output_shape

    for key in ("ref-1", "ref-2", "ref-3"):
        (c,) = [c for c in CHECKERS["conv_output_shape"].make_cases(key) if c.refusal == kind]
        with pytest.raises(ValueError, match=says):
            conv_output_shape(c.spec.x_shape, c.spec.w_shape, c.spec.stride, c.spec.pad)


# ------------------------------------------------------------------ python loops
def test_probes_only_where_the_stage_is_vectorised():
    def probes(name, stage):
        return [c.probe for c in CHECKERS[name].make_cases("p", stage=stage) if c.probe]

    assert probes("im2col", "fancy") == probes("col2im", "fancy") == ["small", "large"]
    assert probes("im2col_indices", None) == ["small", "large"]
    for stage in ("loops", "cython"):
        assert probes("im2col", stage) == probes("col2im", stage) == []
    assert probes("conv_forward", None) == probes("layer_forward", "fancy") == []
    cases = CHECKERS["im2col"].make_cases("p", stage="fancy")
    small, large = (c.spec for c in cases if c.probe)
    assert (small.C, small.HH, small.WW, small.stride, small.pad) == (
        large.C,
        large.HH,
        large.WW,
        large.stride,
        large.pad,
    )
    assert large.N - small.N >= LOOP_GROWTH
    assert large.H_out - small.H_out >= LOOP_GROWTH
    assert large.W_out - small.W_out >= LOOP_GROWTH


def test_a_loop_over_windows_fails_the_fancy_stage_only():
    assert check_im2col(loops_mutants.im2col_comprehension, stage="loops").passed
    fancy = check_im2col(loops_mutants.im2col_comprehension, stage="fancy")
    assert fancy.mistakes == ["python-loops"]
    flat = " ".join(fancy.message.split())
    assert "np.add.at" in flat
    assert "x_pad[:, k, i, j]" in flat
    assert (
        "A loop over the HH x WW filter taps (or the channels) is allowed"
        in CATALOGUE["python-loops"].shows
    )
    assert check_im2col(loops_mutants.im2col_taps_loop, stage="fancy").passed
    assert check_im2col(im2col_fancy.im2col, stage="fancy").passed


def test_line_counts_travel_in_the_payload_and_a_removed_tracer_is_reported():
    def sneaky(x, HH, WW, stride=1, pad=0):
        sys.settrace(None)  # switches off whatever watches it
        return im2col_fancy.im2col(x, HH, WW, stride, pad)

    cases = CHECKERS["im2col"].make_cases("trace", stage="fancy")
    outcomes = run_checker("im2col", sneaky, cases)
    assert all(o.trace_removed for o in outcomes)
    p = outcomes[-1].to_payload()
    back = Outcome.from_payload({"meta": json.loads(json.dumps(p["meta"])), "arrays": p["arrays"]})
    assert back.trace_removed is True
    assert back.lines == outcomes[-1].lines
    honest = run_checker("im2col", loops_mutants.im2col_while, cases)
    assert not any(o.trace_removed for o in honest)
    small, large = honest[-2].lines, honest[-1].lines
    assert large - small >= LOOP_GROWTH


def test_forged_line_counts_are_rejected():
    meta = {"index": 0, "status": "ok", "outputs": [], "lines": "many", "trace_removed": False}
    assert Outcome.from_payload({"meta": meta, "arrays": {}}).status == "bad-payload"
    meta = {"index": 0, "status": "ok", "outputs": [], "lines": 3, "trace_removed": "no"}
    assert Outcome.from_payload({"meta": meta, "arrays": {}}).status == "bad-payload"


def test_an_exec_string_counts_as_the_students_code():
    namespace: dict = {"np": np}
    exec(
        "def im2col(x, HH, WW, stride=1, pad=0):\n"
        "    import numpy as np\n"
        "    N, C, H, W = x.shape\n"
        "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
        "    Ho, Wo = (H + 2*pad - HH)//stride + 1, (W + 2*pad - WW)//stride + 1\n"
        "    return np.stack([xp[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW].ravel()\n"
        "                     for n in range(N) for i in range(Ho) for j in range(Wo)], axis=1)\n",
        namespace,
    )
    assert check_im2col(namespace["im2col"], stage="fancy").mistakes == ["python-loops"]
