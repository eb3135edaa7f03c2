"""Activation functions against independent formulas, their derivatives against
central differences."""

import math
import pickle
import warnings

import numpy as np
import pytest

from mlpcore import activations
from mlpcore.activations import Activation

ELEMENTWISE = ["relu", "sigmoid", "tanh", "identity"]


def reference(name, z):
    """The textbook definition of each element-wise activation, one element at a
    time."""
    formulas = {
        "relu": lambda t: max(t, 0.0),
        "sigmoid": lambda t: 1.0 / (1.0 + math.exp(-t)),
        "tanh": math.tanh,
        "identity": lambda t: t,
    }
    return np.vectorize(formulas[name], otypes=[np.float64])(z)


def reference_derivative(name, z):
    formulas = {
        "relu": lambda t: 1.0 if t > 0 else 0.0,
        "sigmoid": lambda t: math.exp(-t) / (1.0 + math.exp(-t)) ** 2,
        "tanh": lambda t: 1.0 / math.cosh(t) ** 2,
        "identity": lambda t: 1.0,
    }
    return np.vectorize(formulas[name], otypes=[np.float64])(z)


@pytest.fixture
def z(rng):
    # Away from relu's kink at 0, so that finite differences are meaningful.
    values = rng.uniform(-4, 4, size=(7, 5))
    values[np.abs(values) < 0.05] += 0.5
    return values


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_values_match_the_textbook_formula(name, z):
    act = activations.get(name)
    np.testing.assert_allclose(act(z), reference(name, z), rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(act(z), act.f(z))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_the_textbook_formula(name, z):
    act = activations.get(name)
    np.testing.assert_allclose(
        act.derivative(z), reference_derivative(name, z), rtol=1e-13, atol=1e-15
    )
    np.testing.assert_array_equal(act.derivative(z), act.df(z))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name, z):
    act = activations.get(name)
    h = 1e-6
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    # Central-difference error: h²·f'''/6 ≈ 1e-13 plus rounding u·|f|/h ≈ 1e-10.
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", [*ELEMENTWISE, "softmax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_keeps_the_input_dtype_and_shape(name, dtype, z):
    act = activations.get(name)
    z = z.astype(dtype)
    assert act(z).dtype == dtype and act(z).shape == z.shape
    if name != "softmax":
        assert act.derivative(z).dtype == dtype and act.derivative(z).shape == z.shape


def test_relu_derivative_is_zero_at_the_kink():
    np.testing.assert_array_equal(
        activations.relu.derivative(np.array([-1.0, 0.0, 1.0])), [0.0, 0.0, 1.0]
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_finite_and_silent_at_extreme_inputs(dtype):
    z = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            s = activations.sigmoid(z)
            ds = activations.sigmoid.derivative(z)
    assert np.isfinite(s).all() and np.isfinite(ds).all()
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert ds[0] == 0.0 and ds[-1] == 0.0 and ds[2] == 0.25
    assert ((s >= 0) & (s <= 1)).all()


def test_tanh_is_finite_at_extreme_inputs():
    z = np.array([-1000.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            np.testing.assert_array_equal(activations.tanh(z), [-1.0, 1.0])
            np.testing.assert_array_equal(activations.tanh.derivative(z), [0.0, 0.0])


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def test_softmax_matches_the_naive_formula_on_moderate_logits(rng):
    z = rng.normal(scale=3, size=(10, 4))
    np.testing.assert_allclose(activations.softmax(z), naive_softmax(z), rtol=1e-13)


def test_softmax_rows_are_distributions_and_shift_invariant(rng):
    z = rng.normal(scale=3, size=(10, 4))
    p = activations.softmax(z)
    assert (p > 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(
        activations.softmax(z + rng.normal(size=(10, 1)) * 50), p, rtol=1e-12
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_finite_for_huge_logits(dtype):
    z = np.array(
        [[1000.0, 0.0, -1000.0], [1e4, 1e4, 1e4], [-1e4, -1e4 + 1, -1e4]], dtype=dtype
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Underflow of exp(-2000) to 0 is harmless (and ignored by numpy by default);
        # overflow, 0/0 and division by zero would not be.
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            p = activations.softmax(z)
    assert np.isfinite(p).all()
    np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_allclose(
        p[2], naive_softmax(np.array([[0.0, 1.0, 0.0]]))[0], rtol=1e-6
    )
    # The naive formula overflows on the same logits: the max-subtraction is what helps.
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.isfinite(naive_softmax(z.astype(np.float64))).all()


def test_softmax_has_no_elementwise_derivative():
    with pytest.raises(ValueError, match="no element-wise derivative.*cross_entropy"):
        activations.softmax.derivative(np.zeros((2, 3)))


def test_get_returns_the_registered_activation_or_the_object_itself():
    for name in [*ELEMENTWISE, "softmax"]:
        act = activations.get(name)
        assert isinstance(act, Activation) and act.name == name
        assert activations.ACTIVATIONS[name] is act
    custom = Activation("cube", np.square, np.abs)
    assert activations.get(custom) is custom


def test_custom_activation_calls_its_functions():
    def f(z):
        return z**3

    def df(z):
        return 3 * z**2

    act = Activation("cube", f, df)
    z = np.array([-2.0, 0.5, 3.0])
    np.testing.assert_array_equal(act(z), z**3)
    np.testing.assert_array_equal(act.derivative(z), 3 * z**2)
    assert act.f is f and act.df is df
    assert repr(act) == "Activation('cube')"


def test_activations_pickle_by_value():
    for name in [*ELEMENTWISE, "softmax"]:
        act = pickle.loads(pickle.dumps(activations.get(name)))
        assert act.name == name
        z = np.linspace(-3, 3, 12).reshape(3, 4)
        np.testing.assert_array_equal(act(z), activations.get(name)(z))
