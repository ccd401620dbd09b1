"""The course's integrity policy, checked on the trusted side.

**Policy** (the lists are :data:`autograder.settings.POLICY`). An answer may
use numpy, the standard library and, for testing only, ``cs_conv.check``,
``cs_conv.gradcheck`` and ``cs_conv.viz``. It must not call the course's
reference implementations (the rest of ``cs_conv``: ``naive``,
``im2col_loops``, ``im2col_fancy``, ``im2col_cython``, ``layers``,
``pad_input``, ``conv_output_shape``...) nor a library that convolves for it
(``scipy.signal``, ``scipy.ndimage``, ``torch``, ``tensorflow``, ``jax``,
``skimage``). Instructor cells (a code cell identical to one of the released
notebook) are exempt: they use the references on purpose, e.g. in the
"pitfall" demonstrations.

Checked here, on the trusted side:

* an AST scan of every student-written top-level statement (magics translated
  by IPython; ``%%cython`` cells by a regular expression) for imports of,
  attribute chains on, or strings naming a forbidden module.  A statement the
  graded functions reach by name (:func:`autograder.notebook.reached_statements`)
  makes every test of the notebook ``tampered``; one they do not reach (a
  scratch cell comparing an answer with ``scipy.signal``) is only flagged;
* calls into forbidden code while a graded function runs, noted by the
  worker's reference watch (best effort: the worker is untrusted): that test
  is ``tampered``;
* a student function whose ``__module__`` or code file is the reference
  package, as the worker reports it (best effort: the worker is untrusted);
* patches of ``numpy``, ``builtins`` or ``cs_conv`` seen by the worker's
  before/after fingerprint: reported as integrity flags (they cannot change
  a grade, which is decided from the returned arrays).
"""

from __future__ import annotations

import ast
import re

from .notebook import to_python
from .settings import POLICY

__all__ = ["forbidden_references", "origin_is_reference"]


def forbidden_modules() -> tuple:
    """The forbidden entries of the policy, with every module inside a package that an
    answer may use through its namespace only (found in the installed package)."""
    from .installation import cs_conv_dir, package_modules

    inside = sorted(
        name
        for name in package_modules(cs_conv_dir())
        if any(name.startswith(p + ".") for p in POLICY.namespace_only)
    )
    return (*POLICY.forbidden, *inside)


FORBIDDEN, ALLOWED, ALLOWED_ATTRS = forbidden_modules(), POLICY.allowed, POLICY.allowed_attrs


def _under(module: str, entry: str) -> bool:
    return module == entry or module.startswith(entry + ".")


def _rule(module: str) -> str | None:
    """The longest entry of FORBIDDEN and ALLOWED that ``module`` falls under (it decides:
    ``cs_conv.check`` is allowed, ``cs_conv.check.mutations`` inside it is not)."""
    entries = [e for e in (*FORBIDDEN, *ALLOWED) if _under(module, e)]
    return max(entries, key=len) if entries else None


def _forbidden(module: str) -> bool:
    return _rule(module) in FORBIDDEN


def _named(module: str) -> str:
    """How a flag names a forbidden import: ``cs_conv.<stage>``, or the forbidden
    entry it falls under (``scipy.signal`` for ``scipy.signal.correlate``)."""
    rule = _rule(module) or module
    if rule == "cs_conv":
        return ".".join(module.split(".")[:2])
    return rule


def _dotted(node) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def forbidden_references(source: str) -> list[str]:
    """Forbidden modules a student cell refers to (sorted, unique)."""
    text = source.lstrip()
    if text.startswith("%%"):
        found = re.findall(r"\b(cs_conv(?:\.\w+)?|scipy\.\w+|torch|tensorflow|jax|skimage)\b", text)
        return sorted({m for m in found if _forbidden(m)})
    try:
        tree = ast.parse(to_python(source) or source)
    except SyntaxError:
        return []
    hits = set()
    aliases = {}  # local name -> module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _forbidden(a.name) and not (a.name == "cs_conv" and a.asname is None):
                    hits.add(a.name)
                aliases[a.asname or a.name.split(".")[0]] = (
                    a.name if a.asname else a.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                # `from scipy import signal` too; never `from cs_conv import check`
                if _forbidden(full):
                    hits.add(_named(full))
                aliases[a.asname or a.name] = full
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for m in re.findall(r"\b(cs_conv\.\w+|scipy\.\w+|torch|jax)\b", node.value):
                if _forbidden(m):
                    hits.add(m)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if not dotted:
                continue
            head, _, rest = dotted.partition(".")
            full = aliases.get(head, head) + ("." + rest if rest else "")
            if full.startswith("cs_conv."):
                inside = _forbidden(full) and _rule(full) != "cs_conv"  # e.g. check.mutations
                if full.split(".")[1] not in ALLOWED_ATTRS or inside:
                    hits.add(_named(full))
            elif _forbidden(full):
                hits.add(full)
    return sorted(hits)


def origin_is_reference(origin, package_dir: str) -> bool:
    """Does a worker-reported function origin point into the reference package?"""
    if not isinstance(origin, dict):
        return False
    module = str(origin.get("module") or "")
    file = str(origin.get("file") or "")
    if _under(module, "cs_conv") and _forbidden(module):
        return True
    root = package_dir.rstrip("/") + "/"
    if not package_dir or not file.startswith(root):
        return False
    rel = file[len(root) :].rsplit(".", 1)[0].replace("/", ".")
    name = "cs_conv" + ("" if rel == "__init__" else "." + rel.removesuffix(".__init__"))
    return _forbidden(name)
