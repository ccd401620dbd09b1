"""The special cases of a check: those a function must refuse, and the loop probes.

- :data:`REFUSALS`: sizes a validating function (``conv_output_shape``) must
  refuse with ``ValueError`` (the stride does not tile, the channels differ, the
  filter is larger than the padded input);
- :func:`probe_specs`: a small and a large case with the same channels and
  filter, whose Python line counts tell a loop over windows from one over taps.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .cases import Spec

__all__ = ["REFUSALS", "probe_specs", "refusal_spec", "refusal_words"]


REFUSALS = ("untiled-h", "untiled-w", "channels", "too-large")
"""The refusal cases of a function that must raise ``ValueError``, by kind."""

_REFUSAL_WORDS = {
    "untiled-h": "the stride does not tile the padded height",
    "untiled-w": "the stride does not tile the padded width",
    "channels": "x and w have different numbers of channels",
    "too-large": "the filter is larger than the padded input",
}


def refusal_spec(kind: str, rng: np.random.Generator) -> Spec:
    """Sizes that a validating function must refuse, for one kind of :data:`REFUSALS`."""
    N, C, F = (int(v) for v in rng.integers(1, 4, size=3))
    for _ in range(5000):
        HH, WW = (int(v) for v in rng.integers(1, 5, size=2))
        H, W = (int(v) for v in rng.integers(2, 9, size=2))
        s, p = int(rng.integers(2, 4)), int(rng.integers(0, 2))
        if kind == "too-large":
            s, H = 1, HH - 2 * p - 1
            if H < 2 or W + 2 * p < WW:
                continue
        elif kind == "channels":
            if HH * WW < 2 or not Spec(N, C, H, W, F, HH, WW, s, p).tiles:
                continue
            return Spec(N, C, H, W, F, HH, WW, s, p, Cw=C + 1)
        else:
            tiled = [(size + 2 * p - k) % s == 0 for size, k in ((H, HH), (W, WW))]
            if min(H + 2 * p - HH, W + 2 * p - WW) < 0 or HH == WW:
                continue
            if tiled != ([False, True] if kind == "untiled-h" else [True, False]):
                continue
        return Spec(N, C, H, W, F, HH, WW, s, p)
    raise RuntimeError(f"no sizes for refusal {kind}")  # pragma: no cover


def probe_specs(rng: np.random.Generator) -> tuple[Spec, Spec]:
    """A small and a large case with the same C, F, filter, stride and pad.

    The large one has 4 images and at least 4 more output rows and columns, so
    that any Python loop over images, windows or output positions runs at least
    3 more times in it.
    """
    C, F = int(rng.integers(1, 4)), 2
    for _ in range(5000):
        HH, WW = (int(v) for v in rng.integers(1, 5, size=2))
        s, p = int(rng.integers(1, 3)), int(rng.integers(0, 2))
        Ho, Wo = 2, int(rng.integers(2, 4))
        H, W = (Ho - 1) * s + HH - 2 * p, (Wo - 1) * s + WW - 2 * p
        if HH * WW < 2 or min(H, W) < 2:
            continue
        small = Spec(1, C, H, W, F, HH, WW, s, p)
        large = replace(small, N=4, H=H + 4 * s, W=W + 5 * s)
        return small, large
    raise RuntimeError("no probe sizes")  # pragma: no cover


def refusal_words(kind: str) -> str:
    """What a refusal case of ``kind`` is, in words (``"channels"``: x and w differ)."""
    return _REFUSAL_WORDS.get(kind, kind)
