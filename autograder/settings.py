"""Every setting of the grader, declared once, with its help.

The command line (:mod:`autograder.cli`) and ``docs/settings.md`` are derived
from the declarations here; nothing else repeats a default.

- :class:`Limits`: what one submission may use (times, memory, processes).
- :class:`GradeOptions`: how a class is graded (which notebooks, how many
  workers, which sandbox, ...); its ``limits`` are a :class:`Limits`.
- :data:`DEMO_LIMITS`: the limits of ``cs-conv demo`` on the sample class.
- :data:`POLICY`: what an answer may not use (:mod:`autograder.policy`).
- :data:`GRADER_VERSION`: stored grades of another version are graded again.
- :data:`SANDBOX_NOTES`: what each kind of sandbox isolates, for the report.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields, replace

__all__ = [
    "DEMO_LIMITS",
    "GRADER_VERSION",
    "GRADING_CFLAGS",
    "POLICY",
    "SANDBOX_NOTES",
    "GradeOptions",
    "Limits",
    "Policy",
    "default_text",
    "markdown",
]

#: Part of every submission's hash: a grade stored by another version is graded again.
GRADER_VERSION = "2"

_GIB, _MIB = 1024**3, 1024**2


def setting(default, help: str, *, flag: str | None = None, unit: str = "", scale: float = 1):
    """A dataclass field with its help; ``flag`` puts it on the command line.

    ``scale`` converts the command line's unit to the field's (``--memory-gb``
    is in GiB, :attr:`Limits.memory` in bytes); ``unit`` names it in the help.
    """
    meta = {"help": help, "flag": flag, "unit": unit, "scale": scale}
    if isinstance(default, list | dict | set):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Limits:
    """What one submitted notebook may use.  Times in seconds, sizes in bytes."""

    cell_timeout: float = setting(
        30.0, "wall time of one notebook cell", flag="--cell-timeout", unit="s"
    )
    test_timeout: float = setting(30.0, "wall time of one graded test", flag="--timeout", unit="s")
    total_timeout: float = setting(
        300.0, "wall time of one notebook, restarts included", flag="--total-timeout", unit="s"
    )
    startup_timeout: float = setting(
        60.0, "wall time for a worker to start, and between two steps", unit="s"
    )
    memory: int = setting(
        2 * _GIB, "address space of a worker (RLIMIT_AS)", flag="--memory-gb", unit="GiB",
        scale=_GIB,
    )  # fmt: skip
    nproc: int = setting(64, "processes and threads of a worker (RLIMIT_NPROC)")
    fsize: int = setting(
        256 * _MIB, "largest file a worker may write (RLIMIT_FSIZE)", unit="MiB", scale=_MIB
    )
    tmp_size: int = setting(
        256 * _MIB, "size of the private /tmp of a bubblewrap worker (a tmpfs, in RAM)",
        unit="MiB", scale=_MIB,
    )  # fmt: skip
    grace: float = setting(3.0, "after an alarm-based timeout, before SIGKILL", unit="s")
    max_restarts: int = setting(6, "fresh workers started for one notebook after crashes")
    max_payload: int = setting(
        64 * _MIB, "arrays one test may return (refused in the worker beyond)", unit="MiB",
        scale=_MIB,
    )  # fmt: skip

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                if f.name == "max_restarts" and value == 0:
                    continue
                raise ValueError(f"Limits.{f.name} must be a positive number, got {value!r}")

    @property
    def cpu(self) -> int:
        """CPU seconds of a worker (RLIMIT_CPU): the notebook's wall time and a margin."""
        return int(self.total_timeout) + 5

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Limits:
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


#: ``cs-conv demo``: generous but bounded (a %%cython cell compiles in ~10 s on 2 busy
#: cores); the adversarial students of the sample class fail fast.
DEMO_LIMITS = Limits(cell_timeout=40.0, test_timeout=20.0, total_timeout=180.0)

SANDBOXES = ("auto", "bwrap", "plain")

#: C flags of the %%cython builds the grader makes: a grade needs the kernel's
#: results and its typing, not its speed, and -O0 compiles about 3x faster than -O3
GRADING_CFLAGS = "-O0"


@dataclass(frozen=True)
class GradeOptions:
    """How a class is graded (``cs-conv grade`` and :func:`autograder.pipeline.grade`)."""

    source_dir: str | None = setting(
        None, "the source notebooks, with solutions and hidden tests (default ./notebooks)",
        flag="--source",
    )  # fmt: skip
    assignment: str = setting(
        "cs_conv", "the assignment: the folder name in nbgrader's layout", flag="--assignment"
    )
    workers: int | None = setting(
        None, "submissions graded at once (default: the number of cores)", flag="--workers"
    )
    scheduler: str | None = setting(
        None,
        "grade on Dask: a scheduler address (tcp://host:8786), a scheduler file, or local:N "
        "for a LocalCluster of N worker processes (docs/cluster.md)",
        flag="--scheduler",
    )
    force: bool = setting(False, "grade again what is already graded", flag="--force")
    sandbox: str = setting(
        "auto",
        "bwrap (bubblewrap namespaces), plain (processes with rlimits) or auto (bwrap where "
        "it works)",
        flag="--sandbox",
    )
    run_all_cells: bool = setting(
        False,
        "also run instructor cells nothing graded depends on (figures, benchmarks, visible "
        "checks), as nbgrader does",
        flag="--run-all-cells",
    )
    cache_dir: str | None = setting(
        None,
        "where compiled %%cython cells are kept between runs (default $CS_CONV_CACHE or "
        "~/.cache/cs_conv/grader)",
        flag="--cache-dir",
    )
    limits: Limits = field(default_factory=Limits, metadata={"help": "see Limits"})
    progress: bool | None = setting(None, "progress bars (default: when stderr is a terminal)")
    write_reports: bool = setting(True, "write the exports, feedback and report after grading")

    def __post_init__(self):
        if self.sandbox not in SANDBOXES:
            raise ValueError(f"sandbox must be one of {SANDBOXES}, got {self.sandbox!r}")
        if self.workers is not None and (isinstance(self.workers, bool) or self.workers < 1):
            raise ValueError(f"workers must be a positive integer, got {self.workers!r}")
        if not isinstance(self.limits, Limits):
            raise TypeError(f"limits must be a Limits, got {type(self.limits).__name__}")

    def but(self, **changes) -> GradeOptions:
        """A copy with ``changes``; an unknown name is a TypeError naming the known ones."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown grading option(s) {unknown}; known: {sorted(known)}")
        if changes.get("limits", self.limits) is None:
            changes["limits"] = Limits()
        return replace(self, **changes)


@dataclass(frozen=True)
class Policy:
    """What an answer may use.  See :mod:`autograder.policy` for how it is checked."""

    #: the reference package and the libraries that would do the work
    forbidden: tuple = (
        "cs_conv",
        "scipy.signal",
        "scipy.ndimage",
        "torch",
        "tensorflow",
        "jax",
        "skimage",
    )
    #: parts of the forbidden packages an answer may use, for testing only (the
    #: longest entry of forbidden and allowed that a module falls under decides)
    allowed: tuple = ("cs_conv.check", "cs_conv.gradcheck", "cs_conv.viz")
    #: attributes of the ``cs_conv`` package an answer may touch
    allowed_attrs: tuple = ("check", "gradcheck", "viz", "__version__")
    #: allowed packages an answer may use through their own namespace only: every module
    #: inside them is forbidden (the checkers' machinery computes answers: the reference,
    #: the mistakes' mutations); ``from cs_conv.check import check_im2col`` stays allowed
    namespace_only: tuple = ("cs_conv.check",)
    #: the only parts of cs_conv the bubblewrap sandbox shows (with what they import):
    #: the worker's runner and the course's helpers.  Every other module of cs_conv
    #: (the stages, the kernels, the checkers' mutations, the figures, the
    #: benchmark's peers) and the forbidden libraries are masked there.
    sandbox_modules: tuple = (
        "cs_conv.check.runner",
        "cs_conv.check.kernel_typing",  # the compile jobs judge the kernels' typing
        "cs_conv.gradcheck",
        "cs_conv.course",
    )


POLICY = Policy()

SANDBOX_NOTES = {
    "bwrap": "bubblewrap: private mount, PID, network, IPC namespaces; only the submission, "
    "the Python install and cs_conv visible; rlimits; unprivileged uid per slot",
    "plain": "plain processes (bubblewrap unavailable): rlimits and process groups; "
    "no filesystem isolation; no network only when the grader runs as root",
}


def default_text(f, value=dataclasses.MISSING) -> str:
    """How the help shows a setting's default (``value``, else the field's own):
    in the command line's unit, e.g. ``2 GiB`` for 2**31 bytes of ``memory``."""
    meta = f.metadata
    value = f.default if value is dataclasses.MISSING else value
    if value is dataclasses.MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        value = value / meta.get("scale", 1)
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} {meta.get('unit', '')}".strip()


def markdown() -> str:
    """``docs/settings.md``: every setting with its default and help (a test keeps it)."""
    lines = [
        "# Grader settings",
        "",
        "Generated from `autograder/settings.py` (`markdown()`); a test keeps this page in sync.",
        "The command line is derived from the same declarations: a setting with a flag is an",
        "option of `cs-conv grade` and `cs-conv demo`.",
        "",
    ]
    for cls in (GradeOptions, Limits):
        lines += [f"## `{cls.__name__}`", "", cls.__doc__.strip(), ""]
        lines += ["| setting | flag | default | what |", "|---|---|---|---|"]
        for f in fields(cls):
            flag = f.metadata.get("flag")
            lines.append(
                f"| `{f.name}` | {f'`{flag}`' if flag else ''} | {default_text(f)} "
                f"| {f.metadata.get('help', '')} |"
            )
        lines.append("")
    demo = ", ".join(
        f"`{f.name}` {default_text(f, getattr(DEMO_LIMITS, f.name))}"
        for f in fields(Limits)
        if getattr(DEMO_LIMITS, f.name) != f.default
    )
    lines += [f"`cs-conv demo` grades with these limits changed: {demo}.", ""]
    lines += ["## Policy", "", "Forbidden in answers: " + ", ".join(map(_code, POLICY.forbidden))]
    lines += [
        "",
        "except, for testing only: "
        + ", ".join(map(_code, POLICY.allowed))
        + "; "
        + ", ".join(map(_code, POLICY.namespace_only))
        + " through its own namespace only "
        "(every module inside it is forbidden).",
        "",
        f"Grader version: {GRADER_VERSION}.",
        "",
    ]
    return "\n".join(lines)


def _code(s: str) -> str:
    return f"`{s}`"
