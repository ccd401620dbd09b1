"""The shape of the code base: limits a new maintainer can rely on.

- ``cs_conv`` (the reference package students install) never imports or names
  ``autograder`` (the instructor's grader); the ``cs-conv`` command finds the
  grader's subcommands through entry points.
- No function is longer than 120 lines, no module longer than 450.
- No private name (``_x``, not a dunder) defined in one module is used in
  another, whether imported (``from .m import _x``) or reached as an attribute
  (``m._x``, ``obj._x`` on something that is not ``self``/``cls``).  A
  package's private *modules* (``_style``, ``_im2col_cy``) may be imported
  by their own package and its subpackages.
- No measurement script sits inside an installed package: they live in
  ``benchmarks/``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cs_conv", "autograder")
MAX_FUNCTION = 120
MAX_MODULE = 450


def _modules():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if "sample_class" in path.parts:
                continue
            yield path


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_cs_conv_never_names_the_grader():
    files = [*(ROOT / "cs_conv").rglob("*.py"), *(ROOT / "cs_conv").rglob("*.pyx")]
    assert [_rel(p) for p in files if "autograder" in p.read_text()] == []


def test_no_long_functions():
    long = []
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION:
                    long.append(f"{_rel(path)}:{node.lineno} {node.name} ({n} lines)")
    assert long == []


def test_no_long_modules():
    long = []
    for path in list(_modules()) + sorted((ROOT / "cs_conv").rglob("*.pyx")):
        n = len(path.read_text().splitlines())
        if n > MAX_MODULE:
            long.append(f"{_rel(path)} ({n} lines)")
    assert long == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    """The absolute name of ``from <level dots><module> import ...`` in ``current``."""
    if level == 0:
        return module
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _project(module: str) -> bool:
    return module.split(".")[0] in PACKAGES


def _is_module(name: str) -> bool:
    """A module or package of the project (``.py``, a folder, or a compiled ``.pyx``)."""
    where = ROOT / Path(*name.split("."))
    return where.with_suffix(".py").exists() or where.is_dir() or where.with_suffix(".pyx").exists()


def private_reaches(path: Path) -> list[str]:
    """Private names of other project modules that ``path`` uses."""
    tree = _tree(path)
    current = _module_name(path)
    is_package = path.name == "__init__.py"
    found = []
    modules = {}  # local name -> project module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(node.module or "", node.level, current, is_package)
            if not _project(source):
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if _private(alias.name):
                    if not _is_module(full):
                        found.append(f"{_rel(path)}:{node.lineno} imports {full}")
                    # a private module of one's own package (or a parent's) is allowed
                    elif not (current.startswith(source + ".") or current == source):
                        found.append(f"{_rel(path)}:{node.lineno} imports module {full}")
                else:
                    modules[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _project(alias.name):
                    if any(_private(p) for p in alias.name.split(".")[1:]):
                        found.append(f"{_rel(path)}:{node.lineno} imports module {alias.name}")
                    modules[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            value = node.value
            if isinstance(value, ast.Name) and value.id in modules:
                found.append(f"{_rel(path)}:{node.lineno} uses {modules[value.id]}.{node.attr}")
    return found


def foreign_private_methods(paths) -> list[str]:
    """``obj._name(...)`` where ``_name`` is a method defined in another module."""
    owners: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and _private(item.name):
                        owners.setdefault(item.name, set()).add(_rel(path))
    found = []
    for path in paths:
        for node in ast.walk(_tree(path)):
            if (
                isinstance(node, ast.Attribute)
                and _private(node.attr)
                and node.attr in owners
                and _rel(path) not in owners[node.attr]
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                found.append(f"{_rel(path)}:{node.lineno} calls {node.attr} of {owners[node.attr]}")
    return found


def test_no_private_names_across_modules():
    paths = list(_modules())
    found = [hit for p in paths for hit in private_reaches(p)]
    found += foreign_private_methods(paths)
    assert found == []


def test_no_measurement_script_in_an_installed_package():
    scripts = [
        _rel(p)
        for pkg in PACKAGES
        for p in (ROOT / pkg).rglob("*.py")
        if p.name.startswith(("bench_", "measure_", "profile_"))
    ]
    assert scripts == []
    assert (ROOT / "benchmarks").is_dir()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from .store import _atomic_write\n", ["imports autograder.output.store._atomic_write"]),
        ("from . import store\nstore._safe('x')\n", ["uses autograder.output.store._safe"]),
        ("from .store import write\n", []),
    ],
)
def test_the_private_name_rule_can_fail(tmp_path, monkeypatch, source, expected):
    pkg = tmp_path / "autograder" / "output"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "report.py").write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    hits = private_reaches(pkg / "report.py")
    assert [h.split(" ", 1)[1] for h in hits] == expected
