"""The worker process itself: its limits, its uid, its network, alarms and the event channel."""

from __future__ import annotations

import contextlib
import io
import os
import signal

from .. import protocol

__all__ = [
    "Tail",
    "Timeout",
    "alarm",
    "apply_limits",
    "drop_privileges",
    "emit",
    "isolate_network",
]

EVENT_FD = int(os.environ.get("CS_CONV_EVENT_FD", "-1"))
TAIL = 4000  # characters of a cell's output kept for the feedback


class Timeout(BaseException):
    """Raised by the alarm; a BaseException so that ``except Exception`` in
    student or checker code does not swallow it."""


def emit(event) -> None:
    """Send one :mod:`~autograder.sandbox.protocol` event to the supervisor."""
    if EVENT_FD >= 0:
        with contextlib.suppress(OSError):
            os.write(EVENT_FD, protocol.encode(event))


class Tail(io.TextIOBase):
    """A text stream that keeps only the last characters written to it."""

    def __init__(self):
        self.buf = ""

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        self.buf = (self.buf + s)[-TAIL:]
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
    """Raise :class:`Timeout` in this thread after ``seconds`` of wall time."""

    def _fire(signum, frame):
        raise Timeout(f"timed out after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def apply_limits(rlimits: dict) -> None:
    """Address space, CPU seconds, processes and file size; never a core file."""
    import resource

    table = {
        "memory": resource.RLIMIT_AS,
        "cpu": resource.RLIMIT_CPU,
        "nproc": resource.RLIMIT_NPROC,
        "fsize": resource.RLIMIT_FSIZE,
    }
    for name, which in table.items():
        value = rlimits.get(name)
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


def drop_privileges(uid) -> None:
    """Run as the slot's unprivileged uid from now on (when started as root)."""
    if uid is None or os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
