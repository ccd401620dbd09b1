"""Read what a cs_conv.viz figure actually drew (artists, gids, labels)."""

from __future__ import annotations

from matplotlib.patches import Rectangle
from matplotlib.text import Text


def artists_with_gid(fig, prefix: str, kind=object) -> dict[str, object]:
    """``{gid: artist}`` for every artist of ``fig`` whose gid starts with ``prefix``."""
    found = {}
    for artist in fig.findobj(lambda a: isinstance(a, kind)):
        gid = artist.get_gid()
        if gid is not None and gid.startswith(prefix):
            assert gid not in found, f"duplicate gid {gid}"
            found[gid] = artist
    return found


def gid_tuples(found: dict, prefix: str) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in gid[len(prefix) :].split(",")) for gid in found}


def axes_holding(fig, gid: str):
    """The axes that holds the artist with this gid."""
    (artist,) = artists_with_gid(fig, gid).values()
    return artist.axes


__all__ = ["Rectangle", "Text", "artists_with_gid", "axes_holding", "gid_tuples"]
