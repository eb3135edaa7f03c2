"""Shared helpers for the mlpcore tests: data for each loss, and snapshots of a
network's state."""

import copy
import os

import numpy as np
import pytest
from hypothesis import settings

import mlpcore

# CI (which sets CI=true) replays the same hypothesis examples on every run, so a
# submission cannot fail on a case no one has seen; local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

# The output activation each built-in loss pairs with (its canonical link), and the
# other valid outputs for it: a loss must see outputs in its domain.
VALID_OUTPUTS = {
    "binary_cross_entropy": ["sigmoid"],
    "cross_entropy": ["softmax"],
    "mean_squared_error": ["identity", "tanh", "sigmoid"],
}

STATE_KEYS = ("W", "b", "z", "a", "dz", "da", "dW", "db")


def targets(loss, n_samples, n_outputs, rng):
    """Valid targets for ``loss``: 0/1 labels, one-hot rows, or real numbers."""
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, size=(n_samples, n_outputs)).astype(np.float64)
    if loss == "cross_entropy":
        return np.eye(n_outputs)[rng.integers(0, n_outputs, size=n_samples)]
    return rng.normal(size=(n_samples, n_outputs))


def network_and_data(sizes, hidden, output, loss, seed=0, n_samples=6, **kwargs):
    """An MLP of the given architecture with random inputs and valid targets."""
    net = mlpcore.MLP(sizes, [*hidden, output], loss=loss, seed=seed, **kwargs)
    rng = np.random.default_rng(seed + 1000)
    X = rng.normal(size=(n_samples, sizes[0]))
    y = targets(loss, n_samples, sizes[-1], rng)
    return net, X, y


def snapshot(net):
    """A deep copy of every parameter and cache of ``net``."""
    return {key: copy.deepcopy(getattr(net, key)) for key in STATE_KEYS}


def assert_state_equal(before, after):
    """Fail unless two snapshots hold bit-identical arrays (and the same Nones)."""
    for key in STATE_KEYS:
        assert len(before[key]) == len(after[key]), key
        for k, (x, y) in enumerate(zip(before[key], after[key])):
            if x is None or y is None:
                assert x is None and y is None, f"{key}[{k}]: {x!r} vs {y!r}"
            else:
                assert x.dtype == y.dtype, f"{key}[{k}]"
                np.testing.assert_array_equal(x, y, err_msg=f"{key}[{k}] changed")


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


@pytest.fixture
def trained_net():
    """A [2, 4, 3, 1] network after one forward and backward pass: every cache is
    filled."""
    net = mlpcore.MLP(
        [2, 4, 3, 1], ["relu", "relu", "sigmoid"], loss="binary_cross_entropy", seed=42
    )
    data = np.random.default_rng(7)
    X = data.normal(size=(8, 2))
    y = (data.random((8, 1)) > 0.5).astype(np.float64)
    net.forward(X)
    net.backward(y)
    return net, X, y
