"""Seeded cases of the pooling checkers: shapes from templates, data that shows ties.

A pooling case is a :class:`~cs_conv.check.cases.Case` whose spec reads
``HH x WW`` as the pool, ``stride`` as the stride, ``pad`` as 0 and ``F`` as
1 (unused), so that it travels through ``Case.to_dict``/``from_dict`` and the
shrinker unchanged.  Its arrays are ``x`` and ``dout (N, C, H_out, W_out)``.

The templates fix what each case exercises: square and non-square images and
pools, pools from 1x1 to 3x3, strides equal to, smaller than (overlapping
windows) and larger than (gaps) the pool, N = C = 1, float32, twins, and the
*data*: ``"normal"`` (no ties), ``"relu"`` (ReLU-like: zeros and a few small
integers, so whole windows of zeros tie) or ``"ints"`` (small signed integers,
ties at the maximum everywhere).  The data kind is part of the template, so it
follows the case's index; :func:`as_pool_case` restores it on a case rebuilt
by ``Case.from_dict`` in another process.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .cases import Case, Spec, seed_of

__all__ = ["POOL_TEMPLATES", "PoolCase", "PoolSpec", "PoolTemplate", "as_pool_case", "pool_cases"]


@dataclass(frozen=True)
class PoolSpec(Spec):
    """A :class:`Spec` read as a pooling: ``HH x WW`` pool, no pad, output ``(N, C, ...)``."""

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.C, self.H_out, self.W_out)

    @property
    def pool_param(self) -> dict:
        return {"pool_height": self.HH, "pool_width": self.WW, "stride": self.stride}

    def describe(self, what: str = "pool") -> str:
        """``x (1, 2, 4, 6), 2x3 pool, stride 2, float64``.

        Examples
        --------
        >>> PoolSpec(1, 2, 4, 6, 1, 2, 3, 2, 0).describe()
        'x (1, 2, 4, 6), 2x3 pool, stride 2, float64'
        """
        return f"x {self.x_shape}, {self.HH}x{self.WW} pool, stride {self.stride}, {self.dtype}"


@dataclass(frozen=True)
class PoolTemplate:
    """What one pooling case exercises; the rng picks the sizes.

    ``image`` is ``"square"``, ``"wide"`` or ``"tall"``; ``pool`` is ``"1x1"``,
    ``"2x2"``, ``"3x3"`` or ``"nonsquare"``; ``rel`` compares the stride with
    the pool: ``"eq"`` (stride = PH = PW), ``"lt"`` (windows overlap on both
    axes), ``"mixed"`` (overlap on one axis only) or ``"gt"`` (gaps on both).
    """

    N: int
    C: int
    image: str
    pool: str
    rel: str
    dtype: str = "float64"
    data: str = "normal"
    twin_of: int | None = None


POOL_TEMPLATES: tuple[PoolTemplate, ...] = (
    PoolTemplate(1, 1, "tall", "2x2", "eq"),
    PoolTemplate(2, 2, "square", "3x3", "lt", data="relu"),
    PoolTemplate(2, 3, "wide", "nonsquare", "mixed"),
    PoolTemplate(2, 3, "wide", "nonsquare", "mixed", twin_of=2),
    PoolTemplate(2, 2, "wide", "2x2", "gt"),
    PoolTemplate(1, 2, "tall", "nonsquare", "lt", data="ints"),
    PoolTemplate(2, 1, "square", "1x1", "gt"),
    PoolTemplate(3, 2, "wide", "3x3", "lt", data="relu"),
    PoolTemplate(2, 2, "tall", "2x2", "eq", "float32", data="relu"),
    PoolTemplate(1, 3, "wide", "nonsquare", "lt", "float32"),
    PoolTemplate(2, 2, "tall", "nonsquare", "mixed", "float32", data="ints"),
    PoolTemplate(1, 3, "wide", "nonsquare", "lt", "float32", twin_of=9),
    PoolTemplate(2, 1, "square", "3x3", "eq", "float32"),
    PoolTemplate(2, 2, "tall", "nonsquare", "gt", data="ints"),
)


def _data(kind: str, rng: np.random.Generator, shape) -> np.ndarray:
    if kind == "relu":
        return np.maximum(rng.integers(-3, 4, size=shape), 0).astype(np.float64)
    if kind == "ints":
        return rng.integers(-2, 3, size=shape).astype(np.float64)
    return rng.standard_normal(shape)


@dataclass(frozen=True)
class PoolCase(Case):
    """A pooling case: :meth:`arrays` gives ``x`` (with the template's ties) and ``dout``."""

    @property
    def data(self) -> str:
        """The data kind of the case's template (``"normal"`` for an unknown index)."""
        if 0 <= self.index < len(POOL_TEMPLATES):
            return POOL_TEMPLATES[self.index].data
        return "normal"

    def arrays(self) -> dict[str, np.ndarray]:
        """Fresh ``x`` and ``dout`` of the case's dtype (new arrays every call)."""
        sp = self.spec
        shapes = {"x": sp.x_shape, "dout": (sp.N, sp.C, sp.H_out, sp.W_out)}
        rng = np.random.default_rng(self.seed)
        out = {"x": _data(self.data, rng, shapes["x"]), "dout": rng.standard_normal(shapes["dout"])}
        if self.primary_seed is not None and self.primary in out:
            rng2 = np.random.default_rng(self.primary_seed)
            kind = self.data if self.primary == "x" else "normal"
            out[self.primary] = _data(kind, rng2, shapes[self.primary])
        return {k: v.astype(sp.dtype) for k, v in out.items()}


def as_pool_case(case: Case) -> PoolCase:
    """``case`` as a :class:`PoolCase` (a case rebuilt by ``Case.from_dict`` is a plain Case)."""
    if isinstance(case, PoolCase) and isinstance(case.spec, PoolSpec):
        return case
    fields = {k: getattr(case, k) for k in Case.__dataclass_fields__}
    fields["spec"] = PoolSpec(**asdict(case.spec))
    return PoolCase(**fields)


def _pool_size(kind: str, rng) -> tuple[int, int]:
    if kind in ("1x1", "2x2", "3x3"):
        k = int(kind[0])
        return k, k
    while True:
        PH, PW = (int(v) for v in rng.integers(1, 4, size=2))
        if PH != PW:
            return PH, PW


def _stride(rel: str, PH: int, PW: int, rng) -> int | None:
    lo, hi = min(PH, PW), max(PH, PW)
    options = {
        "eq": [PH] if PH == PW else [],
        "lt": list(range(1, lo)),
        "mixed": list(range(lo, hi)),
        "gt": list(range(hi + 1, hi + 3)),
    }[rel]
    return int(rng.choice(options)) if options else None


def _windows_meet(rel: str, PH: int, PW: int, Ho: int, Wo: int) -> bool:
    """Whether the overlaps (or gaps) the template asks for happen: two windows per axis."""
    if rel in ("lt", "gt"):
        return Ho >= 2 and Wo >= 2
    if rel == "mixed":  # the overlapping axis is the one of the larger pool size
        return (Ho if PH > PW else Wo) >= 2
    return True


def _draw_spec(t: PoolTemplate, rng: np.random.Generator) -> PoolSpec:
    for _ in range(5000):
        PH, PW = _pool_size(t.pool, rng)
        s = _stride(t.rel, PH, PW, rng)
        if s is None:
            continue
        Ho, Wo = (int(v) for v in rng.integers(1, 5, size=2))
        H, W = (Ho - 1) * s + PH, (Wo - 1) * s + PW
        shape_ok = {"square": H == W, "wide": W > H, "tall": H > W}[t.image]
        if not shape_ok or Ho * Wo < 2 or min(H, W) < 2:
            continue
        if t.image != "square" and Ho == Wo:
            continue  # a non-square output, so that H_out/W_out mix-ups show
        if not _windows_meet(t.rel, PH, PW, Ho, Wo):
            continue
        return PoolSpec(t.N, t.C, H, W, 1, PH, PW, s, 0, t.dtype)
    raise RuntimeError(f"no sizes fit template {t}")  # pragma: no cover


def pool_cases(checker: str, key: str, *, primary: str = "x") -> list[PoolCase]:
    """The cases of one pooling checker for one key (deterministic).

    Examples
    --------
    >>> a = pool_cases("pool_forward", "visible")
    >>> [c.spec for c in a] == [c.spec for c in pool_cases("pool_forward", "visible")]
    True
    >>> sorted({c.data for c in a})
    ['ints', 'normal', 'relu']
    """
    cases: list[PoolCase] = []
    for ti, t in enumerate(POOL_TEMPLATES):
        if t.twin_of is not None:
            base = cases[t.twin_of]
            twin_seed = seed_of(key, checker, ti, "twin")
            cases.append(
                PoolCase(checker, ti, base.seed, base.spec, primary, twin_seed, twin_of=base.index)
            )
            continue
        seed = seed_of(key, checker, ti)
        spec = _draw_spec(t, np.random.default_rng(seed_of(seed, "shape")))
        cases.append(PoolCase(checker, ti, seed, spec, primary))
    return cases
