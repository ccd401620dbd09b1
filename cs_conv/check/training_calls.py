"""How the training checkers of notebook 7 call the student (runner-safe).

The cases are drawn here, from a case's seed: scores and labels for
``softmax_loss``, held-out digits for ``predict`` (scikit-learn's bundled
digits, split once for the whole course by :func:`digits_split`).  The
grader's sandbox runs this module; the judging is in
:mod:`cs_conv.check.training_checks`.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["LOSS_CASES", "SPLIT_SEED", "TEST_FRACTION", "TRAINING_CALLS", "digits_split"]

#: the held-out fraction and the seed of the split (fixed: notebook and grader agree)
TEST_FRACTION, SPLIT_SEED = 0.2, 2024
#: loss_sanity cases: (batch, classes, scale of the scores)
LOSS_CASES = ((7, 10, 1e-3), (5, 10, 1.0), (1, 10, 1.0), (6, 3, 1.0), (4, 10, 1e3), (9, 4, 3e2))


def digits_split():
    """scikit-learn's bundled 8x8 digits, split once for the whole course.

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        Images of shape ``(n, 1, 8, 8)`` in ``[0, 1]`` (float64) and integer labels;
        1438 training and 359 held-out images, the same split everywhere.

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = digits_split()
    >>> X_train.shape, X_test.shape, int(y_test.max())
    ((1438, 1, 8, 8), (359, 1, 8, 8), 9)
    """
    images, target = _digits()
    X = (images / 16.0).reshape(-1, 1, 8, 8)
    y = target.astype(np.int64)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(y))
    n_test = round(TEST_FRACTION * len(y))
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


@functools.lru_cache(maxsize=1)
def _digits():
    """scikit-learn's digits file, read without importing scikit-learn (whose import
    pulls in scipy.stats and scipy.ndimage, which the grader's sandbox hides).

    Read once per process (a check of ``predict`` asks for it once per case) and
    returned read-only: :func:`digits_split` derives new arrays from it."""
    images, target = _read_digits()
    images.setflags(write=False)
    target.setflags(write=False)
    return images, target


def _read_digits():
    import gzip
    import importlib.util
    import os

    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "datasets", "data", "digits.csv.gz")
        if os.path.isfile(path):
            with gzip.open(path) as fh:
                data = np.loadtxt(fh, delimiter=",")
            return data[:, :-1].reshape(-1, 8, 8), data[:, -1]
    from sklearn.datasets import load_digits  # another layout of the package

    digits = load_digits()
    return digits.images, digits.target


def loss_inputs(case) -> dict:
    """``scores (n, k)`` and labels ``y (n,)`` of a loss_sanity case, from its seed."""
    n, k, scale = LOSS_CASES[case.index % len(LOSS_CASES)]
    rng = np.random.default_rng(case.seed)
    return {"scores": scale * rng.standard_normal((n, k)), "y": rng.integers(0, k, size=n)}


def held_out(case):
    """``(X, y)``: ``case.spec.N`` held-out digits and their labels, in an order drawn
    from the case's seed (the student gets ``X``, the judge compares with ``y``)."""
    _, _, X_test, y_test = digits_split()
    pick = np.random.default_rng(case.seed).permutation(len(y_test))[: case.spec.N]
    return X_test[pick], y_test[pick]


def digits_inputs(case) -> dict:
    """``X``: :func:`held_out` digits (float32 for case 1)."""
    X, _ = held_out(case)
    return {"X": X.astype(np.float32) if case.index == 1 else X}


def _call_loss(funcs, arrays, case, where):
    from .runner import as_output, none_check, unpack

    with np.errstate(all="ignore"):
        res = none_check(funcs["softmax_loss"](arrays["scores"], arrays["y"]))
    got = unpack(res, ("loss", "dscores"), "softmax_loss")
    # sizes first (as_output): a broadcast view of 10**12 values is refused, never copied
    loss = as_output(got["loss"], "loss", what="softmax_loss").reshape(-1)[:1]
    dscores = as_output(got["dscores"], "dscores", what="softmax_loss")
    return {"loss": loss.astype(float), "dscores": dscores.astype(float)}


def _call_predict(funcs, arrays, case, where):
    from .runner import none_check

    return {"labels": none_check(funcs["predict"](arrays["X"]))}


#: checker name -> (functions, required, call, inputs), for :data:`cs_conv.check.runner.CALLS`
TRAINING_CALLS = {
    "loss_sanity": (("softmax_loss",), ("softmax_loss",), _call_loss, loss_inputs),
    "digits_accuracy": (("predict",), ("predict",), _call_predict, digits_inputs),
}
