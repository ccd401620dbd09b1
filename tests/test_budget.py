"""The budgets: refusals name the numbers and a smaller call that does fit."""

from __future__ import annotations

import ast
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from cs_conv import (
    budget,
    costs,
    im2col_cython,
    im2col_fancy,
    im2col_loops,
    layers,
    naive,
    pooling,
    pooling_im2col,
)
from cs_conv.budget import BudgetError
from cs_conv.geometry import conv_geometry
from cs_conv.pool_geometry import pool_geometry

IMAGENET = (64, 64, 224, 224)


def _suggested(message: str) -> tuple:
    """The x_shape a refusal suggests."""
    return ast.literal_eval(re.search(r"try x_shape (\([^)]*\))", message)[1])


@pytest.fixture
def small_budget(monkeypatch):
    """A 32 MiB, 2 s budget: refusals on shapes a test can also run."""
    monkeypatch.setenv("CS_CONV_MAX_GIB", str(32 / 1024))
    monkeypatch.setenv("CS_CONV_MAX_SECONDS", "2")


# the index arrays are per image (tested below with many channels); pad_input has no filter
@pytest.mark.parametrize(
    "stage", sorted(set(costs.STAGES) - {"pad_input", "im2col_fancy.im2col_indices"})
)
def test_every_stage_suggests_a_call_that_fits(small_budget, stage):
    g = conv_geometry((512, 8, 40, 30), 3, 2, (1, 2), (1, 0))
    with pytest.raises(BudgetError, match=r"refused before it starts: it would") as info:
        costs.check_stage(stage, g, 16)
    message = str(info.value)
    assert "x_shape (512, 8, 40, 30)" in message
    smaller = conv_geometry(_suggested(message), 3, 2, (1, 2), (1, 0))
    costs.check_stage(stage, smaller, 16)  # fits
    assert smaller.x_shape[1:] == g.x_shape[1:]  # the batch in chunks
    assert smaller.N < g.N
    arrays, seconds = costs.stage_cost(stage, smaller, 16)
    assert sum(arrays.values()) * 8 <= budget.max_bytes()
    assert seconds <= budget.max_seconds()


def test_the_suggested_chunk_runs_and_is_right(small_budget):
    x = np.random.default_rng(0).standard_normal((512, 3, 16, 16))
    with pytest.raises(
        BudgetError, match=r"im2col_fancy.im2col on x_shape \(512, 3, 16, 16\)"
    ) as e:
        im2col_fancy.im2col(x, 3, 3, 1, 1)
    n = _suggested(str(e.value))[0]
    assert 1 <= n < 512
    chunks = [im2col_fancy.im2col(x[a : a + n], 3, 3, 1, 1) for a in range(0, 512, n)]
    # the chunks' columns, image by image, are the columns of the whole batch
    np.testing.assert_array_equal(
        np.concatenate(chunks, axis=1), im2col_cython.im2col(x, 3, 3, 1, 1)
    )


def test_pad_and_channels_are_suggested_when_one_image_is_too_large(small_budget):
    g = conv_geometry((1, 1, 4, 4), 3, 3, 1, 5000)
    with pytest.raises(BudgetError) as info:
        costs.check_stage("im2col_loops.im2col", g)
    assert re.search(
        r"try x_shape \(1, 1, 4, 4\) \(stride \(1, 1\), pad \((\d+), \1\)\)", str(info.value)
    )
    g = conv_geometry((1, 10**7, 2, 2), 1, 1)
    with pytest.raises(BudgetError, match=r"\(fewer channels\)"):
        costs.check_stage("im2col_fancy.im2col", g)
    with pytest.raises(BudgetError, match=r"im2col_indices on x_shape \(1, 100000, 50, 50\)") as e:
        costs.check_stage("im2col_fancy.im2col_indices", conv_geometry((1, 10**5, 50, 50), 3, 3))
    smaller = conv_geometry(_suggested(str(e.value)), 3, 3)
    assert smaller.H_out * smaller.W_out < 48 * 48
    costs.check_stage("im2col_fancy.im2col_indices", smaller)


def test_imagenet_is_refused_with_its_numbers():
    w, b = np.zeros((64, 64, 3, 3)), np.zeros(64)
    x = np.broadcast_to(0.0, IMAGENET)
    with pytest.raises(BudgetError, match=r"run for about [\d.]+ minutes, over the time budget"):
        naive.conv_forward(x, w, b, {"stride": 1, "pad": 1})
    with pytest.raises(BudgetError, match=r"cols \(im2col\) or dx \(col2im\) \(13\.8 GiB\)"):
        im2col_cython.im2col(x, 3, 3, 1, 1)
    with pytest.raises(BudgetError, match=r"cols \(13\.8 GiB\).*chunks of \d+ image"):
        im2col_loops.im2col(x, 3, 3, 1, 1)
    with pytest.raises(BudgetError, match=r"layers\.conv_forward/backward on x_shape"):
        layers.conv_forward(x, w, b, {"stride": 1, "pad": 1})


def test_a_broadcast_view_is_not_copied_past_the_budget():
    x = np.broadcast_to(np.int8(1), (10**4, 10**4, 10, 10))
    with pytest.raises(BudgetError, match=r"converting to float64 x of shape"):
        im2col_fancy.im2col(x, 3, 3)


def test_the_fast_path_is_unchanged_and_caches_no_refusal():
    x = np.zeros((2, 3, 8, 8))
    assert im2col_cython.im2col(x, 3, 3, 1, 1).shape == (27, 128)
    big = np.broadcast_to(0.0, IMAGENET)
    for _ in range(2):  # refused each time, never remembered as valid
        with pytest.raises(BudgetError):
            im2col_cython.im2col(big, 3, 3, 1, 1)


@pytest.mark.parametrize(
    ("x_shape", "w_shape"),
    [((256, 64, 112, 112), (1, 64, 3, 3)), ((64, 64, 224, 224), (64, 64, 3, 3))],
)
def test_the_layer_fast_path_judges_its_budget_as_the_full_path(default_budget, x_shape, w_shape):
    """Plain ints take the memoised path, NumPy ints the full one: the same verdict on the
    layer's own budget (a large layer with one filter never builds the whole cols)."""
    x = np.broadcast_to(0.0, x_shape)
    w, b = np.zeros(w_shape), np.zeros(w_shape[0])
    verdicts = []
    for stride in (1, np.int64(1), 1):  # the second plain call hits the cache
        try:
            layers._inputs(x, w, b, {"stride": stride, "pad": 1})
            verdicts.append("accepted")
        except BudgetError as exc:
            verdicts.append(str(exc))
    assert verdicts[0] == verdicts[1] == verdicts[2]


def test_settings(monkeypatch):
    monkeypatch.delenv("CS_CONV_MAX_GIB", raising=False)
    monkeypatch.delenv("CS_CONV_MAX_SECONDS", raising=False)
    assert budget.max_bytes() <= budget.DEFAULT_BYTES
    assert budget.max_seconds() == budget.DEFAULT_SECONDS
    monkeypatch.setenv("CS_CONV_MAX_GIB", "64")
    assert budget.max_bytes() == 64 * 2**30 or budget.address_space_limit()
    monkeypatch.setenv("CS_CONV_MAX_GIB", "0")
    with pytest.raises(ValueError, match="CS_CONV_MAX_GIB='0' must be a positive"):
        budget.max_bytes()
    monkeypatch.setenv("CS_CONV_MAX_GIB", "lots")
    with pytest.raises(ValueError, match="is not a number"):
        budget.max_bytes()
    monkeypatch.setenv("CS_CONV_MAX_SECONDS", "0.001")
    assert budget.max_seconds() == budget.FLOOR_SECONDS


def test_an_address_space_limit_halves_into_the_budget():
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30)); "
        "from cs_conv import budget; print(budget.max_bytes(), budget.address_space_limit())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert [int(v) for v in out] == [3 * 2**29, 3 * 2**30]


def test_the_benchmark_is_refused_what_the_machine_cannot_hold(monkeypatch):
    from cs_conv.bench import parse_shape, run_benchmark

    monkeypatch.setenv("CS_CONV_MAX_GIB", "1")
    shape = parse_shape("64,64,56,56:64,3,3:1:1")  # the course's shape b: ~7 GB at once
    with pytest.raises(BudgetError, match=r"shape 64,64,56,56:64,3,3:1:1 .* need about") as info:
        run_benchmark([shape])
    hint = re.search(r"e\.g\. '([^']+)'", str(info.value))[1]
    costs.check_benchmark([parse_shape(hint)], ["float64"], [1], 5, 0.005)  # fits


# ------------------------------------------------------------------ max pooling
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


def _pool_suggested(message: str) -> tuple[tuple, dict]:
    """The x_shape and pool_param a pooling's refusal suggests."""
    m = re.search(r"try x_shape (\([^)]*\)) \((\d+)x(\d+) pool, stride \((\d+), (\d+)\)\)", message)
    param = {"pool_height": int(m[2]), "pool_width": int(m[3]), "stride": (int(m[4]), int(m[5]))}
    return ast.literal_eval(m[1]), param


@pytest.fixture
def default_budget(monkeypatch):
    monkeypatch.delenv("CS_CONV_MAX_GIB", raising=False)
    monkeypatch.delenv("CS_CONV_MAX_SECONDS", raising=False)


def test_imagenet_pooling_by_loops_is_refused_with_its_minutes(default_budget):
    x = np.broadcast_to(0.0, IMAGENET)
    with pytest.raises(
        BudgetError,
        match=r"^pooling\.max_pool_forward on x_shape \(64, 64, 224, 224\) with a 2x2 pool, "
        r"stride \(2, 2\) is refused before it starts: it would run for about 3\.43 minutes, "
        r"over the time budget of 60 s .*; try x_shape \(18, 64, 224, 224\) \(2x2 pool, "
        r"stride \(2, 2\)\): the batch in chunks of 18 image\(s\)$",
    ):
        pooling.max_pool_forward(x, POOL)
    dout = np.broadcast_to(0.0, (64, 64, 112, 112))
    with pytest.raises(BudgetError, match=r"max_pool_backward .* about 6\.86 minutes"):
        pooling.max_pool_backward(dout, (x, POOL))
    with pytest.raises(BudgetError, match=r"stride \(1, 1\) .* about 13\.6 minutes"):
        pooling.max_pool_forward(x, {**POOL, "stride": 1})


@pytest.mark.parametrize(("gib", "fits"), [(8, True), (2, False)])
def test_imagenet_pooling_through_im2col_depends_on_the_memory(monkeypatch, gib, fits):
    """cols (PH*PW times the output), arg and out: 2.3 GiB for ImageNet and a 2x2 pool."""
    monkeypatch.setenv("CS_CONV_MAX_GIB", str(gib))
    monkeypatch.delenv("CS_CONV_MAX_SECONDS", raising=False)
    g = pool_geometry(IMAGENET, 2, 2, 2)
    arrays, seconds = costs.stage_cost("pooling_im2col.max_pool_forward", g)
    assert arrays == {"cols": 4 * 64 * 64 * 112 * 112, "arg": 64**2 * 112**2, "out": 64**2 * 112**2}
    assert seconds < budget.DEFAULT_SECONDS
    if fits:
        costs.check_stage("pooling_im2col.max_pool_forward", g)  # no refusal: it would run
        return
    with pytest.raises(
        BudgetError,
        match=r"cols \(1\.53 GiB\), arg \(392 MiB\), out \(392 MiB\): 2\.3 GiB in all .* over "
        r"2 GiB .*; try x_shape \(55, 64, 224, 224\)",
    ):
        costs.check_stage("pooling_im2col.max_pool_forward", g)
    # a broadcast view is copied first: that copy counts too
    with pytest.raises(
        BudgetError,
        match=r"^pooling_im2col\.max_pool_forward on .* a C-contiguous copy of x \(1\.53 GiB\), "
        r"cols \(1\.53 GiB\).*3\.83 GiB in all",
    ):
        pooling_im2col.max_pool_forward(np.broadcast_to(0.0, IMAGENET), POOL)


def _run_pool(module, x, param, backward):
    """Run the forward (and the backward) of a 2x2, stride 2 pooling; check them against
    a reshape (forward) and the gradient's total (the backward moves it, never adds)."""
    out, cache = module.max_pool_forward(x, param)
    N, C, H, W = x.shape
    np.testing.assert_array_equal(out, x.reshape(N, C, H // 2, 2, W // 2, 2).max(axis=(3, 5)))
    if backward:
        dout = np.arange(out.size, dtype=np.float64).reshape(out.shape) % 7
        dx = module.max_pool_backward(dout, cache)
        assert dx.shape == x.shape
        assert dx.sum() == dout.sum()


def _refuse_pool(module, x, backward):
    """Call the forward, or the backward on a cache made without the forward."""
    if not backward:
        module.max_pool_forward(x, POOL)
    out_shape = pool_geometry(x.shape, 2, 2, 2).out_shape
    arg = np.zeros(math.prod(out_shape), dtype=np.intp)
    cache = (x, POOL) if module is pooling else (x, POOL, arg)
    module.max_pool_backward(np.zeros(out_shape), cache)


@pytest.mark.parametrize("backward", [False, True], ids=["forward", "backward"])
@pytest.mark.parametrize(
    ("x_shape", "kind"),
    [
        ((64, 8, 64, 64), "the batch in chunks of"),
        ((1, 512, 64, 64), "its channels in chunks of"),
        ((1, 1, 1536, 1536), "a smaller image"),
    ],
)
def test_a_pooling_through_im2col_suggests_a_call_that_runs(monkeypatch, x_shape, kind, backward):
    monkeypatch.setenv("CS_CONV_MAX_GIB", str(16 / 1024))  # the floor of the budget
    x = np.random.default_rng(1).integers(0, 5, x_shape).astype(np.float64)  # ties
    with pytest.raises(BudgetError, match=rf"x_shape {re.escape(str(x_shape))} .* {kind}") as e:
        _refuse_pool(pooling_im2col, x, backward)
    shape, param = _pool_suggested(str(e.value))
    assert param == {**POOL, "stride": (2, 2)}
    assert math.prod(shape) < math.prod(x_shape)
    _run_pool(pooling_im2col, x[tuple(slice(0, d) for d in shape)], param, backward)  # runs


@pytest.mark.parametrize("backward", [False, True], ids=["forward", "backward"])
def test_the_loops_suggest_a_chunk_that_runs(monkeypatch, backward):
    monkeypatch.setenv("CS_CONV_MAX_SECONDS", "1")  # the floor: about 250000 windows
    x = np.random.default_rng(2).standard_normal((64, 16, 64, 64))
    with pytest.raises(BudgetError, match=r"run for about .* chunks of \d+ image") as e:
        _refuse_pool(pooling, x, backward)
    shape, param = _pool_suggested(str(e.value))
    assert shape[1:] == x.shape[1:]
    assert 1 <= shape[0] < 64
    _run_pool(pooling, x[: shape[0]], param, backward)


def test_a_pool_too_large_for_one_window_asks_for_a_smaller_pool(small_budget):
    g = pool_geometry((1, 1, 2**17, 2**17), 2**17, 2**17, 1)
    with pytest.raises(BudgetError, match=r"try a smaller pool: even one window"):
        costs.check_stage("pooling.max_pool_forward", g)
