"""Every public callable of cs_conv, called with oversized and absurd arguments.

:data:`CALLS` maps each public callable (by its qualified name) to its calls:
``(label, expect, thunk)``.  ``expect`` is ``"refuse"`` (the call must raise a
ValueError, TypeError or MemoryError: a clean refusal) or ``"return"`` (the call
must come back, e.g. a checker given a student function that returns absurd
outputs reports a failed check instead of raising).  :data:`EXEMPT` names the
callables that take no size at all, with the reason.  Arrays are broadcast views:
a shape of 10**16 elements costs no memory until someone copies it.

Nothing here runs at import; :mod:`.runner` runs one group of calls in a child
process under an address-space limit.  The pooling stages and their checkers are in
:mod:`.calls_pooling`, the checks of notebooks 4 and 7 in :mod:`.calls_training`.
"""

from __future__ import annotations

import atexit
import itertools
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np

INF = float("inf")
GIANT = 10**9
IMAGENET = (64, 64, 224, 224)
MANY = (6400, 1, 224, 224)  # a hundred times the images, one channel


def big(shape, dtype=np.float64):
    """An array of ``shape`` that takes no memory (every entry is the same zero)."""
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


def small(shape=(1, 1, 4, 4)):
    return np.zeros(shape)


def param(stride=1, pad=0):
    return {"stride": stride, "pad": pad}


# absurd geometries: (x_shape, HH, WW, stride, pad); every one must be refused
GEOMETRIES = [
    ("imagenet", IMAGENET, 3, 3, 1, 1),
    ("pad 10**9", (1, 1, 4, 4), 3, 3, 1, GIANT),
    ("stride 10**9", (1, 1, 10**6, 10**6), 3, 3, GIANT, 0),
    ("giant N", (GIANT, 3, 32, 32), 3, 3, 1, 1),
    ("HH larger than the image", (1, 1, 3, 3), 9, 9, 1, 0),
    ("inf size", (1, 1, INF, 4), 3, 3, 1, 0),
    ("negative size", (1, 1, -4, 4), 3, 3, 1, 0),
    ("numpy ints, giant", tuple(np.int64(v) for v in (GIANT, 64, 224, 224)), 3, 3, 1, 1),
    ("bool stride", (1, 1, 4, 4), 3, 3, True, 0),
    ("string pad", (1, 1, 4, 4), 3, 3, 1, "1"),
    ("inf filter", (1, 1, 4, 4), INF, 3, 1, 0),
    ("negative pad", (1, 1, 4, 4), 3, 3, 1, -1),
    ("string shape", "1,1,4,4", 3, 3, 1, 0),
]


def _geometry_calls(func, *, with_x=False, with_cols=False, fine=()):
    """``func`` on every absurd geometry: the shape itself, or an array of it.  The
    geometries labelled in ``fine`` are no problem for ``func``: they must return."""
    calls = []
    for label, shape, HH, WW, stride, pad in GEOMETRIES:
        if with_x:
            try:
                x = big(shape)
            except (TypeError, ValueError):  # not a shape at all: pass it as it is
                x = shape
            calls.append((label, lambda x=x, a=(HH, WW, stride, pad): func(x, *a)))
        elif with_cols:
            calls.append((label, lambda s=shape, a=(HH, WW, stride, pad): func(big((9, 4)), s, *a)))
        else:
            calls.append((label, lambda s=shape, a=(HH, WW, stride, pad): func(s, *a)))
    return [(label, "return" if label in fine else "refuse", thunk) for label, thunk in calls]


def _cols_for(x_shape, k, s=1, p=1):
    """A zero-memory cols of the right shape for x_shape with a k x k filter."""
    N, C, H, W = x_shape
    Ho, Wo = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    return big((C * k * k, N * Ho * Wo))


def _conv_calls(forward):
    """A convolution forward on absurd inputs."""
    w, b = np.zeros((64, 64, 3, 3)), np.zeros(64)
    return [
        ("imagenet batch", "refuse", lambda: forward(big(IMAGENET), w, b, param(1, 1))),
        ("giant N", "refuse", lambda: forward(big((GIANT, 64, 8, 8)), w, b, param(1, 1))),
        (
            "pad 10**9",
            "refuse",
            lambda: forward(small(), small((1, 1, 3, 3)), [0], param(1, GIANT)),
        ),
        (
            "stride 10**9",
            "refuse",
            lambda: forward(small((1, 1, 5, 5)), small((1, 1, 3, 3)), [0], param(GIANT, 0)),
        ),
        (
            "10**9 filters",
            "refuse",
            lambda: forward(small(), big((GIANT, 1, 3, 3)), big((GIANT,)), param(1, 1)),
        ),
        ("HH larger", "refuse", lambda: forward(small(), small((1, 1, 9, 9)), [0], param())),
        ("int8 view", "refuse", lambda: forward(big(IMAGENET, np.int8), w, b, param(1, 1))),
        (
            "float32 view, float64 w",
            "refuse",
            lambda: forward(big((10**4, 64, 10**3, 10**3), np.float32), w, b, param(1, 1)),
        ),
        ("inf pad", "refuse", lambda: forward(small(), small((1, 1, 3, 3)), [0], param(1, INF))),
        (
            "negative stride",
            "refuse",
            lambda: forward(small(), small((1, 1, 3, 3)), [0], param(-1, 0)),
        ),
        ("bool pad", "refuse", lambda: forward(small(), small((1, 1, 3, 3)), [0], param(1, True))),
        ("string param", "refuse", lambda: forward(small(), small((1, 1, 3, 3)), [0], "s1p0")),
        (
            "numpy int pad",
            "refuse",
            lambda: forward(small(), small((1, 1, 3, 3)), [0], param(1, np.int64(GIANT))),
        ),
    ]


def _backward_calls(backward, cache_of):
    """A convolution backward whose cache holds absurd inputs."""
    w, b = np.zeros((64, 64, 3, 3)), np.zeros(64)
    dout = big((64, 64, 224, 224))
    return [
        ("imagenet cache", "refuse", lambda: backward(dout, cache_of(big(IMAGENET), w, b))),
        (
            "giant N",
            "refuse",
            lambda: backward(big((GIANT, 64, 8, 8)), cache_of(big((GIANT, 64, 8, 8)), w, b)),
        ),
        ("not a cache", "refuse", lambda: backward(dout, 42)),
        ("short cache", "refuse", lambda: backward(dout, (1, 2))),
    ]


def _stages():
    from cs_conv import (
        conv_output_shape,
        gradcheck,
        im2col_cython,
        im2col_fancy,
        im2col_loops,
        layers,
        naive,
        pad_input,
    )

    def layer_cache(backend):
        return lambda x, w, b: layers.LayerCache(x, w, b, param(1, 1), None, backend)

    def cache(x, w, b):
        return (x, w, b, param(1, 1))

    table = {
        "cs_conv.conv_output_shape": [
            (
                label,
                "refuse",
                lambda s=s, k=(hh, ww), st=st, p=p: conv_output_shape(
                    s, (1, s[1] if isinstance(s, tuple) else 1, *k), st, p
                ),
            )
            for label, s, hh, ww, st, p in GEOMETRIES
            if label != "imagenet"
        ]
        + [("string w_shape", "refuse", lambda: conv_output_shape((1, 1, 4, 4), "1133"))],
        "cs_conv.pad_input": [
            ("pad 10**9", "refuse", lambda: pad_input(small(), GIANT)),
            ("numpy int pad", "refuse", lambda: pad_input(small(), np.int64(GIANT))),
            ("huge x", "refuse", lambda: pad_input(big((10**5, 10**5, 10, 10)), 1)),
            ("int8 view", "refuse", lambda: pad_input(big((10**4,) * 4, np.int8), 0)),
            ("inf pad", "refuse", lambda: pad_input(small(), INF)),
            ("negative pad", "refuse", lambda: pad_input(small(), -1)),
            ("bool pad", "refuse", lambda: pad_input(small(), True)),
            ("string pad", "refuse", lambda: pad_input(small(), "1")),
            ("3-D x", "refuse", lambda: pad_input(big((10**9, 10**9, 10**9)), 1)),
        ],
        "cs_conv.naive.conv_forward": _conv_calls(naive.conv_forward),
        "cs_conv.naive.conv_backward": _backward_calls(naive.conv_backward, cache),
        "cs_conv.layers.conv_forward": [
            *_conv_calls(layers.conv_forward),
            *[
                (
                    f"imagenet, {be}",
                    "refuse",
                    lambda be=be: layers.conv_forward(
                        big(IMAGENET), np.zeros((64, 64, 3, 3)), np.zeros(64), param(1, 1), be
                    ),
                )
                for be in ("loops", "fancy")
            ],
            (
                "backend 42",
                "refuse",
                lambda: layers.conv_forward(small(), small((1, 1, 3, 3)), [0], param(), 42),
            ),
        ],
        "cs_conv.layers.conv_backward": [
            *_backward_calls(layers.conv_backward, layer_cache("cython")),
            *_backward_calls(layers.conv_backward, layer_cache("fancy"))[:1],
        ],
        "cs_conv.gradcheck.numerical_gradient": [
            (
                "huge x",
                "refuse",
                lambda: gradcheck.numerical_gradient(
                    lambda v: v, big((10**4,) * 3), big((10**4,) * 3)
                ),
            ),
            (
                "10**8 entries",
                "refuse",
                lambda: gradcheck.numerical_gradient(lambda v: v.sum(), big((10**8,)), np.ones(())),
            ),
            (
                "int8 df view",
                "refuse",
                lambda: gradcheck.numerical_gradient(
                    lambda v: v, np.zeros(3), big((10**6,) * 3, np.int8)
                ),
            ),
        ],
        "cs_conv.gradcheck.rel_error": [
            (
                "huge arrays",
                "refuse",
                lambda: gradcheck.rel_error(big((10**6,) * 3), big((10**6,) * 3)),
            ),
            ("imagenet", "refuse", lambda: gradcheck.rel_error(big(IMAGENET), big(IMAGENET))),
            ("shapes differ", "refuse", lambda: gradcheck.rel_error(big((10**9,)), big((1,)))),
            ("strings", "refuse", lambda: gradcheck.rel_error("abc", "abd")),
        ],
    }
    for module in (im2col_loops, im2col_fancy, im2col_cython):
        name = module.__name__
        table[f"{name}.im2col"] = [
            *_geometry_calls(module.im2col, with_x=True),
            ("int8 view", "refuse", lambda m=module: m.im2col(big(IMAGENET, np.int8), 3, 3, 1, 1)),
        ]
        table[f"{name}.col2im"] = [
            *_geometry_calls(module.col2im, with_cols=True),
            (
                "imagenet",
                "refuse",
                lambda m=module: m.col2im(_cols_for(IMAGENET, 3), IMAGENET, 3, 3, 1, 1),
            ),
            (
                "6400 images",
                "refuse",
                lambda m=module: m.col2im(_cols_for(MANY, 3), MANY, 3, 3, 1, 1),
            ),
            (
                "transposed",
                "refuse",
                lambda m=module: m.col2im(_cols_for(IMAGENET, 3).T, IMAGENET, 3, 3, 1, 1),
            ),
        ]
    # index arrays are per image: ImageNet's, (576, 50176), are within budget (not absurd)
    indices = _geometry_calls(im2col_fancy.im2col_indices)
    table["cs_conv.im2col_fancy.im2col_indices"] = [
        *(call for call in indices if call[0] != "imagenet"),
        ("10**6 channels", "refuse", lambda: im2col_fancy.im2col_indices((1, 10**6, 99, 99), 3, 3)),
    ]
    table["cs_conv.im2col_cython.set_num_threads"] = [
        (label, "refuse", lambda n=n: im2col_cython.set_num_threads(n))
        for label, n in (("10**9", GIANT), ("0", 0), ("inf", INF), ("bool", True), ("str", "2"))
    ]
    return table


def _viz():
    from cs_conv import viz

    fig = viz.plot_col2im_overlap((1, 1, 3, 3), 2, 2)
    table = {
        f"cs_conv.viz.{f}": _geometry_calls(getattr(viz, f))
        for f in ("plot_im2col", "im2col_metadata", "plot_col2im_overlap")
    }
    # the counts are one plane of H x W whatever N and C: ImageNet's is 226 x 226
    table["cs_conv.viz.overlap_counts"] = _geometry_calls(viz.overlap_counts, fine=("imagenet",))
    table["cs_conv.viz.plot_im2col"] += [
        ("highlight 10**9", "refuse", lambda: viz.plot_im2col((1, 1, 4, 4), 2, 2, highlight=GIANT)),
        ("highlight inf", "refuse", lambda: viz.plot_im2col((1, 1, 4, 4), 2, 2, highlight=INF)),
        ("2x imagenet", "refuse", lambda: viz.plot_im2col((128, 64, 224, 224), 3, 3, 1, 1)),
    ]
    table["cs_conv.viz.overlap_counts"] += [
        ("pad 10**6", "refuse", lambda: viz.overlap_counts((1, 1, 4, 4), 3, 3, 1, 10**6)),
    ]
    table["cs_conv.viz.plot_mismatch"] = [
        ("imagenet", "refuse", lambda: viz.plot_mismatch(big(IMAGENET), big(IMAGENET))),
        (
            "10**8 entries",
            "refuse",
            lambda: viz.plot_mismatch(big((10**4, 10**4)), big((10**4, 10**4))),
        ),
        ("strings", "refuse", lambda: viz.plot_mismatch(["a", "b"], ["c", "d"])),
    ]
    table["cs_conv.viz.mismatch_mask"] = [
        ("imagenet", "refuse", lambda: viz.mismatch_mask(big(IMAGENET), big(IMAGENET))),
        (
            "broadcast to 10**12",
            "refuse",
            lambda: viz.mismatch_mask(big((10**6, 1)), big((1, 10**6))),
        ),
        ("strings", "refuse", lambda: viz.mismatch_mask("abc", "abd")),
    ]
    row = {"shape": "a", "stage": "s", "ratio": 1.0}
    table["cs_conv.viz.plot_benchmark"] = [
        ("endless results", "refuse", lambda: viz.plot_benchmark(itertools.repeat(row))),
        ("10**6 results", "refuse", lambda: viz.plot_benchmark([row] * 10**6)),
        (
            "10**7-character label",
            "refuse",
            lambda: viz.plot_benchmark([{**row, "shape": "x" * 10**7}]),
        ),
        ("inf ratio", "refuse", lambda: viz.plot_benchmark([{**row, "ratio": INF}])),
        ("negative ratio", "refuse", lambda: viz.plot_benchmark([{**row, "ratio": -1.0}])),
        ("huge title", "refuse", lambda: viz.plot_benchmark([row], title="t" * 10**7)),
        ("a string", "refuse", lambda: viz.plot_benchmark("shape,stage,ratio")),
    ]
    table["cs_conv.viz.explore_im2col"] = [
        ("H=10**9", "refuse", lambda: viz.explore_im2col(H=GIANT)),
        (
            "the issue's (2, 3, 9, 12)",
            "refuse",
            lambda: viz.explore_im2col(N=2, C=3, H=9, W=12, HH=3, WW=3),
        ),
        ("H=inf", "refuse", lambda: viz.explore_im2col(H=INF)),
        ("pad=-1", "refuse", lambda: viz.explore_im2col(pad=-1)),
        ("N=True", "refuse", lambda: viz.explore_im2col(N=True)),
        ("numpy int H=10**9", "refuse", lambda: viz.explore_im2col(H=np.int64(GIANT))),
        ("column 10**9", "refuse", lambda: viz.explore_im2col(column=GIANT)),
        ("live, H=10**9", "refuse", lambda: viz.explore_im2col(live=True, H=GIANT)),
    ]
    for f in ("figure_to_png_base64", "figure_to_html_img"):
        render = getattr(viz, f)
        table[f"cs_conv.viz.{f}"] = [
            ("dpi 10**6", "refuse", lambda r=render: r(fig, dpi=10**6)),
            ("dpi 5000", "refuse", lambda r=render: r(fig, dpi=5000)),
            ("dpi inf", "refuse", lambda r=render: r(fig, dpi=INF)),
            ("dpi -1", "refuse", lambda r=render: r(fig, dpi=-1)),
            ("dpi string", "refuse", lambda r=render: r(fig, dpi="300")),
            ("not a figure", "refuse", lambda r=render: r("figure")),
        ]
    return table


def _student_functions():
    """Student functions returning absurd outputs: the checkers must report, not fail."""
    huge = big((10**4,) * 4)

    def arrays(*_args, **_kw):
        return huge

    def pair(*_args, **_kw):
        return huge, None

    def triple(*_args, **_kw):
        return huge, huge, huge

    def giant_ints(*_args, **_kw):
        return (10**100,) * 4

    def endless(*_args, **_kw):
        return itertools.count()

    return {
        "conv_output_shape": giant_ints,
        "pad_input": arrays,
        "conv_forward": pair,
        "conv_backward": triple,
        "im2col": arrays,
        "col2im": arrays,
        "im2col_indices": triple,
        "layer_forward": pair,
        "layer_backward": triple,
        "endless": endless,
    }


_STAGED = {"check_im2col", "check_col2im", "check_layer_forward", "check_layer_backward"}


def failed(result):
    """``result`` when the check failed (as it must), else an AssertionError."""
    if result.passed:
        raise AssertionError(f"{result.label} passed on absurd outputs")
    return result


def _check():
    from cs_conv import check
    from cs_conv.check.cases import Template

    student = _student_functions()
    table = {}
    one_call = {
        "check_conv_output_shape": ("conv_output_shape",),
        "check_pad_input": ("pad_input",),
        "check_conv_forward": ("conv_forward",),
        "check_conv_backward": ("conv_backward", "conv_forward"),
        "check_im2col": ("im2col",),
        "check_col2im": ("col2im",),
        "check_im2col_indices": ("im2col_indices",),
        "check_layer_forward": ("layer_forward",),
        "check_layer_backward": ("layer_backward", "layer_forward"),
    }
    for name, funcs in one_call.items():
        f = getattr(check, name)
        args = [student[k] for k in funcs]
        table[f"cs_conv.check.{name}"] = [
            ("absurd outputs", "return", lambda f=f, a=args: failed(f(*a))),
            (
                "endless iterator",
                "return",
                lambda f=f, a=args: failed(f(student["endless"], *a[1:])),
            ),
            ("key of 5000 digits", "refuse", lambda f=f, a=args: f(*a, key=10**5000)),
            (
                "key of 10**7 characters",
                "return",
                lambda f=f, a=args: failed(f(*a, key="k" * 10**7)),
            ),
            ("stage nonsense", "refuse", lambda f=f, a=args: f(*a, stage="gpu"))
            if name in _STAGED
            else ("shrink nonsense", "return", lambda f=f, a=args: failed(f(*a, shrink="yes"))),
        ]
        # a "function" that cannot be called fails every case, as one that raises
        table[f"cs_conv.check.{name}"].append(
            ("not a function", "return", lambda f=f, a=args: failed(f(*[42] * len(a))))
        )
    giant = Template(GIANT, 1, 1, "square", "square", 1, 0)
    wide = Template(1, 1, 1, "wide", "nonsquare", GIANT, 0)
    table["cs_conv.check.make_cases"] = [
        (
            "giant N template",
            "refuse",
            lambda: check.make_cases("im2col", "k", templates=[giant])[0].arrays(),
        ),
        (
            "stride 10**9 template",
            "refuse",
            lambda: check.make_cases("im2col", "k", templates=[wide])[0].arrays(),
        ),
        (
            "endless templates",
            "refuse",
            lambda: check.make_cases("im2col", "k", templates=itertools.repeat(giant)),
        ),
        ("key of 5000 digits", "refuse", lambda: check.make_cases("im2col", 10**5000)),
    ]
    cases = check.make_cases("im2col", "k")[:2]
    table["cs_conv.check.run_checker"] = [
        (
            "absurd outputs",
            "return",
            lambda: check.run_checker("im2col", student["im2col"], cases),
        ),
        (
            "giant case",
            "refuse",
            lambda: check.run_checker(
                "im2col", student["im2col"], [check.make_cases("im2col", "k", templates=[giant])[0]]
            ),
        ),
        ("not a checker", "refuse", lambda: check.run_checker("gpu", student["im2col"], cases)),
    ]
    huge_case = check.make_cases("im2col", "k", templates=[giant])[0]
    spec = huge_case.spec
    table["cs_conv.check.Case"] = [
        ("giant arrays", "refuse", lambda: huge_case.arrays()),
        (
            "10**9 filters",
            "refuse",
            lambda: check.Case("im2col", 0, 1, type(spec)(1, 1, 3, 3, GIANT, 3, 3, 1, 0)).arrays(),
        ),
    ]
    checker = check.CHECKERS["im2col"]
    table["cs_conv.check.Checker"] = [
        (
            "run a giant case",
            "refuse",
            lambda: checker.run({"im2col": student["im2col"]}, [huge_case]),
        ),
        (
            "evaluate a giant case",
            "refuse",
            lambda: checker.evaluate(
                [huge_case], [check.Outcome(0, outputs={"cols": np.zeros((1, 1))})]
            ),
        ),
        ("stage nonsense", "refuse", lambda: checker.make_cases("k", stage="gpu")),
        ("check absurd outputs", "return", lambda: failed(checker.check(student["im2col"]))),
    ]
    payload = {
        "meta": {"index": 0, "status": "ok", "outputs": ["cols"]},
        "arrays": {"cols": big((10**4,) * 4)},
    }
    table["cs_conv.check.Outcome"] = [
        (
            "a payload of 10**16 values",
            "return",
            lambda: _bad_payload(check.Outcome.from_payload(payload)),
        ),
        (
            "a payload that is not a dict",
            "return",
            lambda: _bad_payload(check.Outcome.from_payload(42)),
        ),
    ]
    table["cs_conv.check.assert_ok"] = [
        ("not a result", "refuse", lambda: check.assert_ok(42)),
    ]
    return table


def _bad_payload(outcome):
    if outcome.status != "bad-payload":
        raise AssertionError(f"accepted: {outcome}")
    return outcome


def _sparse_file(size: int) -> Path:
    """A file of ``size`` bytes that takes no disk (a hole), removed when Python exits."""
    folder = tempfile.mkdtemp(prefix="cs-conv-oversized-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "huge.ipynb"
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def _tools():
    from cs_conv import bench, budget, costs, course
    from cs_conv.geometry import conv_geometry

    huge_nb = _sparse_file(2**30)
    imagenet = bench.parse_shape("64,64,224,224:64,3,3:1:1")
    d = bench.parse_shape("d")
    g = conv_geometry(IMAGENET, 3, 3, 1, 1)
    g_wide = conv_geometry((64, 512, 224, 224), 3, 3, 1, 1)  # over every stage's budget
    record = {"shape": "z", "stage": "s", "dtype": "float64", "threads": 1}
    return {
        "cs_conv.bench.run_benchmark": [
            ("imagenet shape", "refuse", lambda: bench.run_benchmark([imagenet])),
            (
                "10x imagenet",
                "refuse",
                lambda: bench.run_benchmark([bench.parse_shape("640,64,224,224:64,3,3:1:1")]),
            ),
            ("repeats 10**9", "refuse", lambda: bench.run_benchmark([d], repeats=GIANT)),
            ("min_sample inf", "refuse", lambda: bench.run_benchmark([d], min_sample=INF)),
            ("min_sample -1", "refuse", lambda: bench.run_benchmark([d], min_sample=-1)),
            ("10**9 threads", "refuse", lambda: bench.run_benchmark([d], threads=[GIANT])),
            ("bool threads", "refuse", lambda: bench.run_benchmark([d], threads=[True])),
            ("dtype complex", "refuse", lambda: bench.run_benchmark([d], dtypes=["complex128"])),
            ("1000 shapes", "refuse", lambda: bench.run_benchmark([bench.SHAPES["c"]] * 1000)),
            ("not shapes", "refuse", lambda: bench.run_benchmark(["d"])),
        ],
        "cs_conv.bench.thread_policy": [
            (label, "refuse", lambda n=n: _enter(bench.thread_policy(n)))
            for label, n in (("10**9", GIANT), ("0", 0), ("inf", INF), ("str", "2"))
        ],
        "cs_conv.bench.parse_shape": [
            ("10**7 characters", "refuse", lambda: bench.parse_shape("9" * 10**7)),
            ("pad 10**9", "refuse", lambda: bench.parse_shape(f"1,1,4,4:1,3,3:1:{GIANT}")),
            ("stride 10**9", "refuse", lambda: bench.parse_shape(f"1,1,5,5:1,3,3:{GIANT}:0")),
            ("negative", "refuse", lambda: bench.parse_shape("-1,1,4,4:1,3,3:1:0")),
            ("inf", "refuse", lambda: bench.parse_shape("inf,1,4,4:1,3,3:1:0")),
            ("not a string", "refuse", lambda: bench.parse_shape(42)),
        ],
        "cs_conv.bench.evaluate_goals": [
            ("not records", "refuse", lambda: bench.evaluate_goals(42)),
            ("10**5 records", "return", lambda: bench.evaluate_goals([record] * 10**5)),
        ],
        "cs_conv.course.load_functions": [
            ("a 1 GiB notebook", "refuse", lambda: course.load_functions(huge_nb, ["im2col"])),
            ("not a path", "refuse", lambda: course.load_functions(42, ["im2col"])),
        ],
        "cs_conv.budget.check": [
            ("10**20 elements", "refuse", lambda: budget.check("x", arrays={"x": 10**20})),
            ("a century", "refuse", lambda: budget.check("x", seconds=3e9)),
            ("inf seconds", "refuse", lambda: budget.check("x", seconds=INF)),
        ],
        "cs_conv.budget.check_copy": [
            ("imagenet view", "refuse", lambda: budget.check_copy(big(IMAGENET), "x")),
        ],
        "cs_conv.budget.check_file": [
            ("1 GiB", "refuse", lambda: budget.check_file(huge_nb, "the notebook")),
        ],
        "cs_conv.budget.check_threads": [
            (label, "refuse", lambda n=n: budget.check_threads(n))
            for label, n in (("10**9", GIANT), ("0", 0), ("inf", INF), ("bool", True))
        ],
        "cs_conv.budget.describe_bytes": [
            ("a string", "refuse", lambda: budget.describe_bytes("1 GiB")),
            ("10**400", "return", lambda: budget.describe_bytes(10**400)),
        ],
        "cs_conv.budget.describe_seconds": [
            ("a string", "refuse", lambda: budget.describe_seconds("1 s")),
            ("inf", "return", lambda: budget.describe_seconds(INF)),
        ],
        "cs_conv.costs.check_stage": [
            (stage, "refuse", lambda s=stage: costs.check_stage(s, g_wide, 64))
            for stage in costs.STAGES
        ]
        + [("unknown stage", "refuse", lambda: costs.check_stage("gpu", g))],
        "cs_conv.costs.check_pad": [
            ("pad 10**9", "refuse", lambda: costs.check_pad((1, 1, 4, 4), (GIANT, GIANT))),
        ],
        "cs_conv.costs.check_benchmark": [
            (
                "imagenet",
                "refuse",
                lambda: costs.check_benchmark([imagenet], ["float64"], [1], 5, 0.01),
            ),
        ],
        "cs_conv.costs.stage_cost": [
            ("unknown stage", "refuse", lambda: costs.stage_cost("gpu", g)),
            ("imagenet", "return", lambda: _over(costs.stage_cost("im2col_fancy.im2col", g))),
        ],
        "cs_conv.costs.sizes": [("imagenet", "return", lambda: costs.sizes(g, 64))],
    }


def _enter(context):
    with context:
        pass


def _over(cost):
    arrays, _ = cost
    if math.fsum(arrays.values()) < 10**9:
        raise AssertionError(f"ImageNet's fancy im2col estimated at only {arrays}")
    return cost


def _pooling():
    from .calls_pooling import pooling_group

    return pooling_group()


def _training():
    from .calls_training import training_group

    return training_group()


#: groups of the suite, one child process each
GROUPS = {
    "stages": _stages,
    "viz": _viz,
    "check": _check,
    "tools": _tools,
    "pooling": _pooling,
    "training": _training,
}

#: public callables that take no size, with why
EXEMPT = {
    "cs_conv.layers.LayerCache": "a record (a NamedTuple) of what the forward pass keeps",
    "cs_conv.budget.address_space_limit": "no arguments",
    "cs_conv.im2col_cython.get_num_threads": "no arguments",
    "cs_conv.check.markdown_table": "no arguments: the catalogue as Markdown",
    "cs_conv.check.lazy_names": "builds a package's lazy-import hooks: no sizes",
    "cs_conv.check.digits_split": "no arguments: the course's one split of the bundled digits",
    "cs_conv.check.CaseReport": "a record of one case's verdict, built by the checkers",
    "cs_conv.check.CheckResult": "a record of a verdict, built by the checkers from their cases",
    "cs_conv.check.Mistake": "a catalogue entry (text)",
    "cs_conv.check.Spec": "sizes as data: only Case.arrays() allocates (covered)",
    "cs_conv.bench.BenchShape": "sizes as data: parse_shape and run_benchmark validate (covered)",
    "cs_conv.budget.BudgetError": "the refusal itself",
    "cs_conv.budget.available_bytes": "no arguments",
    "cs_conv.budget.max_bytes": "no arguments",
    "cs_conv.budget.max_seconds": "no arguments",
    "cs_conv.budget.memory_override": "no arguments",
}
