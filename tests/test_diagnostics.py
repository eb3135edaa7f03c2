"""mlpcore.diagnostics: initialisation schemes, per-layer gradient norms and moments, and the
residual stack, each checked against central differences or a formula written out."""

import math

import numpy as np
import pytest
from conftest import assert_state_equal, snapshot

import mlpcore
from mlpcore import central_difference
from mlpcore.diagnostics import (
    LayerMoments,
    gradient_norms,
    initialize,
    layer_moments,
    residual_stack,
    weight_std,
)


def _net_and_data(
    sizes,
    hidden,
    output="sigmoid",
    loss="binary_cross_entropy",
    n_samples=5,
    seed=0,
    **kwargs,
):
    net = mlpcore.MLP(
        sizes, [*([hidden] * (len(sizes) - 2)), output], loss=loss, seed=seed, **kwargs
    )
    rng = np.random.default_rng(seed + 100)
    X = rng.normal(size=(n_samples, sizes[0]))
    if loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=(n_samples, sizes[-1])).astype(np.float64)
    else:
        y = rng.normal(size=(n_samples, sizes[-1]))
    return net, X, y


def _numeric(net, X, y, param):
    """Central differences of the network's loss with respect to one parameter array."""
    return central_difference(lambda _: net.loss(y, net.forward(X)), param)


# --- weight_std ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheme, fan_in, fan_out, expected",
    [
        ("glorot", 3, 5, 0.5),  # sqrt(2 / 8)
        ("glorot", 64, 64, 0.125),  # sqrt(2 / 128)
        ("he", 8, 1, 0.5),  # sqrt(2 / 8)
        ("he", 2, 100, 1.0),  # fan_out plays no part
        (0.1, 4, 3, 0.1),
        (3, 4, 3, 3.0),
        (np.float32(0.25), 4, 3, 0.25),
    ],
)
def test_weight_std_of_each_scheme(scheme, fan_in, fan_out, expected):
    std = weight_std(scheme, fan_in, fan_out)
    assert type(std) is float
    assert std == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "scheme, fan_in, fan_out, error, match",
    [
        ("lecun", 3, 3, ValueError, "unknown scheme 'lecun'"),
        ("Glorot", 3, 3, ValueError, "unknown scheme"),
        (0.0, 3, 3, ValueError, "positive and finite; got 0.0"),
        (-0.1, 3, 3, ValueError, "positive and finite"),
        (math.inf, 3, 3, ValueError, "positive and finite"),
        (math.nan, 3, 3, ValueError, "positive and finite"),
        (True, 3, 3, TypeError, "scheme must be one of"),
        (None, 3, 3, TypeError, "scheme must be one of"),
        ("he", 0, 3, ValueError, "fan_in must be a positive integer; got 0"),
        ("he", 3, 2.0, ValueError, "fan_out must be a positive integer; got 2.0"),
        ("he", True, 3, ValueError, "fan_in must be a positive integer"),
    ],
)
def test_weight_std_rejects_bad_input(scheme, fan_in, fan_out, error, match):
    with pytest.raises(error, match=match):
        weight_std(scheme, fan_in, fan_out)


# --- initialize ------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["glorot", "he", 0.1])
def test_initialize_draws_normal_weights_with_the_scheme_std_and_zero_biases(scheme):
    net = mlpcore.MLP([300, 200, 100], ["tanh", "sigmoid"], seed=0)
    assert initialize(net, scheme, seed=1) is net
    for k in (1, 2):
        W = net.W[k]
        n_in, n_out = W.shape
        expected = weight_std(scheme, n_in, n_out)
        # 20000 to 60000 draws: the sample std is within 1.5% of the true one
        # (its standard error is std / sqrt(2 N), below 0.5%).
        assert W.std() == pytest.approx(expected, rel=0.015)
        assert abs(W.mean()) < 5 * expected / math.sqrt(W.size)
        # normal, not uniform: the fourth moment of a normal is 3 std^4 (uniform: 1.8)
        assert np.mean(W**4) / W.var() ** 2 == pytest.approx(3.0, rel=0.1)
        np.testing.assert_array_equal(net.b[k], np.zeros((1, n_out)))


def test_initialize_draws_layer_by_layer_from_default_rng():
    net = mlpcore.MLP([3, 4, 2], ["relu", "sigmoid"], seed=0)
    initialize(net, "he", seed=7)
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(
        net.W[1], rng.normal(0, math.sqrt(2 / 3), size=(3, 4))
    )
    np.testing.assert_array_equal(
        net.W[2], rng.normal(0, math.sqrt(2 / 4), size=(4, 2))
    )


def test_initialize_is_reproducible_and_seed_dependent():
    nets = [mlpcore.MLP([3, 5, 1], ["tanh", "sigmoid"], seed=s) for s in (0, 1, 2)]
    initialize(nets[0], "glorot", seed=3)
    initialize(nets[1], "glorot", seed=3)
    initialize(nets[2], "glorot", seed=4)
    np.testing.assert_array_equal(nets[0].W[1], nets[1].W[1])
    assert not np.array_equal(nets[0].W[1], nets[2].W[1])


def test_initialize_keeps_the_dtype_and_empties_the_caches():
    net, X, y = _net_and_data([3, 4, 1], "relu", dtype=np.float32)
    net.forward(X)
    net.backward(y)
    initialize(net, "he", seed=0)
    for k in (1, 2):
        assert net.W[k].dtype == np.float32 and net.b[k].dtype == np.float32
        assert net.z[k] is None and net.a[k] is None and net.dW[k] is None
    with pytest.raises(ValueError):  # no stale gradients to step with
        net.update(0.1)


@pytest.mark.parametrize(
    "scheme, seed, error",
    [
        ("xavier", 0, ValueError),
        (-1.0, 0, ValueError),
        ("he", 1.5, TypeError),
        ("he", "0", TypeError),
        ("he", -1, ValueError),
    ],
)
def test_initialize_rejects_bad_input_before_changing_anything(scheme, seed, error):
    net, X, y = _net_and_data([3, 4, 1], "relu")
    net.forward(X)
    net.backward(y)
    before = snapshot(net)
    with pytest.raises(error):
        initialize(net, scheme, seed=seed)
    assert_state_equal(before, snapshot(net))


def test_initialize_needs_an_mlp():
    with pytest.raises(TypeError, match="mlpcore.MLP"):
        initialize("not a network", "he")


# --- gradient_norms --------------------------------------------------------------------


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu"])
def test_gradient_norms_of_dW_are_those_of_central_differences(hidden):
    net, X, y = _net_and_data([3, 5, 4, 2], hidden, n_samples=6)
    norms = gradient_norms(net, X, y, of="dW")
    assert norms.shape == (4,) and np.isnan(norms[0])
    for k in (1, 2, 3):
        expected = np.linalg.norm(_numeric(net, X, y, net.W[k]))
        assert norms[k] == pytest.approx(expected, rel=1e-6)


def test_gradient_norms_of_dz_are_those_of_the_bias_gradient_for_one_sample():
    # With one sample, dL/db_k = 1ᵀ δ_k is δ_k itself.
    net, X, y = _net_and_data([3, 5, 4, 2], "tanh", n_samples=1)
    norms = gradient_norms(net, X, y)  # of="dz" is the default
    for k in (1, 2, 3):
        expected = np.linalg.norm(_numeric(net, X, y, net.b[k]))
        assert norms[k] == pytest.approx(expected, rel=1e-6)


def test_gradient_norms_rejects_bad_input():
    net, X, y = _net_and_data([3, 4, 1], "relu")
    with pytest.raises(ValueError, match="of must be 'dz' or 'dW'; got 'db'"):
        gradient_norms(net, X, y, of="db")
    with pytest.raises(ValueError, match="same number of rows"):
        gradient_norms(net, X, y[:2])
    with pytest.raises(TypeError, match="mlpcore.MLP"):
        gradient_norms(object(), X, y)


# --- layer_moments ---------------------------------------------------------------------


def test_layer_moments_of_the_forward_pass_written_out():
    net, X, y = _net_and_data([3, 5, 4, 1], "tanh", n_samples=7)
    m = layer_moments(net, X, y)
    assert isinstance(m, LayerMoments)
    a = X
    assert m.a[0] == pytest.approx(np.mean(X**2), rel=1e-14)
    assert np.isnan(m.z[0])
    for k, f in ((1, np.tanh), (2, np.tanh), (3, lambda v: 1 / (1 + np.exp(-v)))):
        z = a @ net.W[k] + net.b[k]
        a = f(z)
        assert m.z[k] == pytest.approx(np.mean(z**2), rel=1e-12)
        assert m.a[k] == pytest.approx(np.mean(a**2), rel=1e-12)


def test_layer_moments_of_the_backward_pass_from_central_differences():
    # One sample, so that δ_k = dL/db_k (central differences) and dL/da_{k-1} = δ_k W_kᵀ.
    net, X, y = _net_and_data([3, 5, 4, 2], "relu", n_samples=1, seed=3)
    m = layer_moments(net, X, y)
    delta = {k: _numeric(net, X, y, net.b[k]) for k in (1, 2, 3)}
    for k in (1, 2, 3):
        assert m.dz[k] == pytest.approx(np.mean(delta[k] ** 2), rel=1e-6)
    for k in (1, 2):
        da = delta[k + 1] @ net.W[k + 1].T
        assert m.da[k] == pytest.approx(np.mean(da**2), rel=1e-6)
    assert np.isnan(m.dz[0]) and np.isnan(m.da[0])
    assert np.isnan(m.da[3])  # fused output error: dL/dŷ is not formed


def test_layer_moments_of_the_output_gradient_when_not_fused():
    net, X, y = _net_and_data([3, 4, 2], "tanh", n_samples=6, fused_output=False)
    m = layer_moments(net, X, y)
    yhat = net.a[2].copy()
    dyhat = central_difference(lambda v: net.loss(y, v), yhat)
    assert m.da[2] == pytest.approx(np.mean(dyhat**2), rel=1e-6)


def test_layer_moments_in_float32_are_float64_means():
    net, X, y = _net_and_data([3, 4, 1], "relu", dtype=np.float32)
    m = layer_moments(net, X, y)
    assert m.z.dtype == np.float64
    assert m.z[1] == pytest.approx(np.mean(net.z[1].astype(np.float64) ** 2), rel=1e-12)


def test_layer_moments_rejects_bad_input():
    net, X, y = _net_and_data([3, 4, 1], "relu")
    with pytest.raises(ValueError, match="columns"):
        layer_moments(net, X[:, :2], y)


# --- residual_stack --------------------------------------------------------------------


def _stack(rng, n_layers=4, width=3, n_samples=5, std=0.6):
    X = rng.normal(size=(n_samples, width))
    weights = [rng.normal(0, std, size=(width, width)) for _ in range(n_layers)]
    G = rng.normal(size=(n_samples, width))
    return X, weights, G


def test_residual_stack_forward_written_out(rng):
    X, weights, G = _stack(rng)
    a, _ = residual_stack(X, weights, "tanh", G)
    assert len(a) == 5
    np.testing.assert_array_equal(a[0], X)
    expected = X
    for k, W in enumerate(weights, 1):
        expected = expected + np.tanh(expected @ W)
        np.testing.assert_allclose(a[k], expected, rtol=1e-14, atol=1e-14)
    plain, _ = residual_stack(X, weights, "tanh", G, skip=False)
    np.testing.assert_allclose(plain[1], np.tanh(X @ weights[0]), rtol=1e-14)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("skip", [True, False])
def test_residual_stack_gradients_are_central_differences(rng, activation, skip):
    X, weights, G = _stack(rng, width=6)
    a, grads = residual_stack(X, weights, activation, G, skip=skip)
    # Central differences are only right away from ReLU's kink: no z_k near 0 (a row of
    # a_k with every unit off would put the next z exactly on it).
    smallest = min(np.abs(a[k] @ W).min() for k, W in enumerate(weights))
    assert smallest > 1e-4, "choose other draws: a pre-activation is at a kink"
    assert len(grads) == 5
    np.testing.assert_array_equal(grads[4], G)
    for k in range(4):
        start = a[k].copy()

        def loss(v, k=k):
            # L = Σ G ⊙ a_L as a function of a_k: run the layers after k
            out, _ = residual_stack(v, weights[k:], activation, G, skip=skip)
            return float(np.sum(G * out[-1]))

        numeric = central_difference(loss, start)
        np.testing.assert_allclose(grads[k], numeric, rtol=1e-6, atol=1e-8)


def test_residual_stack_without_skips_is_the_mlp(rng):
    # The same plain stack through MLP.backward: with the squared error and
    # y = ŷ - G n / 2, the loss derivative dL/dŷ = 2 (ŷ - y) / n is G.
    sizes = [3, 5, 4, 2]
    X = rng.normal(size=(6, 3))
    G = rng.normal(size=(6, 2))
    net = mlpcore.MLP(sizes, ["tanh"] * 3, loss="mean_squared_error", seed=0)
    weights = [net.W[k].copy() for k in (1, 2, 3)]
    for k in (1, 2, 3):
        net.b[k][:] = 0
    y = net.forward(X) - G * len(X) / 2
    net.backward(y)
    a, grads = residual_stack(X, weights, "tanh", G, skip=False)
    np.testing.assert_allclose(a[3], net.a[3], rtol=1e-14)
    for k in (1, 2, 3):
        np.testing.assert_allclose(grads[k], net.da[k], rtol=1e-12, atol=1e-15)


def test_residual_stack_rejects_bad_input(rng):
    X, weights, G = _stack(rng)
    wide = rng.normal(size=(3, 4))
    cases = [
        (dict(activation="softmax"), ValueError, "no element-wise derivative"),
        (dict(activation="swish"), ValueError, "unknown activation"),
        (dict(skip=1), TypeError, "skip must be True or False"),
        (dict(weights=[]), ValueError, "at least one matrix"),
        (dict(weights=weights[0]), TypeError, "sequence of 2-D arrays"),
        (dict(weights=5), TypeError, "sequence of 2-D arrays"),
        (dict(weights=[wide]), ValueError, r"W_1 must have shape \(3, 3\) \(a skip"),
        (
            dict(weights=[wide, wide], skip=False),
            ValueError,
            r"W_2 must have shape \(4, n_2\); got \(3, 4\)",
        ),
        (dict(weights=[np.ones(3)]), ValueError, "W_1 must be 2-D"),
        (dict(output_gradient=G[:2]), ValueError, "one row per sample of X"),
        (dict(output_gradient=G[:, :2]), ValueError, "output_gradient must have 3"),
        (dict(X=X[0]), ValueError, "X must be 2-D"),
    ]
    defaults = dict(X=X, weights=weights, activation="tanh", output_gradient=G)
    for change, error, match in cases:
        with pytest.raises(error, match=match):
            residual_stack(**{**defaults, **change})
