"""mlpcore.original reproduces the tutorial's published run, and each of its mistakes
is a switch.

The tutorial (Tam, 2021) printed a loss of 693.6297 before training and accuracies of
0.818 at iteration 145 and 0.614 at iteration 149. Those are published facts about the
original code, so asserting them here tests the reproduction, not our own output.
"""

import numpy as np
import pytest
from sklearn.datasets import make_circles

import mlpcore
from mlpcore import original


@pytest.fixture(scope="module")
def data():
    return original.load_data()


@pytest.fixture(scope="module")
def published_run(data):
    return original.run(*data)


def test_load_data_is_the_tutorial_data(data):
    X, y = data
    assert X.shape == (1000, 2) and y.shape == (1000, 1) and y.dtype == np.float64
    X_ref, y_ref = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y[:, 0], y_ref)


def test_run_reproduces_the_published_numbers(published_run):
    _, history = published_run
    assert len(history.loss) == len(history.accuracy) == original.ITERATIONS == 150
    assert f"{history.loss[0]:.4f}" == "693.6297"
    assert history.accuracy[145] == 0.818
    assert history.accuracy[149] == 0.614


def test_the_doubled_derivative_is_two_sigma_one_minus_sigma():
    z = np.linspace(-8, 8, 33)
    s = 1 / (1 + np.exp(-z))
    act = original.sigmoid_doubled_derivative
    np.testing.assert_allclose(act(z), s, rtol=1e-14)
    np.testing.assert_allclose(
        act.derivative(z), 2 * s * (1 - s), rtol=1e-12, atol=1e-16
    )


def test_the_summed_loss_is_n_times_the_mean(data):
    X, y = data
    yhat = np.clip(np.random.default_rng(0).random(y.shape), 0.01, 0.99)
    mean = mlpcore.losses.binary_cross_entropy
    summed = original.summed_binary_cross_entropy
    assert summed(y, yhat) == pytest.approx(len(y) * mean(y, yhat), rel=1e-13)
    np.testing.assert_allclose(
        summed.derivative(y, yhat), len(y) * mean.derivative(y, yhat), rtol=1e-13
    )


def test_the_network_is_the_tutorials(data):
    net = original.network()
    assert net.layer_sizes == original.LAYER_SIZES == (2, 4, 3, 1)
    assert [a.name for a in net.activations[1:]] == [
        "relu",
        "relu",
        "sigmoid_doubled_derivative",
    ]
    assert net.init == "tutorial" and net.seed == 42 and net.fused_output is False
    fixed = original.network(sigmoid_derivative_doubled=False, loss_summed=False)
    assert (
        fixed.activations[3].name == "sigmoid"
        and fixed.loss.name == "binary_cross_entropy"
    )
    assert (
        fixed.fused_output is False
    )  # the general chain rule, as the tutorial computes it
    for k in range(1, 4):
        np.testing.assert_array_equal(net.W[k], fixed.W[k])


def test_gradient_check_passes_with_switches_off_and_catches_each_derivative_mistake(
    data,
):
    X, y = data
    X, y = X[:200], y[:200]
    assert mlpcore.gradient_check(original.network(False, False), X, y) < 1e-5
    # The summed loss is wrong in scale, not in its own gradient: the check passes too.
    assert mlpcore.gradient_check(original.network(False, True), X, y) < 1e-5
    assert mlpcore.gradient_check(original.network(True, False), X, y) > 0.1


def test_db_averaged_moves_biases_n_times_more_slowly(data):
    X, y = data
    a, b = original.network(False, False), original.network(False, False)
    b0 = [v.copy() for v in a.b[1:]]
    loss_a, yhat = original.step(a, X, y, learning_rate=0.1, db_averaged=True)
    loss_b, _ = original.step(b, X, y, learning_rate=0.1, db_averaged=False)
    assert loss_a == loss_b and yhat.shape == (1000, 1)
    for k in range(1, 4):
        np.testing.assert_array_equal(a.W[k], b.W[k])
        np.testing.assert_allclose(
            (a.b[k] - b0[k - 1]) * len(X), b.b[k] - b0[k - 1], rtol=1e-9, atol=1e-15
        )


def test_with_every_switch_off_run_is_ordinary_gradient_descent(data):
    X, y = data
    net, history = original.run(
        X,
        y,
        iterations=20,
        sigmoid_derivative_doubled=False,
        loss_summed=False,
        db_averaged=False,
    )
    reference = mlpcore.MLP(
        [2, 4, 3, 1],
        ["relu", "relu", "sigmoid"],
        loss="binary_cross_entropy",
        seed=42,
        init="tutorial",
        fused_output=False,
    )
    expected = mlpcore.train(
        reference, X, y, epochs=20, learning_rate=original.LEARNING_RATE
    )
    for k in range(1, 4):
        np.testing.assert_array_equal(net.W[k], reference.W[k])
        np.testing.assert_array_equal(net.b[k], reference.b[k])
    assert history.accuracy == expected.accuracy
    # train's epoch loss is (L·n)/n, which may differ from L in the last bit.
    np.testing.assert_allclose(history.loss, expected.loss, rtol=4e-16)
