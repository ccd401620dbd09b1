"""Max pooling (both stages) and its checkers, called with oversized and absurd arguments.

The group ``pooling`` of :data:`tests.oversized.calls.GROUPS`; the conventions are those
of :mod:`tests.oversized.calls`.  Under the child's 3 GiB address space the memory
budget is 1.5 GiB: an ImageNet batch with a 2x2 pool is refused by the loops for its
minutes of Python, and through im2col for its 2.3 GiB (it runs under the default 4 GiB).
"""

from __future__ import annotations

import itertools

import numpy as np

from .calls import GIANT, IMAGENET, INF, big, failed, small

#: the output of an ImageNet batch with a 2x2 pool, stride 2
IMAGENET_OUT = (64, 64, 112, 112)


def pool(PH=2, PW=2, stride=2):
    return {"pool_height": PH, "pool_width": PW, "stride": stride}


# absurd pool_params on a small x: (label, pool_param); every one must be refused
PARAMS = [
    ("pool larger than the image", pool(9, 9, 1)),
    ("pool 10**9", pool(GIANT, GIANT, 1)),
    ("numpy int pool 10**9", pool(np.int64(GIANT), 2, 1)),
    ("stride 10**9", pool(2, 2, GIANT)),
    ("inf pool", pool(INF, 2, 1)),
    ("negative pool", pool(-2, 2, 1)),
    ("zero stride", pool(2, 2, 0)),
    ("bool stride", pool(2, 2, True)),
    ("string pool", pool("2", 2, 2)),
    ("a pool pair", pool((2, 2), 2, 2)),
    ("a stride of 3 values", pool(2, 2, (1, 1, 1))),
    ("missing stride", {"pool_height": 2, "pool_width": 2}),
    ("a pad", {**pool(), "pad": 1}),
    ("not a dict", "2x2/2"),
]


def _forward_calls(forward, loops: bool):
    calls = [(label, "refuse", lambda p=p: forward(small(), p)) for label, p in PARAMS]
    calls += [
        ("imagenet 2x2", "refuse", lambda: forward(big(IMAGENET), pool())),
        ("imagenet 2x2, stride 1", "refuse", lambda: forward(big(IMAGENET), pool(stride=1))),
        ("giant N", "refuse", lambda: forward(big((GIANT, 64, 8, 8)), pool())),
        ("a 10**6 x 10**6 image", "refuse", lambda: forward(big((1, 1, 10**6, 10**6)), pool())),
        (
            "a pool of 10**12 taps",
            "refuse",
            lambda: forward(big((1, 1, 10**6, 10**6)), pool(10**6, 10**6, 1)),
        ),
        (
            "10**9 rows, a stride that does not tile",
            "refuse",
            lambda: forward(big((1, 1, GIANT, 4)), pool(2, 2, (3, 1))),
        ),
        ("int8 imagenet view", "refuse", lambda: forward(big(IMAGENET, np.int8), pool())),
        ("float32 imagenet view", "refuse", lambda: forward(big(IMAGENET, np.float32), pool())),
        ("3-D x", "refuse", lambda: forward(big((10**6,) * 3), pool())),
        ("complex x", "refuse", lambda: forward(small().astype(complex), pool())),
        ("a string x", "refuse", lambda: forward("abcd", pool())),
        # four windows of a 10**18-pixel view: nothing for the loops; a copy for im2col
        (
            "four windows of a 10**18-pixel view",
            "return" if loops else "refuse",
            lambda: forward(big((1, 1, GIANT + 2, GIANT + 2)), pool(2, 2, GIANT)),
        ),
    ]
    return calls


def _backward_calls(backward, loops: bool):
    def cache(x, param=None, arg=None):
        param = pool() if param is None else param
        if loops:
            return (x, param)
        N, C, H, W = x.shape
        L = N * C * ((H - param["pool_height"]) // 2 + 1) * ((W - param["pool_width"]) // 2 + 1)
        return (x, param, big((L,), np.intp) if arg is None else arg)

    ok = cache(small())
    calls = [
        ("imagenet cache", "refuse", lambda: backward(big(IMAGENET_OUT), cache(big(IMAGENET)))),
        (
            "int8 dout, imagenet cache",
            "refuse",
            lambda: backward(big(IMAGENET_OUT, np.int8), cache(big(IMAGENET))),
        ),
        (
            "giant N cache",
            "refuse",
            lambda: backward(big((GIANT, 64, 4, 4)), cache(big((GIANT, 64, 8, 8)))),
        ),
        ("a huge dout of the wrong shape", "refuse", lambda: backward(big((10**4,) * 4), ok)),
        ("not a cache", "refuse", lambda: backward(small((1, 1, 2, 2)), 42)),
        ("a short cache", "refuse", lambda: backward(small((1, 1, 2, 2)), (small(),))),
        ("a list cache", "refuse", lambda: backward(small((1, 1, 2, 2)), list(ok))),
        (
            "a cache with stride 10**9",
            "refuse",
            lambda: backward(small((1, 1, 2, 2)), (small(), pool(2, 2, GIANT), *ok[2:])),
        ),
    ]
    if not loops:
        calls += [
            (
                "arg a 10**12 view",
                "refuse",
                lambda: backward(small((1, 1, 2, 2)), (small(), pool(), big((10**12,), np.intp))),
            ),
            (
                "arg out of range",
                "refuse",
                lambda: backward(small((1, 1, 2, 2)), cache(small(), arg=np.full(4, GIANT))),
            ),
            (
                "arg of floats",
                "refuse",
                lambda: backward(small((1, 1, 2, 2)), cache(small(), arg=np.zeros(4))),
            ),
        ]
    return calls


def _student():
    """Pooling functions a student might write, returning absurd outputs."""
    huge, view12 = big((10**4,) * 4), big((10**4, 10**4, 10**4))

    return {
        "huge out": lambda x, p: (huge, (x, p)),
        "10**12 view": lambda x, p: (view12, (x, p)),
        "bare array": lambda x, p: huge,
        "endless": lambda x, p: itertools.count(),
        "giant ints": lambda x, p: ((10**100,) * 4, None),
        "huge cache": lambda x, p: (np.zeros((1, 1, 1, 1)), (huge, p)),
        "dx huge": lambda d, c: huge,
        "dx 10**12 view": lambda d, c: view12,
        "dx endless": lambda d, c: itertools.count(),
    }


def _checker_calls(check, backward: bool):
    from cs_conv import pooling

    s = _student()
    ref = pooling.max_pool_forward
    if backward:
        pairs = {
            "dx of 10**16 values": (s["dx huge"], ref),
            "dx a 10**12 view": (s["dx 10**12 view"], ref),
            "an endless iterator": (s["dx endless"], ref),
            "a forward that returns an iterator": (pooling.max_pool_backward, s["endless"]),
            "a forward with a huge cache": (pooling.max_pool_backward, s["huge cache"]),
            "not functions": (42, 42),
        }
    else:
        pairs = {
            "out of 10**16 values": (s["huge out"],),
            "out a 10**12 view": (s["10**12 view"],),
            "a bare array": (s["bare array"],),
            "an endless iterator": (s["endless"],),
            "giant ints": (s["giant ints"],),
            "not a function": (42,),
        }
    calls = [(label, "return", lambda f=f: failed(check(*f))) for label, f in pairs.items()]
    args = next(iter(pairs.values()))
    return [
        *calls,
        ("key of 5000 digits", "refuse", lambda: check(*args, key=10**5000)),
        ("key of 10**7 characters", "return", lambda: failed(check(*args, key="k" * 10**7))),
        ("stage nonsense", "refuse", lambda: check(*args, stage="gpu")),
        ("no function", "refuse", lambda: check(*[None] * len(args))),
    ]


def pooling_group():
    from cs_conv import check, pooling, pooling_im2col

    table = {}
    for module, loops in ((pooling, True), (pooling_im2col, False)):
        name = module.__name__
        table[f"{name}.max_pool_forward"] = _forward_calls(module.max_pool_forward, loops)
        table[f"{name}.max_pool_backward"] = _backward_calls(module.max_pool_backward, loops)
    table["cs_conv.check.check_pool_forward"] = _checker_calls(check.check_pool_forward, False)
    table["cs_conv.check.check_pool_backward"] = _checker_calls(check.check_pool_backward, True)
    return table
