"""Every contender of the benchmark, ours and the peers, on one shape.

A contender is a zero-argument callable plus a label ``"<group>.<impl>"``:

=================  =============================================================
group              contenders
=================  =============================================================
``copy``           ``np.copyto`` of as many bytes as ``cols`` (``copy.cols``, the
                   memory roofline), as ``x`` (``copy.x``), and ``np.empty`` +
                   ``copyto`` of ``cols`` (``copy.new_cols``: what any function
                   that *returns* a fresh ``cols`` pays for first-touch page faults)
``im2col``         ``cython`` (ours, public API), ``cython_kernel`` (ours, into a
                   preallocated ``cols``), ``textbook_cy``, ``fancy`` (CS231n),
                   ``sliding_window``, ``torch_unfold``, ``loops`` (small shapes)
``col2im``         ``cython`` (ours), ``textbook_cy``, ``add_at`` (CS231n
                   ``np.add.at``), ``torch_fold``, ``loops`` (small shapes)
``forward``        ``cython`` (``layers.conv_forward``), ``fancy``,
                   ``torch_conv2d``, ``loops`` and ``naive`` (small shapes)
``fwd_bwd``        forward + backward: ``cython``, ``torch_conv2d``
=================  =============================================================

Before it is timed every contender's result is checked against ours, so a peer
can never win by computing something else.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import im2col_cython, im2col_fancy, im2col_loops, layers, naive

__all__ = ["Contender", "build_textbook", "contenders"]

_HERE = Path(__file__).resolve().parent


@dataclass
class Contender:
    """One timed callable.

    Attributes
    ----------
    label : str
        ``"<group>.<impl>"``, e.g. ``"im2col.cython"``.
    func : callable
        Zero arguments; its result is discarded.
    ours : bool
        Whether it is one of the package's own stages.
    check : callable or None
        Zero arguments; returns the largest difference of this contender's
        result from ours, relative to ``max(1, max|ours|)`` (run once, before
        timing).
    """

    label: str
    func: object
    ours: bool = False
    check: object = None
    note: str = field(default="")

    @property
    def group(self) -> str:
        return self.label.split(".", 1)[0]

    @property
    def impl(self) -> str:
        return self.label.split(".", 1)[1]


# --------------------------------------------------------------------------- textbook peer


def _cache_dir() -> Path:
    root = os.environ.get("CS_CONV_CACHE") or os.environ.get("XDG_CACHE_HOME")
    base = Path(root) if root else Path.home() / ".cache"
    return base / "cs_conv" / "bench"


_TEXTBOOK = None


def build_textbook():
    """Compile ``_textbook_cy.pyx`` (once per source and Python) and import it.

    The build runs ``cythonize`` and the C compiler in a subprocess, into a
    cache directory (``$CS_CONV_CACHE``, else ``$XDG_CACHE_HOME/cs_conv/bench``,
    else ``~/.cache/cs_conv/bench``); nothing is built at install time.

    Returns
    -------
    module
        With ``im2col_textbook`` and ``col2im_textbook``.

    Raises
    ------
    RuntimeError
        The compiler or Cython failed (the message has their output).
    """
    global _TEXTBOOK
    if _TEXTBOOK is not None:
        return _TEXTBOOK
    source = (_HERE / "_textbook_cy.pyx").read_bytes()
    tag = hashlib.sha256(source + sys.version.encode()).hexdigest()[:12]
    name = f"_textbook_cy_{tag}"
    build = _cache_dir() / name
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    target = build / (name + suffix)
    if not target.exists():
        build.mkdir(parents=True, exist_ok=True)
        (build / (name + ".pyx")).write_bytes(source)
        script = (
            "from setuptools import Extension, setup\n"
            "from Cython.Build import cythonize\n"
            f"setup(name={name!r}, script_args=['build_ext', '--inplace', '-q'],\n"
            f"      ext_modules=cythonize([Extension({name!r}, [{name + '.pyx'!r}],\n"
            "                             extra_compile_args=['-O3'])],\n"
            "                            language_level=3, quiet=True))\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", script],
            cwd=build,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode or not target.exists():
            raise RuntimeError(
                f"building the textbook Cython peer failed:\n{proc.stdout}\n{proc.stderr}"
            )
    spec = importlib.util.spec_from_file_location(name, target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _TEXTBOOK = module
    return module


# --------------------------------------------------------------------------- peers


def _sliding_window_im2col(x, g):
    """im2col as a student with NumPy >= 1.20 would: pad, view, one reshape copy."""
    xp = np.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw))) if g.ph or g.pw else x
    v = np.lib.stride_tricks.sliding_window_view(xp, (g.HH, g.WW), axis=(2, 3))
    v = v[:, :, :: g.sh, :: g.sw]  # (N, C, H_out, W_out, HH, WW)
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(g.cols_shape)


def _relerr(a, ref) -> float:
    """Largest ``|a - ref|`` relative to ``max(1, max|ref|)``; inf if shapes differ."""
    a = np.asarray(a)
    ref = np.asarray(ref)
    if a.shape != ref.shape:
        return float("inf")
    if not a.size:
        return 0.0
    scale = max(1.0, float(np.max(np.abs(ref))))
    return float(np.max(np.abs(a.astype(np.float64) - ref))) / scale


def contenders(shape, dtype="float64", *, seed=0, naive_loops=None, torch_ok=True):
    """Build the contenders for one shape and dtype.

    Parameters
    ----------
    shape : BenchShape
    dtype : {"float64", "float32"}
    seed : int
    naive_loops : bool, optional
        Include the Python-loop stages; default ``shape.small``.
    torch_ok : bool
        Include the torch peers when torch imports.

    Returns
    -------
    list of Contender
    skipped : dict of label -> reason
    """
    g = shape.geometry
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape.x_shape).astype(dt)
    w = rng.standard_normal(shape.w_shape).astype(dt)
    b = rng.standard_normal(shape.w_shape[0]).astype(dt)
    param = {"stride": shape.stride, "pad": shape.pad}
    F = shape.w_shape[0]
    dout = rng.standard_normal((g.N, F, g.H_out, g.W_out)).astype(dt)
    if naive_loops is None:
        naive_loops = shape.small
    HH, WW, s, p = g.HH, g.WW, shape.stride, shape.pad
    skipped = {}

    ref_cols = im2col_cython.im2col(x, HH, WW, s, p)
    dcols = rng.standard_normal(g.cols_shape).astype(dt)
    ref_dx = im2col_cython.col2im(dcols, g.x_shape, HH, WW, s, p)
    ref_out, _ = layers.conv_forward(x, w, b, param)

    src_cols = np.ones(g.cols_shape, dt)
    dst_cols = np.zeros(g.cols_shape, dt)
    src_x = np.ones(g.x_shape, dt)
    dst_x = np.zeros(g.x_shape, dt)
    into = np.zeros(g.cols_shape, dt)

    def new_copy():
        a = np.empty(g.cols_shape, dt)
        np.copyto(a, src_cols)
        return a

    def kernel_into():
        return im2col_cython.im2col(x, HH, WW, s, p, out=into)

    C = []
    C.append(Contender("copy.cols", lambda: np.copyto(dst_cols, src_cols)))
    C.append(Contender("copy.x", lambda: np.copyto(dst_x, src_x)))
    C.append(Contender("copy.new_cols", new_copy))

    def im2col_check(f, post=lambda r: r):
        return lambda: _relerr(post(f()), ref_cols)

    def col2im_check(f, post=lambda r: r):
        return lambda: _relerr(post(f()), ref_dx)

    def add(label, func, ours=False, check=None):
        C.append(Contender(label, func, ours, check))

    f = lambda: im2col_cython.im2col(x, HH, WW, s, p)  # noqa: E731
    add("im2col.cython", f, True, im2col_check(f))
    add("im2col.cython_kernel", kernel_into, True, im2col_check(kernel_into))
    try:
        tb = build_textbook()
    except RuntimeError as exc:
        tb = None
        skipped["im2col.textbook_cy"] = skipped["col2im.textbook_cy"] = str(exc)[:200]
    if tb is not None:
        f = lambda: tb.im2col_textbook(x, HH, WW, g.sh, g.sw, g.ph, g.pw)  # noqa: E731
        add("im2col.textbook_cy", f, check=im2col_check(f))
    f = lambda: im2col_fancy.im2col(x, HH, WW, s, p)  # noqa: E731
    add("im2col.fancy", f, check=im2col_check(f))
    f = lambda: _sliding_window_im2col(x, g)  # noqa: E731
    add("im2col.sliding_window", f, check=im2col_check(f))

    torch = None
    if torch_ok:
        try:
            import torch
        except ImportError:
            skipped["torch"] = "torch is not installed"
    if torch is not None:
        F_ = torch.nn.functional
        xt, wt, bt = (torch.from_numpy(a) for a in (x, w, b))
        to_cols = lambda r: r.numpy().transpose(1, 0, 2).reshape(g.cols_shape)  # noqa: E731
        f = lambda: F_.unfold(xt, (HH, WW), padding=p, stride=s)  # noqa: E731
        add("im2col.torch_unfold", f, check=im2col_check(f, to_cols))
    if naive_loops:
        f = lambda: im2col_loops.im2col(x, HH, WW, s, p)  # noqa: E731
        add("im2col.loops", f, check=im2col_check(f))

    f = lambda: im2col_cython.col2im(dcols, g.x_shape, HH, WW, s, p)  # noqa: E731
    add("col2im.cython", f, True, col2im_check(f))
    if tb is not None:
        f = lambda: tb.col2im_textbook(dcols, *g.x_shape, HH, WW, g.sh, g.sw, g.ph, g.pw)  # noqa: E731
        add("col2im.textbook_cy", f, check=col2im_check(f))
    f = lambda: im2col_fancy.col2im(dcols, g.x_shape, HH, WW, s, p)  # noqa: E731
    add("col2im.add_at", f, check=col2im_check(f))
    if torch is not None:
        # fold takes (N, C*HH*WW, L): give it that layout, made once, outside the timing
        dct = torch.from_numpy(
            np.ascontiguousarray(dcols.reshape(-1, g.N, g.H_out * g.W_out).transpose(1, 0, 2))
        )
        f = lambda: F_.fold(  # noqa: E731
            dct, (g.H, g.W), (HH, WW), padding=p, stride=s
        )
        add("col2im.torch_fold", f, check=col2im_check(f, lambda r: r.numpy()))
    if naive_loops:
        f = lambda: im2col_loops.col2im(dcols, g.x_shape, HH, WW, s, p)  # noqa: E731
        add("col2im.loops", f, check=col2im_check(f))

    def fwd_check(f, post=lambda r: r[0]):
        return lambda: _relerr(post(f()), ref_out)

    f = lambda: layers.conv_forward(x, w, b, param)  # noqa: E731
    add("forward.cython", f, True, fwd_check(f))
    f = lambda: layers.conv_forward(x, w, b, param, backend="fancy")  # noqa: E731
    add("forward.fancy", f, check=fwd_check(f))
    if torch is not None:
        f = lambda: F_.conv2d(xt, wt, bt, stride=s, padding=p)  # noqa: E731
        add("forward.torch_conv2d", f, check=fwd_check(f, lambda r: r.numpy()))
    if naive_loops:
        f = lambda: layers.conv_forward(x, w, b, param, backend="loops")  # noqa: E731
        add("forward.loops", f, check=fwd_check(f))
        f = lambda: naive.conv_forward(x, w, b, param)  # noqa: E731
        add("forward.naive", f, check=fwd_check(f))

    def fwd_bwd():
        _, cache = layers.conv_forward(x, w, b, param)
        return layers.conv_backward(dout, cache)

    grads = fwd_bwd()
    add("fwd_bwd.cython", fwd_bwd, True)
    if torch is not None:
        xg, wg, bg = (torch.from_numpy(a).requires_grad_(True) for a in (x, w, b))
        doutt = torch.from_numpy(dout)

        def torch_fwd_bwd():
            out = F_.conv2d(xg, wg, bg, stride=s, padding=p)
            return torch.autograd.grad(out, (xg, wg, bg), doutt)

        def torch_check():
            got = torch_fwd_bwd()
            return max(_relerr(t.numpy(), r) for t, r in zip(got, grads, strict=True))

        add("fwd_bwd.torch_conv2d", torch_fwd_bwd, check=torch_check)
    return C, skipped
