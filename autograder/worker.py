"""The untrusted side: runs one student notebook inside the sandbox.

This file is copied into the sandbox and run as a script (``python worker.py
JOB_DIR``); it imports nothing from :mod:`autograder` and trusts nothing it is
told back.  The trusted parent (:mod:`autograder.supervise`) has already turned
the notebook into a job: the student's code cells minus the graded test cells,
and the tests to run (checker name, the student's function names, stage, key).

Steps:

1. a trusted prologue: drop root to the slot's uid, point stdout/stderr away
   (prints cost nothing), import the checkers, fingerprint ``numpy``,
   ``builtins`` and ``cs_conv`` so that patches can be reported;
2. run every code cell in order in an IPython shell (for ``%%cython`` and other
   magics); a cell that raises is recorded and the next cell runs; a per-cell
   alarm stops Python-level loops (the parent kills anything the alarm cannot);
3. for every test, ``CHECKERS[checker].run(funcs, make_cases(key, stage))`` and
   write the outcomes as ``payload.json`` + ``.npy`` arrays (never pickle).
   While a student's function runs, :class:`ReferenceWatch` notes every entry
   into the reference package (however the function reached it: an import
   under a computed name, an instructor's demonstration that wraps the
   reference, a reloaded module), reported with the test for the policy.

Every step is announced on the event channel (a file descriptor the parent
reads, one JSON object per line) *before* it starts, so that when this process
dies or hangs the parent knows which cell or test did it, kills the process
group and starts a fresh worker that skips it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import sys
import time

EVENT_FD = int(os.environ.get("CS_CONV_EVENT_FD", "-1"))
_TAIL = 4000  # characters of a cell's output kept for the feedback


class Timeout(BaseException):
    """Raised by the alarm; a BaseException so that ``except Exception`` in
    student or checker code does not swallow it."""


def emit(**event):
    line = (json.dumps(event, default=str) + "\n").encode()
    if EVENT_FD >= 0:
        with contextlib.suppress(OSError):
            os.write(EVENT_FD, line)


class Tail(io.TextIOBase):
    """A text stream that keeps only the last characters written to it."""

    def __init__(self):
        self.buf = ""

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        self.buf = (self.buf + s)[-_TAIL:]
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False

    def take(self):
        out, self.buf = self.buf, ""
        return out


@contextlib.contextmanager
def alarm(seconds):
    def _fire(signum, frame):
        raise Timeout(f"timed out after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def apply_limits(limits):
    import resource

    table = {
        "memory": resource.RLIMIT_AS,
        "cpu": resource.RLIMIT_CPU,
        "nproc": resource.RLIMIT_NPROC,
        "fsize": resource.RLIMIT_FSIZE,
    }
    for name, which in table.items():
        value = limits.get(name)
        if value:
            hard = int(value) + (5 if name == "cpu" else 0)
            resource.setrlimit(which, (int(value), hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def isolate_network() -> bool:
    """Move this process into a new, empty network namespace (its loopback is down):
    what bwrap's ``--unshare-net`` gives, for a plain worker.  The kernel allows it
    only to root (``CAP_SYS_ADMIN``), so it runs before the uid is dropped; returns
    whether it worked."""
    import ctypes

    clone_newnet = 0x40000000
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(clone_newnet) == 0
    except (OSError, AttributeError):
        return False


def drop_privileges(uid):
    if uid is None or os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def describe(exc):
    return f"{type(exc).__name__}: {exc}"[:2000]


def classify(exc):
    if isinstance(exc, Timeout):
        return "timeout"
    if isinstance(exc, MemoryError):
        return "oom"
    return "error"


def fingerprint(prefixes=("numpy", "builtins", "cs_conv")):
    """``{"module|attr": id(value)}`` of the modules a cheat could patch
    (submodule attributes excluded: importing one is not a patch)."""
    import types

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


def diff_fingerprint(before, after, limit=20):
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


def module_paths(names) -> list[str]:
    """Where the installed modules ``names`` live, as path prefixes (a package's folder
    with a trailing separator, a module's path up to its suffix), found without
    importing any of them; names that are not installed are left out."""
    import importlib.util

    paths = []
    for name in names:
        top, *sub = name.split(".")
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            path = os.path.join(location, *sub)
            paths.append(os.path.join(path, "") if os.path.isdir(path) else path + ".")
    return paths


class ReferenceWatch:
    """Notes calls into reference code made while a student's function runs.

    A profile hook (``sys.setprofile``, and ``threading.setprofile`` for threads
    the function starts) is on only during the watched calls.  It records each
    function of reference code entered from code that is not itself reference
    code: the student's, an instructor cell's (a demonstration that wraps the
    reference), or a checker the student calls for the answer.  What counts
    comes from the course policy (``autograder.policy``, sent with the job):
    the ``cs_conv`` package but its ``allowed`` modules, and the ``libraries``
    that would convolve for the student (their compiled functions are seen by
    their module name).  The course kernel's compiled functions, which a
    profile hook does not see, are wrapped at start-up instead.  Best effort
    like everything in the worker: a student who removes the hook is noticed
    (``hook_removed``) only if the hook is still gone when the function returns.
    """

    # shape arithmetic and validation the allowed helpers use too
    SHARED = ("geometry.py", "_validate.py")

    def __init__(self, package_dir, allowed=(), libraries=()):
        self.root = os.path.join(package_dir, "")
        self.allowed = tuple(module_paths(allowed))
        self.shared = tuple(os.path.join(package_dir, a) for a in self.SHARED)
        self.library_names = tuple(libraries)
        self.libraries = tuple(module_paths(libraries))
        self.calls = set()
        self.hook_removed = False
        self._depth = 0
        self._saved = None

    def _reference(self, filename) -> bool:
        return (
            filename.startswith(self.root) and not filename.startswith(self.allowed)
        ) or filename.startswith(self.libraries)

    def _hook(self, frame, event, arg):
        if event == "c_call":
            module = getattr(arg, "__module__", None)
            if (
                isinstance(module, str)
                and module.startswith(self.library_names)
                and not self._reference(frame.f_code.co_filename)
            ):
                self.calls.add(f"{module}.{getattr(arg, '__qualname__', '?')}")
            return
        if event != "call":
            return
        code = frame.f_code
        callee = code.co_filename
        if not self._reference(callee) or code.co_name == "<module>":
            return
        back = frame.f_back
        caller = back.f_code.co_filename if back is not None else ""
        if self._reference(caller):
            return  # reference code calling itself: one use, noted where it was entered
        if caller.startswith(self.root) and callee.startswith(self.shared):
            return  # an allowed helper (a figure) using the shared shape arithmetic
        module = frame.f_globals.get("__name__", "cs_conv")
        self.calls.add(f"{module}.{getattr(code, 'co_qualname', code.co_name)}")

    def wrap_kernel(self, module):
        """Replace the compiled kernel's public functions by recording wrappers
        (without ``__wrapped__``: the original is not one attribute away)."""
        import functools

        def tripwire(fn, name):
            @functools.wraps(fn)
            def call(*args, **kwargs):
                if self._depth and not self._reference(sys._getframe(1).f_code.co_filename):
                    self.calls.add(name)
                return fn(*args, **kwargs)

            del call.__wrapped__
            return call

        for name, fn in list(vars(module).items()):
            if name.startswith("_") or not callable(fn) or isinstance(fn, type):
                continue
            setattr(module, name, tripwire(fn, f"{module.__name__}.{name}"))

    def __enter__(self):
        import threading

        self._depth += 1
        if self._depth == 1:
            self._saved = sys.getprofile()
            sys.setprofile(self._hook)
            threading.setprofile(self._hook)
        return self

    def __exit__(self, *exc):
        import threading

        self._depth -= 1
        if self._depth == 0:
            if sys.getprofile() != self._hook:
                self.hook_removed = True
            sys.setprofile(self._saved)
            threading.setprofile(None)
        return False

    def watched(self, f):
        """``f`` called under the watch (a non-callable is returned as it is)."""
        import functools

        if not callable(f):
            return f

        @functools.wraps(f)
        def call(*args, **kwargs):
            with self:
                return f(*args, **kwargs)

        return call

    def take(self) -> dict:
        """What was seen since the last call, as event fields; then start afresh."""
        seen = {"reference_calls": sorted(self.calls)[:20]}
        if self.hook_removed:
            seen["hook_removed"] = True
        self.calls, self.hook_removed = set(), False
        return seen


def function_origin(f):
    """Where a student's function really comes from (reported, not trusted)."""
    if f is None:
        return None
    code = getattr(f, "__code__", None)
    return {
        "type": type(f).__name__,
        "module": str(getattr(f, "__module__", None)),
        "file": getattr(code, "co_filename", None) if code is not None else None,
    }


def write_payload(out_dir, payloads):
    """``payload.json`` (a list of ``{"meta", "arrays": {name: file}}``) and one
    ``.npy`` per array, saved with ``allow_pickle=False``."""
    import numpy as np

    os.makedirs(out_dir, exist_ok=True)
    meta = []
    for i, p in enumerate(payloads):
        names = {}
        for j, (name, arr) in enumerate(sorted(dict(p.get("arrays") or {}).items())):
            fname = f"{i}_{j}.npy"
            np.save(os.path.join(out_dir, fname), np.asarray(arr), allow_pickle=False)
            names[str(name)] = fname
        meta.append({"meta": p.get("meta"), "arrays": names})
    tmp = os.path.join(out_dir, "payload.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(meta, fh, default=str)
    os.replace(tmp, os.path.join(out_dir, "payload.json"))


def _compile_only():
    """Build ``%%cython`` cells without importing them: no student code runs, so
    the compiled modules can be shared between submissions of the same code."""
    import types

    from Cython.Build import IpythonMagic

    IpythonMagic.load_dynamic = lambda name, path: types.ModuleType(name)
    IpythonMagic.CythonMagics._import_all = lambda self, module: None


CYTHON_DEF = re.compile(r"^\s*c?p?def\s+(?:[\w\[\]\.,: ]+\s+)?(\w+)\s*\(", re.M)


def main(job_dir):
    with open(os.path.join(job_dir, "job.json")) as fh:
        job = json.load(fh)
    out_root = job["out_dir"]
    # --- trusted prologue -------------------------------------------------
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    tail = Tail()
    sys.stdout = sys.stderr = tail
    apply_limits(job.get("limits", {}))
    net_isolated = isolate_network() if job.get("isolate_network") else None
    drop_privileges(job.get("uid"))
    import numpy  # noqa: F401  (the fingerprint needs it loaded)

    try:
        import cs_conv.check as check
    except Exception as exc:  # the course itself is broken: every test errors
        check = None
        emit(ev="fatal", error=describe(exc))
    watch = None
    if check is not None:
        import cs_conv

        forbidden, allowed = job["policy"]["forbidden"], job["policy"]["allowed"]
        watch = ReferenceWatch(
            os.path.dirname(os.path.abspath(cs_conv.__file__)),
            allowed=allowed,
            libraries=[m for m in forbidden if m.split(".")[0] != "cs_conv"],
        )
        with contextlib.suppress(ImportError):
            import cs_conv._im2col_cy as kernel

            watch.wrap_kernel(kernel)
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="NoColor")
    if job.get("compile_only"):
        _compile_only()
    shell.history_manager.enabled = False
    if any(c["source"].lstrip().startswith("%%cython") for c in job["cells"]):
        shell.run_line_magic("load_ext", "Cython")
    shell.run_cell("pass", store_history=False)
    before = fingerprint()
    emit(ev="ready", pid=os.getpid(), net_isolated=net_isolated)

    # --- the student's cells ---------------------------------------------
    skip_cells = set(job.get("skip_cells", []))
    for cell in job["cells"]:
        i = cell["index"]
        if i in skip_cells:
            continue
        emit(ev="cell_start", i=i)
        t0 = time.perf_counter()
        status, error = "ok", None
        try:
            with alarm(job["cell_timeout"]):
                result = shell.run_cell(cell["source"], store_history=False, silent=False)
            exc = result.error_in_exec or result.error_before_exec
            if exc is not None:
                status, error = classify(exc), describe(exc)
        except Timeout as exc:
            status, error = "timeout", describe(exc)
        except MemoryError as exc:
            status, error = "oom", describe(exc)
        output = tail.take()
        src = cell["source"].lstrip()
        if status == "ok" and src.startswith("%%cython"):
            wanted = CYTHON_DEF.findall(src.split("\n", 1)[1] if "\n" in src else "")
            if "Error compiling Cython file" in output or (
                wanted and not any(n in shell.user_ns for n in wanted)
            ):
                status, error = "compile-error", output[-1500:]
        emit(
            ev="cell_end",
            i=i,
            status=status,
            error=error,
            seconds=round(time.perf_counter() - t0, 3),
            output=output[-_TAIL:] if status != "ok" else "",
        )

    patched = diff_fingerprint(before, fingerprint())
    before_np = {k: v for k, v in before.items() if not k.startswith("cs_conv")}

    # --- the tests ----------------------------------------------------------
    skip_tests = set(job.get("skip_tests", []))
    for n, test in enumerate(job["tests"]):
        gid = test["grade_id"]
        if gid in skip_tests:
            continue
        emit(ev="test_start", id=gid)
        t0 = time.perf_counter()
        funcs = {arg: shell.user_ns.get(name) for arg, name in test["functions"].items()}
        missing = sorted(test["functions"][a] for a, f in funcs.items() if not callable(f))
        origins = {a: function_origin(f) for a, f in funcs.items()}
        status, error = "ok", None
        if missing:
            status, error = "undefined", "not defined: " + ", ".join(missing)
        else:
            try:
                with alarm(job["test_timeout"]):
                    if check is None:
                        raise RuntimeError("cs_conv.check could not be imported")
                    checker = check.CHECKERS[test["checker"]]
                    if test.get("cases") is not None:  # made by the trusted parent
                        from cs_conv.check.cases import Case

                        cases = [Case.from_dict(d) for d in test["cases"]]
                    else:
                        cases = checker.make_cases(test["key"], stage=test.get("stage"))
                    outcomes = checker.run({a: watch.watched(f) for a, f in funcs.items()}, cases)
                    payloads = [o.to_payload() for o in outcomes]
                write_payload(os.path.join(out_root, f"test{n}"), payloads)
            except Timeout as exc:
                status, error = "timeout", describe(exc)
            except MemoryError as exc:
                status, error = "oom", describe(exc)
            except Exception as exc:
                status, error = "error", describe(exc)
        tail.take()
        emit(
            ev="test_end",
            id=gid,
            status=status,
            error=error,
            dir=f"test{n}",
            origins=origins,
            seconds=round(time.perf_counter() - t0, 3),
            **(watch.take() if watch is not None else {}),
        )
    during = diff_fingerprint(before_np, fingerprint(("numpy", "builtins")))
    for kind in ("changed", "added", "removed"):
        patched[kind] = sorted(set(patched[kind]) | set(during[kind]))
    emit(ev="integrity", patched=patched)
    emit(ev="done")
    return 0


if __name__ == "__main__":
    try:
        code = main(sys.argv[1])
    except BaseException as exc:  # a bug of ours, or the prologue failed
        import traceback

        emit(ev="fatal", error=describe(exc) + "\n" + traceback.format_exc()[-1500:])
        code = 4
    # skip interpreter teardown: student objects' __del__ must not run after we are done
    os._exit(code)
