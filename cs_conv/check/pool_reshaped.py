"""Pooling mistakes made in vectorised and im2col code, which crash where loops carry on.

A loop over ``range(H_out)`` with a window of the wrong size or step reads a
shorter slice at the edge of the image and carries on (the primitives of
:mod:`cs_conv.check.pool_mutations` are lenient like that).  Vectorised code
builds every window at once (``sliding_window_view``, an im2col of the
planes), and only as many windows fit as the image holds: reshaping them to
the output grid crashes wherever the mistake's count differs from
``H_out x W_out``, and NumPy's message says how many values it had
(``cannot reshape array of size 108 into shape (2,2,2,4,newaxis)``).

The variants here predict that message (a :class:`~cs_conv.check.mutations.Crash`)
where the mistake crashes and its output where it does not, so that one
variant explains a function that crashes on some cases and gives wrong values
(or the right ones) on the others.  Where a mistake changes nothing (a square
pool exchanged, stride 1 ignored) they give the right answer.
"""

from __future__ import annotations

from .mutations import Crash, Variant
from .pool_mutations import (
    across_channels,
    case_windows,
    pool_max,
    route_add,
    routed_dx,
    tap_weights,
    true_counts,
)

__all__ = ["GEOMETRIES", "backward_reshaped", "forward_reshaped"]

GEOMETRIES = (
    (
        "pool-stride-confused",
        "stride x stride windows (the stride used as the pool size)",
        lambda sp: (sp.stride, sp.stride, sp.stride, sp.stride),
    ),
    (
        "pool-stride-confused",
        "windows that start every pool_height rows and pool_width columns (the pool size "
        "used as the stride)",
        lambda sp: (sp.HH, sp.WW, sp.HH, sp.WW),
    ),
    (
        "pool-hw-swapped",
        "windows of pool_width rows by pool_height columns",
        lambda sp: (sp.WW, sp.HH, sp.stride, sp.stride),
    ),
    (
        "pool-hw-swapped",
        "pool_height x pool_height windows (pool_width never used)",
        lambda sp: (sp.HH, sp.HH, sp.stride, sp.stride),
    ),
    (
        "pool-hw-swapped",
        "pool_width x pool_width windows (pool_height never used)",
        lambda sp: (sp.WW, sp.WW, sp.stride, sp.stride),
    ),
    ("stride-ignored", "windows at stride 1", lambda sp: (sp.HH, sp.WW, 1, 1)),
    (
        "stride-ignored",
        "windows at stride 1 along the columns",
        lambda sp: (sp.HH, sp.WW, sp.stride, 1),
    ),
    (
        "stride-ignored",
        "windows at stride 1 along the rows",
        lambda sp: (sp.HH, sp.WW, 1, sp.stride),
    ),
)
"""``(code, words, geometry)``: ``geometry(spec) -> (PH, PW, sh, sw)`` of the mistake."""


def _fitting(sp, PH, PW, sh, sw):
    """``(rows, columns)`` of the windows that fit in the image (floor counts), or None
    when a window is larger than the image (``sliding_window_view`` refuses it)."""
    if PH > sp.H or PW > sp.W:
        return None
    return (sp.H - PH) // sh + 1, (sp.W - PW) // sw + 1


def reshaped_max(c, geometry, validated: bool = False):
    """The maxima of the windows that fit, reshaped to ``(N, C, H_out, W_out)``: a crash
    that says their count where it is not ``N*C*H_out*W_out``.

    ``validated``: an im2col that refuses a geometry that does not tile the image (a
    crash in the student's own words) made the windows.
    """
    sp = c.spec
    PH, PW, sh, sw = geometry
    fit = _fitting(sp, PH, PW, sh, sw)
    if fit is None or (validated and ((sp.H - PH) % sh or (sp.W - PW) % sw)):
        return None
    h, w = fit
    if h * w != sp.H_out * sp.W_out:
        return Crash(f"size {sp.N * sp.C * h * w} into shape")
    out = pool_max(case_windows(c, PH=PH, PW=PW, sh=sh, sw=sw))
    return {"out": out.reshape(sp.N, sp.C, sp.H_out, sp.W_out)}


def blocks_max(c, floor: bool):
    """``x.reshape(N, C, Hb, PH, Wb, PW).max(axis=(3, 5))``: blocks of the pool's size, as
    many as ``H // PH`` (``floor``) or ``H_out``; a crash that says ``x.size`` where they do
    not fill the image exactly."""
    sp = c.spec
    Hb, Wb = (sp.H // sp.HH, sp.W // sp.WW) if floor else (sp.H_out, sp.W_out)
    if (Hb * sp.HH, Wb * sp.WW) != (sp.H, sp.W):
        return Crash(f"size {sp.N * sp.C * sp.H * sp.W} into shape")
    return {"out": pool_max(case_windows(c, sh=sp.HH, sw=sp.WW, Ho=Hb, Wo=Wb))}


def windowed_dx(c, geometry, signed: bool):
    """dx of vectorised windows cut to ``[:H_out, :W_out]``: where fewer fit, a crash.

    ``signed``: the windows are reshaped to ``(N, C, H_out, W_out, -1)``, a crash that
    says their size where it does not divide (where it does, the crash comes later, in
    a broadcast whose message depends on the code: predicted without its words).
    """
    sp = c.spec
    PH, PW, sh, sw = geometry
    fit = _fitting(sp, PH, PW, sh, sw)
    if fit is None:
        return None
    h, w = min(fit[0], sp.H_out), min(fit[1], sp.W_out)
    if (h, w) != (sp.H_out, sp.W_out):
        size = sp.N * sp.C * h * w * PH * PW
        if signed and size % (sp.N * sp.C * sp.H_out * sp.W_out):
            return Crash(f"size {size} into shape")
        return None
    return routed_dx(c, PH=PH, PW=PW, sh=sh, sw=sw)


def trimmed_max(c, geometry):
    """The maxima of vectorised windows cut to ``[:H_out, :W_out]``; a crash (its words
    depend on the code) where fewer fit."""
    sp = c.spec
    PH, PW, sh, sw = geometry
    fit = _fitting(sp, PH, PW, sh, sw)
    if fit is None or fit[0] < sp.H_out or fit[1] < sp.W_out:
        return None
    return {"out": pool_max(case_windows(c, PH=PH, PW=PW, sh=sh, sw=sw, **true_counts(c)))}


def col2im_dx(c, geometry):
    """The right dcols ``(PH*PW, N*C*H_out*W_out)`` given to a col2im of the planes with the
    mistake's geometry, which reshapes ``dcols.T`` to its own windows: a crash that says
    the size of dcols where the counts differ."""
    sp = c.spec
    PH, PW, sh, sw = geometry
    h, w = (sp.H - PH) // sh + 1, (sp.W - PW) // sw + 1  # no windows: a count of 0
    if h < 0 or w < 0:
        return None
    size = sp.N * sp.C * sp.H_out * sp.W_out * sp.HH * sp.WW
    if h * w * PH * PW * sp.N * sp.C != size:
        return Crash(f"size {size} into shape")
    win = case_windows(c, **true_counts(c))
    D = tap_weights(win, "first") * c.a["dout"][..., None, None]
    return {"dx": route_add(D.reshape(sp.N, sp.C, h, w, PH, PW), sp.H, sp.W, sh, sw)}


def channels_reshaped(c, outputs):
    """One maximum per window over all channels, reshaped to the output: a crash that
    says the size N*H_out*W_out (C > 1), else ``outputs(c)`` (with one channel, the
    right answer).  The forward of the backward checker crashes the same way."""
    sp = c.spec
    if sp.C == 1:
        return outputs(c)
    return Crash(f"size {sp.N * sp.H_out * sp.W_out} into shape")


_CHANNELS = (
    "One maximum per window of all channels, reshaped to (N, C, H_out, W_out): C times "
    "too few values"
)


def _channels_out(c):
    return {"out": across_channels(case_windows(c))}


def forward_reshaped() -> list[Variant]:
    """The window mistakes of a vectorised or im2col forward (their maxima reshaped to the
    output), and the reshape trick of blocks."""
    out = [
        Variant(
            code,
            f"Your output is the maxima of {words}, as many as fit in the image, reshaped to "
            "(N, C, H_out, W_out) (an im2col or sliding windows).",
            lambda c, g=g: reshaped_max(c, g(c.spec)),
        )
        for code, words, g in GEOMETRIES
    ]
    out += [
        Variant(
            code,
            f"Your output is the maxima of {words}, from an im2col that refuses a geometry "
            "that does not tile the image, reshaped to (N, C, H_out, W_out).",
            lambda c, g=g: reshaped_max(c, g(c.spec), validated=True),
        )
        for code, words, g in GEOMETRIES
    ]
    out += [
        Variant(
            code,
            f"Your output is the maxima of {words}, built all at once and cut to H_out x "
            "W_out: it crashes wherever fewer windows fit.",
            lambda c, g=g: trimmed_max(c, g(c.spec)),
        )
        for code, words, g in GEOMETRIES
    ]
    out.append(
        Variant(
            "pool-across-channels",
            f"{_CHANNELS}.",
            lambda c: channels_reshaped(c, _channels_out),
        )
    )
    return [
        *out,
        Variant(
            "pool-stride-confused",
            "Your code reshapes x to (N, C, H // pool_height, pool_height, W // pool_width, "
            "pool_width): blocks side by side, as if the stride were the pool size.",
            lambda c: blocks_max(c, True),
        ),
        Variant(
            "pool-stride-confused",
            "Your code reshapes x to (N, C, H_out, pool_height, W_out, pool_width): blocks "
            "side by side, as if the stride were the pool size.",
            lambda c: blocks_max(c, False),
        ),
    ]


def backward_reshaped() -> list[Variant]:
    """The window mistakes of a vectorised backward, and of a col2im of the planes."""
    out = [
        Variant(
            code,
            f"Your backward's {words}, built all at once, are reshaped to (N, C, H_out, "
            "W_out, -1): it crashes wherever fewer windows fit than H_out x W_out.",
            lambda c, g=g: windowed_dx(c, g(c.spec), True),
        )
        for code, words, g in GEOMETRIES
    ]
    out += [
        Variant(
            code,
            f"Your backward's {words} are built all at once and cut to H_out x W_out: it "
            "crashes wherever fewer windows fit.",
            lambda c, g=g: windowed_dx(c, g(c.spec), False),
        )
        for code, words, g in GEOMETRIES
    ]
    out.append(
        Variant(
            "pool-across-channels",
            f"{_CHANNELS}, in your max_pool_forward: the backward never ran.",
            lambda c: channels_reshaped(c, routed_dx),
        )
    )
    return out + [
        Variant(
            code,
            f"Your col2im adds the right dcols back as {words}: it crashes in the reshape "
            "of dcols wherever their counts differ.",
            lambda c, g=g: col2im_dx(c, g(c.spec)),
        )
        for code, words, g in GEOMETRIES
    ]
