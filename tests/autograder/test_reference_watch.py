"""The worker's reference watch: which calls into the reference package it notes.

In-process (the watch is plain Python): each test builds a watch over the real
``cs_conv`` package and calls functions under it the way the worker calls a
student's functions, on a small seeded input.
"""

from __future__ import annotations

import importlib
import math
import sys
import threading
import types
from pathlib import Path

import numpy as np
import pytest

import cs_conv
import cs_conv.check
from autograder.policy import ALLOWED, FORBIDDEN
from autograder.sandbox.worker.watch import ReferenceWatch

PACKAGE = str(Path(cs_conv.__file__).resolve().parent)


@pytest.fixture
def watch():
    saved = sys.getprofile()
    libraries = [m for m in FORBIDDEN if not m.startswith("cs_conv")]
    w = ReferenceWatch(PACKAGE, allowed=ALLOWED, libraries=libraries)
    yield w
    assert sys.getprofile() is saved  # the hook never outlives a watched call


@pytest.fixture
def inputs():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 5, 6))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    return x, w, b, {"stride": 1, "pad": 1}


def _computed(name):
    return importlib.import_module("cs_" + "conv." + name)


def test_a_wrapper_reaching_the_reference_by_computed_names_is_seen(watch, inputs):
    def conv_forward(x, w, b, conv_param):
        return _computed("naive").conv_forward(x, w, b, conv_param)

    out, _ = watch.watched(conv_forward)(*inputs)
    expected, _ = cs_conv.naive.conv_forward(*inputs)
    np.testing.assert_array_equal(out, expected)  # the wrapper still answers
    assert watch.take() == {"reference_calls": ["cs_conv.naive.conv_forward"]}
    assert watch.take() == {"reference_calls": []}  # taken once


def test_only_the_entry_into_the_reference_is_noted(watch, inputs):
    # the layer calls geometry, padding and the kernel inside: one entry, one name
    watch.watched(lambda *a: cs_conv.layers.conv_forward(*a))(*inputs)
    assert watch.take()["reference_calls"] == ["cs_conv.layers.conv_forward"]


def test_calls_outside_the_watched_functions_are_not_noted(watch, inputs):
    cs_conv.naive.conv_forward(*inputs)  # an instructor's cell, a visible check

    def own_pad(x, pad):
        return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))

    padded = watch.watched(own_pad)(inputs[0], 2)
    assert padded.shape == (2, 3, 9, 10)
    assert watch.take() == {"reference_calls": []}


def test_allowed_helpers_are_not_reference_code(watch, inputs):
    def uses_gradcheck(x):
        return cs_conv.gradcheck.rel_error(x, x + 1e-9)

    assert watch.watched(uses_gradcheck)(inputs[0]) < 1e-6
    assert watch.take() == {"reference_calls": []}


def test_a_figure_drawn_inside_a_function_is_not_a_use_of_the_reference(watch, inputs):
    import matplotlib.pyplot as plt

    import cs_conv.viz

    def im2col_with_a_debug_figure(x, HH, WW, stride=1, pad=0):
        plt.close(cs_conv.viz.plot_im2col(x.shape, HH, WW, stride=stride, pad=pad))
        return None

    watch.watched(im2col_with_a_debug_figure)(inputs[0][:1, :1], 3, 2, stride=1, pad=1)
    assert watch.take() == {"reference_calls": []}
    # but the shape arithmetic called from the student's own code is the reference's
    watch.watched(lambda: cs_conv.conv_output_shape((1, 1, 4, 4), (1, 1, 3, 3)))()
    assert watch.take()["reference_calls"] == ["cs_conv.geometry.conv_output_shape"]


def test_asking_a_checker_for_the_answer_is_seen(watch, inputs):
    def conv_forward(x, w, b, conv_param):
        # the checker computes its expected outputs with the reference
        cs_conv.check.check_conv_forward(lambda *a: (np.zeros(1), None), key="k", shrink=False)

    watch.watched(conv_forward)(*inputs)
    calls = watch.take()["reference_calls"]
    assert calls
    assert all(c.startswith("cs_conv.") for c in calls), calls
    assert not any(c.startswith("cs_conv.check") for c in calls), calls


def test_a_thread_started_by_the_function_is_watched(watch, inputs):
    def conv_forward(x, w, b, conv_param):
        box = []
        t = threading.Thread(
            target=lambda: box.append(_computed("naive").conv_forward(x, w, b, conv_param))
        )
        t.start()
        t.join()
        return box[0]

    watch.watched(conv_forward)(*inputs)
    assert watch.take()["reference_calls"] == ["cs_conv.naive.conv_forward"]


def test_switching_the_hook_off_is_noticed(watch, inputs):
    def conv_forward(x, w, b, conv_param):
        sys.setprofile(None)
        return _computed("naive").conv_forward(x, w, b, conv_param)

    watch.watched(conv_forward)(*inputs)
    assert watch.take() == {"reference_calls": [], "hook_removed": True}
    # and the next watched call is watched again
    watch.watched(lambda *a: _computed("naive").conv_forward(*a))(*inputs)
    assert watch.take() == {"reference_calls": ["cs_conv.naive.conv_forward"]}


def test_compiled_functions_are_wrapped_with_tripwires(watch):
    # a profile hook does not see a compiled function: a module of built-ins stands
    # in for the Cython kernel (the real one is wrapped in the worker only)
    kernel = types.ModuleType("cs_conv._fake_kernel")
    kernel.hypot, kernel._private = math.hypot, math.hypot
    watch.wrap_kernel(kernel)
    assert kernel.hypot(3.0, 4.0) == 5.0  # unwatched: not noted
    assert watch.take() == {"reference_calls": []}
    assert watch.watched(lambda: kernel.hypot(3.0, 4.0))() == 5.0
    assert watch.take() == {"reference_calls": ["cs_conv._fake_kernel.hypot"]}
    assert kernel._private is math.hypot  # private names are left alone
    assert not hasattr(kernel.hypot, "__wrapped__")


def test_nested_watched_calls_keep_the_hook_until_the_outer_one_returns(watch, inputs):
    inner = watch.watched(lambda: None)

    def outer(*a):
        inner()  # a student function calling another graded one
        return _computed("naive").conv_forward(*a)

    watch.watched(outer)(*inputs)
    assert watch.take()["reference_calls"] == ["cs_conv.naive.conv_forward"]


def test_libraries_that_convolve_are_watched_too(watch, inputs):
    import scipy.signal

    def conv_forward(x, w, b, conv_param):  # pad 0 here: "valid" correlation per channel
        out = [
            [
                sum(scipy.signal.correlate(x[n, c], w[f, c], mode="valid") for c in range(3)) + b[f]
                for f in range(w.shape[0])
            ]
            for n in range(x.shape[0])
        ]
        return np.array(out), None

    out, _ = watch.watched(conv_forward)(*inputs[:3], {"stride": 1, "pad": 0})
    expected, _ = cs_conv.naive.conv_forward(*inputs[:3], {"stride": 1, "pad": 0})
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    (call,) = watch.take()["reference_calls"]  # scipy's own calls inside are not repeated
    assert call.startswith("scipy.signal"), call
    assert call.endswith(".correlate"), call
    # numpy alone is not a library that convolves for the student
    watch.watched(lambda a: np.convolve(a, a))(np.arange(4.0))
    assert watch.take() == {"reference_calls": []}


def test_compiled_library_functions_are_seen_by_their_module(watch, inputs):
    torch = pytest.importorskip("torch")

    def conv_forward(x, w, b, conv_param):
        t = torch.nn.functional.conv2d(
            torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        )
        return t.numpy(), None

    watch.watched(conv_forward)(*inputs[:3], {"stride": 1, "pad": 0})
    calls = watch.take()["reference_calls"]
    assert any(c.startswith("torch") and c.endswith("conv2d") for c in calls), calls
