"""pyproject.toml and environment.yml must list the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_ONLY = {"python", "pip", "c-compiler"}
# PyPI name -> conda-forge name where they differ
CONDA_NAMES = {"torch": "pytorch"}


def _split(spec: str) -> tuple[str, str]:
    spec = spec.split(";")[0]  # drop an environment marker
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$", spec)  # drop [extras]
    assert m, spec
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_specs = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    want = dict(_split(s) for s in pip_specs)
    want = {CONDA_NAMES.get(k, k): v for k, v in want.items()}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda += [d for e in env["dependencies"] if isinstance(e, dict) for d in e.get("pip", [])]
    got = dict(_split(s) for s in conda)
    got = {k: v for k, v in got.items() if k not in CONDA_ONLY}
    assert got == want


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in readme
    assert "test-command" in ci  # .ci/run extracts and runs the README's own line
