"""Fixtures of the browser suite: one JupyterLab and one Chromium per session.

The server serves a temporary copy of the released (student) notebooks; it and its
kernels run in their own process group, killed in the fixture's finalizer (and at exit),
whatever the tests did.  Outside CI the suite is skipped when Chromium or Playwright is
missing; in CI (``CI`` set) that is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from .labdriver import REPO, JupyterLab, Notebook, launch_chromium, release_notebooks

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

#: Where the screenshots go (the README shows them); override with CS_CONV_SCREENSHOTS.
SCREENSHOTS = Path(os.environ.get("CS_CONV_SCREENSHOTS") or REPO / "docs" / "img")

#: A notebook of the suite's own, to test the machinery apart from the course.
SMOKE_NOTEBOOK = "browser_smoke.ipynb"


def pytest_configure(config):
    # until pyproject.toml registers it (--strict-markers is on); registering twice is harmless
    config.addinivalue_line(
        "markers", "browser: end-to-end tests in JupyterLab driven by Chromium (tests/browser)"
    )


def _missing_requirement() -> str | None:
    if shutil.which("chromium") is None:
        return "Chromium is not installed (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install playwright)"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the end of JupyterLab's log to a failing browser test's report."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    lab = getattr(item.config, "_cs_conv_lab", None)
    if lab is not None:
        report.sections.append(("JupyterLab log (tail)", lab.log_tail()))
        # what the browser showed, for CI: next to the server's log
        for k, page in enumerate(getattr(item.config, "_cs_conv_pages", [])):
            if page.is_closed():
                continue
            path = lab.home / f"failure-{item.name}-{report.when}-{k}.png"
            try:
                page.screenshot(path=str(path), full_page=True, timeout=10_000)
                report.sections.append(("browser screenshot", str(path)))
            except Exception as exc:  # a dead browser must not hide the real failure
                report.sections.append(("browser screenshot", f"failed: {exc}"))


@pytest.fixture(scope="session")
def browser_requirements():
    missing = _missing_requirement()
    if missing:
        if IN_CI:
            pytest.fail(f"browser suite in CI: {missing}", pytrace=False)
        pytest.skip(f"browser suite skipped: {missing}")


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory, browser_requirements):
    """The student notebooks (released), plus the suite's smoke notebook."""
    root = tmp_path_factory.mktemp("lab") / "course"
    how = release_notebooks(root)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Smoke test of the browser suite"),
        nbformat.v4.new_code_cell("def double(x):\n    raise NotImplementedError()"),
        nbformat.v4.new_code_cell("double(21)"),
    ]
    nbformat.write(nb, root / SMOKE_NOTEBOOK)
    root.joinpath(".released-by").write_text(how)
    return root


@pytest.fixture(scope="session")
def lab(lab_root, request):
    """A running JupyterLab on a free port with a token, killed (with its kernels) after."""
    server = JupyterLab(lab_root, lab_root.parent / "home")
    request.config._cs_conv_lab = server
    try:
        server.start()
        yield server
    finally:
        server.stop()
        request.config._cs_conv_lab = None


@pytest.fixture(scope="session")
def browser(browser_requirements):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = launch_chromium(pw)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
    ctx.set_default_timeout(30_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(scope="session")
def open_notebook(lab, context, request):
    """``open_notebook(path)``: a :class:`Notebook` open in a new tab, kernel idle.

    Session-scoped so that a module can share one notebook (one kernel) between its
    tests; every page is closed and every kernel shut down at the end of the session.
    """
    pages = request.config._cs_conv_pages = []

    def _open(path: str) -> Notebook:
        if not (lab.root / path).exists():
            available = sorted(p.name for p in lab.root.glob("*.ipynb"))
            pytest.skip(f"{path} is not among the released notebooks {available}")
        page = context.new_page()
        pages.append(page)
        return Notebook(page, lab, path).open()

    try:
        yield _open
    finally:
        for page in pages:
            page.close()
        lab.shutdown_kernels()


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
