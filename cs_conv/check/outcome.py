"""What one call of a student's function produced, in a form safe to move between processes.

:meth:`Outcome.to_payload` gives ``{"meta": <JSON-safe dict>, "arrays": <dict of
numeric ndarrays>}``: the grader serialises ``meta`` with :mod:`json` and the
arrays with ``np.savez`` (``allow_pickle=False``), and never unpickles
anything from the untrusted process.  :meth:`Outcome.from_payload` validates
both halves again, so a forged payload can at worst make its own cases fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["STATUSES", "Outcome"]

STATUSES = ("ok", "error", "none", "bad-return", "bad-payload")
_MAX_TEXT = 2000
_MAX_ITEMS = 16
_MAX_ARRAY = 4_000_000
_NUMERIC = "biuf"


def _text(v, limit: int = _MAX_TEXT) -> str:
    s = v if isinstance(v, str) else str(v)
    return s if len(s) <= limit else s[: limit - 3] + "..."


@dataclass
class Outcome:
    """The result of calling the student's function(s) on one case.

    Attributes
    ----------
    index : int
        The case's index.
    status : str
        ``"ok"`` (outputs recorded), ``"error"`` (an exception: see
        ``error_type`` / ``error_message``), ``"none"`` (returned None),
        ``"bad-return"`` (a return value that is not the documented outputs;
        ``error_message`` says what it was) or ``"bad-payload"``.
    outputs : dict of str to ndarray
        Named outputs (``"cols"``, ``"out"``, ``"dx"``...), as returned.
    error_type, error_message : str
        The exception's class name and text (truncated).
    mutated : tuple of str
        Names of the arguments the call changed.
    seconds : float
        Time spent in the student's code.
    warning : str
        The first warning the call emitted, if any.
    stage : str
        Which student function failed (``"conv_forward"`` for a forward that
        raised before the backward could run), else ``""``.
    error_where : str
        For an exception: the innermost line of the student's own code that it
        passed through, ``"<file>:<line> in <function>: <source>"``, else ``""``.
    lines : int
        Python lines the student's own code executed during the call (-1: not
        counted); see :class:`cs_conv.check.observe.LineCounter`.
    trace_removed : bool
        The student's code switched off (or replaced) the line counter's tracer
        during the call.
    reads : tuple of str
        Module-level arrays the student's functions read instead of (or besides)
        their parameters, ``"name (shape) dtype"``.
    """

    index: int
    status: str = "ok"
    outputs: dict = field(default_factory=dict)
    error_type: str = ""
    error_message: str = ""
    mutated: tuple = ()
    seconds: float = 0.0
    warning: str = ""
    stage: str = ""
    error_where: str = ""
    lines: int = -1
    trace_removed: bool = False
    reads: tuple = ()

    @property
    def not_implemented(self) -> bool:
        """True for a stub: ``NotImplementedError`` raised or None returned."""
        return self.status == "none" or (
            self.status == "error" and self.error_type == "NotImplementedError"
        )

    def to_payload(self) -> dict:
        """``{"meta": JSON-safe dict, "arrays": {name: ndarray}}``; no pickling needed.

        Examples
        --------
        >>> import numpy as np
        >>> o = Outcome(3, outputs={"cols": np.eye(2)})
        >>> p = o.to_payload()
        >>> sorted(p["meta"]), sorted(p["arrays"])  # doctest: +NORMALIZE_WHITESPACE
        (['error_message', 'error_type', 'error_where', 'index', 'lines', 'mutated',
          'outputs', 'reads', 'seconds', 'stage', 'status', 'trace_removed', 'warning'],
         ['cols'])
        >>> Outcome.from_payload(p).outputs["cols"].tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        """
        meta = {
            "index": int(self.index),
            "status": self.status,
            "outputs": list(self.outputs),
            "error_type": _text(self.error_type, 200),
            "error_message": _text(self.error_message),
            "mutated": [str(m) for m in self.mutated],
            "seconds": float(self.seconds),
            "warning": _text(self.warning, 500),
            "stage": _text(self.stage, 100),
            "error_where": _text(self.error_where, 500),
            "lines": int(self.lines),
            "trace_removed": bool(self.trace_removed),
            "reads": [_text(r, 200) for r in self.reads[:_MAX_ITEMS]],
        }
        arrays = {name: np.asarray(a) for name, a in self.outputs.items()}
        return {"meta": meta, "arrays": arrays}

    @classmethod
    def from_payload(cls, payload) -> Outcome:
        """Rebuild an outcome from :meth:`to_payload`'s dict, validating every field.

        Anything malformed gives an outcome of status ``"bad-payload"`` (its case
        fails) instead of an exception.
        """
        try:
            meta, arrays = payload["meta"], payload["arrays"]
            index = int(meta["index"])
        except (KeyError, TypeError, ValueError):
            return cls(-1, status="bad-payload", error_message="malformed payload")
        try:
            status = meta["status"]
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}")
            names = meta["outputs"]
            if not isinstance(names, list) or len(names) > _MAX_ITEMS:
                raise ValueError("bad output list")
            outputs = {}
            for name in names:
                a = arrays[name]
                if not isinstance(name, str) or not isinstance(a, np.ndarray):
                    raise ValueError("outputs must be named ndarrays")
                if a.dtype.kind not in _NUMERIC or a.size > _MAX_ARRAY:
                    raise ValueError(f"output {name!r} has dtype {a.dtype} / size {a.size}")
                outputs[name] = a
            mutated = meta.get("mutated", [])
            if not isinstance(mutated, list) or len(mutated) > _MAX_ITEMS:
                raise ValueError("bad mutated list")
            lines = meta.get("lines", -1)
            removed = meta.get("trace_removed", False)
            if type(lines) is not int or not isinstance(removed, bool):
                raise ValueError("bad line count")
            reads = meta.get("reads", [])
            if not isinstance(reads, list) or len(reads) > _MAX_ITEMS:
                raise ValueError("bad reads list")
            return cls(
                index=index,
                status=status,
                outputs=outputs,
                error_type=_text(meta.get("error_type", ""), 200),
                error_message=_text(meta.get("error_message", "")),
                mutated=tuple(_text(m, 100) for m in mutated),
                seconds=float(meta.get("seconds", 0.0)),
                warning=_text(meta.get("warning", ""), 500),
                stage=_text(meta.get("stage", ""), 100),
                error_where=_text(meta.get("error_where", ""), 500),
                lines=max(-1, lines),
                trace_removed=removed,
                reads=tuple(_text(r, 200) for r in reads),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return cls(index, status="bad-payload", error_message=_text(exc, 300))
