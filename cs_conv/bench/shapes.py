"""The benchmark's convolution shapes.

Each shape is ``x (N, C, H, W)``, ``w (F, C, HH, WW)``, a stride and a pad.
The four of the course (a–d) are fixed; any other can be given on the command
line as ``N,C,H,W:F,HH,WW:stride:pad`` (``F`` filters over all ``C`` channels).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..geometry import conv_geometry

__all__ = ["SHAPES", "TINY", "BenchShape", "parse_shape"]


@dataclass(frozen=True)
class BenchShape:
    """One benchmark case.

    Attributes
    ----------
    name : str
        Short label used in tables and JSON.
    x_shape : tuple of 4 ints
    w_shape : tuple of 4 ints
    stride, pad : int
    small : bool
        Whether the naive Python loops are run on it (they take seconds).
    """

    name: str
    x_shape: tuple
    w_shape: tuple
    stride: int
    pad: int
    small: bool = False

    @property
    def geometry(self):
        """The validated :class:`cs_conv.geometry.ConvGeometry`."""
        return conv_geometry(self.x_shape, self.w_shape[2], self.w_shape[3], self.stride, self.pad)

    def describe(self) -> str:
        """``"x (100,3,31,31) w (25,3,3,3) s2 p1"``.

        Examples
        --------
        >>> SHAPES["d"].describe()
        'x (4,3,5,5) w (2,3,3,3) s1 p1'
        """
        xs = ",".join(map(str, self.x_shape))
        ws = ",".join(map(str, self.w_shape))
        return f"x ({xs}) w ({ws}) s{self.stride} p{self.pad}"


SHAPES = {
    "a": BenchShape("a", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1, small=True),
    "b": BenchShape("b", (64, 64, 56, 56), (64, 64, 3, 3), 1, 1),
    "c": BenchShape("c", (10, 10, 256, 256), (10, 10, 5, 5), 1, 0),
    "d": BenchShape("d", (4, 3, 5, 5), (2, 3, 3, 3), 1, 1, small=True),
}

#: Shapes for the smoke test: seconds in total, every code path (stride 2, pad, 5x5).
TINY = {
    "t1": BenchShape("t1", (3, 2, 9, 11), (4, 2, 3, 3), 2, 1, small=True),
    "t2": BenchShape("t2", (2, 3, 12, 10), (3, 3, 5, 5), 1, 0, small=True),
}


def parse_shape(spec: str) -> BenchShape:
    """A named shape (``a``–``d``, ``t1``, ``t2``) or ``N,C,H,W:F,HH,WW:stride:pad``.

    Examples
    --------
    >>> parse_shape("2,3,8,8:4,3,3:1:1").w_shape
    (4, 3, 3, 3)
    """
    if not isinstance(spec, str):
        raise TypeError(f"a shape is a name or 'N,C,H,W:F,HH,WW:stride:pad', got {spec!r:.80}")
    if spec in SHAPES:
        return SHAPES[spec]
    if spec in TINY:
        return TINY[spec]
    try:
        xs, fs, s, p = spec.split(":")
        x_shape = tuple(int(v) for v in xs.split(","))
        F, HH, WW = (int(v) for v in fs.split(","))
        shape = BenchShape(spec, x_shape, (F, x_shape[1], HH, WW), int(s), int(p))
        shape.geometry  # noqa: B018  (validates)
    except (ValueError, IndexError) as exc:
        raise ValueError(
            f"shape {spec!r} is neither one of {sorted(SHAPES) + sorted(TINY)} nor "
            f"'N,C,H,W:F,HH,WW:stride:pad' ({exc})"
        ) from None
    return shape
