"""The checks of notebooks 4 and 7 given absurd student functions (group ``training``).

``check_loss_sanity`` and ``check_digits_accuracy`` get a ``softmax_loss`` or a
``predict`` that returns 10**12-element broadcast views, endless iterators, strings or
giant ints; ``check_kernel_typed`` gets things that are not compiled kernels, and
compiled kernels (stand-ins, :mod:`.fake_kernel`) whose ``.pyx`` is a gigabyte, binary
garbage, or brackets nested four thousand deep (which crashes Cython's parser: the
check must survive it).  Every one must be a failed check, soon.
"""

from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile

import numpy as np

from .calls import big, failed
from .fake_kernel import fake_compiled_kernel

HUGE = big((10**4,) * 4)  # 10**16 values
VIEW12 = big((10**4,) * 3)  # 10**12 values
VIEW12_F32 = big((10**4,) * 3, np.float32)


def _common(check, good_args):
    """The key and the function argument itself, absurd."""
    return [
        ("key of 5000 digits", "refuse", lambda: check(*good_args, key=10**5000)),
        ("key of 10**7 characters", "return", lambda: failed(check(*good_args, key="k" * 10**7))),
        ("not a function", "return", lambda: failed(check(42))),
        ("no function", "refuse", lambda: check(None)),
    ]


def _loss_calls(check):
    students = {
        "10**16 values": lambda s, y: (HUGE, HUGE),
        "a 10**12 view": lambda s, y: (VIEW12, VIEW12),
        "a float32 10**12 view": lambda s, y: (VIEW12_F32, VIEW12_F32),
        "the loss a 10**12 view": lambda s, y: (VIEW12, np.zeros(s.shape)),
        "giant ints": lambda s, y: (10**100, [[10**100]]),
        "strings": lambda s, y: ("loss", "dscores"),
        "an endless iterator": lambda s, y: itertools.count(),
        "one array": lambda s, y: np.zeros(s.shape),
        "None": lambda s, y: None,
    }
    calls = [(k, "return", lambda f=f: failed(check(f))) for k, f in students.items()]
    return calls + _common(check, (students["one array"],))


def _digits_calls(check):
    students = {
        "a 10**12 view": lambda X: VIEW12,
        "a 10**12 view of ints": lambda X: big((10**12,), np.int64),
        "giant ints": lambda X: [10**100] * len(X),
        "strings": lambda X: ["7"] * len(X),
        "an endless iterator": lambda X: itertools.count(),
        "one label": lambda X: 7,
        "None": lambda X: None,
    }
    calls = [(k, "return", lambda f=f: failed(check(f))) for k, f in students.items()]
    return calls + _common(check, (students["one label"],))


def _kernel_calls(check):
    folder = tempfile.mkdtemp(prefix="cs-conv-oversized-kernels-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    loop = b"def im2col_kernel(a):\n    for i in range(3):\n        "
    sources = {
        "a 1 GiB .pyx": 2**30,
        "a .pyx of binary garbage": loop + b"\xff\xfe\x00\x01" * 1000 + b"\n",
        # 8 KiB, and Cython's parser overflows the C stack (SIGSEGV): only its child dies
        "brackets nested 4000 deep": loop + b"a[i] = " + b"(" * 4000 + b"1" + b")" * 4000,
        "a .pyx of 10**5 loops": b"def im2col_kernel(a):\n" + b"    for i in a:\n" * 10**5,
        "8 KiB of loops": b"def im2col_kernel(a):\n" + b"    for i in a:\n        pass\n" * 280,
    }
    kernels = {label: fake_compiled_kernel(folder, pyx) for label, pyx in sources.items()}

    def python_kernel(a):
        for i in range(3):
            a[i] = i

    calls = [
        (label, "return", lambda k=k: failed(check(k)))
        for label, k in {
            "an int": 42,
            "None": None,
            "a string": "im2col_kernel",
            "a Python function": python_kernel,
            "a builtin": len,
            **kernels,
        }.items()
    ]
    return [
        *calls,
        ("key of 5000 digits (unused)", "return", lambda: failed(check(len, key=10**5000))),
        ("key of 10**7 characters", "return", lambda: failed(check(len, key="k" * 10**7))),
    ]


def training_group():
    from cs_conv import check

    check.digits_split()  # scikit-learn's first import takes seconds: not one call's time
    return {
        "cs_conv.check.check_loss_sanity": _loss_calls(check.check_loss_sanity),
        "cs_conv.check.check_digits_accuracy": _digits_calls(check.check_digits_accuracy),
        "cs_conv.check.check_kernel_typed": _kernel_calls(check.check_kernel_typed),
    }
