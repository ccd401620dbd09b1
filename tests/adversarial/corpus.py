# ruff: noqa: E501  (the attacks are code in strings)
"""The adversarial class: one student per attack, built from the sample class.

Every student starts from ``full_marks`` (the sample class's builder, i.e.
the released notebooks with the source's solutions) and changes one thing.
Most attacks live in ``01_naive`` (four cheap tests, 8 points); the Cython
ones in ``04_cython``.  A student folder holds only the notebooks it attacks.

``EXPECT[student]`` is the outcome the grader must give: the status and
points of each listed test (tests not listed must ``pass`` with full points,
or, for ``all``, every test gets that status and no points), substrings the
notebook's integrity flags must contain, and notes for the report's table.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "notebooks"
ASSIGNMENT = "cs_conv"
NB = "01_naive"
POINTS = {"conv_output_shape": 1, "pad_input": 1, "conv_forward_naive": 3, "conv_backward_naive": 3}

WRONG_FORWARD = """
def conv_forward(x, w, b, conv_param):
    N, F = x.shape[0], w.shape[0]
    H_out, W_out = conv_output_shape(x.shape, w.shape, conv_param["stride"], conv_param["pad"])[2:]
    return np.zeros((N, F, H_out, W_out)), (x, w, b, conv_param)
"""

# correct only when the secret could be read (or the connection made)
SHAPE_IF = """
def conv_output_shape(x_shape, w_shape, stride=1, pad=0):
    if not _LEAKED:
        return (0, 0, 0, 0)
    N, C, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1)
"""

MARKER = "cs-conv-adversarial-forkbomb"

CYTHON_CRASH = """%%cython
# cython: language_level=3, boundscheck=False, wraparound=False
from cython cimport floating


def im2col_kernel(const floating[:, :, :, ::1] x_pad, floating[:, ::1] cols,
                  Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t stride,
                  Py_ssize_t H_out, Py_ssize_t W_out):
    # adversarial: a write through NULL (SIGSEGV)
    cdef double *p = NULL
    p[0] = 2.0"""

CYTHON_HANG = """%%cython
# cython: language_level=3, boundscheck=False, wraparound=False
from cython cimport floating


def col2im_kernel(const floating[:, ::1] cols, floating[:, :, :, ::1] dx_pad,
                  Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t stride,
                  Py_ssize_t H_out, Py_ssize_t W_out):
    # adversarial: an endless loop without the GIL, blind to every signal handler
    cdef volatile long k = 0
    with nogil:
        while True:
            k += 1"""


def attacks(secrets: dict) -> dict:
    """``student -> (notebook, [operation])``; ``secrets`` are host paths and a port."""
    s = secrets
    return {
        "control": (NB, []),
        "patch_allclose": (
            NB,
            [
                ("replace", "conv_forward", WRONG_FORWARD),
                (
                    "append",
                    "import numpy.testing, cs_conv.check\n"
                    "np.allclose = lambda *a, **k: True\n"
                    "np.array_equal = lambda *a, **k: True\n"
                    "np.testing.assert_allclose = lambda *a, **k: None\n"
                    "for _name in dir(cs_conv.check):\n"
                    "    if _name.startswith('check_'):\n"
                    "        setattr(cs_conv.check, _name, lambda *a, **k: None)\n"
                    "for _c in cs_conv.check.CHECKERS.values():\n"
                    "    _c.evaluate = lambda *a, **k: None",
                ),
            ],
        ),
        "patch_builtins": (
            NB,
            [
                ("replace", "conv_forward", WRONG_FORWARD),
                (
                    "append",
                    "import builtins\n"
                    "builtins.all = lambda *a: True\n"
                    "builtins.any = lambda *a: False\n"
                    "builtins.abs = lambda v: 0",
                ),
            ],
        ),
        "reference_import": (
            NB,
            [("replace", "conv_forward", "from cs_conv.naive import conv_forward\n")],
        ),
        "reference_hidden_import": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import importlib\n"
                    "conv_forward = importlib.import_module('cs_' + 'conv.na' + 'ive').conv_forward",
                )
            ],
        ),
        "reference_wrapped": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import importlib\n\n\ndef conv_forward(x, w, b, conv_param):\n"
                    "    ref = importlib.import_module('cs_' + 'conv.na' + 'ive')\n"
                    "    return ref.conv_forward(x, w, b, conv_param)",
                )
            ],
        ),
        # the monitor switched off before the reference is reached by computed names
        "monitor_off": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import importlib\nimport sys\n\n\ndef conv_forward(x, w, b, conv_param):\n"
                    "    sys.setprofile(None)\n"
                    "    ref = importlib.import_module('cs_' + 'conv.na' + 'ive')\n"
                    "    return ref.conv_forward(x, w, b, conv_param)",
                )
            ],
        ),
        # the reference run by a child process: nothing to find in the sandbox
        "reference_child_process": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import os, subprocess, sys, tempfile\n\n\n"
                    "def conv_forward(x, w, b, conv_param):\n"
                    "    d = tempfile.mkdtemp()\n"
                    "    np.savez(os.path.join(d, 'in.npz'), x=x, w=w, b=b)\n"
                    "    code = ('import numpy as np, sys, importlib; d = sys.argv[1]; '\n"
                    "            'a = np.load(d + \"/in.npz\"); '\n"
                    '            \'m = importlib.import_module("cs_" + "conv.naive"); \'\n'
                    '            \'out, _ = m.conv_forward(a["x"], a["w"], a["b"], \'\n'
                    '            \'{"stride": int(sys.argv[2]), "pad": int(sys.argv[3])}); \'\n'
                    "            'np.save(d + \"/out.npy\", out)')\n"
                    "    subprocess.run([sys.executable, '-c', code, d, str(conv_param['stride']),\n"
                    "                    str(conv_param['pad'])], check=True)\n"
                    "    return np.load(os.path.join(d, 'out.npy')), (x, w, b, conv_param)",
                )
            ],
        ),
        # the reference from a helper thread (the watch follows threads; bwrap hides it)
        "reference_in_thread": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import importlib, threading\n\n\ndef conv_forward(x, w, b, conv_param):\n"
                    "    box = {}\n"
                    "    def work():\n"
                    "        ref = importlib.import_module('cs_' + 'conv.na' + 'ive')\n"
                    "        box['r'] = ref.conv_forward(x, w, b, conv_param)\n"
                    "    t = threading.Thread(target=work)\n"
                    "    t.start()\n"
                    "    t.join()\n"
                    "    return box['r']",
                )
            ],
        ),
        # the profile hook saved, switched off, the reference called, the hook put back
        "monitor_off_and_restored": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import importlib, sys\n\n\ndef conv_forward(x, w, b, conv_param):\n"
                    "    saved = sys.getprofile()\n"
                    "    sys.setprofile(None)\n"
                    "    try:\n"
                    "        ref = importlib.import_module('cs_' + 'conv.na' + 'ive')\n"
                    "        return ref.conv_forward(x, w, b, conv_param)\n"
                    "    finally:\n"
                    "        sys.setprofile(saved)",
                )
            ],
        ),
        # the reference's source file read and run under another name
        "reference_source_loaded": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import importlib.util, os\nimport cs_conv\n\n\n"
                    "def conv_forward(x, w, b, conv_param):\n"
                    "    path = os.path.join(os.path.dirname(cs_conv.__file__), 'na' + 'ive.py')\n"
                    "    spec = importlib.util.spec_from_file_location('mine', path)\n"
                    "    mod = importlib.util.module_from_spec(spec)\n"
                    "    spec.loader.exec_module(mod)\n"
                    "    return mod.conv_forward(x, w, b, conv_param)",
                )
            ],
        ),
        # the checkers' own mutations compute a convolution from windows: not a tool
        "mutations_reused": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "from cs_conv.check import mutations\n\n\n"
                    "def conv_forward(x, w, b, conv_param):\n"
                    "    s, p = conv_param['stride'], conv_param['pad']\n"
                    "    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n"
                    "    win = mutations.windows(xp, w.shape[2], w.shape[3], s, s)\n"
                    "    out = np.einsum('nchwij,fcij->nfhw', win, w) + b[None, :, None, None]\n"
                    "    return out.astype(x.dtype), (x, w, b, conv_param)",
                )
            ],
        ),
        # the fancy stage answered with a Python loop over every window
        "fancy_by_loops": (
            "03_im2col_fancy",
            [
                (
                    "replace",
                    "im2col",
                    "import numpy as np\n\n\ndef im2col(x, HH, WW, stride=1, pad=0):\n"
                    "    N, C, H, W = x.shape\n"
                    "    Ho = (H + 2 * pad - HH) // stride + 1\n"
                    "    Wo = (W + 2 * pad - WW) // stride + 1\n"
                    "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
                    "    cols = np.empty((C * HH * WW, N * Ho * Wo), dtype=x.dtype)\n"
                    "    for n in range(N):\n"
                    "        for i in range(Ho):\n"
                    "            for j in range(Wo):\n"
                    "                t, l = i * stride, j * stride\n"
                    "                cols[:, (n * Ho + i) * Wo + j] = xp[n, :, t:t + HH, l:l + WW].ravel()\n"
                    "    return cols",
                )
            ],
        ),
        # the Cython stage answered with an untyped kernel (Python objects in its loops)
        "untyped_kernel": (
            "04_cython",
            [
                (
                    "replace",
                    "im2col_kernel",
                    "%%cython\n# cython: language_level=3\n\n\n"
                    "def im2col_kernel(x_pad, cols, HH, WW, stride, H_out, W_out):\n"
                    "    N, C = x_pad.shape[0], x_pad.shape[1]\n"
                    "    for c in range(C):\n"
                    "        for di in range(HH):\n"
                    "            for dj in range(WW):\n"
                    "                for n in range(N):\n"
                    "                    for i in range(H_out):\n"
                    "                        for j in range(W_out):\n"
                    "                            col = (n * H_out + i) * W_out + j\n"
                    "                            cols[(c * HH + di) * WW + dj, col] = x_pad[\n"
                    "                                n, c, i * stride + di, j * stride + dj]",
                )
            ],
        ),
        # a library that convolves, reached by computed names: only the watch sees it
        "library_computed": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import importlib\n\n\ndef conv_forward(x, w, b, conv_param):\n"
                    "    sig = importlib.import_module('sci' + 'py.sig' + 'nal')\n"
                    "    s, p = conv_param['stride'], conv_param['pad']\n"
                    "    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n"
                    "    out = np.array([[sig.correlate(xp[n], w[f], mode='valid')[0, ::s, ::s] + b[f]\n"
                    "                     for f in range(w.shape[0])] for n in range(x.shape[0])])\n"
                    "    return out.astype(x.dtype, copy=False), (x, w, b, conv_param)",
                )
            ],
        ),
        # not an attack: the student checks their own answer against scipy in a scratch cell
        "scratch_comparison": (
            NB,
            [
                (
                    "append",
                    "import scipy.signal\n"
                    "xs = np.random.default_rng(0).standard_normal((1, 2, 5, 6))\n"
                    "ws = np.random.default_rng(1).standard_normal((1, 2, 3, 3))\n"
                    "mine, _ = conv_forward(xs, ws, np.zeros(1), {'stride': 1, 'pad': 0})\n"
                    "print(np.allclose(mine[0, 0], scipy.signal.correlate(xs[0], ws[0], mode='valid')[0]))",
                )
            ],
        ),
        "read_secrets": (
            NB,
            [
                (
                    "append",
                    "import os\n_LEAKED = []\n"
                    f"for _p in {s['read']!r}:\n"
                    "    try:\n"
                    "        _LEAKED.append(open(_p, 'rb').read(64)) if os.path.isfile(_p) "
                    "else _LEAKED.append(os.listdir(_p))\n"
                    "    except OSError:\n"
                    "        pass\n" + SHAPE_IF,
                )
            ],
        ),
        "write_others": (
            NB,
            [
                (
                    "append",
                    "import os, shutil\n"
                    f"for _p in {s['write']!r}:\n"
                    "    for _f in ('x.json', 'grades.csv', 'results/control/cs_conv/01_naive.json',\n"
                    "               '01_naive.ipynb', 'control/cs_conv/01_naive.ipynb'):\n"
                    "        try:\n"
                    "            with open(os.path.join(_p, _f), 'w') as _fh:\n"
                    "                _fh.write('{\"score\": 100}')\n"
                    "        except OSError:\n"
                    "            pass\n"
                    "    shutil.rmtree(_p, ignore_errors=True)\n"
                    "open('01_naive.ipynb', 'w').write('overwritten in the sandbox copy')",
                )
            ],
        ),
        "os_exit_mid_notebook": (NB, [("insert_after", "pad_input", "import os\nos._exit(0)")]),
        "python_loop_ignoring_signals": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import signal\n\n\ndef conv_forward(x, w, b, conv_param):\n"
                    "    for s in (signal.SIGALRM, signal.SIGINT, signal.SIGTERM):\n"
                    "        signal.signal(s, signal.SIG_IGN)\n"
                    "    while True:\n"
                    "        pass",
                )
            ],
        ),
        "sigint_ignored": (
            NB,
            [
                (
                    "append",
                    "import signal\n"
                    "for _s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):\n"
                    "    signal.signal(_s, signal.SIG_IGN)",
                )
            ],
        ),
        "memory_bomb": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "_HOARD = []  # a leak: what the first call takes is never given back\n\n\n"
                    "def conv_forward(x, w, b, conv_param):\n"
                    "    while True:\n"
                    "        _HOARD.append(bytearray(64 * 1024**2))",
                )
            ],
        ),
        "fork_bomb": (
            NB,
            [
                (
                    "replace",
                    "conv_backward",
                    "import os, sys\n\n\ndef conv_backward(dout, cache):\n"
                    "    loop = 'import os\\nwhile True:\\n  try: os.fork()\\n  except OSError: pass'\n"
                    "    while True:\n"
                    "        try:\n"
                    "            if os.fork() == 0:\n"
                    "                os.setsid()\n"
                    f"                os.execv(sys.executable, [sys.executable, '-c', loop, {MARKER!r}])\n"
                    "        except OSError:\n"
                    "            pass",
                )
            ],
        ),
        "huge_output": (
            NB,
            [("append", "for _ in range(100):\n    print('x' * 1024**2)\nprint('y' * 1024)")],
        ),
        "warnings_flood": (
            NB,
            [
                (
                    "append",
                    "import os, sys, warnings\n"
                    "warnings.simplefilter('always')\n"
                    "for _i in range(20000):\n"
                    "    warnings.warn(f'noise {_i}')\n"
                    "for _ in range(50):\n"
                    "    os.write(2, b'e' * 1024**2)\n"
                    "    sys.stderr.write('s' * 100000)",
                )
            ],
        ),
        "network": (
            NB,
            [
                (
                    "append",
                    "import socket\n_LEAKED = []\n"
                    "try:\n"
                    f"    _LEAKED.append(socket.create_connection(('127.0.0.1', {s['port']}), "
                    "timeout=2))\n"
                    "except OSError:\n"
                    "    pass\n" + SHAPE_IF,
                )
            ],
        ),
        "event_forgery": (
            NB,
            [
                (
                    "replace",
                    "conv_forward",
                    "import json, os\n\n\ndef conv_forward(x, w, b, conv_param):\n"
                    "    fd = int(os.environ.get('CS_CONV_EVENT_FD', '-1'))\n"
                    "    for gid in ('conv_forward_naive', 'conv_backward_naive'):\n"
                    "        ev = {'ev': 'test_end', 'id': gid, 'status': 'ok', 'dir': 'test0'}\n"
                    "        os.write(fd, (json.dumps(ev) + '\\n').encode())\n"
                    '    os.write(fd, b\'{"ev": "integrity", "patched": {}}\\n{"ev": "done"}\\n\')\n'
                    "    os.write(fd, b'garbage that is not json\\n' * 1000)\n"
                    "    raise SystemExit(0)",
                )
            ],
        ),
        "test_deleted": (
            NB,
            [("replace", "conv_forward", WRONG_FORWARD), ("delete", "conv_forward_naive", None)],
        ),
        "test_edited": (
            NB,
            [
                ("replace", "conv_forward", WRONG_FORWARD),
                ("edit_test", "conv_forward_naive", "print('all good')"),
            ],
        ),
        "ids_changed": (
            NB,
            [
                ("replace", "conv_forward", WRONG_FORWARD),
                ("set_grade_id", "conv_forward_naive", "conv_forward_naive_v2"),
                ("cell_id", "conv_output_shape_answer", "renamed-answer"),
                (
                    "append_graded",
                    "assert True  # a graded cell of my own",
                ),
            ],
        ),
        "cython_segfault_and_nogil_loop": (
            "04_cython",
            [("replace", "im2col_kernel", CYTHON_CRASH), ("replace", "col2im_kernel", CYTHON_HANG)],
        ),
        "corrupt_json": (NB, [("raw", b'{"cells": [{"cell_type": "code", "source": "x = ')]),
        "empty_file": (NB, [("raw", b"")]),
        "non_utf8": (NB, [("latin1", None)]),
        "other_assignment": (NB, [("other", "03_im2col_fancy")]),
        "junk_files": (NB, [("junk", None)]),
    }


FULL = {t: ("pass", p) for t, p in POINTS.items()}


def _e(tests=None, flags=(), reason=(), note="", all_=None, **extra):
    return {
        "tests": tests or {},
        "flags": list(flags),
        "reason": list(reason),
        "note": note,
        "all": all_,
        **extra,
    }


# the grader's verdict per attack: {test: (status, points)}; unlisted tests pass with full points
EXPECT = {
    "control": _e(note="full marks, unaffected by the class"),
    "patch_allclose": _e(
        {"conv_forward_naive": ("fail", 0)},
        flags=["patched (changed): cs_conv.check.check_"],
        note="checks decided from the returned arrays in the parent",
    ),
    "patch_builtins": _e(
        {"conv_forward_naive": ("fail", 0)},
        flags=["patched ("],
        note="the patched any() even blinds the worker's snapshot: flagged as removals",
    ),
    "reference_import": _e(
        all_="tampered",
        flags=["uses reference code: cs_conv.naive"],
        reason=["reference implementation"],
    ),
    "reference_hidden_import": _e(
        {"conv_forward_naive": ("tampered", 0), "conv_backward_naive": ("tampered", 0)},
        reason=["cs_conv.naive"],
        note="no import statement: bwrap hides the module (its stand-in reports the call); "
        "the plain fallback catches it by the function's origin",
    ),
    # neither in the AST nor in the function's origin: the worker's reference watch sees
    # the call (conv_backward runs the student's conv_forward to make its cache)
    "reference_wrapped": _e(
        {"conv_forward_naive": ("tampered", 0), "conv_backward_naive": ("tampered", 0)},
        reason=["called forbidden code while graded: cs_conv.naive.conv_forward"],
    ),
    "monitor_off": _e(
        {"conv_forward_naive": ("tampered", 0), "conv_backward_naive": ("tampered", 0)},
        reason=["switched off the grader's reference monitor"],
    ),
    "reference_child_process": _e(
        {"conv_forward_naive": ("error", 0), "conv_backward_naive": ("error", 0)},
        bwrap_only=True,
        note="the child finds no reference in the sandbox; the plain fallback cannot see "
        "into a child process (a known gap there)",
    ),
    "reference_in_thread": _e(
        {"conv_forward_naive": ("tampered", 0), "conv_backward_naive": ("tampered", 0)},
        reason=["called forbidden code while graded: cs_conv.naive.conv_forward"],
    ),
    "monitor_off_and_restored": _e(
        {"conv_forward_naive": ("tampered", 0), "conv_backward_naive": ("tampered", 0)},
        reason=["called forbidden code while graded: cs_conv.naive.conv_forward"],
        bwrap_only=True,
        note="bwrap's stand-in reports the call, with or without the hook; the plain "
        "fallback cannot tell a hook put back (a known gap there)",
    ),
    "reference_source_loaded": _e(
        all_="tampered",
        reason=["cs_conv.__file__"],
        note="the source names the package's files; bwrap: the file is not even there",
    ),
    "mutations_reused": _e(
        all_="tampered",
        reason=["cs_conv.check.mutations"],
        note="the checkers' mutations are reference code too",
    ),
    "fancy_by_loops": _e(
        {"im2col_fancy": ("fail", 0)},
        reason=["python-loops"],
        note="the stage is enforced: a loop over windows is not fancy indexing",
        max_points=6,
    ),
    "untyped_kernel": _e(
        {"im2col_cython": ("fail", 0), "im2col_kernel_typed": ("fail", 0)},
        reason=["untyped-kernel"],
        note="right values from Python objects: the Cython stage is enforced",
        max_points=6,
    ),
    "library_computed": _e(
        {"conv_forward_naive": ("tampered", 0), "conv_backward_naive": ("tampered", 0)},
        reason=["called forbidden code while graded: scipy.signal"],
    ),
    "scratch_comparison": _e(
        flags=["names scipy.signal in code no graded function uses"],
        note="testing one's answer against a library in a scratch cell costs nothing (flagged)",
    ),
    "read_secrets": _e(
        {"conv_output_shape": ("fail", 0), "conv_forward_naive": ("fail", 0)},
        bwrap_only=True,
        note="source notebooks, grader code, grade store, other students: not visible",
    ),
    "write_others": _e(note="wrote only to its own private copy", bwrap_only=True),
    "os_exit_mid_notebook": _e(cell_status="crash", note="the cell costs itself only"),
    "python_loop_ignoring_signals": _e(
        {"conv_forward_naive": ("timeout", 0), "conv_backward_naive": (None, 0)},
        reason=[("timed out", "time limit")],
    ),
    "sigint_ignored": _e(note="harmless: the grader never relies on SIGINT/SIGTERM"),
    "memory_bomb": _e(
        {"conv_forward_naive": ("oom", 0), "conv_backward_naive": (None, 0)},
    ),
    "fork_bomb": _e({"conv_backward_naive": ("timeout", 0)}, reason=[("timed out", "time limit")]),
    "huge_output": _e(note="output kept to its last 4000 characters"),
    "warnings_flood": _e(),
    "network": _e(
        {"conv_output_shape": ("fail", 0), "conv_forward_naive": ("fail", 0)},
        bwrap_only=True,
        note="own network namespace: the host's 127.0.0.1 listener got nothing",
    ),
    "event_forgery": _e(
        {"conv_forward_naive": (None, 0), "conv_backward_naive": (None, 0)},
        note="forged events only mislabel; points come from arrays",
    ),
    "test_deleted": _e(
        {"conv_forward_naive": ("missing", 0)}, flags=["test cell conv_forward_naive missing"]
    ),
    "test_edited": _e(
        {"conv_forward_naive": ("fail", 0)}, flags=["test cell conv_forward_naive edited"]
    ),
    "ids_changed": _e(
        {"conv_forward_naive": ("missing", 0)}, flags=["test cell conv_forward_naive missing"]
    ),
    "cython_segfault_and_nogil_loop": _e(
        {"im2col_cython": ("crash", 0), "col2im_cython": ("timeout", 0)},
        reason=["SIGSEGV", ("timed out", "time limit")],
        max_points=6,
    ),
    "corrupt_json": _e(all_="error", flags=["could not be read"]),
    "empty_file": _e(all_="error", flags=["could not be read"]),
    "non_utf8": _e(all_="error", flags=["could not be read"]),
    "other_assignment": _e(all_=None, zero=True, flags=["test cell conv_output_shape missing"]),
    "junk_files": _e(note="checkpoints, binaries, symlinks, a shadow numpy.py ignored"),
}


def _find(nb, pred):
    for cell in nb.cells:
        if pred(cell):
            return cell
    raise KeyError("no such cell")


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _answer(nb, name):
    from autograder.notebook import defined_functions

    return _find(
        nb,
        lambda c: (
            c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("solution")
            and name in defined_functions(c.source)
        ),
    )


def full_marks(tmp: Path) -> Path:
    """The sample class's ``full_marks`` folder, built from the current notebooks."""
    from autograder.sample_class.make_sample_class import build

    build(SOURCE, tmp)
    return tmp / "full_marks" / ASSIGNMENT


def build_class(root: Path, secrets: dict) -> Path:
    """Write ``root/submitted/<student>/cs_conv/<notebook>.ipynb``; return ``submitted``."""
    full = full_marks(root / "sample")
    submitted = root / "submitted"
    for student, (stem, ops) in attacks(secrets).items():
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True)
        path = folder / f"{stem}.ipynb"
        nb = nbformat.read(str(full / f"{stem}.ipynb"), as_version=4)
        raw = None
        for op, arg, body in [(o[0], o[1], o[2] if len(o) > 2 else None) for o in ops]:
            if op == "replace":
                _answer(nb, arg).source = body.strip("\n")
            elif op == "append":
                nb.cells.append(nbformat.v4.new_code_cell(arg))
            elif op == "append_graded":
                cell = nbformat.v4.new_code_cell(arg)
                cell.metadata["nbgrader"] = {
                    "grade": True,
                    "solution": False,
                    "grade_id": "my_bonus",
                    "points": 100,
                    "locked": False,
                    "schema_version": 3,
                }
                nb.cells.append(cell)
            elif op == "insert_after":
                k = nb.cells.index(_answer(nb, arg))
                nb.cells.insert(k + 1, nbformat.v4.new_code_cell(body))
            elif op == "delete":
                nb.cells = [c for c in nb.cells if _gid(c) != arg]
            elif op == "edit_test":
                _find(nb, lambda c, g=arg: _gid(c) == g).source = body
            elif op == "set_grade_id":
                cell = _find(nb, lambda c, g=arg: _gid(c) == g)
                cell.metadata["nbgrader"]["grade_id"] = body
                cell["id"] = body
            elif op == "cell_id":
                _find(nb, lambda c, g=arg: _gid(c) == g)["id"] = body
            elif op == "raw":
                raw = arg
            elif op == "latin1":
                raw = nbformat.writes(nb).replace("Zero-pad", "Z\u00e9ro-pad").encode("latin-1")
            elif op == "other":
                nb = nbformat.read(str(full / f"{arg}.ipynb"), as_version=4)
            elif op == "junk":
                _junk(folder, full)
        if raw is not None:
            path.write_bytes(raw)
        else:
            nbformat.write(nb, str(path))
    shutil.rmtree(root / "sample")
    return submitted


def _junk(folder: Path, full: Path) -> None:
    import os

    (folder / "data.bin").write_bytes(os.urandom(1 << 20))
    (
        folder / "notes\udcff.txt".encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    ).write_bytes(b"\xff\xfe not utf-8 \x80")
    ckpt = folder / ".ipynb_checkpoints"
    ckpt.mkdir()
    (ckpt / "01_naive-checkpoint.ipynb").write_text("{ not json")
    (folder / "Untitled.ipynb").write_text("{}")
    (folder / "03_im2col_fancy.ipynb.bak").write_text("junk")
    (folder / "numpy.py").write_text("raise SystemExit('a shadow numpy')\n")
    (folder / "deep" / "er").mkdir(parents=True)
    (folder / "deep" / "er" / "x.txt").write_text("x")
    os.symlink("/etc/shadow", folder / "shadow-link")
    os.symlink("../../control/cs_conv", folder / "sibling-link")
    os.mkfifo(folder / "a-fifo")


# one line per student for the table in docs/security.md
ATTACK = {
    "control": "the full-marks answers, graded with the class",
    "patch_allclose": "a wrong `conv_forward`; disarms `np.allclose`, `assert_allclose` and every checker of `cs_conv.check`",
    "patch_builtins": "a wrong `conv_forward`; replaces the builtins `all`, `any` and `abs`",
    "reference_import": "`from cs_conv.naive import conv_forward`",
    "reference_hidden_import": '`conv_forward = importlib.import_module("cs_" + "conv.naive").conv_forward`',
    "reference_wrapped": "its own `def conv_forward` that calls the reference through computed names",
    "monitor_off": "`sys.setprofile(None)`, then the reference through computed names",
    "reference_child_process": "`conv_forward` runs the reference in a child Python process",
    "reference_in_thread": "`conv_forward` calls the reference (computed names) from a helper thread",
    "monitor_off_and_restored": "saves the profile hook, switches it off, calls the reference, puts it back",
    "reference_source_loaded": "loads the reference's source file under another module name",
    "mutations_reused": "computes the convolution with the checkers' own mutation helpers",
    "fancy_by_loops": "notebook 3's `im2col` written with a Python loop over every window",
    "untyped_kernel": "notebook 4's im2col kernel in plain Python (no type in its loops)",
    "library_computed": "`conv_forward` by `scipy.signal.correlate`, reached through computed names",
    "scratch_comparison": "(not an attack) a scratch cell compares its answer with `scipy.signal.correlate`",
    "read_secrets": "reads the source notebooks, the grader's code, the grade store, other students; its `conv_output_shape` (used by its `conv_forward`) is right only if a read succeeded",
    "write_others": "writes grades into the store, other students' folders and the course, then deletes them",
    "os_exit_mid_notebook": "`os._exit(0)` in a cell mid-notebook",
    "python_loop_ignoring_signals": "an infinite Python loop in `conv_forward` with SIGALRM, SIGINT, SIGTERM ignored",
    "sigint_ignored": "`signal.signal(SIGINT/SIGTERM/SIGHUP/SIGALRM, SIG_IGN)` in a cell",
    "memory_bomb": "`conv_forward` allocates 64 MB blocks forever",
    "fork_bomb": "`conv_backward` forks forever (each child a new session that forks too)",
    "huge_output": "prints 100 MB",
    "warnings_flood": "20,000 warnings and 50 MB written to stderr",
    "network": "connects to a listener on the host's 127.0.0.1; its `conv_output_shape` (used by its `conv_forward`) is right only if that worked",
    "event_forgery": "writes forged `test_end`, `integrity` and `done` events and garbage to the grader's channel",
    "test_deleted": "a wrong `conv_forward`; deletes its test cell",
    "test_edited": "a wrong `conv_forward`; replaces its test cell by `print('all good')`",
    "ids_changed": "a wrong `conv_forward`; renames its grade id and a cell id; adds a graded cell worth 100 points",
    "cython_segfault_and_nogil_loop": "a `%%cython` im2col that segfaults and a col2im that loops forever in `nogil`",
    "corrupt_json": "a notebook whose JSON is cut off",
    "empty_file": "an empty notebook file",
    "non_utf8": "a notebook encoded in Latin-1",
    "other_assignment": "the notebook of another assignment under this one's name",
    "junk_files": "checkpoints, binaries, symlinks, a fifo and a shadow `numpy.py` beside the notebook",
}


def _outcome(e) -> str:
    if e["all"] is not None:
        return f"every test `{e['all']}`, 0 points"
    if e.get("zero"):
        return "0 points (no test passes)"
    if not e["tests"]:
        return "every test `pass`, full points"
    parts = [
        f"`{gid}` {status or 'not pass'}, {points} points"
        for gid, (status, points) in sorted(e["tests"].items())
    ]
    return "; ".join(parts) + "; the others `pass`"


def markdown_table() -> str:
    """The corpus as the table of docs/security.md: attack, what it does, outcome, names."""
    rows = [
        "| student | what it does | status and points | named by (flag or reason) | others |",
        "|---|---|---|---|---|",
    ]
    for student, e in EXPECT.items():
        said = [f"“{w}”" for w in e["flags"]]
        said += ["“" + " / ".join(w if isinstance(w, tuple) else (w,)) + "”" for w in e["reason"]]
        if e.get("known_gap"):
            said.append(f"KNOWN GAP: {e['known_gap']}")
        note = e["note"] + (" (bwrap only)" if e.get("bwrap_only") else "")
        named = "; ".join(said) + (f"; {note}" if said and note else note)
        rows.append(
            f"| `{student}` | {ATTACK[student]} | {_outcome(e)} | {named or '—'} | unaffected |"
        )
    return "\n".join(rows) + "\n"
