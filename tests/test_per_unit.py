"""The unit-by-unit forward pass and gradients agree with the matrix form."""

import numpy as np
import pytest
from conftest import network_and_data

import mlpcore
from mlpcore import per_unit

ARCHITECTURES = [
    # sizes, hidden activations, output, loss, fused_output
    ([2, 4, 3, 1], ["relu", "relu"], "sigmoid", "binary_cross_entropy", True),
    ([2, 4, 3, 1], ["relu", "relu"], "sigmoid", "binary_cross_entropy", False),
    ([3, 5, 4], ["tanh"], "softmax", "cross_entropy", True),
    ([4, 3, 3, 3, 5], ["sigmoid", "tanh", "relu"], "softmax", "cross_entropy", True),
    ([2, 3, 2], ["identity"], "identity", "mean_squared_error", True),
    ([2, 3, 2], ["identity"], "identity", "mean_squared_error", False),
    ([3, 1, 2], ["tanh"], "sigmoid", "mean_squared_error", False),
    ([5, 2], [], "tanh", "mean_squared_error", False),
    ([1, 1], [], "sigmoid", "binary_cross_entropy", True),
    ([2, 6, 2], ["sigmoid"], "sigmoid", "cross_entropy", False),
]


def ids(arch):
    sizes, hidden, output, loss, fused = arch
    return (
        f"{sizes}-{'-'.join([*hidden, output])}-{loss}-{'fused' if fused else 'chain'}"
    )


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=[ids(a) for a in ARCHITECTURES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_agree_with_backward(arch, seed):
    sizes, hidden, output, loss, fused = arch
    net, X, y = network_and_data(
        sizes, hidden, output, loss, seed=seed, n_samples=7, fused_output=fused
    )
    # per_unit follows the network's own choice of output error.
    assert net.fused_output is (
        fused
        and mlpcore.activations.get(output)
        is mlpcore.losses.get(loss).output_activation
    )
    dW, db = per_unit.gradients(net, X, y)
    net.forward(X)
    net.backward(y)
    assert dW[0] is None and db[0] is None
    for k in range(1, net.n_layers + 1):
        assert dW[k].shape == net.W[k].shape and db[k].shape == net.b[k].shape
        np.testing.assert_allclose(dW[k], net.dW[k], rtol=0, atol=1e-10)
        np.testing.assert_allclose(db[k], net.db[k], rtol=0, atol=1e-10)
    # The comparison is not between zeros.
    assert np.abs(net.dW[net.n_layers]).max() > 1e-3


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=[ids(a) for a in ARCHITECTURES])
def test_forward_agrees_with_the_matrix_form(arch):
    sizes, hidden, output, loss, fused = arch
    net, X, _ = network_and_data(
        sizes, hidden, output, loss, seed=4, n_samples=5, fused_output=fused
    )
    net.forward(X)
    for s in range(len(X)):
        z, a = per_unit.forward(net, X[s])
        assert z[0] is None
        np.testing.assert_array_equal(a[0], X[s])
        for k in range(1, net.n_layers + 1):
            assert z[k].shape == a[k].shape == (sizes[k],)
            np.testing.assert_allclose(z[k], net.z[k][s], rtol=0, atol=1e-12)
            np.testing.assert_allclose(a[k], net.a[k][s], rtol=0, atol=1e-12)


def test_per_unit_does_not_touch_the_network(trained_net):
    net, X, y = trained_net
    before = {
        key: [None if v is None else v.copy() for v in getattr(net, key)]
        for key in ("W", "b", "dW", "a")
    }
    per_unit.gradients(net, X, y)
    per_unit.forward(net, X[0])
    for key, values in before.items():
        for old, new in zip(values, getattr(net, key)):
            if old is not None:
                np.testing.assert_array_equal(old, new)


def test_float32_network_gives_float32_per_unit_results(rng):
    net = mlpcore.MLP(
        [3, 4, 2],
        ["tanh", "sigmoid"],
        loss="binary_cross_entropy",
        seed=0,
        dtype=np.float32,
    )
    X, y = rng.normal(size=(4, 3)), rng.integers(0, 2, size=(4, 2))
    z, a = per_unit.forward(net, X[0])
    assert all(v.dtype == np.float32 for v in z[1:] + a)
    dW, db = per_unit.gradients(net, X, y)
    assert all(v.dtype == np.float32 for v in dW[1:] + db[1:])
    net.forward(X)
    net.backward(y)
    for k in (1, 2):
        np.testing.assert_allclose(dW[k], net.dW[k], rtol=1e-5, atol=1e-6)
