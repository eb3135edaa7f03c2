"""Central differences and the gradient check: small for correct gradients, large for
wrong ones."""

import math

import numpy as np
import pytest
from conftest import VALID_OUTPUTS, network_and_data, snapshot
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mlpcore
from mlpcore import central_difference, gradient_check, relative_error
from mlpcore.activations import Activation, _sigmoid, _tanh

# --- central_difference -------------------------------------------------------------


@pytest.mark.parametrize("x", [-2.0, 0.0, 0.3, 1, np.float32(1.5), np.float64(4.0)])
def test_central_difference_of_a_scalar_function(x):
    d = central_difference(math.sin, x)
    assert type(d) is float
    # Error h²·|f'''|/6 + u/h ≈ 2e-10 for h = 1e-6.
    assert d == pytest.approx(math.cos(float(x)), abs=1e-9)


def test_central_difference_is_exact_for_a_quadratic_up_to_rounding():
    # f''' = 0, so only rounding remains.
    assert central_difference(
        lambda t: 3 * t * t - 2 * t, 2.0, eps=1e-3
    ) == pytest.approx(10.0, abs=1e-9)


def test_central_difference_of_an_array_gives_every_partial_derivative(rng):
    x = rng.normal(size=(3, 4))
    weights = rng.normal(size=(3, 4))
    original = x.copy()
    calls = []

    def f(v):
        calls.append(v is x)
        return float((weights * v**3).sum())

    grad = central_difference(f, x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 3 * weights * original**2, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(x, original)  # restored exactly
    assert (
        all(calls) and len(calls) == 2 * x.size
    )  # x perturbed in place, two calls per element


def test_central_difference_restores_x_when_f_raises(rng):
    x = rng.normal(size=5)
    original = x.copy()

    def f(v):
        if v[2] != original[2]:
            raise RuntimeError("boom")
        return 0.0

    with pytest.raises(RuntimeError, match="boom"):
        central_difference(f, x)
    np.testing.assert_array_equal(x, original)


@pytest.mark.parametrize("value", [np.ones(2), "1.0", None, 1 + 2j, True])
def test_central_difference_needs_f_to_return_a_real_number(value):
    x = np.zeros(3)
    with pytest.raises(TypeError, match="f must return a real number; got"):
        central_difference(lambda v: value, x)
    np.testing.assert_array_equal(x, np.zeros(3))
    with pytest.raises(TypeError, match="f must return a real number; got"):
        central_difference(lambda v: value, 1.0)


def test_central_difference_divides_by_the_step_actually_taken_in_float32():
    # In float32, 1 + 1e-3 rounds to 1.00100005: dividing by 2ε would be wrong by 5e-5.
    x = np.array([1.0, 3.0, -7.5], dtype=np.float32)
    grad = central_difference(
        lambda v: float(np.dot([3.0, -2.0, 0.5], v.astype(np.float64))), x, eps=1e-3
    )
    np.testing.assert_allclose(grad, [3.0, -2.0, 0.5], rtol=1e-12)
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x, np.array([1.0, 3.0, -7.5], dtype=np.float32))


def test_central_difference_refuses_a_step_below_the_precision_of_x():
    x = np.array([1.0], dtype=np.float32)
    with pytest.raises(ValueError, match="below the precision of x.*float32"):
        central_difference(lambda v: float(v[0]), x, eps=1e-9)
    np.testing.assert_array_equal(x, [1.0])
    with pytest.raises(ValueError, match="below the precision of x"):
        central_difference(lambda t: t, 1e20, eps=1e-6)


def test_central_difference_refuses_an_array_it_cannot_perturb_in_place():
    x = np.arange(12.0).reshape(3, 4).T  # a transposed view: reshape(-1) would copy
    with pytest.raises(ValueError, match="contiguous"):
        central_difference(lambda v: float(v.sum()), x)


@pytest.mark.parametrize(
    "f, x, eps, error, message",
    [
        ("not callable", 1.0, 1e-6, TypeError, "f must be callable; got str"),
        (
            math.sin,
            1.0,
            0.0,
            ValueError,
            "eps must be a positive finite number; got 0.0",
        ),
        (
            math.sin,
            1.0,
            -1e-3,
            ValueError,
            "eps must be a positive finite number; got -0.001",
        ),
        (
            math.sin,
            1.0,
            math.nan,
            ValueError,
            "eps must be a positive finite number; got nan",
        ),
        (
            math.sin,
            1.0,
            math.inf,
            ValueError,
            "eps must be a positive finite number; got inf",
        ),
        (
            math.sin,
            1.0,
            "1e-6",
            TypeError,
            "eps must be a positive real number; got '1e-6'",
        ),
        (
            math.sin,
            1.0,
            True,
            TypeError,
            "eps must be a positive real number; got True",
        ),
        (
            math.sin,
            [1.0, 2.0],
            1e-6,
            TypeError,
            "x must be a real number or a float array; got list",
        ),
        (
            math.sin,
            np.arange(3),
            1e-6,
            TypeError,
            "x must be a real number or a float array; got ndarray",
        ),
        (
            math.sin,
            "1.0",
            1e-6,
            TypeError,
            "x must be a real number or a float array; got str",
        ),
        (
            math.sin,
            True,
            1e-6,
            TypeError,
            "x must be a real number or a float array; got bool",
        ),
        (
            math.sin,
            1 + 1j,
            1e-6,
            TypeError,
            "x must be a real number or a float array; got complex",
        ),
    ],
)
def test_central_difference_rejects_bad_input(f, x, eps, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        central_difference(f, x, eps)


def test_relative_error_compares_whole_arrays_with_a_floor():
    a = np.array([3.0, 0.0, 1e-12])
    n = np.array([0.0, 4.0, 2e-12])
    # ‖a - n‖ = √(9 + 16 + 1e-24) = 5, ‖a‖ = 3, ‖n‖ = 4:
    # the larger norm divides.
    assert relative_error(a, n) == pytest.approx(5.0 / 4.0, rel=1e-12)
    # A component near zero does not blow the ratio up: 1e-12 off out of ‖n‖ = 1.
    assert relative_error([1.0, 1e-12], [1.0, 2e-12]) == pytest.approx(1e-12, rel=1e-6)
    # Both tiny: the floor keeps the ratio a measure of absolute difference.
    floor = mlpcore.gradcheck.RELATIVE_ERROR_FLOOR
    assert relative_error([1e-12], [2e-12]) == pytest.approx(1e-12 / floor, rel=1e-12)
    assert relative_error(3.0, -3.0) == pytest.approx(2.0)
    assert type(relative_error(a, n)) is float
    with pytest.raises(ValueError, match=r"same shape; got \(2,\) and \(3,\)"):
        relative_error([1.0, 2.0], [1.0, 2.0, 3.0])


# --- gradient_check: the property -------------------------------------------------


@st.composite
def checked_networks(draw):
    n_layers = draw(st.integers(1, 4))
    sizes = draw(
        st.lists(st.integers(1, 5), min_size=n_layers + 1, max_size=n_layers + 1)
    )
    hidden = draw(
        st.lists(
            st.sampled_from(["tanh", "sigmoid", "identity"]),
            min_size=n_layers - 1,
            max_size=n_layers - 1,
        )
    )
    loss = draw(st.sampled_from(sorted(VALID_OUTPUTS)))
    output = draw(st.sampled_from(VALID_OUTPUTS[loss]))
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)  # one-hot targets need two classes
    fused = draw(st.booleans()) or output == "softmax"
    seed = draw(st.integers(0, 2**32 - 1))
    n_samples = draw(st.integers(1, 6))
    return network_and_data(
        sizes, hidden, output, loss, seed=seed, n_samples=n_samples, fused_output=fused
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(checked_networks())
def test_gradient_check_is_small_for_correct_gradients(case):
    net, X, y = case
    net.forward(X)
    net.backward(y)
    # The central difference with ε = 1e-6 carries a rounding error of about
    # u·|L|/ε ≈ 1e-10 per element; a gradient array much smaller than 1e-3
    # (vanishing through a width-1 sigmoid layer, say) cannot be resolved to 1e-5
    # relative accuracy by any step that size.
    assume(
        min(
            min(np.linalg.norm(net.dW[k]), np.linalg.norm(net.db[k]))
            for k in range(1, net.n_layers + 1)
        )
        > 1e-3
    )
    error = gradient_check(net, X, y, eps=1e-6)
    assert type(error) is float
    assert 0 <= error < 1e-5


def test_gradient_check_with_relu_away_from_its_kink(rng):
    net = mlpcore.MLP(
        [3, 8, 6, 2], ["relu", "relu", "softmax"], loss="cross_entropy", seed=3
    )
    X = rng.normal(size=(10, 3))
    y = np.eye(2)[rng.integers(0, 2, size=10)]
    net.forward(X)
    # Perturbing a parameter by 1e-6 moves each z by far less than 1e-3: no kink is
    # crossed.
    assert min(np.abs(net.z[k]).min() for k in (1, 2)) > 1e-3
    assert gradient_check(net, X, y) < 1e-5


def test_gradient_check_of_the_tutorial_network_on_the_tutorial_data():
    X, y = mlpcore.original.load_data()
    X, y = X[:100], y[:100]
    net = mlpcore.MLP(
        [2, 4, 3, 1], ["relu", "relu", "sigmoid"], loss="binary_cross_entropy", seed=1
    )
    net.forward(X)
    # No ReLU kink within reach of ε. (With zero biases, a sample that switches off
    # every unit of layer 1 has z[2] = 0 exactly, on the kink: some seeds do that.)
    assert min(np.abs(net.z[k]).min() for k in (1, 2)) > 1e-4
    assert gradient_check(net, X, y) < 1e-5


# --- gradient_check: catching mistakes ----------------------------------------------


def _doubled(z):
    s = _sigmoid(z)
    return 2 * s * (1 - s)


def _without_one_minus(z):
    return _sigmoid(z)


def _tanh_plus(z):
    t = _tanh(z)
    return 1 + t * t


def _tanh_missing_square(z):
    return 1 - _tanh(z)


WRONG = [
    Activation("sigmoid_doubled", _sigmoid, _doubled),
    Activation("sigmoid_no_1_minus", _sigmoid, _without_one_minus),
    Activation("tanh_plus", _tanh, _tanh_plus),
    Activation("tanh_missing_square", _tanh, _tanh_missing_square),
]


@pytest.mark.parametrize("wrong", WRONG, ids=[w.name for w in WRONG])
@pytest.mark.parametrize("position", ["hidden", "output"])
def test_gradient_check_catches_a_planted_wrong_derivative(wrong, position):
    if position == "hidden":
        acts, loss = ["tanh", wrong, "sigmoid"], "binary_cross_entropy"
    else:
        acts, loss = ["tanh", "tanh", wrong], "mean_squared_error"
    net = mlpcore.MLP([3, 5, 4, 2], acts, loss=loss, seed=1)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8, 3))
    y = rng.integers(0, 2, size=(8, 2)).astype(float)
    assert gradient_check(net, X, y) > 1e-2


def test_gradient_check_catches_a_wrong_loss_gradient(rng):
    def wrong_gradient(y, yhat):
        return (yhat - y) / len(y)  # missing the factor 2 of the squared error

    loss = mlpcore.losses.Loss(
        "mse_wrong", mlpcore.losses._squared_error, wrong_gradient
    )
    net = mlpcore.MLP([2, 3, 1], ["tanh", "identity"], loss=loss, seed=0)
    assert gradient_check(net, rng.normal(size=(5, 2)), rng.normal(size=(5, 1))) > 1e-2


# --- gradient_check: side effects ---------------------------------------------------


def test_gradient_check_restores_parameters_and_leaves_unperturbed_caches():
    net, X, y = network_and_data(
        [3, 4, 2], ["tanh"], "sigmoid", "binary_cross_entropy", seed=8, n_samples=5
    )
    W = [w.copy() for w in net.W[1:]]
    b = [v.copy() for v in net.b[1:]]
    gradient_check(net, X, y)
    for old, new in zip(W + b, net.W[1:] + net.b[1:]):
        np.testing.assert_array_equal(old, new)
    after = snapshot(net)
    net.forward(X)
    net.backward(y)
    fresh = snapshot(net)
    for key in ("z", "a", "dz", "dW", "db"):
        for k in range(1, 3):
            np.testing.assert_array_equal(after[key][k], fresh[key][k])


def test_gradient_check_in_float32_with_a_float32_step(rng):
    net = mlpcore.MLP(
        [3, 4, 2],
        ["tanh", "sigmoid"],
        loss="binary_cross_entropy",
        seed=0,
        dtype=np.float32,
    )
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=(6, 2))
    # Chapter 6: in float32 the loss carries a rounding error of about 6e-8·|L|, so
    # ε = 1e-2 leaves a finite-difference error near 1e-5·|L| and an O(ε²)
    # truncation error near 1e-4.
    assert gradient_check(net, X, y, eps=1e-2) < 1e-3
    assert all(w.dtype == np.float32 for w in net.W[1:])


# --- numeric_gradients, and what gradient_check compares ---------------------------


def _loss_by_hand(net, X, y):
    a = X
    for k in range(1, net.n_layers + 1):
        a = net.activations[k](a @ net.W[k] + net.b[k])
    return net.loss(y, a)


def test_numeric_gradients_are_central_differences_of_every_parameter(rng):
    net = mlpcore.MLP(
        [3, 4, 2], ["tanh", "sigmoid"], loss="binary_cross_entropy", seed=1
    )
    for k in (1, 2):
        net.b[k] = rng.normal(size=net.b[k].shape)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=(5, 2)).astype(float)
    before = [p.copy() for p in net.W[1:] + net.b[1:]]
    dW, db = mlpcore.numeric_gradients(net, X, y, eps=1e-5)
    assert dW[0] is None and db[0] is None and len(dW) == len(db) == 3
    for p, q in zip(before, net.W[1:] + net.b[1:]):
        np.testing.assert_array_equal(p, q)  # every parameter restored
    for k in (1, 2):
        for params, grads in ((net.W, dW), (net.b, db)):
            assert grads[k].shape == params[k].shape and grads[k].dtype == np.float64
            index = (0, 1)
            keep = params[k][index]
            params[k][index] = keep + 1e-5
            plus = _loss_by_hand(net, X, y)
            params[k][index] = keep - 1e-5
            minus = _loss_by_hand(net, X, y)
            params[k][index] = keep
            assert grads[k][index] == pytest.approx((plus - minus) / 2e-5, rel=1e-7)


def test_gradient_check_compares_the_biases_too(rng, monkeypatch):
    # Back-propagation with every db doubled, the weights left right: the check must
    # see it, though no weight gradient is wrong.
    net = mlpcore.MLP(
        [3, 4, 2], ["tanh", "sigmoid"], loss="binary_cross_entropy", seed=2
    )
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=(6, 2)).astype(float)
    assert gradient_check(net, X, y) < 1e-6
    real_backward = net.backward

    def doubled_db(y):
        real_backward(y)
        for k in range(1, net.n_layers + 1):
            net.db[k] = 2 * net.db[k]

    monkeypatch.setattr(net, "backward", doubled_db)
    assert gradient_check(net, X, y) > 0.1


def test_gradient_check_passes_in_saturation(rng):
    # Outputs pushed to z ≈ 45, where σ(z) has rounded to 1.0: the loss from the
    # logits keeps its slope, so the check still passes, where the loss of the
    # clipped probabilities has none and its differences are 0.
    net = mlpcore.MLP(
        [2, 3, 1], ["tanh", "sigmoid"], loss="binary_cross_entropy", seed=3
    )
    net.W[2][:] = 0.5
    net.b[2][:] = 45.0
    X = rng.normal(size=(8, 2))
    y = np.array([[0.0], [1.0]] * 4)
    net.forward(X)
    assert np.all(net.a[2] == 1.0)  # saturated in float64
    assert gradient_check(net, X, y) < 1e-6
    # The same check against the clipped loss on ŷ fails: its numeric gradient is 0
    # wherever ŷ has rounded, while back-propagation's is not.
    numeric_b = central_difference(
        lambda _: net.loss(y, net.forward(X)), net.b[2], 1e-6
    )
    net.forward(X)
    net.backward(y)
    assert relative_error(net.db[2], numeric_b) > 0.1
