"""diagnostics.loss_after: the loss as a function of one layer's activations, against
MLP.loss_value and, through central differences, against MLP.backward's ∂L/∂a_k."""

import copy

import numpy as np
import pytest

import mlpcore
from mlpcore import diagnostics


def network(fused):
    net = mlpcore.MLP(
        [3, 4, 2, 2],
        ["relu", "tanh", "sigmoid"],
        loss="binary_cross_entropy",
        seed=4,
        fused_output=fused,
    )
    rng = np.random.default_rng(4)
    for k in range(1, net.n_layers + 1):
        net.b[k] = rng.normal(0.0, 0.5, size=net.b[k].shape)
    X = rng.normal(size=(5, 3))
    y = rng.integers(0, 2, size=(5, 2)).astype(float)
    return net, X, y


@pytest.mark.parametrize("fused", [True, False])
def test_the_rest_of_the_network_gives_the_networks_loss(fused):
    net, X, y = network(fused)
    net.forward(X)
    expected = net.loss_value(y)
    for k in range(net.n_layers + 1):
        if k == net.n_layers and fused:
            continue  # the output alone has no logits to compute the loss from
        assert diagnostics.loss_after(net, k, net.a[k], y) == pytest.approx(
            expected, rel=1e-14
        )


def test_the_output_layer_gives_the_loss_of_the_output():
    net, X, y = network(True)
    yhat = net.forward(X)
    assert diagnostics.loss_after(net, 3, yhat, y) == pytest.approx(net.loss(y, yhat))


@pytest.mark.parametrize("fused", [True, False])
def test_its_central_differences_are_the_gradients_of_backward(fused):
    net, X, y = network(fused)
    net.forward(X)
    net.backward(y)
    for k in range(1, net.n_layers):
        numeric = mlpcore.central_difference(
            lambda A, k=k: diagnostics.loss_after(net, k, A, y), net.a[k].copy()
        )
        assert mlpcore.relative_error(net.da[k], numeric) < 1e-7
    numeric = mlpcore.central_difference(
        lambda A: diagnostics.loss_after(net, 0, A, y), X.copy()
    )
    assert mlpcore.relative_error(net.dz[1] @ net.W[1].T, numeric) < 1e-7


def test_the_network_is_left_as_it_was():
    net, X, y = network(True)
    net.forward(X)
    net.backward(y)
    before = copy.deepcopy(net.__dict__)
    diagnostics.loss_after(net, 1, np.zeros((7, 4)), np.zeros((7, 2)))
    for key in ("W", "b", "z", "a", "dz", "da", "dW", "db"):
        for old, new in zip(before[key], getattr(net, key)):
            assert (old is None and new is None) or np.array_equal(old, new)


@pytest.mark.parametrize(
    "k, A, y, error, match",
    [
        (-1, np.zeros((5, 3)), np.zeros((5, 2)), ValueError, "from 0 to 3; got -1"),
        (4, np.zeros((5, 2)), np.zeros((5, 2)), ValueError, "from 0 to 3; got 4"),
        (1.0, np.zeros((5, 4)), np.zeros((5, 2)), ValueError, "got 1.0"),
        (True, np.zeros((5, 4)), np.zeros((5, 2)), ValueError, "got True"),
        (1, np.zeros((5, 3)), np.zeros((5, 2)), ValueError, "4 columns"),
        (1, np.zeros((5, 4)), np.zeros((4, 2)), ValueError, "same number of rows"),
        (1, np.full((5, 4), np.nan), np.zeros((5, 2)), ValueError, "finite"),
    ],
)
def test_bad_arguments_are_refused(k, A, y, error, match):
    net, _, _ = network(True)
    with pytest.raises(error, match=match):
        diagnostics.loss_after(net, k, A, y)


def test_a_network_is_required():
    with pytest.raises(TypeError, match="net must be an mlpcore.MLP"):
        diagnostics.loss_after("net", 0, np.zeros((1, 3)), np.zeros((1, 2)))
