"""The untrusted side of a check (``cs_conv.check.runner``) needs no reference implementation.

The grader's sandbox exposes only the modules the runner loads; these tests pin
that set down, run every checker's calls in a process where every other
``cs_conv`` module is refused, and check that the split form (run in one place,
evaluate in another) gives the same result as the one-call form.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from cs_conv.check import CHECKERS, Outcome
from cs_conv.check.cases import Case
from cs_conv.check.runner import CALLS, LineCounter, run_checker

from .corpus import MUTANTS, VALID, funcs_of, stage_of

RUNNER_SET = {
    "cs_conv",
    "cs_conv.budget",
    "cs_conv.check",
    "cs_conv.check.cases",
    "cs_conv.check.observe",
    "cs_conv.check.outcome",
    "cs_conv.check.pool_calls",
    "cs_conv.check.pool_cases",
    "cs_conv.check.runner",
    "cs_conv.check.training_calls",
}
"""Every cs_conv module that importing and using the runner loads (the sandbox exposes these)."""

FORBIDDEN = (
    "cs_conv.naive",
    "cs_conv.im2col_loops",
    "cs_conv.im2col_fancy",
    "cs_conv.im2col_cython",
    "cs_conv._im2col_cy",
    "cs_conv.layers",
    "cs_conv.geometry",
    "cs_conv.padding",
    "cs_conv.gradcheck",
    "cs_conv.viz",
    "cs_conv.bench",
    "cs_conv.check.mutations",
    "cs_conv.check.diagnose",
)


def _python(code: str, stdin: str = "") -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_importing_the_runner_loads_no_reference():
    loaded = json.loads(
        _python(
            """
            import json, sys
            import cs_conv.check.runner
            print(json.dumps(sorted(m for m in sys.modules if m.startswith("cs_conv"))))
            """
        )
    )
    assert set(loaded) == RUNNER_SET
    for name in FORBIDDEN:
        assert name not in loaded
    assert not [m for m in loaded if m.endswith("_checks")]


def test_every_checker_has_a_calling_convention():
    # kernel_typed judges a kernel's source (on the trusted side), it calls nothing
    assert set(CALLS) == set(CHECKERS) - {"kernel_typed"}
    for name, checker in CHECKERS.items():
        if name not in CALLS:
            continue
        assert checker.functions == CALLS[name].functions
        assert set(checker.required) <= set(checker.functions)


# stand-in student functions: plain numpy, some right, most wrong, none from cs_conv
_SANDBOXED = """
import json, sys
import importlib.abc

ALLOWED = set(json.loads(sys.argv[1]))


class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] == "cs_conv" and fullname not in ALLOWED:
            raise ImportError(f"refused in the sandbox: {fullname}")
        return None


sys.meta_path.insert(0, Refuse())

import numpy as np
from cs_conv.check.cases import Case
from cs_conv.check.runner import run_checker


def out_hw(H, W, HH, WW, s, p):
    return (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1


def conv_output_shape(x_shape, w_shape, stride=1, pad=0):
    Ho, Wo = out_hw(x_shape[2], x_shape[3], w_shape[2], w_shape[3], stride, pad)
    return (x_shape[0], w_shape[0], Ho, Wo)


def pad_input(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv_forward(x, w, b, conv_param):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = out_hw(H, W, HH, WW, conv_param["stride"], conv_param["pad"])
    return np.zeros((N, F, Ho, Wo), dtype=x.dtype), (x, w, b, conv_param)


def conv_backward(dout, cache):
    x, w, b, _ = cache
    return np.zeros_like(x), np.zeros_like(w), dout.sum(axis=(0, 2, 3))


def im2col(x, HH, WW, stride=1, pad=0):
    N, C, H, W = x.shape
    Ho, Wo = out_hw(H, W, HH, WW, stride, pad)
    return np.zeros((C * HH * WW, N * Ho * Wo), dtype=x.dtype)


def col2im(cols, x_shape, HH, WW, stride=1, pad=0):
    raise ValueError("not yet")


def im2col_indices(x_shape, HH, WW, stride=1, pad=0):
    return None


def max_pool_forward(x, pool_param):
    N, C, H, W = x.shape
    PH, PW, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    out = np.zeros((N, C, (H - PH) // s + 1, (W - PW) // s + 1), dtype=x.dtype)
    return out, (x, pool_param)


def max_pool_backward(dout, cache):
    return np.zeros_like(cache[0])


FUNCS = {
    "conv_output_shape": {"conv_output_shape": conv_output_shape},
    "pad_input": {"pad_input": pad_input},
    "conv_forward": {"conv_forward": conv_forward},
    "conv_backward": {"conv_backward": conv_backward, "conv_forward": conv_forward},
    "im2col": {"im2col": im2col},
    "col2im": {"col2im": col2im},
    "im2col_indices": {"im2col_indices": im2col_indices},
    "layer_forward": {"conv_forward": conv_forward},
    "layer_backward": {"conv_backward": conv_backward, "conv_forward": conv_forward},
    "pool_forward": {"max_pool_forward": max_pool_forward},
    "pool_backward": {"max_pool_backward": max_pool_backward, "max_pool_forward": max_pool_forward},
    "loss_sanity": {"softmax_loss": lambda scores, y: (0.0, np.zeros_like(scores))},
    "digits_accuracy": {"predict": lambda X: np.zeros(len(X), dtype=int)},
}

jobs = json.load(sys.stdin)
answer = {}
for name, case_dicts in jobs.items():
    cases = [Case.from_dict(d) for d in case_dicts]
    answer[name] = []
    for k, o in enumerate(run_checker(name, FUNCS[name], cases)):
        p = o.to_payload()
        np.savez(f"{sys.argv[2]}/{name}-{k}.npz", **p["arrays"])
        answer[name].append(p["meta"])
loaded = sorted(m for m in sys.modules if m.startswith("cs_conv"))
print(json.dumps({"answer": answer, "loaded": loaded}))
"""


def _stage(name):
    stages = CHECKERS[name].stages
    return ("fancy" if "fancy" in stages else stages[-1]) if stages else None


def test_run_checker_works_where_every_other_cs_conv_module_is_refused(tmp_path):
    jobs = {
        name: [c.to_dict() for c in checker.make_cases("sandbox", stage=_stage(name))]
        for name, checker in CHECKERS.items()
        if name in CALLS
    }
    out = subprocess.run(
        [sys.executable, "-c", _SANDBOXED, json.dumps(sorted(RUNNER_SET)), str(tmp_path)],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert set(got["loaded"]) <= RUNNER_SET
    results = {}
    for name, payloads in got["answer"].items():
        checker = CHECKERS[name]
        cases = checker.make_cases("sandbox", stage=_stage(name))
        assert len(payloads) == len(cases)
        outcomes = []
        for k, meta in enumerate(payloads):
            with np.load(tmp_path / f"{name}-{k}.npz", allow_pickle=False) as z:
                arrays = {a: z[a] for a in z.files}
            outcomes.append(Outcome.from_payload({"meta": meta, "arrays": arrays}))
        assert all(o.status != "bad-payload" for o in outcomes)
        results[name] = checker.evaluate(cases, outcomes, stage=_stage(name))
    assert results["pad_input"].passed, results["pad_input"].message
    assert not results["conv_forward"].passed
    assert results["col2im"].score == 0.0
    assert "ValueError" in results["col2im"].message
    assert results["im2col_indices"].mistakes == ["not-implemented"]
    assert all(meta["lines"] > 0 for meta in got["answer"]["im2col"])


def _round_trip(outcomes):
    back = []
    for o in outcomes:
        p = o.to_payload()
        meta = json.loads(json.dumps(p["meta"]))
        buf = io.BytesIO()
        np.savez(buf, **p["arrays"])
        buf.seek(0)
        with np.load(buf, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        back.append(Outcome.from_payload({"meta": meta, "arrays": arrays}))
    return back


def _split_params():
    seen = set()
    for entry in MUTANTS + VALID:
        key = (entry.checker, getattr(entry, "codes", "valid"), stage_of(entry))
        if key not in seen:
            seen.add(key)
            yield pytest.param(entry, id=f"{entry.checker}-{entry.name}")


@pytest.mark.parametrize("entry", list(_split_params()))
def test_split_form_equals_one_call_form(entry):
    checker = CHECKERS[entry.checker]
    funcs, stage = funcs_of(entry), stage_of(entry)
    cases = checker.make_cases("split", stage=stage)
    outcomes = _round_trip(run_checker(entry.checker, funcs, cases))
    split = checker.evaluate(cases, outcomes, stage=stage)
    direct = checker.check(funcs, key="split", stage=stage, shrink=False)
    assert split.to_dict() == direct.to_dict()


def test_cases_survive_json():
    """A case rebuilt from its JSON (the grader's worker) gives the student the same arrays."""
    for name, checker in CHECKERS.items():
        if name not in CALLS:
            continue
        inputs = CALLS[name].inputs or Case.arrays
        for c in checker.make_cases("json", stage=_stage(name)):
            back = Case.from_dict(json.loads(json.dumps(c.to_dict())))
            assert back.to_dict() == c.to_dict()
            want, got = inputs(c), inputs(back)
            assert sorted(want) == sorted(got)
            for k in want:
                np.testing.assert_array_equal(got[k], want[k])


def test_line_counter_restores_the_previous_tracer_and_sees_removal():
    def tracer(frame, event, arg):
        return None

    def remover():
        sys.settrace(None)

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        with LineCounter() as c:
            remover()
        assert sys.gettrace() is tracer
        assert c.removed
        with LineCounter() as c:
            sum(k for k in range(50))
        assert not c.removed
    finally:
        sys.settrace(previous)


def test_outcomes_record_where_the_student_code_raised():
    def im2col(x, HH, WW, stride=1, pad=0):
        rows = x.reshape(-1, HH, HH)  # crashes on most shapes
        return rows

    cases = CHECKERS["im2col"].make_cases("where")
    outcomes = run_checker("im2col", im2col, cases)
    crashed = [o for o in outcomes if o.status == "error"]
    assert crashed
    assert all("test_runner.py" in o.error_where for o in crashed)
    assert all("x.reshape(-1, HH, HH)" in o.error_where for o in crashed)


def test_lazy_packages_keep_their_attributes_when_used():
    """The grader compares the attributes of cs_conv modules before and after a student's
    cells: using a lazy name must not add or rebind one."""
    changes = json.loads(
        _python(
            """
            import json, sys, types
            import cs_conv.check

            def snapshot():
                return {
                    (name, attr): id(value)
                    for name, mod in list(sys.modules.items())
                    if name in ("cs_conv", "cs_conv.check")
                    for attr, value in vars(mod).items()
                    if not isinstance(value, types.ModuleType)
                }

            before = snapshot()
            import cs_conv
            from cs_conv import naive, layers
            from cs_conv.check import CHECKERS, CheckResult, check_im2col
            assert cs_conv.conv_output_shape((1, 1, 3, 3), (1, 1, 2, 2)) == (1, 1, 2, 2)
            assert check_im2col(cs_conv.im2col_fancy.im2col, stage="fancy").passed
            assert cs_conv.check.CHECKERS is CHECKERS
            after = snapshot()
            print(json.dumps([list(k) for k in after if before.get(k) != after[k]]))
            """
        )
    )
    assert changes == []
