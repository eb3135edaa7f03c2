"""The MLP: shapes, forward/backward/update, fused output error, initialisation, dtypes,
determinism."""

import math
import pickle

import numpy as np
import pytest
from conftest import network_and_data, snapshot, targets

import mlpcore
from mlpcore import activations


@pytest.fixture
def tutorial_net():
    return mlpcore.MLP(
        [2, 4, 3, 1],
        activations=["relu", "relu", "sigmoid"],
        loss="binary_cross_entropy",
        seed=42,
    )


# --- the API of the specification --------------------------------------------------


def test_parameter_shapes_and_index_zero(tutorial_net):
    net = tutorial_net
    assert net.layer_sizes == (2, 4, 3, 1) and net.n_layers == 3
    assert net.W[0] is None and net.b[0] is None
    for k, (fan_in, fan_out) in enumerate([(2, 4), (4, 3), (3, 1)], 1):
        assert net.W[k].shape == (fan_in, fan_out)
        assert net.b[k].shape == (1, fan_out)
        assert net.W[k].dtype == np.float64 and net.b[k].dtype == np.float64
    assert net.n_parameters == 2 * 4 + 4 + 4 * 3 + 3 + 3 * 1 + 1
    assert [a.name for a in net.activations[1:]] == ["relu", "relu", "sigmoid"]
    assert net.activations[0] is None
    assert net.loss is mlpcore.losses.binary_cross_entropy
    assert repr(net) == (
        "MLP([2, 4, 3, 1], activations=['relu', 'relu', 'sigmoid'], "
        "loss='binary_cross_entropy', dtype=float64)"
    )


def test_forward_keeps_every_layer_and_matches_the_equations(tutorial_net, rng):
    net = tutorial_net
    X = rng.normal(size=(10, 2))
    yhat = net.forward(X)
    assert yhat.shape == (10, 1)
    np.testing.assert_array_equal(net.a[0], X)
    assert net.z[0] is None
    a = X
    for k, f in enumerate(
        [
            lambda z: np.maximum(z, 0),
            lambda z: np.maximum(z, 0),
            lambda z: 1 / (1 + np.exp(-z)),
        ],
        1,
    ):
        z = np.array(
            [
                [
                    sum(a[s, j] * net.W[k][j, i] for j in range(a.shape[1]))
                    + net.b[k][0, i]
                    for i in range(net.W[k].shape[1])
                ]
                for s in range(len(a))
            ]
        )
        np.testing.assert_allclose(net.z[k], z, rtol=1e-13, atol=1e-15)
        a = f(z)
        np.testing.assert_allclose(net.a[k], a, rtol=1e-13, atol=1e-15)
    assert yhat is net.a[3]


def loss_by_definition(net, X, y):
    """The loss of the network's parameters, computed without the network's caches."""
    a = X
    for k in range(1, net.n_layers + 1):
        a = net.activations[k](a @ net.W[k] + net.b[k])
    return net.loss(y, a)


def numeric_gradients(net, X, y, h=1e-6):
    grads = {}
    for name, params in (("W", net.W), ("b", net.b)):
        for k in range(1, net.n_layers + 1):
            g = np.empty_like(params[k])
            for index in np.ndindex(params[k].shape):
                keep = params[k][index]
                params[k][index] = keep + h
                plus = loss_by_definition(net, X, y)
                params[k][index] = keep - h
                minus = loss_by_definition(net, X, y)
                params[k][index] = keep
                g[index] = (plus - minus) / (2 * h)
            grads[name, k] = g
    return grads


@pytest.mark.parametrize(
    "sizes, hidden, output, loss",
    [
        ([2, 4, 3, 1], ["tanh", "sigmoid"], "sigmoid", "binary_cross_entropy"),
        ([3, 5, 4], ["tanh"], "softmax", "cross_entropy"),
        ([2, 3, 2], ["sigmoid"], "identity", "mean_squared_error"),
        ([4, 2], [], "tanh", "mean_squared_error"),
    ],
)
def test_backward_computes_the_gradient_of_the_mean_loss(sizes, hidden, output, loss):
    net, X, y = network_and_data(sizes, hidden, output, loss, n_samples=7)
    net.forward(X)
    net.backward(y)
    numeric = numeric_gradients(net, X, y)
    for k in range(1, net.n_layers + 1):
        # Central differences with h = 1e-6: rounding error u·|L|/h ≈ 1e-10.
        np.testing.assert_allclose(net.dW[k], numeric["W", k], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(net.db[k], numeric["b", k], rtol=1e-6, atol=1e-8)


def test_backward_fills_every_gradient_with_da0_none(tutorial_net, rng):
    net = tutorial_net
    X, y = rng.normal(size=(5, 2)), rng.integers(0, 2, size=(5, 1)).astype(float)
    net.forward(X)
    net.backward(y)
    assert (
        net.da[0] is None
        and net.dz[0] is None
        and net.dW[0] is None
        and net.db[0] is None
    )
    for k in range(1, 4):
        assert net.dz[k].shape == net.z[k].shape == (5, net.layer_sizes[k])
        assert k == 3 or net.da[k].shape == net.a[k].shape
        assert net.dW[k].shape == net.W[k].shape and net.db[k].shape == net.b[k].shape
    # The fused output error never forms ∂L/∂ŷ.
    assert net.fused_output and net.da[3] is None
    # The chain rule as the text writes it, checked on the stored arrays.
    for k in (1, 2):
        np.testing.assert_allclose(
            net.da[k], net.dz[k + 1] @ net.W[k + 1].T, rtol=1e-14
        )
        np.testing.assert_allclose(net.dz[k], net.da[k] * (net.z[k] > 0), rtol=1e-14)
    for k in (1, 2, 3):
        np.testing.assert_allclose(
            net.dW[k], net.a[k - 1].T @ net.dz[k], rtol=1e-13, atol=1e-17
        )
        np.testing.assert_allclose(
            net.db[k], net.dz[k].sum(axis=0, keepdims=True), rtol=1e-13, atol=1e-17
        )


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_backward_without_fusion_fills_da_L_with_the_loss_gradient(rng, dtype, rtol):
    net = mlpcore.MLP(
        [2, 4, 3, 1],
        ["relu", "relu", "sigmoid"],
        loss="binary_cross_entropy",
        seed=0,
        fused_output=False,
        dtype=dtype,
    )
    X, y = rng.normal(size=(5, 2)), rng.integers(0, 2, size=(5, 1)).astype(float)
    net.forward(X)
    net.backward(y)
    assert net.da[3].dtype == dtype
    expected = mlpcore.losses.binary_cross_entropy.derivative(y.astype(dtype), net.a[3])
    np.testing.assert_allclose(net.da[3], expected, rtol=rtol)
    np.testing.assert_allclose(
        net.dz[3], net.da[3] * net.a[3] * (1 - net.a[3]), rtol=rtol
    )


def test_backward_overwrites_instead_of_accumulating(tutorial_net, rng):
    net = tutorial_net
    X, y = rng.normal(size=(5, 2)), rng.integers(0, 2, size=(5, 1)).astype(float)
    net.forward(X)
    net.backward(y)
    first = snapshot(net)
    net.backward(y)
    for k in range(1, 4):
        np.testing.assert_array_equal(net.dW[k], first["dW"][k])
        np.testing.assert_array_equal(net.db[k], first["db"][k])


def test_update_takes_one_gradient_step(tutorial_net, rng):
    net = tutorial_net
    net.forward(rng.normal(size=(6, 2)))
    net.backward(rng.integers(0, 2, size=(6, 1)).astype(float))
    before = snapshot(net)
    net.update(0.5)
    for k in range(1, 4):
        np.testing.assert_array_equal(net.W[k], before["W"][k] - 0.5 * before["dW"][k])
        np.testing.assert_array_equal(net.b[k], before["b"][k] - 0.5 * before["db"][k])
        assert not np.array_equal(net.W[k], before["W"][k]) or not before["dW"][k].any()
    net.update(0)
    np.testing.assert_array_equal(net.W[1], before["W"][1] - 0.5 * before["dW"][1])


def test_loss_value_is_the_loss_of_the_last_forward_pass(tutorial_net, rng):
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 2, size=(6, 1)).astype(float)
    yhat = tutorial_net.forward(X)
    # The tutorial's net has fused_output=True: the loss comes from z and equals, away
    # from saturation, the loss on ŷ.
    assert tutorial_net.fused_output
    value = tutorial_net.loss_value(y)
    assert value == pytest.approx(
        mlpcore.losses.binary_cross_entropy(y, yhat), rel=1e-12
    )
    chain = mlpcore.MLP(
        [2, 4, 3, 1],
        ["relu", "relu", "sigmoid"],
        loss="binary_cross_entropy",
        fused_output=False,
    )
    chain.W, chain.b = tutorial_net.W, tutorial_net.b
    chain.forward(X)
    assert chain.loss_value(y) == mlpcore.losses.binary_cross_entropy(y, yhat)


def test_a_step_downhill_reduces_the_loss(rng):
    net, X, y = network_and_data(
        [3, 6, 2], ["tanh"], "softmax", "cross_entropy", n_samples=20
    )
    before = net.loss(y, net.forward(X))
    net.backward(y)
    net.update(0.1)
    assert net.loss(y, net.forward(X)) < before


# --- the fused output error --------------------------------------------------------


@pytest.mark.parametrize(
    "output, loss",
    [("sigmoid", "binary_cross_entropy"), ("identity", "mean_squared_error")],
)
def test_fused_output_error_equals_the_general_chain_rule(output, loss):
    fused, X, y = network_and_data(
        [3, 4, 2], ["tanh"], output, loss, seed=3, n_samples=9
    )
    general = mlpcore.MLP(
        [3, 4, 2], ["tanh", output], loss=loss, seed=3, fused_output=False
    )
    assert fused.fused_output is True and general.fused_output is False
    for net in (fused, general):
        net.forward(X)
        net.backward(y)
    n = len(X)
    factor = 2 if loss == "mean_squared_error" else 1
    np.testing.assert_allclose(fused.dz[2], factor * (fused.a[2] - y) / n, rtol=1e-15)
    for k in (1, 2):
        assert np.isfinite(general.dW[k]).all()
        np.testing.assert_allclose(fused.dz[k], general.dz[k], rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(fused.dW[k], general.dW[k], rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(fused.db[k], general.db[k], rtol=1e-12, atol=1e-16)


def test_fused_softmax_error_equals_the_explicit_jacobian(rng):
    net, X, y = network_and_data(
        [3, 5, 4], ["tanh"], "softmax", "cross_entropy", seed=5, n_samples=8
    )
    p = net.forward(X)
    net.backward(y)
    n = len(X)
    for s in range(n):
        jacobian = np.diag(p[s]) - np.outer(p[s], p[s])  # ∂p_i/∂z_j of softmax
        dL_dp = -y[s] / (p[s] * n)  # gradient of the mean cross-entropy
        np.testing.assert_allclose(
            net.dz[2][s], jacobian.T @ dL_dp, rtol=1e-12, atol=1e-16
        )


def test_softmax_rules():
    with pytest.raises(ValueError, match="only be used in the output layer; layer 1"):
        mlpcore.MLP([2, 3, 2], ["softmax", "softmax"], loss="cross_entropy")
    with pytest.raises(
        ValueError, match="fused output error.*got loss 'mean_squared_error'"
    ):
        mlpcore.MLP([2, 3], ["softmax"], loss="mean_squared_error")
    with pytest.raises(ValueError, match="fused_output=False"):
        mlpcore.MLP([2, 3], ["softmax"], loss="cross_entropy", fused_output=False)
    assert mlpcore.MLP([2, 3], ["softmax"], loss="cross_entropy").fused_output is True


def test_non_canonical_pairs_use_the_chain_rule():
    net = mlpcore.MLP([2, 3], ["sigmoid"], loss="mean_squared_error")
    assert net.fused_output is False
    net = mlpcore.MLP([2, 3], ["sigmoid"], loss="cross_entropy")
    assert net.fused_output is False


# --- initialisation ---------------------------------------------------------------


def test_he_initialisation_for_relu_layers():
    fan_in, fan_out = 400, 1000
    net = mlpcore.MLP(
        [fan_in, fan_out, 1], ["relu", "sigmoid"], loss="binary_cross_entropy", seed=1
    )
    W = net.W[1]
    n = W.size
    std = math.sqrt(2 / fan_in)
    # Standard errors of the sample mean and standard deviation of n normal draws.
    assert abs(W.mean()) < 5 * std / math.sqrt(n)
    assert abs(W.std() - std) < 5 * std / math.sqrt(2 * n)
    # Normal, not uniform: a uniform with this std never exceeds sqrt(3)·std.
    assert np.abs(W).max() > 3 * std
    np.testing.assert_array_equal(net.b[1], np.zeros((1, fan_out)))


def test_glorot_initialisation_for_other_layers():
    fan_in, fan_out = 300, 700
    net = mlpcore.MLP([fan_in, fan_out, 2], ["tanh", "identity"], seed=2)
    W = net.W[1]
    n = W.size
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(W).max() <= limit
    # All n draws stay below limit·(1 - δ) with probability
    # (1 - δ/2)^n ≈ e^(-nδ/2) = e^-20 for δ = 40/n.
    assert W.max() > limit * (1 - 40 / n) and W.min() < -limit * (1 - 40 / n)
    std = limit / math.sqrt(3)
    assert abs(W.mean()) < 5 * std / math.sqrt(n)
    # Var of U(-c, c)² is c⁴/5 - c⁴/9, so the sample variance has SE
    # c²·sqrt(4/45/n).
    assert abs(W.var() - std**2) < 5 * limit**2 * math.sqrt(4 / 45 / n)
    for k in (1, 2):
        np.testing.assert_array_equal(net.b[k], np.zeros((1, net.layer_sizes[k])))


def test_initialisation_draws_from_default_rng_of_the_seed():
    net = mlpcore.MLP(
        [3, 5, 4, 2], ["relu", "tanh", "sigmoid"], loss="mean_squared_error", seed=11
    )
    rng = np.random.default_rng(11)
    he = rng.normal(0, math.sqrt(2 / 3), size=(3, 5))
    glorot = rng.uniform(-math.sqrt(6 / 9), math.sqrt(6 / 9), size=(5, 4))
    glorot2 = rng.uniform(-math.sqrt(6 / 6), math.sqrt(6 / 6), size=(4, 2))
    np.testing.assert_array_equal(net.W[1], he)
    np.testing.assert_array_equal(net.W[2], glorot)
    np.testing.assert_array_equal(net.W[3], glorot2)


def test_tutorial_initialisation_reproduces_the_global_seed_42():
    saved = np.random.get_state()
    try:
        np.random.seed(42)
        expected = []
        for fan_in, fan_out in [(2, 4), (4, 3), (3, 1)]:
            W = np.random.randn(fan_in, fan_out) * 0.1
            b = np.random.randn(1, fan_out) * 0.1
            expected.append((W, b))
    finally:
        np.random.set_state(saved)
    net = mlpcore.MLP(
        [2, 4, 3, 1],
        ["relu", "relu", "sigmoid"],
        loss="binary_cross_entropy",
        seed=42,
        init="tutorial",
    )
    for k, (W, b) in enumerate(expected, 1):
        np.testing.assert_array_equal(net.W[k], W)
        np.testing.assert_array_equal(net.b[k], b)
    net32 = mlpcore.MLP(
        [2, 4, 3, 1],
        ["relu", "relu", "sigmoid"],
        seed=42,
        init="tutorial",
        dtype=np.float32,
    )
    for k, (W, b) in enumerate(expected, 1):
        assert net32.W[k].dtype == np.float32
        np.testing.assert_array_equal(net32.W[k], W.astype(np.float32))
        np.testing.assert_array_equal(net32.b[k], b.astype(np.float32))


def test_nothing_touches_the_global_random_state(rng):
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 2, size=(40, 1)).astype(float)
    saved = np.random.get_state()
    for seed in (None, 0, 7):
        for init in ("auto", "tutorial"):
            net = mlpcore.MLP(
                [2, 4, 1],
                ["relu", "sigmoid"],
                loss="binary_cross_entropy",
                seed=seed,
                init=init,
            )
            net.initialize(seed)
            mlpcore.train(
                net, X, y, epochs=3, learning_rate=0.1, batch_size=8, seed=seed
            )
            mlpcore.gradient_check(net, X[:5], y[:5])
            mlpcore.per_unit.gradients(net, X[:3], y[:3])
    after = np.random.get_state()
    assert after[0] == saved[0] and after[2:] == saved[2:]
    np.testing.assert_array_equal(after[1], saved[1])


# --- determinism --------------------------------------------------------------------


def test_same_seed_same_parameters_different_seeds_differ():
    def build(seed):
        return mlpcore.MLP(
            [3, 6, 5, 2], ["relu", "tanh", "softmax"], loss="cross_entropy", seed=seed
        )

    a, b, c = build(3), build(3), build(4)
    for k in range(1, 4):
        np.testing.assert_array_equal(a.W[k], b.W[k])
        np.testing.assert_array_equal(a.b[k], b.b[k])
        assert not np.array_equal(a.W[k], c.W[k])


def test_initialize_redraws_and_clears_the_caches(tutorial_net, rng):
    net = tutorial_net
    first = [w.copy() for w in net.W[1:]]
    net.forward(rng.normal(size=(3, 2)))
    net.backward(np.ones((3, 1)))
    assert net.initialize(42) is net
    for w, v in zip(first, net.W[1:]):
        np.testing.assert_array_equal(w, v)
    assert all(
        v is None
        for key in ("z", "a", "dz", "da", "dW", "db")
        for v in getattr(net, key)
    )
    net.initialize(43)
    assert not np.array_equal(first[0], net.W[1])


# --- dtypes -------------------------------------------------------------------------


def test_float64_by_default(tutorial_net, rng):
    net = tutorial_net
    assert net.dtype == np.float64
    yhat = net.forward(rng.normal(size=(4, 2)).astype(np.float32))
    assert yhat.dtype == np.float64


@pytest.mark.parametrize("X_dtype", [np.float64, np.float32, np.int64, bool])
@pytest.mark.parametrize(
    "sizes, acts, loss",
    [
        ([2, 4, 3, 1], ["relu", "relu", "sigmoid"], "binary_cross_entropy"),
        ([2, 5, 3], ["tanh", "softmax"], "cross_entropy"),
        ([2, 3, 2], ["sigmoid", "identity"], "mean_squared_error"),
        ([2, 3, 2], ["identity", "tanh"], "mean_squared_error"),
    ],
)
def test_float32_stays_float32_through_forward_backward_update(
    X_dtype, sizes, acts, loss, rng
):
    net = mlpcore.MLP(sizes, acts, loss=loss, seed=0, dtype=np.float32)
    X = rng.normal(size=(6, 2)) * 3
    X = X.astype(X_dtype)
    y = targets(loss, 6, sizes[-1], rng)  # float64 targets
    yhat = net.forward(X)
    net.backward(y)
    net.update(0.1)
    for key in ("W", "b", "z", "a", "dz", "dW", "db"):
        for k in range(1, net.n_layers + 1):
            assert getattr(net, key)[k].dtype == np.float32, (key, k)
    for k in range(1, net.n_layers):
        assert net.da[k].dtype == np.float32
    assert net.a[0].dtype == np.float32 and yhat.dtype == np.float32
    history = mlpcore.train(
        net, X, y, epochs=2, learning_rate=0.1, batch_size=4, seed=0
    )
    assert all(w.dtype == np.float32 for w in net.W[1:]) and all(
        b.dtype == np.float32 for b in net.b[1:]
    )
    assert all(math.isfinite(v) for v in history.loss)


def test_float32_network_computes_the_float64_numbers_to_float32_precision(rng):
    net64 = mlpcore.MLP(
        [3, 5, 2], ["tanh", "sigmoid"], loss="binary_cross_entropy", seed=9
    )
    net32 = mlpcore.MLP(
        [3, 5, 2],
        ["tanh", "sigmoid"],
        loss="binary_cross_entropy",
        seed=9,
        dtype=np.float32,
    )
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=(6, 2))
    np.testing.assert_allclose(net32.forward(X), net64.forward(X), rtol=1e-6)
    net32.backward(y)
    net64.backward(y)
    for k in (1, 2):
        np.testing.assert_allclose(net32.dW[k], net64.dW[k], rtol=1e-4, atol=1e-7)


# --- pickling -----------------------------------------------------------------------


def test_network_pickles_without_its_caches(tutorial_net, rng):
    net = tutorial_net
    X = rng.normal(size=(5, 2))
    yhat = net.forward(X).copy()
    net.backward(np.ones((5, 1)))
    copy = pickle.loads(pickle.dumps(net))
    assert all(
        v is None
        for key in ("z", "a", "dz", "da", "dW", "db")
        for v in getattr(copy, key)
    )
    np.testing.assert_array_equal(copy.forward(X), yhat)
    # The original keeps its caches.
    assert net.dW[1] is not None
    with pytest.raises(ValueError, match="backward"):
        copy.update(0.1)


def test_activation_objects_and_loss_objects_are_accepted():
    net = mlpcore.MLP(
        [2, 3, 1],
        [activations.tanh, "sigmoid"],
        loss=mlpcore.losses.binary_cross_entropy,
    )
    assert net.activations[1] is activations.tanh and net.fused_output


# --- choices made by what an object is, not by its name ------------------------------


def _tanh_derivative(z):
    return 1 - np.tanh(z) ** 2


def test_an_activation_named_identity_that_is_not_the_identity_gets_the_chain_rule(rng):
    # A tanh output called "identity", with squared error: fusing by name would use
    # ŷ - y where the chain rule needs (ŷ - y)·tanh'(z). The gradient must be right.
    impostor = activations.Activation("identity", np.tanh, _tanh_derivative)
    net = mlpcore.MLP([3, 4, 2], ["tanh", impostor], loss="mean_squared_error", seed=0)
    assert not net.fused_output
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    net.forward(X)
    net.backward(y)
    numeric = numeric_gradients(net, X, y)
    for k in (1, 2):
        np.testing.assert_allclose(net.dW[k], numeric["W", k], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(net.db[k], numeric["b", k], rtol=1e-6, atol=1e-8)
    assert mlpcore.gradient_check(net, X, y) < 1e-6


def test_he_initialisation_is_for_the_relu_itself_not_its_name():
    lookalike = activations.Activation("relu", np.tanh, _tanh_derivative)
    fan_in, fan_out = 400, 300
    he = mlpcore.MLP([fan_in, fan_out, 1], ["relu", "sigmoid"], seed=0).W[1]
    other = mlpcore.MLP([fan_in, fan_out, 1], [lookalike, "sigmoid"], seed=0).W[1]
    # He: N(0, 2/fan_in), std 0.0707;
    # Glorot uniform: std √(2/(fan_in+fan_out)) = 0.0535.
    assert he.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.01)
    assert other.std() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.01)


def test_the_seed_attribute_names_the_current_parameters():
    net = mlpcore.MLP([2, 3, 1], ["tanh", "sigmoid"], seed=5)
    assert net.seed == 5
    net.initialize(9)
    assert net.seed == 9
    np.testing.assert_array_equal(
        net.W[1], mlpcore.MLP([2, 3, 1], ["tanh", "sigmoid"], seed=9).W[1]
    )
    net.initialize()
    assert net.seed is None


def test_loss_value_is_exact_where_the_output_saturates():
    # One sigmoid unit with z = 40 for a target 0: ŷ = σ(40) rounds to 1.0, and the
    # loss on ŷ clips to -log(eps) ≈ 36.04; the loss from z is
    # 40 + log(1 + e^-40) = 40.
    net = mlpcore.MLP([1, 1], ["sigmoid"], loss="binary_cross_entropy", seed=0)
    net.W[1][:] = 1.0
    net.b[1][:] = 0.0
    X, y = np.array([[40.0], [-1000.0]]), np.array([[0.0], [1.0]])
    yhat = net.forward(X)
    assert yhat[0, 0] == 1.0 and yhat[1, 0] == 0.0
    assert net.loss_value(y) == pytest.approx((40.0 + 1000.0) / 2, rel=1e-15)
    assert net.loss(y, yhat) < 37  # the clipped value on probabilities, far off
