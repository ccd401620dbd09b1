"""Seeded test cases: shapes drawn from templates, data drawn from a key.

Every case's seed is a SHA-256 hash of ``(key, checker name, case index)``, so
the same key gives the same shapes and data in any process on any machine, and
a different key gives different random shapes.  The templates fix what each
case must exercise (square or not, stride, pad, overlap, N = C = F = 1,
float32); the rng draws the sizes.  Every case tiles exactly, as the package
requires: ``(H + 2*pad - HH) % stride == 0``, except the *refusal* cases of a
checker whose function must raise ``ValueError`` (a stride that does not tile,
a channel mismatch, a filter larger than the padded input).  *Probe* cases (a
small and a large one with the same channels, filter, stride and pad) let the
checker of a vectorised stage see whether the work of the student's own Python
code grows with the number of output positions.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import asdict, dataclass, replace

import numpy as np

from .. import budget

__all__ = [
    "TEMPLATES",
    "Case",
    "Spec",
    "Template",
    "make_cases",
    "seed_of",
]

_ARRAYS = ("x", "w", "b", "dout", "cols")
#: Most templates :func:`make_cases` reads (an endless iterable is refused, not exhausted).
MAX_TEMPLATES = 64


def seed_of(*parts) -> int:
    """A 64-bit seed from the SHA-256 of ``parts`` joined by ``|``.

    Examples
    --------
    >>> seed_of("visible", "im2col", 0) == seed_of("visible", "im2col", 0)
    True
    >>> seed_of("visible", "im2col", 0) == seed_of("hidden", "im2col", 0)
    False
    """
    text = "|".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


def out_size(size: int, k: int, s: int, p: int) -> int:
    """``(size + 2*p - k) // s + 1`` (floor, as a student would compute it)."""
    return (size + 2 * p - k) // s + 1


@dataclass(frozen=True)
class Spec:
    """The sizes of one case (ints) and its dtype name."""

    N: int
    C: int
    H: int
    W: int
    F: int
    HH: int
    WW: int
    stride: int
    pad: int
    dtype: str = "float64"
    Cw: int = 0
    """Channels of w when they differ from x's (a refusal case); 0: the same as C."""

    @property
    def H_out(self) -> int:
        return out_size(self.H, self.HH, self.stride, self.pad)

    @property
    def W_out(self) -> int:
        return out_size(self.W, self.WW, self.stride, self.pad)

    @property
    def x_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.C, self.H, self.W)

    @property
    def w_shape(self) -> tuple[int, int, int, int]:
        return (self.F, self.Cw or self.C, self.HH, self.WW)

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.F, self.H_out, self.W_out)

    @property
    def cols_shape(self) -> tuple[int, int]:
        return (self.C * self.HH * self.WW, self.N * self.H_out * self.W_out)

    @property
    def tiles(self) -> bool:
        """Whether the stride tiles both padded axes and the filter fits."""
        s, p = self.stride, self.pad
        return all(
            size + 2 * p >= k and (size + 2 * p - k) % s == 0
            for size, k in ((self.H, self.HH), (self.W, self.WW))
        )

    @property
    def size(self) -> int:
        """How big the case is (for "smallest failing case")."""
        return self.N * self.C * self.H * self.W + self.F * self.C * self.HH * self.WW

    def describe(self, what: str = "conv") -> str:
        """One line for messages, e.g. ``x (1, 1, 3, 4), 2x3 filter, stride 1, pad 1, float64``.

        Examples
        --------
        >>> Spec(1, 1, 3, 4, 2, 2, 3, 1, 1).describe("im2col")
        'x (1, 1, 3, 4), 2x3 filter, stride 1, pad 1, float64'
        >>> Spec(1, 1, 3, 4, 2, 2, 3, 1, 1).describe("conv")
        'x (1, 1, 3, 4), w (2, 1, 2, 3), stride 1, pad 1, float64'
        """
        tail = f"stride {self.stride}, pad {self.pad}, {self.dtype}"
        if what == "conv":
            return f"x {self.x_shape}, w {self.w_shape}, {tail}"
        if what == "col2im":
            return (
                f"cols {self.cols_shape} for x_shape {self.x_shape}, "
                f"{self.HH}x{self.WW} filter, {tail}"
            )
        if what == "shape":
            return (
                f"x_shape {self.x_shape}, w_shape {self.w_shape}, stride {self.stride}, "
                f"pad {self.pad}"
            )
        if what == "indices":
            return (
                f"x_shape {self.x_shape}, {self.HH}x{self.WW} filter, stride "
                f"{self.stride}, pad {self.pad}"
            )
        if what == "pad":
            return f"x {self.x_shape}, pad {self.pad}, {self.dtype}"
        return f"x {self.x_shape}, {self.HH}x{self.WW} filter, {tail}"


@dataclass(frozen=True)
class Case:
    """One check case: sizes plus the seeds of its data.

    ``seed`` draws every array; ``primary_seed``, when it differs, redraws the
    checker's primary argument only (a *twin* case: same shapes and other
    arguments, a different input, to catch a function that ignores it).
    """

    checker: str
    index: int
    seed: int
    spec: Spec
    primary: str = "x"
    primary_seed: int | None = None
    twin_of: int | None = None
    refusal: str = ""
    probe: str = ""

    def arrays(self) -> dict[str, np.ndarray]:
        """Fresh arrays ``x, w, b, dout, cols`` of the case's dtype (new each call).

        A refusal case has no consistent arrays: only ``x`` and ``w``.
        """
        sp = self.spec
        if self.refusal:
            rng = np.random.default_rng(self.seed)
            x, w = rng.standard_normal(sp.x_shape), rng.standard_normal(sp.w_shape)
            return {"x": x.astype(sp.dtype), "w": w.astype(sp.dtype)}
        shapes = {
            "x": sp.x_shape,
            "w": sp.w_shape,
            "b": (sp.F,),
            "dout": sp.out_shape,
            "cols": sp.cols_shape,
        }
        budget.check(
            f"the arrays of check case {self.index} ({sp.describe()})",
            arrays={name: int(np.prod(shape, dtype=object)) for name, shape in shapes.items()},
            hint="a case of a few hundred values: check cases test a function, the "
            "benchmark (cs-conv bench) times large shapes",
        )
        rng = np.random.default_rng(self.seed)
        out = {name: rng.standard_normal(shapes[name]) for name in _ARRAYS}
        if self.primary_seed is not None and self.primary in out:
            rng2 = np.random.default_rng(self.primary_seed)
            out[self.primary] = rng2.standard_normal(shapes[self.primary])
        return {k: v.astype(sp.dtype) for k, v in out.items()}

    def to_dict(self) -> dict:
        """JSON-safe form (the data is regenerated from the seeds)."""
        d = asdict(self)
        d["seed"] = str(self.seed)
        d["primary_seed"] = None if self.primary_seed is None else str(self.primary_seed)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Case:
        """Inverse of :meth:`to_dict`."""
        spec = Spec(**{k: (str(v) if k == "dtype" else int(v)) for k, v in d["spec"].items()})
        ps = d.get("primary_seed")
        tw = d.get("twin_of")
        extra = {k: str(d.get(k) or "") for k in ("refusal", "probe")}
        return cls(
            checker=str(d["checker"]),
            index=int(d["index"]),
            seed=int(d["seed"]),
            spec=spec,
            primary=str(d.get("primary", "x")),
            primary_seed=None if ps is None else int(ps),
            twin_of=None if tw is None else int(tw),
            **extra,
        )

    def with_spec(self, spec: Spec, salt) -> Case:
        """A shrunk variant: new sizes and fresh data drawn from ``(seed, salt)``."""
        return replace(
            self,
            spec=spec,
            seed=seed_of(self.seed, "shrink", salt),
            primary_seed=None,
            twin_of=None,
            probe="",
        )


@dataclass(frozen=True)
class Template:
    """What one case must exercise; the rng picks the sizes.

    ``image`` and ``filt`` are ``"square"``, ``"wide"`` (W > H) or ``"tall"``
    (``filt`` also ``"nonsquare"``); ``overlap`` True means windows overlap on
    at least one axis (stride < filter size), False that they never do, None
    either.  ``f_eq_wout`` sets F = W_out != H_out (so that a bias broadcast
    along the last axis does not raise).
    """

    N: int
    C: int
    F: int
    image: str
    filt: str
    stride: int
    pad: int
    dtype: str = "float64"
    overlap: bool | None = True
    f_eq_wout: bool = False
    twin_of: int | None = None


# Together: square and non-square images, non-square filters, stride 1, 2, 3,
# pad 0, 1, 2, overlapping and non-overlapping windows, N = 1, C = 1, F = 1,
# float64 and float32, and two twins.
TEMPLATES: tuple[Template, ...] = (
    Template(1, 1, 1, "tall", "nonsquare", 1, 0),
    Template(2, 2, 2, "square", "square", 1, 1),
    Template(2, 3, 2, "wide", "nonsquare", 2, 1),
    Template(2, 3, 2, "wide", "nonsquare", 2, 1, twin_of=2),
    Template(1, 2, 3, "wide", "square", 2, 0, overlap=False),
    Template(2, 1, 2, "square", "nonsquare", 3, 2, overlap=None),
    Template(2, 2, 1, "tall", "nonsquare", 1, 2),
    Template(3, 2, 2, "wide", "nonsquare", 3, 1),
    Template(2, 2, 0, "wide", "square", 1, 1, "float32", f_eq_wout=True),
    Template(1, 3, 2, "tall", "nonsquare", 2, 2, "float32", overlap=None),
    Template(2, 1, 2, "square", "square", 2, 0, "float32", overlap=False),
    Template(2, 2, 2, "wide", "nonsquare", 1, 0, "float32"),
    Template(2, 2, 2, "wide", "nonsquare", 1, 0, "float32", twin_of=11),
    Template(2, 2, 2, "tall", "nonsquare", 2, 1),
)


def _shape_ok(kind: str, a: int, b: int) -> bool:
    return {
        "square": a == b,
        "nonsquare": a != b,
        "wide": b > a,
        "tall": a > b,
    }[kind]


def _draw_spec(t: Template, rng: np.random.Generator) -> Spec:
    s, p = t.stride, t.pad
    for _ in range(5000):
        HH, WW = (int(v) for v in rng.integers(1, 5, size=2))
        Ho, Wo = (int(v) for v in rng.integers(1, 6, size=2))
        H, W = (Ho - 1) * s + HH - 2 * p, (Wo - 1) * s + WW - 2 * p
        if min(H, W) < 2 or Ho * Wo < 2 or HH * WW < 2:
            continue
        if not (_shape_ok(t.filt, HH, WW) and _shape_ok(t.image, H, W)):
            continue
        if t.overlap is True and not (s < HH or s < WW):
            continue
        if t.overlap is False and (s < HH or s < WW):
            continue
        if t.image != "square" and Ho == Wo:
            continue  # non-square output, so that H_out/W_out mix-ups show
        F = t.F
        if t.f_eq_wout:
            if Wo < 2 or Wo == Ho or Wo == t.N:
                continue
            F = Wo
        return Spec(t.N, t.C, H, W, F, HH, WW, s, p, t.dtype)
    raise ValueError(f"no sizes fit template {t}")


def make_cases(
    checker: str,
    key: str,
    *,
    primary: str = "x",
    templates=TEMPLATES,
    twins: bool = True,
    refusals: bool = False,
    probes: bool = False,
) -> list[Case]:
    """The cases of one checker for one key.

    Parameters
    ----------
    checker : str
        Checker name; part of every seed.
    key : str
        Caller-supplied key (``"visible"``, ``"hidden-im2col-loops"``, ...).
    primary : str
        Name of the array a twin case redraws (``"x"``, ``"cols"``, ``"dout"``).
    templates : sequence of Template
    twins : bool
        Whether to keep the twin templates (False for checkers whose inputs are
        shapes only).
    refusals : bool
        Add one case of each kind of :data:`REFUSALS` (the function must raise
        ``ValueError`` on them).
    probes : bool
        Add a small and a large probe case (see :func:`cs_conv.check.special_cases.probe_specs`).

    Returns
    -------
    list of Case

    Examples
    --------
    >>> a = make_cases("im2col", "visible")
    >>> b = make_cases("im2col", "visible")
    >>> [c.spec for c in a] == [c.spec for c in b]
    True
    >>> all(c.spec.tiles for c in a)
    True
    >>> [c.refusal for c in make_cases("conv_output_shape", "k", refusals=True)][-4:]
    ['untiled-h', 'untiled-w', 'channels', 'too-large']
    """
    from .special_cases import REFUSALS, probe_specs, refusal_spec

    templates = tuple(itertools.islice(templates, MAX_TEMPLATES + 1))
    if len(templates) > MAX_TEMPLATES:
        raise ValueError(f"at most {MAX_TEMPLATES} templates per checker, got more")
    cases: list[Case] = []
    by_template: dict[int, Case] = {}
    for ti, t in enumerate(templates):
        if t.twin_of is not None:
            if not twins:
                continue
            base = by_template[t.twin_of]
            case = Case(
                checker,
                len(cases),
                base.seed,
                base.spec,
                primary,
                primary_seed=seed_of(key, checker, ti, "twin"),
                twin_of=base.index,
            )
        else:
            seed = seed_of(key, checker, ti)
            spec = _draw_spec(t, np.random.default_rng(seed_of(seed, "shape")))
            case = Case(checker, len(cases), seed, spec, primary)
        by_template[ti] = case
        cases.append(case)
    if refusals:
        for kind in REFUSALS:
            seed = seed_of(key, checker, "refusal", kind)
            spec = refusal_spec(kind, np.random.default_rng(seed))
            cases.append(Case(checker, len(cases), seed, spec, primary, refusal=kind))
    if probes:
        rng = np.random.default_rng(seed_of(key, checker, "probe"))
        for which, spec in zip(("small", "large"), probe_specs(rng), strict=True):
            seed = seed_of(key, checker, "probe", which)
            cases.append(Case(checker, len(cases), seed, spec, primary, probe=which))
    return cases
