"""Checkers that name the student's mistake and say how to fix it.

One checker per function a student writes.  One-call form (notebooks)::

    from cs_conv.check import check_im2col
    check_im2col(im2col, stage="loops").assert_ok()

Split form (the grader; see ``docs/CONTRACTS.md``)::

    checker = CHECKERS["im2col"]
    cases = checker.make_cases(key, stage="loops")
    outcomes = run_checker("im2col", {"im2col": im2col}, cases)   # untrusted side
    payload = [o.to_payload() for o in outcomes]
    result = checker.evaluate(cases, [Outcome.from_payload(p) for p in payload], stage="loops")

``run_checker`` (:mod:`cs_conv.check.runner`, also ``checker.run``) is all the
untrusted side needs: it loads no reference implementation.  This package is
lazy, so importing it (or the runner) loads nothing else until a name is used.

Besides the ordinary cases, ``conv_output_shape`` has four cases it must refuse
with ``ValueError`` (``no-validation``), and the vectorised stage (``stage="fancy"``,
and ``im2col_indices``) two probe cases that fail a function whose own Python code
runs longer with more output positions (``python-loops``); both count in the score.

Every checker returns a :class:`CheckResult`; the mistake codes it can name are
in :data:`CATALOGUE` (and ``docs/mistakes.md``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .result import CheckResult

__all__ = [
    "CATALOGUE",
    "CHECKERS",
    "Case",
    "CaseReport",
    "CheckResult",
    "Checker",
    "Mistake",
    "Outcome",
    "Spec",
    "assert_ok",
    "check_col2im",
    "check_conv_backward",
    "check_conv_forward",
    "check_conv_output_shape",
    "check_digits_accuracy",
    "check_im2col",
    "check_im2col_indices",
    "check_kernel_typed",
    "check_layer_backward",
    "check_layer_forward",
    "check_loss_sanity",
    "check_pad_input",
    "check_pool_backward",
    "check_pool_forward",
    "digits_split",
    "lazy_names",
    "make_cases",
    "markdown_table",
    "run_checker",
]

# Lazy (PEP 562): importing cs_conv.check (or its runner) loads no checker and no
# reference until one of these names is used.  Nothing is rebound in this
# namespace on first use (the grader compares its attributes before and after a
# student's cells): CHECKERS is built into a dict that exists from the start.
_NAMES = {
    "Case": "cases",
    "Spec": "cases",
    "make_cases": "cases",
    "CATALOGUE": "catalogue",
    "Mistake": "catalogue",
    "markdown_table": "catalogue",
    "Checker": "checker",
    "Outcome": "outcome",
    "CaseReport": "result",
    "CheckResult": "result",
    "assert_ok": "result",
    # notebooks 4 and 7: the typed-kernel check and the training checks
    "check_kernel_typed": "kernel_checks",
    "check_loss_sanity": "training_checks",
    "check_digits_accuracy": "training_checks",
    "digits_split": "training_calls",
    "run_checker": "runner",
}
_CHECKER_CLASSES = (
    ("shape_checks", "OutputShapeChecker"),
    ("shape_checks", "PadChecker"),
    ("naive_checks", "ForwardChecker"),
    ("naive_checks", "BackwardChecker"),
    ("im2col_checks", "Im2colChecker"),
    ("im2col_checks", "Col2imChecker"),
    ("im2col_checks", "IndicesChecker"),
    ("layer_checks", "LayerForwardChecker"),
    ("layer_checks", "LayerBackwardChecker"),
    ("pool_checks", "PoolForwardChecker"),
    ("pool_checks", "PoolBackwardChecker"),
    ("kernel_checks", "KernelTypedChecker"),
    ("training_checks", "LossSanityChecker"),
    ("training_checks", "DigitsAccuracyChecker"),
)


_MADE: dict = {}


def _checkers() -> dict:
    """Every checker by name (built on first use, always the same dict)."""
    if not _MADE:
        made = {}
        for module, cls in _CHECKER_CLASSES:
            c = getattr(importlib.import_module(f".{module}", __name__), cls)()
            made[c.name] = c
        _MADE.update(made)
    return _MADE


def lazy_names(package: str, namespace: dict, *, submodules=(), attributes=None):
    """``(__getattr__, __dir__)`` for a package whose submodules and some of whose
    attributes are imported on first use (PEP 562), without caching them in the
    package's namespace.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    namespace : dict
        Its ``globals()`` (for ``__dir__``).
    submodules : iterable of str
        Submodules loaded when named.
    attributes : dict
        ``{name: submodule}``: names that are attributes of a submodule.

    Examples
    --------
    >>> get, names = lazy_names("cs_conv", {}, attributes={"pad_input": "padding"})
    >>> get("pad_input").__name__, "pad_input" in names()
    ('pad_input', True)
    """
    attributes = dict(attributes or {})
    submodules = frozenset(submodules)

    def __getattr__(name: str):
        if name in attributes:
            return getattr(importlib.import_module(f".{attributes[name]}", package), name)
        if name in submodules:
            return importlib.import_module(f".{name}", package)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(
            set(namespace) | set(namespace.get("__all__", ())) | submodules | set(attributes)
        )

    return __getattr__, __dir__


def _check_attribute(name: str):
    if name == "CHECKERS":
        return _checkers()
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    for module, cls in _CHECKER_CLASSES:
        if name == cls:
            return getattr(importlib.import_module(f".{module}", __name__), cls)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__getattr__ = _check_attribute


def __dir__():
    return sorted(set(globals()) | set(__all__) | {c for _, c in _CHECKER_CLASSES})


def check_im2col(im2col, *, stage="loops", key="visible", shrink=True) -> CheckResult:
    """Check a student's ``im2col(x, HH, WW, stride, pad) -> cols``.

    Examples
    --------
    >>> from cs_conv import im2col_fancy
    >>> check_im2col(im2col_fancy.im2col, stage="fancy").passed
    True
    """
    return _checkers()["im2col"].check({"im2col": im2col}, key=key, stage=stage, shrink=shrink)


def check_col2im(col2im, *, stage="loops", key="visible", shrink=True) -> CheckResult:
    """Check a student's ``col2im(cols, x_shape, HH, WW, stride, pad) -> dx``."""
    return _checkers()["col2im"].check({"col2im": col2im}, key=key, stage=stage, shrink=shrink)


def check_im2col_indices(im2col_indices, *, key="visible", shrink=True) -> CheckResult:
    """Check a student's ``im2col_indices(x_shape, HH, WW, stride, pad) -> (k, i, j)``."""
    return _checkers()["im2col_indices"].check(
        {"im2col_indices": im2col_indices}, key=key, shrink=shrink
    )


def check_conv_output_shape(conv_output_shape, *, key="visible", shrink=True) -> CheckResult:
    """Check ``conv_output_shape(x_shape, w_shape, stride, pad) -> (N, F, H_out, W_out)``.

    Examples
    --------
    >>> from cs_conv import conv_output_shape
    >>> r = check_conv_output_shape(conv_output_shape)  # 12 cases and 4 it must refuse
    >>> r.passed, r.score, len(r.cases)
    (True, 1.0, 16)
    """
    return _checkers()["conv_output_shape"].check(
        {"conv_output_shape": conv_output_shape}, key=key, shrink=shrink
    )


def check_pad_input(pad_input, *, key="visible", shrink=True) -> CheckResult:
    """Check ``pad_input(x, pad) -> x_pad`` (zero padding of H and W only)."""
    return _checkers()["pad_input"].check({"pad_input": pad_input}, key=key, shrink=shrink)


def check_conv_forward(conv_forward, *, key="visible", shrink=True) -> CheckResult:
    """Check the naive ``conv_forward(x, w, b, conv_param) -> (out, cache)``."""
    return _checkers()["conv_forward"].check({"conv_forward": conv_forward}, key=key, shrink=shrink)


def check_conv_backward(
    conv_backward, conv_forward=None, *, key="visible", shrink=True
) -> CheckResult:
    """Check the naive ``conv_backward(dout, cache) -> (dx, dw, db)``.

    With ``conv_forward`` given, its cache is passed to ``conv_backward``;
    without, the cache is the reference ``(x, w, b, conv_param)``.
    """
    return _checkers()["conv_backward"].check(
        {"conv_backward": conv_backward, "conv_forward": conv_forward}, key=key, shrink=shrink
    )


def check_layer_forward(conv_forward, *, stage="loops", key="visible", shrink=True) -> CheckResult:
    """Check an im2col + GEMM ``conv_forward(x, w, b, conv_param) -> (out, cache)``."""
    return _checkers()["layer_forward"].check(
        {"conv_forward": conv_forward}, key=key, stage=stage, shrink=shrink
    )


def check_layer_backward(
    conv_backward, conv_forward, *, stage="loops", key="visible", shrink=True
) -> CheckResult:
    """Check an im2col + GEMM ``conv_backward(dout, cache)``.

    The cache passed to ``conv_backward`` is the one the student's ``conv_forward`` returns.
    """
    return _checkers()["layer_backward"].check(
        {"conv_backward": conv_backward, "conv_forward": conv_forward},
        key=key,
        stage=stage,
        shrink=shrink,
    )


def check_pool_forward(
    max_pool_forward, *, stage="loops", key="visible", shrink=True
) -> CheckResult:
    """Check ``max_pool_forward(x, pool_param) -> (out, cache)``; ``stage``: loops | im2col.

    Examples
    --------
    >>> from cs_conv import pooling
    >>> check_pool_forward(pooling.max_pool_forward).passed
    True
    """
    return _checkers()["pool_forward"].check(
        {"max_pool_forward": max_pool_forward}, key=key, stage=stage, shrink=shrink
    )


def check_pool_backward(
    max_pool_backward, max_pool_forward, *, stage="loops", key="visible", shrink=True
) -> CheckResult:
    """Check ``max_pool_backward(dout, cache) -> dx``; ``stage``: loops | im2col.

    The cache passed to ``max_pool_backward`` is the one the student's
    ``max_pool_forward`` returns.  Ties at a window's maximum send the gradient
    to the first maximum in row-major order; overlapping windows add.

    Examples
    --------
    >>> from cs_conv import pooling_im2col as p
    >>> check_pool_backward(p.max_pool_backward, p.max_pool_forward, stage="im2col").passed
    True
    """
    return _checkers()["pool_backward"].check(
        {"max_pool_backward": max_pool_backward, "max_pool_forward": max_pool_forward},
        key=key,
        stage=stage,
        shrink=shrink,
    )
