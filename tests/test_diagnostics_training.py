"""The training diagnostics of chapter 5: active units, the loss along a step, the Hessian.

Each is checked against a closed form: a ReLU layer with weights chosen by hand, the
mean squared error of a linear model (a quadratic, Hessian 2AᵀA/n), and logistic
regression (Hessian Aᵀ diag(p(1-p)) A / n).
"""

import numpy as np
import pytest

import mlpcore
from mlpcore import diagnostics


def _linear_model(seed=0, n=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = rng.normal(size=(n, 1))
    net = mlpcore.MLP([3, 1], ["identity"], loss="mean_squared_error", seed=seed)
    net.b[1][...] = 0.3
    return net, X, y, np.column_stack([X, np.ones(n)])


def test_active_fraction_counts_the_samples_with_z_above_zero():
    net = mlpcore.MLP([1, 2, 1], ["relu", "sigmoid"], loss="binary_cross_entropy")
    net.W[1][...] = [[1.0, -1.0]]
    net.b[1][...] = [[0.0, 0.5]]
    X = np.array([[-1.0], [0.0], [1.0], [2.0]])  # z = x and 0.5 - x
    np.testing.assert_array_equal(diagnostics.active_fraction(net, X, 1), [0.5, 0.5])
    net.b[1][...] = [[-3.0, 0.5]]  # unit 1 off everywhere: dead
    np.testing.assert_array_equal(diagnostics.active_fraction(net, X, 1), [0.0, 0.5])


@pytest.mark.parametrize("layer", [0, 2, 1.0, True, "1"])
def test_active_fraction_needs_a_hidden_layer(layer):
    net = mlpcore.MLP([1, 2, 1], ["relu", "sigmoid"], loss="binary_cross_entropy")
    with pytest.raises(ValueError, match="layer must be a hidden layer"):
        diagnostics.active_fraction(net, np.zeros((3, 1)), layer)


def test_loss_along_is_the_quadratic_of_the_linear_model():
    net, X, y, A = _linear_model()
    theta = np.concatenate([net.W[1].ravel(), net.b[1].ravel()])
    rng = np.random.default_rng(1)
    direction = [rng.normal(size=(3, 1)), rng.normal(size=(1, 1))]
    d = np.concatenate([direction[0].ravel(), direction[1].ravel()])
    ts = np.linspace(-2, 2, 9)
    W0, b0 = net.W[1].copy(), net.b[1].copy()
    losses = diagnostics.loss_along(net, X, y, direction, ts)
    residual = A @ theta - y[:, 0]
    expected = [np.mean((residual + t * A @ d) ** 2) for t in ts]
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    np.testing.assert_array_equal(net.W[1], W0)
    np.testing.assert_array_equal(net.b[1], b0)


def test_loss_along_rejects_directions_of_the_wrong_shape_or_number():
    net, X, y, _ = _linear_model()
    with pytest.raises(ValueError, match="must hold 2 arrays"):
        diagnostics.loss_along(net, X, y, [np.zeros((3, 1))], [1.0])
    with pytest.raises(ValueError, match=r"parameter's shape \(3, 1\)"):
        diagnostics.loss_along(net, X, y, [np.zeros((1, 3)), np.zeros((1, 1))], [1])
    with pytest.raises(TypeError, match="sequence of arrays"):
        diagnostics.loss_along(net, X, y, np.zeros((3, 1)), [1.0])
    with pytest.raises(ValueError, match="ts must be finite"):
        diagnostics.loss_along(
            net, X, y, [np.zeros((3, 1)), np.zeros((1, 1))], [np.nan]
        )


def test_hessian_of_the_linear_model_is_2_AtA_over_n():
    net, X, y, A = _linear_model()
    W0 = net.W[1].copy()
    h = diagnostics.hessian(net, X, y)
    np.testing.assert_allclose(h.matrix, 2 * A.T @ A / len(X), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(
        h.eigenvalues, np.linalg.eigvalsh(2 * A.T @ A / len(X)), rtol=1e-7
    )
    assert h.kinks == 0 and h.defined and h.sharpness == h.eigenvalues[-1]
    np.testing.assert_array_equal(net.W[1], W0)


def test_hessian_of_logistic_regression_is_the_closed_form():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    y = (rng.random((30, 1)) < 0.5).astype(float)
    net = mlpcore.MLP([2, 1], ["sigmoid"], loss="binary_cross_entropy", seed=3)
    A = np.column_stack([X, np.ones(30)])
    p = net.forward(X)[:, 0]
    expected = A.T @ (A * (p * (1 - p))[:, None]) / 30
    np.testing.assert_allclose(
        diagnostics.hessian(net, X, y).matrix, expected, rtol=1e-6, atol=1e-9
    )


def test_hessian_flags_a_relu_at_its_kink_and_not_a_smooth_point():
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]])
    y = np.array([[1.0], [0.0], [1.0]])
    net = mlpcore.MLP(
        [2, 3, 1], ["relu", "sigmoid"], loss="binary_cross_entropy", seed=0
    )
    net.b[1][...] = 0.05
    net.forward(X)
    assert np.abs(net.z[1]).min() > 1e-3  # every unit clear of its kink
    assert diagnostics.hessian(net, X, y).defined
    net.b[1][0, 0] -= net.z[1][0, 0]  # unit 1 exactly at z = 0 for sample 0
    h = diagnostics.hessian(net, X, y)
    assert h.kinks > 0 and not h.defined and np.isnan(h.sharpness)


def test_hessian_restores_the_parameters_and_checks_eps():
    net, X, y, _ = _linear_model()
    before = [p.copy() for p in (net.W[1], net.b[1])]
    diagnostics.hessian(net, X, y, eps=1e-4)
    np.testing.assert_array_equal(net.W[1], before[0])
    np.testing.assert_array_equal(net.b[1], before[1])
    with pytest.raises(ValueError, match="eps must be a positive"):
        diagnostics.hessian(net, X, y, eps=0.0)
