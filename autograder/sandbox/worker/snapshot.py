"""Module attributes before and after the student's code ran, to report patches.

A snapshot maps ``"module|attr"`` to ``id(value)`` for the modules a cheat
could patch (numpy, builtins, cs_conv); :func:`changes` says what changed,
what was added to a module that was already there, and what was removed.
Patches cannot change a grade (the trusted side decides from the returned
arrays), so they are reported, not punished.
"""

from __future__ import annotations

import sys
import types

__all__ = ["changes", "take"]

PATCHABLE = ("numpy", "builtins", "cs_conv")


def take(prefixes=PATCHABLE) -> dict:
    """``{"module|attr": id(value)}`` of the loaded modules under ``prefixes``
    (submodule attributes excluded: importing one is not a patch)."""
    out = {}
    for name, mod in sorted(sys.modules.items()):
        if mod is None or not any(name == p or name.startswith(p + ".") for p in prefixes):
            continue
        if name.startswith("numpy") and name.count(".") > 1:
            continue  # deep numpy internals: too many, never what a cheat patches
        try:
            items = list(vars(mod).items())
        except TypeError:
            continue
        for attr, value in items:
            if attr.startswith("__") or isinstance(value, types.ModuleType):
                continue
            if name == "builtins" and attr in ("_", "__", "___"):
                continue
            out[f"{name}|{attr}"] = id(value)
    return out


def changes(before: dict, after: dict, limit: int = 20) -> dict:
    """Changed, added (to a module that was already there) and removed attributes."""
    modules = {k.split("|")[0] for k in before}
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    added = sorted(
        k
        for k in after.keys() - before.keys()
        if k.split("|")[0] in modules and not k.split("|")[1].startswith("_")
    )
    removed = sorted(before.keys() - after.keys())

    def show(keys):
        return [k.replace("|", ".") for k in keys[:limit]]

    return {"changed": show(changed), "added": show(added), "removed": show(removed)}
