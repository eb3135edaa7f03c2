"""Losses against straightforward per-sample formulas; gradients against central
differences.

Every loss is the mean over samples (rows) of a per-sample loss that sums over the
output units (columns).
"""

import math
import pickle
import warnings

import numpy as np
import pytest

from mlpcore import activations, losses
from mlpcore.losses import Loss

NAMES = ["binary_cross_entropy", "cross_entropy", "mean_squared_error"]


def reference_loss(name, y, yhat):
    """The definition, written out with loops and math.log."""
    n, k = y.shape
    total = 0.0
    for s in range(n):
        per_sample = 0.0
        for i in range(k):
            t, p = float(y[s, i]), float(yhat[s, i])
            if name == "binary_cross_entropy":
                per_sample -= t * math.log(p) + (1 - t) * math.log(1 - p)
            elif name == "cross_entropy":
                per_sample -= t * math.log(p)
            else:
                per_sample += (t - p) ** 2
        total += per_sample
    return total / n


def sample(name, n, k, rng):
    """Targets and predictions in the loss's domain, away from the clipping at 0 and
    1."""
    if name == "binary_cross_entropy":
        return rng.integers(0, 2, size=(n, k)).astype(np.float64), rng.uniform(
            0.05, 0.95, size=(n, k)
        )
    if name == "cross_entropy":
        logits = rng.normal(size=(n, k))
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return np.eye(k)[rng.integers(0, k, size=n)], p
    return rng.normal(size=(n, k)), rng.normal(size=(n, k))


SHAPES = [(1, 1), (5, 1), (7, 3), (20, 4)]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", SHAPES)
def test_loss_is_the_mean_over_samples_of_the_sum_over_units(name, shape, rng):
    y, yhat = sample(name, *shape, rng)
    value = losses.get(name)(y, yhat)
    assert type(value) is float
    assert value == pytest.approx(reference_loss(name, y, yhat), rel=1e-13)


def test_binary_cross_entropy_accepts_soft_targets(rng):
    y, yhat = rng.uniform(size=(6, 2)), rng.uniform(0.05, 0.95, size=(6, 2))
    value = losses.binary_cross_entropy(y, yhat)
    assert value == pytest.approx(
        reference_loss("binary_cross_entropy", y, yhat), rel=1e-13
    )


@pytest.mark.parametrize("name", NAMES)
def test_loss_of_repeated_samples_is_unchanged_and_gradient_halves(name, rng):
    # A mean, not a sum: stacking the data twice leaves the loss and halves each row's
    # gradient.
    y, yhat = sample(name, 6, 3, rng)
    loss = losses.get(name)
    y2, yhat2 = np.vstack([y, y]), np.vstack([yhat, yhat])
    assert loss(y2, yhat2) == pytest.approx(loss(y, yhat), rel=1e-14)
    np.testing.assert_allclose(
        loss.derivative(y2, yhat2)[:6], loss.derivative(y, yhat) / 2, rtol=1e-14
    )


@pytest.mark.parametrize("name", ["binary_cross_entropy", "mean_squared_error"])
def test_loss_sums_over_output_units(name, rng):
    y, yhat = sample(name, 8, 3, rng)
    loss = losses.get(name)
    columns = sum(loss(y[:, [i]], yhat[:, [i]]) for i in range(3))
    assert loss(y, yhat) == pytest.approx(columns, rel=1e-14)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_matches_central_differences(name, shape, rng):
    y, yhat = sample(name, *shape, rng)
    loss = losses.get(name)
    grad = loss.derivative(y, yhat)
    assert grad.shape == yhat.shape
    h = 1e-6
    numeric = np.empty_like(yhat)
    for index in np.ndindex(yhat.shape):
        plus, minus = yhat.copy(), yhat.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = (
            reference_loss(name, y, plus) - reference_loss(name, y, minus)
        ) / (2 * h)
    # Central-difference error: h²·L'''/6 (< 1e-9 for ŷ in [0.05, 0.95]) plus
    # rounding u·|L|/h ≈ 1e-9.
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_output_error_of_the_canonical_pair(name, rng):
    y, yhat = sample(name, 9, 3, rng)
    loss = losses.get(name)
    factor = 2.0 if name == "mean_squared_error" else 1.0
    np.testing.assert_allclose(
        loss.output_error(y, yhat), factor * (yhat - y) / 9, rtol=1e-15
    )
    expected_pair = {
        "binary_cross_entropy": "sigmoid",
        "cross_entropy": "softmax",
        "mean_squared_error": "identity",
    }
    assert loss.output_activation is activations.get(expected_pair[name])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_losses_are_finite_at_zero_and_one_clipped_with_the_dtype_eps(dtype):
    eps = np.finfo(dtype).eps
    y = np.array([[1.0], [0.0], [1.0], [0.0]], dtype=dtype)
    yhat = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            bce = losses.binary_cross_entropy(y, yhat)
            bce_grad = losses.binary_cross_entropy.derivative(y, yhat)
            ce = losses.cross_entropy(y[:2], yhat[:2])
            ce_grad = losses.cross_entropy.derivative(y[:2], yhat[:2])
    assert math.isfinite(bce) and math.isfinite(ce)
    assert np.isfinite(bce_grad).all() and np.isfinite(ce_grad).all()
    assert bce_grad.dtype == dtype and ce_grad.dtype == dtype
    # Two confidently wrong samples cost -log(eps) each, two right ones
    # -log(1 - eps) ≈ eps: the clipping uses the dtype's machine epsilon, not a fixed
    # 1e-15.
    expected = (2 * -math.log(eps) + 2 * -math.log1p(-eps)) / 4
    assert bce == pytest.approx(expected, rel=1e-5)
    assert ce == pytest.approx(-math.log(eps) / 2, rel=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32(name, rng):
    y, yhat = (a.astype(np.float32) for a in sample(name, 5, 3, rng))
    loss = losses.get(name)
    assert loss.derivative(y, yhat).dtype == np.float32
    assert loss.output_error(y, yhat).dtype == np.float32
    assert loss(y, yhat) == pytest.approx(reference_loss(name, y, yhat), rel=1e-5)


def test_get_returns_the_registered_loss_or_the_object_itself():
    for name in NAMES:
        assert losses.get(name) is losses.LOSSES[name] and losses.get(name).name == name
    custom = Loss("half", np.subtract, np.subtract)
    assert losses.get(custom) is custom
    assert repr(custom) == "Loss('half')"
    assert custom.output_activation is None and custom.output_error is None


def test_custom_loss_calls_its_functions():
    def f(y, yhat):
        return np.abs(yhat - y).sum() / len(y)

    def gradient(y, yhat):
        return np.sign(yhat - y) / len(y)

    loss = Loss("mae", f, gradient)
    assert loss.f is f and loss.df is gradient
    y, yhat = np.array([[0.0], [1.0]]), np.array([[0.5], [3.0]])
    assert loss(y, yhat) == 1.25 and type(loss(y, yhat)) is float
    np.testing.assert_array_equal(loss.derivative(y, yhat), [[0.5], [0.5]])


def test_losses_pickle():
    y, yhat = np.array([[1.0, 0.0]]), np.array([[0.3, 0.7]])
    for name in NAMES:
        loss = pickle.loads(pickle.dumps(losses.get(name)))
        assert loss(y, yhat) == losses.get(name)(y, yhat)
        np.testing.assert_array_equal(
            loss.output_error(y, yhat), losses.get(name).output_error(y, yhat)
        )


def test_integer_predictions_are_losses_of_floats():
    y = np.array([[1.0], [0.0], [1.0]])
    as_int, as_float = np.array([[1], [0], [0]]), np.array([[1.0], [0.0], [0.0]])
    for name in NAMES:
        loss = losses.get(name)
        assert loss(y, as_int) == loss(y, as_float)
        np.testing.assert_array_equal(
            loss.derivative(y, as_int), loss.derivative(y, as_float)
        )


# --- the losses computed from the logits z --------------------------------------------


def softplus_reference(u):
    """log(1 + e^u) with math, in the form that cannot overflow."""
    return math.log1p(math.exp(-abs(u))) + max(u, 0.0)


def sigmoid_bce_reference(t, z):
    """-[t log σ(z) + (1-t) log(1-σ(z))] per element: -log σ(z) = softplus(-z) and
    -log(1 - σ(z)) = softplus(z)."""
    return t * softplus_reference(-z) + (1 - t) * softplus_reference(z)


@pytest.mark.parametrize("z", [-1000.0, -40.0, -1.0, 0.0, 2.5, 40.0, 1000.0])
@pytest.mark.parametrize("t", [0.0, 1.0])
def test_binary_cross_entropy_from_logits_is_exact_at_any_z(z, t):
    value = losses.binary_cross_entropy.from_logits(np.array([[t]]), np.array([[z]]))
    assert type(value) is float
    assert value == pytest.approx(sigmoid_bce_reference(t, z), rel=1e-15, abs=1e-300)


def test_binary_cross_entropy_from_logits_where_the_probabilities_saturate():
    # σ(40) rounds to 1.0 in float64: the loss computed from ŷ can only clip, and says
    # about 36.04 (-log eps) whatever z is; from z it is exact: 40 + log(1 + e^-40).
    y, z = np.array([[0.0]]), np.array([[40.0]])
    yhat = activations.sigmoid(z)
    assert yhat[0, 0] == 1.0
    clipped = losses.binary_cross_entropy(y, yhat)
    assert clipped == pytest.approx(-math.log(np.finfo(np.float64).eps), rel=1e-12)
    assert clipped == pytest.approx(36.04, abs=0.01)
    assert losses.binary_cross_entropy.from_logits(y, z) == pytest.approx(
        40.0, rel=1e-15
    )
    # ... and at z = 1000 the loss is 1000, where the clipped value is unchanged
    assert losses.binary_cross_entropy.from_logits(y, 1000 * z / 40) == 1000.0


@pytest.mark.parametrize("scale", [1.0, 40.0, 1000.0])
def test_cross_entropy_from_logits_is_the_log_softmax(scale, rng):
    z = scale * rng.normal(size=(6, 4))
    y = np.eye(4)[rng.integers(0, 4, size=6)]
    expected = 0.0
    for s in range(6):  # -log softmax(z)_c = log Σ_j e^(z_j - z_c), written with math
        c = int(y[s].argmax())
        m = max(z[s])
        expected += m - z[s, c] + math.log(sum(math.exp(v - m) for v in z[s]))
    value = losses.cross_entropy.from_logits(y, z)
    assert math.isfinite(value)
    assert value == pytest.approx(expected / 6, rel=1e-13)
    if scale == 1.0:  # where softmax does not saturate, it equals the loss on ŷ
        p = activations.softmax(z)
        assert value == pytest.approx(losses.cross_entropy(y, p), rel=1e-12)


def test_cross_entropy_from_logits_at_a_thousand():
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    y = np.array([[0.0, 1.0], [0.0, 1.0]])
    # sample 1: wrong by 2000, sample 2: right; the mean is 1000.
    assert losses.cross_entropy.from_logits(y, z) == 1000.0


def test_mean_squared_error_from_logits_is_the_loss_itself(rng):
    y, z = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss = losses.mean_squared_error
    assert loss.from_logits(y, z) == loss(y, z)


def test_a_loss_without_a_pair_has_no_form_from_the_logits():
    custom = Loss("mae", np.subtract, np.subtract)
    with pytest.raises(ValueError, match="'mae' loss has no form from the logits"):
        custom.from_logits(np.zeros((1, 1)), np.zeros((1, 1)))


def test_binary_cross_entropy_from_logits_keeps_its_digits_when_right():
    # y = 1, z = 40: the loss is log(1 + e^-40) = 4.248e-18, which log(1 + e^z) - y z
    # would cancel to 0.
    value = losses.binary_cross_entropy.from_logits(
        np.array([[1.0]]), np.array([[40.0]])
    )
    assert value == pytest.approx(math.log1p(math.exp(-40.0)), rel=1e-15)
    assert value > 0
