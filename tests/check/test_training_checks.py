"""The checkers of notebook 7 decide from the returned arrays: the softmax loss against an
independent formula, predict's labels against the held-out digits."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cs_conv.check import CHECKERS, Outcome, check_digits_accuracy, check_loss_sanity, digits_split


def softmax_loss(scores, y):
    """An independent loss: log-sum-exp from scipy."""
    from scipy.special import log_softmax, softmax

    n = len(y)
    p = softmax(scores, axis=1)
    p[np.arange(n), y] -= 1.0
    return -log_softmax(scores, axis=1)[np.arange(n), y].mean(), p / n


def test_a_right_loss_passes_and_the_untrained_loss_is_log_classes():
    assert check_loss_sanity(softmax_loss).passed
    scores = np.full((4, 10), 0.3)
    loss, _ = softmax_loss(scores, np.arange(4))
    assert loss == pytest.approx(np.log(10))


@pytest.mark.parametrize(
    ("wrong", "code"),
    [
        (lambda s, y: tuple(v * len(y) for v in softmax_loss(s, y)), "loss-not-averaged"),
        (
            lambda s, y: softmax_loss(s - 0, y) if np.abs(s).max() < 50 else (np.nan, s * np.nan),
            "softmax-overflow",
        ),
    ],
)
def test_wrong_losses_are_named(wrong, code):
    r = check_loss_sanity(wrong)
    assert not r.passed
    assert r.mistakes == [code], r.message
    assert f"Diagnosis [{code}]" in r.message


def test_stubs_say_not_implemented():
    def stub(*args):
        raise NotImplementedError

    assert check_loss_sanity(stub).mistakes == ["not-implemented"]
    assert check_digits_accuracy(stub).mistakes == ["not-implemented"]


def test_split_is_fixed_and_disjoint():
    X_train, _, X_test, y_test = digits_split()
    assert len(X_train) + len(X_test) == 1797
    train = {x.tobytes() for x in X_train}
    assert sum(x.tobytes() in train for x in X_test) < 5  # the digits have a few duplicates
    assert np.array_equal(digits_split()[3], y_test)


def test_accuracy_from_the_labels_alone():
    """A nearest-neighbour predictor on the training split reaches the goal; the split form
    judges it from the label arrays that travel, and a shuffled order is no help."""
    X_train, y_train, _, _ = digits_split()
    flat = X_train.reshape(len(X_train), -1)

    def predict(X):
        d = ((X.reshape(len(X), -1)[:, None, :] - flat[None]) ** 2).sum(-1)
        return y_train[d.argmin(1)]

    checker = CHECKERS["digits_accuracy"]
    cases = checker.make_cases("hidden-digits")
    payload = json.loads(
        json.dumps([o.to_payload()["meta"] for o in checker.run({"predict": predict}, cases)])
    )
    arrays = [o.to_payload()["arrays"] for o in checker.run({"predict": predict}, cases)]
    outcomes = [
        Outcome.from_payload({"meta": m, "arrays": a}) for m, a in zip(payload, arrays, strict=True)
    ]
    assert checker.evaluate(cases, outcomes).passed

    memorised = predict(digits_split()[2])  # right labels, in the notebook's order
    r = check_digits_accuracy(lambda X: memorised[: len(X)], key="hidden-digits")
    assert not r.passed
    assert r.mistakes == ["low-accuracy"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_loss_of_a_trillion_values_is_a_bad_return_never_a_copy(dtype):
    """A broadcast view takes no memory; converting it to float64 (or reshaping it) would
    take 8 TB: the sizes are checked first."""
    view = np.broadcast_to(np.zeros((), dtype=dtype), (10**4,) * 3)
    outcomes = CHECKERS["loss_sanity"].run(
        {"softmax_loss": lambda s, y: (view, view)}, CHECKERS["loss_sanity"].make_cases()
    )
    assert {o.status for o in outcomes} == {"bad-return"}
    assert "loss with 1000000000000 values: far too many" in outcomes[0].error_message
    r = check_loss_sanity(lambda s, y: (0.0, view))
    assert not r.passed
    assert "dscores with 1000000000000 values" in r.cases[0].detail
