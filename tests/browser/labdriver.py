"""Drive a real JupyterLab with a real Chromium, as a student would.

Three pieces, used by ``conftest.py``:

- :func:`release_notebooks`: the student versions of ``notebooks/*.ipynb``, made by the
  project's release step (:func:`autograder.release.release`, behind ``cs-conv release``),
  or, without the autograder, by nbgrader's ``ClearSolutions``/``ClearHiddenTests``/
  ``ClearOutput`` preprocessors;
- :class:`JupyterLab`: a server on a free localhost port with a random token, every
  Jupyter/IPython directory inside a temporary directory, in its own process group;
- :class:`Notebook`: one notebook open in a Playwright page (find a cell by its text,
  replace its source, run it, wait for the kernel, read its output).

Playwright is imported lazily so that collecting this module never needs it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = [
    "CELL_TIMEOUT_MS",
    "CHROMIUM_ARGS",
    "JupyterLab",
    "Notebook",
    "launch_chromium",
    "release_notebooks",
]

REPO = Path(__file__).resolve().parents[2]

#: Flags for Debian's Chromium in a container: no sandbox, no GPU, no network of its own.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
)

#: Longest wait for one cell to run (a cold kernel importing matplotlib on 2 shared cores).
CELL_TIMEOUT_MS = 60_000


# ---------------------------------------------------------------------------------------
# the student notebooks


def release_notebooks(dest: Path, source: Path = REPO / "notebooks") -> str:
    """Write the student notebooks into ``dest``; return how they were made.

    ``"autograder.release"`` (the step behind ``cs-conv release``) when it is installed,
    ``"nbgrader"`` for the fallback (the preprocessors ``nbgrader generate_assignment``
    applies to code), ``"none"`` when there are no notebooks yet.
    """
    dest.mkdir(parents=True, exist_ok=True)
    if not sorted(source.glob("*.ipynb")):
        return "none"
    try:
        from autograder.release import release
    except ImportError:
        release = None
    if release is not None:
        release(source, dest)
        return "autograder.release"

    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    for src in sorted(source.glob("*.ipynb")):
        nb = nbformat.read(src, as_version=4)
        for pre in (ClearSolutions(), ClearHiddenTests(), ClearOutput()):
            nb, _ = pre.preprocess(nb, {"language": "python"})
        nbformat.write(nb, dest / src.name)
    return "nbgrader"


# ---------------------------------------------------------------------------------------
# the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: JupyterLab settings for a quiet, deterministic student session.
_SETTINGS = {
    # no news, no update check: both would try the network
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # every cell in the DOM, so that cells can be found by their text
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    # never save a test's wrong answer over the released notebook
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    # no completer or auto-closing brackets interfering with pasted code
    "@jupyterlab/completer-extension:manager": {"availableProviders": {}},
}


def _die_with_parent() -> None:
    """In the child, Linux only: SIGTERM when the test process dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class JupyterLab:
    """A JupyterLab server serving ``root``, everything else in ``home``.

    Use as a context manager, or call :meth:`start` and :meth:`stop` (also registered
    with :mod:`atexit`, so a crashed session does not leave a server behind).
    """

    def __init__(self, root: Path, home: Path, *, startup_timeout: float = 90.0):
        self.root = Path(root)
        self.home = Path(home)
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.home / "jupyterlab.log"
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self._log = None

    # -- lifecycle ---------------------------------------------------------------------
    def _environment(self) -> dict[str, str]:
        dirs = {
            "JUPYTER_CONFIG_DIR": self.home / "config",
            "JUPYTER_DATA_DIR": self.home / "data",
            "JUPYTER_RUNTIME_DIR": self.home / "runtime",
            "IPYTHONDIR": self.home / "ipython",
        }
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
        labconfig.mkdir(exist_ok=True)
        (labconfig / "default_setting_overrides.json").write_text(json.dumps(_SETTINGS))
        # news_url must be None (not ""), which only a config file can say
        (dirs["JUPYTER_CONFIG_DIR"] / "jupyter_server_config.json").write_text(
            json.dumps({"LabApp": {"news_url": None}})
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
        env.update({k: str(v) for k, v in dirs.items()})
        # a student's kernel picks matplotlib's inline backend itself; CI's Agg would hide
        # every figure
        env.pop("MPLBACKEND", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> JupyterLab:
        self.home.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={self.port}",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.open_browser=False",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI containers run as root
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.root,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kernels die with it
            preexec_fn=_die_with_parent,
        )
        atexit.register(self.stop)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with {self.proc.returncode} before it was ready:\n"
                    + self.log_tail()
                )
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.25)
        raise RuntimeError(
            f"JupyterLab not ready after {self.startup_timeout:.0f} s:\n" + self.log_tail()
        )

    def stop(self) -> None:
        """Kill the server's whole process group (the kernels with it); idempotent."""
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            # kernels that outlived the server (they are in the same group)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None
        atexit.unregister(self.stop)

    def __enter__(self) -> JupyterLab:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- helpers -----------------------------------------------------------------------
    def api(self, method: str, path: str, body=None):
        """Call the REST API with the token; return the decoded JSON (or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def lab_url(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        """Delete every session and kernel (between tests: CPU is shared)."""
        for session in self.api("GET", "/api/sessions") or []:
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels") or []:
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


# ---------------------------------------------------------------------------------------
# the browser


def launch_chromium(playwright):
    """Debian's Chromium (``shutil.which("chromium")``), headless, no network of its own."""
    return playwright.chromium.launch(
        executable_path=shutil.which("chromium"), headless=True, args=list(CHROMIUM_ARGS)
    )


_PROMPT_DONE = re.compile(r"\[\s*(\d+)\s*\]")


class Notebook:
    """One notebook open in JupyterLab in a Playwright page."""

    def __init__(self, page, lab: JupyterLab, path: str):
        self.page = page
        self.lab = lab
        self.path = path

    # -- opening -----------------------------------------------------------------------
    def open(self, timeout_ms: int = 90_000) -> Notebook:
        page = self.page
        page.goto(self.lab.lab_url(self.path), wait_until="domcontentloaded")
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=timeout_ms)
        # a notebook without a kernelspec asks for one: take the default
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        with contextlib.suppress(Exception):
            dialog.click(timeout=1_000)
        self.wait_idle(timeout_ms)
        return self

    @property
    def panel(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first

    def wait_idle(self, timeout_ms: int = CELL_TIMEOUT_MS) -> None:
        """Wait until the notebook's kernel is started and idle."""
        self.panel.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for(
            timeout=timeout_ms
        )

    # -- cells -------------------------------------------------------------------------
    def cells(self):
        return self.panel.locator(".jp-Notebook .jp-Cell")

    def code_cell(self, contains: str, *, nth: int = 0, timeout_ms: int = 10_000):
        """The ``nth`` code cell whose source contains ``contains``.

        Returned as the cell at a fixed position, so that it remains the same cell
        after its source is replaced.
        """
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            sources = self.cells().evaluate_all(
                """cells => cells.map(c => c.classList.contains('jp-CodeCell')
                    ? Array.from(c.querySelectorAll('.jp-InputArea .cm-line'))
                        .map(l => l.textContent).join('\\n')
                    : null)"""
            )
            hits = [i for i, src in enumerate(sources) if src is not None and contains in src]
            if len(hits) > nth:
                return self.cells().nth(hits[nth])
            if time.monotonic() > deadline:
                raise LookupError(
                    f"no code cell #{nth} containing {contains!r} in {self.path} "
                    f"({len(hits)} found among {len(sources)} cells)"
                )
            self.page.wait_for_timeout(200)

    def source(self, cell) -> str:
        lines = cell.locator(".jp-InputArea .cm-content .cm-line").all_inner_texts()
        return "\n".join(line.replace("\u200b", "") for line in lines)

    def set_source(self, cell, code: str) -> None:
        """Replace the cell's source by ``code`` as typed (pasted) into CodeMirror."""
        editor = cell.locator(".jp-InputArea .cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(code)
        got = self.source(cell)
        if got.strip() != code.strip():
            raise AssertionError(
                f"the editor holds something else than what was typed:\n{got}\n---\n{code}"
            )

    def _prompt(self, cell) -> str:
        return cell.locator(".jp-InputArea .jp-InputPrompt").inner_text().strip()

    def _press_run(self, cell) -> None:
        # select the cell by its prompt (command mode: works for locked, read-only cells
        # too), then Shift+Enter as a student would
        cell.locator(".jp-InputArea .jp-InputPrompt").click()
        self.page.wait_for_function(
            "el => el.classList.contains('jp-mod-active')", arg=cell.element_handle()
        )
        self.page.keyboard.press("Shift+Enter")

    def run(self, cell, timeout_ms: int = CELL_TIMEOUT_MS):
        """Run ``cell`` (Shift+Enter), wait until it has finished and the kernel is idle.

        A Shift+Enter that started nothing within 5 s (the page was not ready for it) is
        pressed once more.
        """
        before = self._prompt(cell)
        self._press_run(cell)
        prompt = cell.locator(".jp-InputArea .jp-InputPrompt")
        start = time.monotonic()
        started = retried = False
        while True:
            text = prompt.inner_text().strip()
            started = started or text != before
            if _PROMPT_DONE.search(text) and text != before:
                break
            waited = time.monotonic() - start
            if not started and not retried and waited > 5:
                self._press_run(cell)
                retried = True
            if waited > timeout_ms / 1000:
                raise TimeoutError(
                    f"cell still running after {timeout_ms / 1000:.0f} s (prompt {text!r})"
                )
            self.page.wait_for_timeout(100)
        self.wait_idle(timeout_ms)
        return cell

    def run_source(self, cell, code: str, timeout_ms: int = CELL_TIMEOUT_MS):
        self.set_source(cell, code)
        return self.run(cell, timeout_ms)

    def output(self, cell):
        """The cell's own output area (not the output widgets nested in it)."""
        return cell.locator(".jp-Cell-outputArea").first

    def output_text(self, cell) -> str:
        return self.output(cell).inner_text()

    def errors(self, cell) -> str:
        """Text of any traceback rendered in the cell's output ('' when none)."""
        err = cell.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        return "\n".join(err.all_inner_texts())

    def screenshot(self, locator, path, *, height: int = 2400) -> None:
        """Save ``locator`` as a PNG, whole: the viewport is made tall enough meanwhile.

        JupyterLab scrolls inside the notebook panel, not the window, so an element taller
        than the viewport would be captured with the toolbar over it.
        """
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        try:
            self.page.wait_for_timeout(300)  # let JupyterLab lay out again
            locator.scroll_into_view_if_needed()
            locator.screenshot(path=str(path), animations="disabled", caret="hide")
        finally:
            self.page.set_viewport_size(size)

    def append_cell(self, code: str):
        """A new code cell at the end of the notebook holding ``code`` (not run)."""
        last = self.cells().last
        last.scroll_into_view_if_needed()
        last.locator(".jp-InputPrompt, .jp-InputArea-prompt").first.click()
        self.page.keyboard.press("Escape")  # command mode
        self.page.keyboard.press("b")  # insert below
        cell = self.cells().last
        self.set_source(cell, code)
        return cell
