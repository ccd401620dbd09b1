"""Mutations of max pooling: what each mistake of a student's pooling would return.

Used by :mod:`cs_conv.check.pool_checks`; the primitives are in
:mod:`cs_conv.check.pool_mutations`.  Each :class:`Variant` names a catalogue
code and says, in words, what the student's output matched.
"""

from __future__ import annotations

from .mutations import Variant, relayout
from .pool_mutations import (
    across_channels,
    across_channels_dx,
    case_windows,
    max_routed_dx,
    pool_max,
    routed_dx,
    true_counts,
)
from .pool_reshaped import backward_reshaped, forward_reshaped

__all__ = ["backward_variants", "forward_variants"]


def _ref_out(c):
    return c.memo("pool-ref-out", lambda: case_windows(c).max(axis=(4, 5)))


def _max(win):
    out = pool_max(win)
    return None if out is None else {"out": out}


def _rel_out(src, dst, final=(0, 1, 2, 3)):
    # axes named n f i j, f standing for the channel c
    return lambda c: {"out": relayout(_ref_out(c), src, dst, final)}


def _swapped_pool(c, counts):
    sp = c.spec
    return _max(case_windows(c, PH=sp.WW, PW=sp.HH, **(true_counts(c) if counts else {})))


def _stride_as_pool(c, counts):
    s = c.spec.stride
    return _max(case_windows(c, PH=s, PW=s, **(true_counts(c) if counts else {})))


def _pool_as_stride(c, counts):
    sp = c.spec
    return _max(case_windows(c, sh=sp.HH, sw=sp.WW, **(true_counts(c) if counts else {})))


def _counts_from_pool(c):
    sp = c.spec
    return _max(case_windows(c, Ho=sp.H // sp.HH, Wo=sp.W // sp.WW))


def _mean(c):
    win = case_windows(c)
    return {"out": win.mean(axis=(4, 5))}


def _forward_layout() -> list[Variant]:
    return [
        Variant(
            "hw-swapped",
            "Your output equals the reference with its last two axes transposed.",
            lambda c: {"out": _ref_out(c).transpose(0, 1, 3, 2)},
        ),
        Variant(
            "hw-swapped",
            "Your output holds the right maxima reshaped to (N, C, W_out, H_out).",
            _rel_out("nfij", "nfji"),
        ),
        Variant(
            "hw-swapped",
            "Your output holds the right maxima reshaped to (N, C, W_out, H_out) and "
            "transposed back: H_out and W_out are exchanged in a reshape.",
            _rel_out("nfij", "nfji", (0, 1, 3, 2)),
        ),
        Variant(
            "hw-swapped",
            "Your loops run i over range(W_out) and j over range(H_out).",
            lambda c: _max(case_windows(c, Ho=c.spec.W_out, Wo=c.spec.H_out)),
        ),
        Variant(
            "pool-hw-swapped",
            "Your windows are pool_width rows by pool_height columns (and so are their counts).",
            lambda c: _swapped_pool(c, False),
        ),
        Variant(
            "pool-hw-swapped",
            "Your windows are pool_width rows by pool_height columns.",
            lambda c: _swapped_pool(c, True),
        ),
        Variant(
            "pool-hw-swapped",
            "Your windows are pool_height x pool_height: pool_width is never used.",
            lambda c: _max(case_windows(c, PW=c.spec.HH, **true_counts(c))),
        ),
        Variant(
            "pool-hw-swapped",
            "Your windows are pool_width x pool_width: pool_height is never used.",
            lambda c: _max(case_windows(c, PH=c.spec.WW, **true_counts(c))),
        ),
    ]


def _forward_windows() -> list[Variant]:
    return [
        Variant(
            "pool-stride-confused",
            "Your windows are stride x stride: the stride is used as the pool size.",
            lambda c: _stride_as_pool(c, True),
        ),
        Variant(
            "pool-stride-confused",
            "Your output is a stride x stride pooling: the stride is used as the pool size "
            "(and in H_out and W_out).",
            lambda c: _stride_as_pool(c, False),
        ),
        Variant(
            "pool-stride-confused",
            "Your windows start every pool_height rows and pool_width columns: the pool "
            "size is used as the stride.",
            lambda c: _pool_as_stride(c, False),
        ),
        Variant(
            "pool-stride-confused",
            "Your windows start at (i*pool_height, j*pool_width) instead of "
            "(i*stride, j*stride): the pool size is used as the stride.",
            lambda c: _pool_as_stride(c, True),
        ),
        Variant(
            "pool-stride-confused",
            "Your output has H // pool_height rows and W // pool_width columns, the counts "
            "of a pooling whose stride is the pool size.",
            _counts_from_pool,
        ),
        Variant(
            "stride-ignored",
            "Your windows start at row i and column j instead of i*stride and j*stride.",
            lambda c: _max(case_windows(c, sh=1, sw=1, **true_counts(c))),
        ),
        Variant(
            "stride-ignored",
            "Your output is the stride-1 pooling.",
            lambda c: _max(case_windows(c, sh=1, sw=1)),
        ),
        Variant(
            "stride-ignored",
            "Your windows start at column j instead of j*stride (the rows are right).",
            lambda c: _max(case_windows(c, sw=1, **true_counts(c))),
        ),
        Variant(
            "stride-ignored",
            "Your windows start at row i instead of i*stride (the columns are right).",
            lambda c: _max(case_windows(c, sh=1, **true_counts(c))),
        ),
        Variant(
            "pool-forward-mean",
            "Your output is the mean of each window (average pooling).",
            _mean,
        ),
        Variant(
            "pool-across-channels",
            "Your output is, in every channel, the maximum over all channels of the window.",
            lambda c: {"out": across_channels(case_windows(c))},
        ),
        Variant(
            "pool-planes-order",
            "Your output holds the right maxima, computed in (n, c) plane order but "
            "reshaped as (C, N, H_out, W_out) and transposed.",
            _rel_out("nfij", "fnij", (1, 0, 2, 3)),
        ),
        Variant(
            "pool-planes-order",
            "Your output holds the right maxima, computed in (c, n) plane order "
            "(x.transpose(1, 0, 2, 3)) but reshaped straight to (N, C, H_out, W_out).",
            _rel_out("fnij", "nfij"),
        ),
    ]


_TRUE_DIVISION = Variant(
    "true-division",
    "Your code crashes on every case: an output size computed with `/` is a float.",
    lambda c: None,
)


def forward_variants() -> list[Variant]:
    """Mutations of a max-pooling forward pass."""
    return [*_forward_layout(), *_forward_windows(), *forward_reshaped(), _TRUE_DIVISION]


def _dout_rel(src, dst):
    def fn(c):
        return routed_dx(c, dout=relayout(c.a["dout"], src, dst))

    return fn


def _dx_rel(src, dst, final=(0, 1, 2, 3)):
    def fn(c):
        ref = routed_dx(c)
        return None if ref is None else {"dx": relayout(ref["dx"], src, dst, final)}

    return fn


def _swap_dout(c):
    d = c.a["dout"]
    return routed_dx(c, dout=d.transpose(0, 1, 3, 2).reshape(d.shape))


def _backward_ties_and_overlaps() -> list[Variant]:
    return [
        Variant(
            "pool-grad-every-max",
            "Where a window's maximum is tied, your dx gives the window's whole gradient to "
            "every tied position (e.g. `mask = (window == window.max())`).",
            lambda c: routed_dx(c, "every"),
        ),
        Variant(
            "pool-grad-every-max",
            "Where a window's maximum is tied, your dx shares the window's gradient equally "
            "among the tied positions (`mask / mask.sum()`).",
            lambda c: routed_dx(c, "split"),
        ),
        Variant(
            "pool-tie-not-first",
            "Where a window's maximum is tied, your dx gives the gradient to the last "
            "maximum in row-major order (a `>=` comparison in the loop over the window).",
            lambda c: routed_dx(c, "last"),
        ),
        Variant(
            "pool-tie-not-first",
            "Where a window's maximum is tied, your dx gives the gradient to the first "
            "maximum in column-major order (the loop over columns outside the loop over rows).",
            lambda c: routed_dx(c, "col-first"),
        ),
        Variant(
            "pool-tie-not-first",
            "Where a window's maximum is tied, your dx gives the gradient to the last "
            "maximum in column-major order.",
            lambda c: routed_dx(c, "col-last"),
        ),
        Variant(
            "pool-grad-overwrite",
            "Where windows overlap, your dx holds only the last window's block "
            "(`dx[n, c, rows, cols] = mask * dout[n, c, i, j]`), zeros included.",
            lambda c: routed_dx(c, assign="ij"),
        ),
        Variant(
            "pool-grad-overwrite",
            "Where windows overlap, your dx holds only the last window's block (windows "
            "visited j outer, i inner, with `=`).",
            lambda c: routed_dx(c, assign="ji"),
        ),
        Variant(
            "pool-grad-overwrite",
            "Where windows overlap, your dx holds only the last window's block, "
            "`dx[n, c, rows, cols] = (window == window.max()) * dout[n, c, i, j]` (and this "
            "mask also sends a tied window's gradient to every tied position: "
            "pool-grad-every-max, named once the overwriting is fixed).",
            lambda c: routed_dx(c, "every", assign="ij"),
        ),
        Variant(
            "pool-grad-overwrite",
            "An input that is the maximum of several overlapping windows gets only the last "
            "window's gradient (`dx[...] = dout[...]`, or `dx[idx] += dout` with repeated "
            "fancy indices), not their sum.",
            lambda c: max_routed_dx(c, assign="ij"),
        ),
        Variant(
            "pool-grad-overwrite",
            "An input that is the maximum of several overlapping windows gets only the last "
            "window's gradient (windows visited j outer, i inner).",
            lambda c: max_routed_dx(c, assign="ji"),
        ),
    ]


def _backward_routing() -> list[Variant]:
    return [
        Variant(
            "pool-grad-average",
            "Your dx spreads each window's gradient evenly over the window, dout / "
            "(pool_height * pool_width): the backward of average pooling.",
            lambda c: routed_dx(c, "mean"),
        ),
        Variant(
            "pool-grad-average",
            "Your dx gives each window's gradient to every position of the window.",
            lambda c: routed_dx(c, "ones"),
        ),
        Variant(
            "pool-argmax-not-offset",
            "Your dx puts each window's gradient at the maximum's position inside the window, "
            "(di, dj), as if it were a position in the image.",
            lambda c: max_routed_dx(c, offset=False),
        ),
        Variant(
            "pool-hw-swapped",
            "Your backward's windows are pool_width rows by pool_height columns.",
            lambda c: routed_dx(c, PH=c.spec.WW, PW=c.spec.HH),
        ),
        Variant(
            "pool-hw-swapped",
            "Your backward's windows are pool_height x pool_height: pool_width is never used.",
            lambda c: routed_dx(c, PW=c.spec.HH),
        ),
        Variant(
            "pool-hw-swapped",
            "Your backward's windows are pool_width x pool_width: pool_height is never used.",
            lambda c: routed_dx(c, PH=c.spec.WW),
        ),
        Variant(
            "pool-hw-swapped",
            "Your dx unravels the index of each window's maximum with rows of pool_height "
            "(`divmod(k, pool_height)`, `np.unravel_index(k, (pool_width, pool_height))`).",
            lambda c: max_routed_dx(c, unravel=c.spec.HH),
        ),
        Variant(
            "pool-stride-confused",
            "Your backward's windows are stride x stride: the stride is used as the pool size.",
            lambda c: routed_dx(c, PH=c.spec.stride, PW=c.spec.stride),
        ),
        Variant(
            "pool-stride-confused",
            "Your backward's windows start every pool_height rows and pool_width columns: "
            "the pool size is used as the stride.",
            lambda c: routed_dx(c, sh=c.spec.HH, sw=c.spec.WW),
        ),
        Variant(
            "stride-ignored",
            "Your backward's windows start at row i and column j instead of i*stride and j*stride.",
            lambda c: routed_dx(c, sh=1, sw=1),
        ),
        Variant(
            "stride-ignored",
            "Your backward's windows start at column j instead of j*stride.",
            lambda c: routed_dx(c, sw=1),
        ),
        Variant(
            "stride-ignored",
            "Your backward's windows start at row i instead of i*stride.",
            lambda c: routed_dx(c, sh=1),
        ),
    ]


def _backward_layout() -> list[Variant]:
    return [
        Variant(
            "pool-across-channels",
            "Your dx sends each window's gradient to the maximum over all channels of the window.",
            lambda c: across_channels_dx(c, False),
        ),
        Variant(
            "pool-across-channels",
            "Your dx sends each window's gradient to every maximum over all channels of the "
            "window.",
            lambda c: across_channels_dx(c, True),
        ),
        Variant(
            "pool-planes-order",
            "Your dx is right for dout flattened in (c, n) order, "
            "`dout.transpose(1, 0, 2, 3)`, while the planes of x are in (n, c) order.",
            _dout_rel("fnij", "nfij"),
        ),
        Variant(
            "pool-planes-order",
            "Your dx is right for dout read in (c, n) plane order while the planes of x are "
            "in (n, c) order.",
            _dout_rel("nfij", "fnij"),
        ),
        Variant(
            "pool-planes-order",
            "Your dx holds the right gradients, computed in (n, c) plane order but "
            "reshaped as (C, N, H, W) and transposed.",
            _dx_rel("nfij", "fnij", (1, 0, 2, 3)),
        ),
        Variant(
            "pool-planes-order",
            "Your dx holds the right gradients, computed in (c, n) plane order but reshaped "
            "straight to (N, C, H, W).",
            _dx_rel("fnij", "nfij"),
        ),
        Variant(
            "hw-swapped",
            "Your dx is right for dout flattened with its spatial axes exchanged, "
            "`dout.transpose(0, 1, 3, 2)`.",
            _swap_dout,
        ),
    ]


def backward_variants() -> list[Variant]:
    """Mutations of a max-pooling backward pass (the student's loops read dout's shape)."""
    return (
        _backward_ties_and_overlaps()
        + _backward_routing()
        + _backward_layout()
        + backward_reshaped()
        + [_TRUE_DIVISION]
    )
