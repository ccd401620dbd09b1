"""Every contender of the benchmark, ours and the peers, on one shape.

A contender is a zero-argument callable plus a label ``"<group>.<impl>"``:

=================  =============================================================
group              contenders
=================  =============================================================
``copy``           ``alloc``: ``src.copy()`` of as many bytes as ``cols``, a copy
                   that allocates its output as a caller's im2col must (the goals'
                   roofline); ``cols``: ``np.copyto`` of those bytes into a reused
                   buffer (the roofline of the "into a reused buffer" column);
                   ``x``: ``np.copyto`` of the bytes of ``x``
``im2col``         ``cython`` (ours, the public call: a fresh output every call),
                   ``cython_out`` (ours, ``out=`` a reused buffer), ``textbook_cy``,
                   ``fancy`` (CS231n), ``sliding_window``, ``torch_unfold``,
                   ``loops`` (small shapes)
``col2im``         ``cython``, ``cython_out``, ``textbook_cy``, ``add_at`` (CS231n
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


@dataclass
class Case:
    """The inputs of one shape and dtype, our results, and the peers available.

    Attributes
    ----------
    g : ConvGeometry
    x, w, b, dout, dcols : ndarray
        Seeded random inputs (``dcols`` is col2im's input).
    param : dict
        ``{"stride": s, "pad": p}``.
    cols, dx, out : ndarray
        Our im2col, col2im and forward results: every peer is checked against them.
    torch : module or None
    textbook : module or None
        The compiled textbook peer (:func:`build_textbook`), None if it failed.
    skipped : dict
        Label -> why it is left out.
    """

    g: object
    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    dout: np.ndarray
    dcols: np.ndarray
    param: dict
    cols: np.ndarray
    dx: np.ndarray
    out: np.ndarray
    torch: object
    textbook: object
    skipped: dict


def make_case(shape, dtype="float64", *, seed=0, torch_ok=True) -> Case:
    """Seeded inputs for ``shape`` (a BenchShape), our results, the peers that load."""
    g = shape.geometry
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(g.x_shape).astype(dt)
    w = rng.standard_normal(shape.w_shape).astype(dt)
    b = rng.standard_normal(shape.w_shape[0]).astype(dt)
    dout = rng.standard_normal((g.N, shape.w_shape[0], g.H_out, g.W_out)).astype(dt)
    dcols = rng.standard_normal(g.cols_shape).astype(dt)
    param = {"stride": shape.stride, "pad": shape.pad}
    skipped = {}
    torch = None
    if torch_ok:
        try:
            import torch
        except ImportError:
            skipped["torch"] = "torch is not installed"
    try:
        textbook = build_textbook()
    except RuntimeError as exc:
        textbook = None
        skipped["im2col.textbook_cy"] = skipped["col2im.textbook_cy"] = str(exc)[:200]
    return Case(
        g, x, w, b, dout, dcols, param,
        im2col_cython.im2col(x, g.HH, g.WW, g.stride, g.pad),
        im2col_cython.col2im(dcols, g.x_shape, g.HH, g.WW, g.stride, g.pad),
        layers.conv_forward(x, w, b, param)[0],
        torch, textbook, skipped,
    )  # fmt: skip


def _checked(label, func, want, post=None, ours=False):
    """A contender whose result (through ``post``) is compared with ``want`` first."""
    post = post or (lambda r: r)
    return Contender(label, func, ours, lambda: _relerr(post(func()), want))


def copy_contenders(case: Case) -> list:
    """The rooflines: a copy that allocates, a copy into a reused buffer, a copy of x."""
    src_cols = np.ones(case.g.cols_shape, case.x.dtype)
    dst_cols = np.zeros_like(src_cols)
    src_x, dst_x = np.ones_like(case.x), np.zeros_like(case.x)
    return [
        Contender("copy.alloc", src_cols.copy),
        Contender("copy.cols", lambda: np.copyto(dst_cols, src_cols)),
        Contender("copy.x", lambda: np.copyto(dst_x, src_x)),
    ]


def im2col_contenders(case: Case, naive_loops: bool) -> list:
    """Ours as called and into a reused buffer, then every im2col peer."""
    g, x, want = case.g, case.x, case.cols
    args = (g.HH, g.WW, g.stride, g.pad)
    into = np.zeros(g.cols_shape, x.dtype)
    out = [
        _checked("im2col.cython", lambda: im2col_cython.im2col(x, *args), want, ours=True),
        _checked(
            "im2col.cython_out", lambda: im2col_cython.im2col(x, *args, out=into), want, ours=True
        ),
    ]
    tb = case.textbook
    if tb is not None:
        f = lambda: tb.im2col_textbook(x, g.HH, g.WW, g.sh, g.sw, g.ph, g.pw)  # noqa: E731
        out.append(_checked("im2col.textbook_cy", f, want))
    out.append(_checked("im2col.fancy", lambda: im2col_fancy.im2col(x, *args), want))
    out.append(_checked("im2col.sliding_window", lambda: _sliding_window_im2col(x, g), want))
    if case.torch is not None:
        xt, unfold = case.torch.from_numpy(x), case.torch.nn.functional.unfold
        f = lambda: unfold(xt, (g.HH, g.WW), padding=g.pad, stride=g.stride)  # noqa: E731
        to_cols = lambda r: r.numpy().transpose(1, 0, 2).reshape(g.cols_shape)  # noqa: E731
        out.append(_checked("im2col.torch_unfold", f, want, to_cols))
    if naive_loops:
        out.append(_checked("im2col.loops", lambda: im2col_loops.im2col(x, *args), want))
    return out


def col2im_contenders(case: Case, naive_loops: bool) -> list:
    """Ours as called and into a reused buffer, then every col2im peer."""
    g, dcols, want = case.g, case.dcols, case.dx
    args = (g.x_shape, g.HH, g.WW, g.stride, g.pad)
    into = np.zeros(g.x_shape, dcols.dtype)
    f = lambda: im2col_cython.col2im(dcols, *args, out=into)  # noqa: E731
    out = [
        _checked("col2im.cython", lambda: im2col_cython.col2im(dcols, *args), want, ours=True),
        _checked("col2im.cython_out", f, want, ours=True),
    ]
    tb = case.textbook
    if tb is not None:
        f = lambda: tb.col2im_textbook(dcols, *g.x_shape, g.HH, g.WW, *g.stride, *g.pad)  # noqa: E731
        out.append(_checked("col2im.textbook_cy", f, want))
    out.append(_checked("col2im.add_at", lambda: im2col_fancy.col2im(dcols, *args), want))
    if case.torch is not None:
        # fold takes (N, C*HH*WW, L): give it that layout, made once, outside the timing
        L = g.H_out * g.W_out
        dct = case.torch.from_numpy(
            np.ascontiguousarray(dcols.reshape(-1, g.N, L).transpose(1, 0, 2))
        )
        fold = case.torch.nn.functional.fold
        f = lambda: fold(dct, (g.H, g.W), (g.HH, g.WW), padding=g.pad, stride=g.stride)  # noqa: E731
        out.append(_checked("col2im.torch_fold", f, want, lambda r: r.numpy()))
    if naive_loops:
        out.append(_checked("col2im.loops", lambda: im2col_loops.col2im(dcols, *args), want))
    return out


def forward_contenders(case: Case, naive_loops: bool) -> list:
    """The layer's forward pass: ours, the fancy backend, torch, the loops, naive."""
    x, w, b, param, want = case.x, case.w, case.b, case.param, case.out
    first = lambda r: r[0]  # noqa: E731
    f = lambda: layers.conv_forward(x, w, b, param)  # noqa: E731
    out = [_checked("forward.cython", f, want, first, ours=True)]
    f = lambda: layers.conv_forward(x, w, b, param, backend="fancy")  # noqa: E731
    out.append(_checked("forward.fancy", f, want, first))
    if case.torch is not None:
        conv2d = case.torch.nn.functional.conv2d
        xt, wt, bt = (case.torch.from_numpy(a) for a in (x, w, b))
        f = lambda: conv2d(xt, wt, bt, stride=case.g.stride, padding=case.g.pad)  # noqa: E731
        out.append(_checked("forward.torch_conv2d", f, want, lambda r: r.numpy()))
    if naive_loops:
        f = lambda: layers.conv_forward(x, w, b, param, backend="loops")  # noqa: E731
        out.append(_checked("forward.loops", f, want, first))
        f = lambda: naive.conv_forward(x, w, b, param)  # noqa: E731
        out.append(_checked("forward.naive", f, want, first))
    return out


def fwd_bwd_contenders(case: Case) -> list:
    """Forward then backward: ours, and torch autograd checked against our gradients."""
    x, w, b, param, dout = case.x, case.w, case.b, case.param, case.dout

    def fwd_bwd():
        _, cache = layers.conv_forward(x, w, b, param)
        return layers.conv_backward(dout, cache)

    out = [Contender("fwd_bwd.cython", fwd_bwd, True)]
    if case.torch is not None:
        torch = case.torch
        xg, wg, bg = (torch.from_numpy(a).requires_grad_(True) for a in (x, w, b))
        doutt = torch.from_numpy(dout)

        def torch_fwd_bwd():
            o = torch.nn.functional.conv2d(xg, wg, bg, stride=case.g.stride, padding=case.g.pad)
            return torch.autograd.grad(o, (xg, wg, bg), doutt)

        grads = fwd_bwd()

        def torch_check():
            got = torch_fwd_bwd()
            return max(_relerr(t.numpy(), r) for t, r in zip(got, grads, strict=True))

        out.append(Contender("fwd_bwd.torch_conv2d", torch_fwd_bwd, check=torch_check))
    return out


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
    case = make_case(shape, dtype, seed=seed, torch_ok=torch_ok)
    loops = shape.small if naive_loops is None else naive_loops
    found = copy_contenders(case)
    found += im2col_contenders(case, loops)
    found += col2im_contenders(case, loops)
    found += forward_contenders(case, loops)
    found += fwd_bwd_contenders(case)
    return found, case.skipped
