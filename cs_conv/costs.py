"""What each stage costs, estimated from shapes alone, and the refusal of a call over budget.

:func:`check_stage` is the first thing every stage of :mod:`cs_conv` does once
its arguments are validated: it estimates the arrays the call will create and
how long its loops will run (:data:`STAGES`), compares them with the budgets of
:mod:`cs_conv.budget`, and refuses the call with a :class:`~cs_conv.budget.BudgetError`
that names a smaller call that fits.

Examples
--------
>>> from cs_conv.geometry import conv_geometry
>>> g = conv_geometry((64, 64, 224, 224), 3, 3, 1, 1)
>>> check_stage("naive.conv_forward", g, F=64)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cs_conv.budget.BudgetError: naive.conv_forward on x_shape (64, 64, 224, 224) ... is refused ...
"""

from __future__ import annotations

from dataclasses import replace

from .budget import (
    FLOOR_BYTES,
    FLOOR_SECONDS,
    ITEM,
    BudgetError,
    address_space_limit,
    available_bytes,
    check,
    check_threads,
    describe_bytes,
    describe_seconds,
    max_bytes,
    max_seconds,
    memory_override,
)

__all__ = ["STAGES", "check_benchmark", "check_pad", "check_stage", "sizes", "stage_cost"]


def sizes(g, F: int) -> dict:
    """The sizes the estimates use: ``X`` (x), ``XP`` (padded x), ``KL`` (cols), ``O`` (out)...

    A pooling (:class:`~cs_conv.pool_geometry.PoolGeometry`) is costed as the
    convolution of its im2col (pool ``PH x PW`` as the filter, no pad): then
    ``KL`` is its cols, ``PP`` the taps of a window and ``NCP`` its windows.
    """
    N, C, H, W = g.x_shape
    K, L = g.cols_shape
    P = g.H_out * g.W_out
    return {
        "PP": g.HH * g.WW,
        "NCP": N * C * P,
        "X": N * C * H * W,
        "XP": N * C * (H + 2 * g.ph) * (W + 2 * g.pw),
        "K": K,
        "KL": K * L,
        "KP": K * P,
        "O": N * F * P,
        "NP": N * P,
        "NFP": N * F * P,
        "MAC": F * K * L,
    }


# Seconds per step, measured on the 2-core reference machine (rounded up):
# a Python loop step costs a few microseconds plus a nanosecond or two per
# element of its window; a multiply-add of a BLAS product half a nanosecond;
# a pass of NumPy fancy indexing or np.add.at ten to thirty nanoseconds per element.
_GEMM = 0.5e-9
_LAYER_BLOCK = (2 << 20) // ITEM  # the cython layer's reused block buffers (elements)
_KEEP_COLS = (4 << 20) // ITEM  # the cython layer keeps cols up to this size
# max pooling, measured on the loaded 2-core machine and rounded up: one window of the
# loops is a slice and a NumPy max, 1.6-5 us plus 0.7 ns per element (the backward's
# argmax and += take 4-8 us plus 2.5 ns).  Through im2col, an element of cols costs
# 6-16 ns forward (im2col, an argmax by blocks, a gather) and 3-7 ns back on small
# batches, but 40-60 ns on an ImageNet batch, where touching fresh memory dominates
# (4-28 ns per 8 bytes on this virtual machine)
_POOL_STEP = 4e-6
_POOL_COLS = 5e-8


def _layer_cols(s):
    return s["KL"] if s["KL"] <= _KEEP_COLS else 2 * _LAYER_BLOCK


def _pool_cols(s):
    return {"cols": s["KL"], "arg": s["NCP"], "out": s["NCP"]}


#: stage name -> (arrays: sizes -> {name: elements}, seconds: sizes -> float)
STAGES = {
    "pad_input": (lambda s: {"x_pad": s["XP"]}, lambda s: 1e-9 * s["XP"]),
    "naive.conv_forward": (
        lambda s: {"x_pad": s["XP"], "out": s["O"]},
        lambda s: s["NFP"] * (4e-6 + 2e-9 * s["K"]),
    ),
    "naive.conv_backward": (
        lambda s: {"x_pad": s["XP"], "dx_pad": s["XP"], "dx": s["X"]},
        lambda s: s["NFP"] * (8e-6 + 4e-9 * s["K"]),
    ),
    "im2col_loops.im2col": (
        lambda s: {"x_pad": s["XP"], "cols": s["KL"]},
        lambda s: s["NP"] * (1.5e-6 + 1e-9 * s["K"]),
    ),
    "im2col_loops.col2im": (
        lambda s: {"x_pad": s["XP"], "dx": s["X"]},
        lambda s: s["NP"] * (3e-6 + 2e-9 * s["K"]),
    ),
    "im2col_fancy.im2col_indices": (
        lambda s: {"index arrays i, j and their temporaries": 4 * s["KP"]},
        lambda s: 1e-8 * s["KP"],
    ),
    "im2col_fancy.im2col": (
        lambda s: {
            "x_pad": s["XP"],
            "index arrays": 4 * s["KP"],
            "the gathered windows": s["KL"],
            "cols": s["KL"],
        },
        lambda s: 1e-8 * s["KL"],
    ),
    "im2col_fancy.col2im": (
        lambda s: {"x_pad": s["XP"], "index arrays": 4 * s["KP"], "dx": s["X"]},
        lambda s: 3e-8 * s["KL"],
    ),
    "im2col_cython": (
        lambda s: {"cols (im2col) or dx (col2im)": max(s["KL"], s["X"])},
        lambda s: 2e-9 * (s["KL"] + s["X"]),
    ),
    "layers": (
        lambda s: {"out": s["O"], "dx": s["X"], "cols or its blocks": _layer_cols(s)},
        lambda s: 3 * _GEMM * s["MAC"] + 4e-9 * s["KL"],
    ),
    "layers.loops": (
        lambda s: {"x_pad": s["XP"], "cols": s["KL"], "w @ cols": s["O"], "out": s["O"]},
        lambda s: s["NP"] * (1.5e-6 + 1e-9 * s["K"]) + _GEMM * s["MAC"],
    ),
    "layers.fancy": (
        lambda s: {
            "x_pad": s["XP"],
            "index arrays": 4 * s["KP"],
            "the gathered windows": s["KL"],
            "cols": s["KL"],
            "w @ cols": s["O"],
            "out": s["O"],
        },
        lambda s: 1e-8 * s["KL"] + _GEMM * s["MAC"],
    ),
    # max pooling (a PoolGeometry, costed as the convolution of its im2col: see sizes)
    "pooling.max_pool_forward": (
        lambda s: {"out": s["NCP"]},
        lambda s: s["NCP"] * (_POOL_STEP + 1e-9 * s["PP"]),
    ),
    "pooling.max_pool_backward": (
        lambda s: {"dout as a float array": s["NCP"], "dx": s["X"]},
        lambda s: s["NCP"] * (2 * _POOL_STEP + 3e-9 * s["PP"]),
    ),
    "pooling_im2col.max_pool_forward": (_pool_cols, lambda s: _POOL_COLS * s["KL"]),
    # x not C-contiguous (a view): im2col copies it first
    "pooling_im2col.max_pool_forward of a view": (
        lambda s: {"a C-contiguous copy of x": s["X"], **_pool_cols(s)},
        lambda s: _POOL_COLS * (s["KL"] + s["X"]),
    ),
    "pooling_im2col.max_pool_backward": (
        lambda s: {
            "dout as a float array": s["NCP"],
            "dcols": s["KL"],
            "column indices": s["NCP"],
            "dx": s["X"],
        },
        lambda s: _POOL_COLS * s["KL"] + 2e-8 * s["X"],
    ),
}


def stage_cost(stage: str, g, F: int = 1) -> tuple[dict, float]:
    """``(arrays, seconds)``: what ``stage`` creates for geometry ``g``, and for how long.

    Parameters
    ----------
    stage : str
        A key of :data:`STAGES`.
    g : cs_conv.geometry.ConvGeometry or cs_conv.pool_geometry.PoolGeometry
    F : int
        Number of filters (the convolutions).

    Examples
    --------
    >>> from cs_conv.geometry import conv_geometry
    >>> arrays, seconds = stage_cost("im2col_loops.im2col", conv_geometry((2, 3, 5, 5), 3, 3))
    >>> arrays
    {'x_pad': 150, 'cols': 486}
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {sorted(STAGES)}, got {stage!r}")
    arrays_of, seconds_of = STAGES[stage]
    s = sizes(_as_conv(g), F)
    return arrays_of(s), float(seconds_of(s))


def _as_conv(g):
    """``g``, or a pooling's :class:`~cs_conv.pool_geometry.PoolGeometry` as the
    :class:`~cs_conv.geometry.ConvGeometry` of its im2col (the pool as a one-channel
    filter applied to every plane, no pad)."""
    if not hasattr(g, "PH"):
        return g
    from .geometry import ConvGeometry

    return ConvGeometry(g.N, g.C, g.H, g.W, g.PH, g.PW, g.sh, g.sw, 0, 0, g.H_out, g.W_out)


def _fits(stage, g, F) -> bool:
    arrays, seconds = stage_cost(stage, g, F)
    total = sum(arrays.values()) * ITEM
    if total <= FLOOR_BYTES and seconds <= FLOOR_SECONDS:
        return True
    return total <= max_bytes() and seconds <= max_seconds()


def _largest(lo: int, hi: int, fits) -> int | None:
    """The largest ``v`` in ``[lo, hi]`` with ``fits(v)`` (monotone), or None."""
    if not fits(lo):
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _smaller(stage: str, g, F: int, pool: bool = False) -> str:
    """A call like ``g``'s that fits: fewer images, fewer filters, a smaller pad, a smaller
    output, fewer channels (the first of these that works).  A pooling (``pool``) pools
    each channel on its own: fewer images, then fewer channels, then a smaller image."""

    def shown(c, f=F):
        if pool:
            return f"x_shape {c.x_shape} ({c.HH}x{c.WW} pool, stride {c.stride})"
        filters = f" with {f} filter(s)" if f != F else ""
        return f"x_shape {c.x_shape}{filters} (stride {c.stride}, pad {c.pad})"

    n = _largest(1, g.N, lambda v: _fits(stage, replace(g, N=v), F))
    if n is not None:
        return f"{shown(replace(g, N=n))}: the batch in chunks of {n} image(s)"
    one = replace(g, N=1)
    if pool:
        c = _largest(1, g.C, lambda v: _fits(stage, replace(one, C=v), F))
        if c is not None:
            return (
                f"{shown(replace(one, C=c))}: one image at a time, its channels in chunks "
                f"of {c} (each channel is pooled on its own)"
            )
        g = one = replace(one, C=1)
    f = _largest(1, F, lambda v: _fits(stage, one, v)) if F > 1 else None
    if f is not None:
        return shown(one, f) + ": fewer filters at a time"
    pad = _smaller_pad(stage, one, F)
    if pad is not None:
        return shown(pad)
    # a smaller output of one image (and a pad small enough for the input to exist)
    ph, pw = min(g.ph, (g.HH - 1) // 2), min(g.pw, (g.WW - 1) // 2)
    # a crop of x is a view: a stage that copies views counts that copy (the pooling's im2col)
    crop = f"{stage} of a view" if f"{stage} of a view" in STAGES else stage
    scale = _largest(1, 1000, lambda k: _fits(crop, _scaled(g, k, ph, pw), F))
    if scale is not None:
        return shown(_scaled(g, scale, ph, pw)) + (": a smaller image" if pool else "")
    if pool:
        return "a smaller pool: even one window of one channel is too large"
    tiny = _scaled(g, 0, ph, pw)  # a 1x1 output
    c = _largest(1, g.C, lambda v: _fits(stage, replace(tiny, C=v), F))
    if c is not None:
        return shown(replace(tiny, C=c)) + " (fewer channels)"
    return "a smaller filter or fewer filters: even one output pixel of one channel is too large"


def _smaller_pad(stage: str, g, F: int):
    """``g`` with the largest smaller pad that fits and still tiles, or None."""
    from .geometry import conv_geometry

    def padded(v):
        return min(g.ph, v), min(g.pw, v)

    def geometry(v):
        try:
            return conv_geometry(g.x_shape, g.HH, g.WW, g.stride, padded(v))
        except ValueError:
            return None

    top = max(g.ph, g.pw)
    # the cost grows with the pad; tiling holds for some pads only, so look below the bound
    bound = _largest(0, top, lambda v: _fits(stage, _with_pad(g, *padded(v)), F))
    if bound is None or bound == top:
        return None
    for v in range(bound, max(-1, bound - 2 * max(g.stride) - 1), -1):
        cand = geometry(v)
        if cand is not None and _fits(stage, cand, F):
            return cand
    return None


def _with_pad(g, ph: int, pw: int):
    """``g`` with another pad (output sizes floored, as a cost estimate)."""
    Ho = max(1, (g.H + 2 * ph - g.HH) // g.sh + 1)
    Wo = max(1, (g.W + 2 * pw - g.WW) // g.sw + 1)
    return replace(g, ph=ph, pw=pw, H_out=Ho, W_out=Wo)


def _scaled(g, k: int, ph: int, pw: int):
    """One image whose output is ``k``/1000 of ``g``'s (at least 1x1), pad kept when possible."""
    Ho, Wo = max(1, g.H_out * k // 1000), max(1, g.W_out * k // 1000)
    ph = g.ph if (Ho - 1) * g.sh + g.HH - 2 * g.ph >= 1 else ph
    pw = g.pw if (Wo - 1) * g.sw + g.WW - 2 * g.pw >= 1 else pw
    H = (Ho - 1) * g.sh + g.HH - 2 * ph
    W = (Wo - 1) * g.sw + g.WW - 2 * pw
    return replace(g, N=1, H=H, W=W, ph=ph, pw=pw, H_out=Ho, W_out=Wo)


def check_stage(stage: str, g, F: int = 1, *, what: str | None = None) -> None:
    """Refuse ``stage`` on geometry ``g`` (and ``F`` filters) when it is over budget.

    The message gives the arrays, the time, the budgets and a smaller shape
    that fits (fewer images first; else a smaller output; else fewer channels).
    ``g`` is a :class:`~cs_conv.geometry.ConvGeometry`, or for the pooling
    stages a :class:`~cs_conv.pool_geometry.PoolGeometry`.

    Examples
    --------
    >>> from cs_conv.pool_geometry import pool_geometry
    >>> check_stage("pooling.max_pool_forward", pool_geometry((64, 64, 224, 224), 2, 2, 2))
    ... # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    cs_conv.budget.BudgetError: pooling.max_pool_forward on x_shape (64, 64, 224, 224) with a
    2x2 pool, stride (2, 2) is refused before it starts: it would run for about ... minutes, ...;
    try x_shape (..., 64, 224, 224) (2x2 pool, stride (2, 2)): the batch in chunks of ...
    """
    pool = hasattr(g, "PH")
    g = _as_conv(g)
    if _fits(stage, g, F):
        return
    arrays, seconds = stage_cost(stage, g, F)
    label = what or stage
    if stage == "pad_input":
        call = f"{label} on x of shape {g.x_shape} with pad {g.pad}"
    elif pool:
        call = f"{label} on x_shape {g.x_shape} with a {g.HH}x{g.WW} pool, stride {g.stride}"
    else:
        filters = f", {F} filters" if stage.startswith(("naive", "layers")) else ""
        call = (
            f"{label} on x_shape {g.x_shape} with a {g.HH}x{g.WW} filter{filters}, "
            f"stride {g.stride}, pad {g.pad}"
        )
    check(call, arrays=arrays, seconds=seconds, hint=_smaller(stage, g, F, pool))


def check_pad(x_shape, pad) -> None:
    """:func:`check_stage` for :func:`cs_conv.pad_input` (``x_shape``, a ``(ph, pw)`` pad)."""
    from .geometry import ConvGeometry

    N, C, H, W = x_shape
    ph, pw = pad
    if N * C * (H + 2 * ph) * (W + 2 * pw) * ITEM <= FLOOR_BYTES:
        return
    g = ConvGeometry(N, C, H, W, 1, 1, 1, 1, ph, pw, H + 2 * ph, W + 2 * pw)
    check_stage("pad_input", g)


def check_benchmark(shapes, dtypes, threads, repeats, min_sample) -> None:
    """Validate :func:`cs_conv.bench.run_benchmark`'s arguments and refuse a run over budget.

    Memory: every contender of one shape is built at once (``cols`` five times over,
    plus the largest peer's temporaries), which may use at most three quarters of the
    memory available now (``CS_CONV_MAX_GIB`` sets the limit instead).  Time: at most
    an hour (or ``CS_CONV_MAX_SECONDS``, when larger), estimated from the rounds, the
    seconds per sample and the Python-loop stages of the small shapes.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or not 1 <= repeats <= 1000:
        raise ValueError(f"repeats must be an int in 1..1000, got {repeats!r}")
    if (
        isinstance(min_sample, bool)
        or not isinstance(min_sample, int | float)
        or not 0 < min_sample <= 10
    ):
        raise ValueError(f"min_sample must be a number of seconds in (0, 10], got {min_sample!r}")
    dtypes, threads, shapes = list(dtypes), list(threads), list(shapes)
    for d in dtypes:
        if d not in ("float64", "float32"):
            raise ValueError(f'dtypes must be "float64" or "float32", got {d!r}')
    for t in threads:
        check_threads(t, "each thread count")
    for shape in shapes:
        if not all(hasattr(shape, a) for a in ("geometry", "w_shape", "small", "describe")):
            raise TypeError(f"shapes must be BenchShape objects (parse_shape), got {shape!r:.80}")
    env = memory_override()
    limit = env if env is not None else available_bytes() * 3 // 4
    rlimit = address_space_limit()
    if rlimit is not None:
        limit = min(limit, rlimit // 2)
    limit_s = max(3600.0, max_seconds())
    itemsize = 8 if "float64" in dtypes else 4
    total_s = 0.0
    for shape in shapes:
        g = shape.geometry
        s = sizes(g, shape.w_shape[0])
        elements = 7 * s["KL"] + 6 * s["X"] + s["XP"] + 4 * s["KP"] + 4 * s["O"]
        per_call = 3e-8 * s["KL"] + _GEMM * s["MAC"]
        if shape.small:
            per_call += stage_cost("naive.conv_forward", g, shape.w_shape[0])[1]
        rounds = (repeats + 3) * len(dtypes) * len(threads)
        total_s += rounds * (20 * min_sample + 3 * per_call)
        note = (
            "CS_CONV_MAX_GIB" if env is not None else "three quarters of the memory available now"
        )
        if elements * itemsize > limit:
            raise BudgetError(
                f"the benchmark of shape {shape.name} ({shape.describe()}) is refused before "
                f"it starts: its contenders need about {describe_bytes(elements * itemsize)} "
                f"at once, over {describe_bytes(limit)} ({note}); try a smaller N "
                f"(memory grows with it), e.g. {_bench_hint(shape, limit / (elements * itemsize))}"
            )
    if total_s > limit_s:
        raise BudgetError(
            f"the benchmark is refused before it starts: {len(shapes)} shape(s) x "
            f"{len(dtypes)} dtype(s) x {len(threads)} thread count(s) x {repeats} rounds of "
            f"min_sample={min_sample} s would take about {describe_seconds(total_s)}, over "
            f"{describe_seconds(limit_s)}; use fewer shapes, rounds or a smaller min_sample"
        )


def _bench_hint(shape, fraction: float) -> str:
    N = max(1, int(shape.x_shape[0] * fraction))
    xs = ",".join(map(str, (N, *shape.x_shape[1:])))
    F, _, HH, WW = shape.w_shape
    return f"'{xs}:{F},{HH},{WW}:{shape.stride}:{shape.pad}'"
