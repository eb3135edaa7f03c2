"""Bad input at every public entry point: a TypeError or ValueError that says what was
expected and what came, and a failed call that changes nothing.

Each row of the table names the state of the network it starts from, the call, the
exception and a pattern the message must match: the pattern holds both the expectation
("must be ...") and the offending value or type ("got ...").
"""

import math
import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import assert_state_equal, snapshot  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

import mlpcore  # noqa: E402
from mlpcore import (  # noqa: E402
    MLP,
    MLPClassifier,
    MLPRegressor,
    activations,
    losses,
    per_unit,
    plotting,
)
from mlpcore.activations import Activation  # noqa: E402
from mlpcore.losses import Loss  # noqa: E402

ACTS = ["relu", "relu", "sigmoid"]
BCE = "binary_cross_entropy"

rows = np.random.default_rng(0)
X8 = rows.normal(size=(8, 2))
Y8 = (rows.random((8, 1)) > 0.5).astype(float)


def with_value(array, index, value):
    array = np.array(array, dtype=np.float64)
    array[index] = value
    return array


def make(*args, **kwargs):
    return lambda net: MLP(*args, **kwargs)


# Arrays that are bad wherever a matrix of samples is expected, with what the message
# must say.
# "{name}" is replaced by the argument's name (X, y, x).
BAD_MATRICES = [
    (
        "wrong-columns",
        np.ones((8, 3)),
        ValueError,
        r"{name} must have {cols} columns; got shape \(8, 3\)",
    ),
    (
        "1-D",
        np.ones(8),
        ValueError,
        r"{name} must be 2-D .*; got 1-D with shape \(8,\)",
    ),
    (
        "3-D",
        np.ones((8, 2, 1)),
        ValueError,
        r"{name} must be 2-D .*; got 3-D with shape \(8, 2, 1\)",
    ),
    ("scalar", 3.0, ValueError, r"{name} must be 2-D .*; got 0-D"),
    ("nan", "nan", ValueError, r"{name} must be finite; it holds NaN or infinity"),
    ("inf", "inf", ValueError, r"{name} must be finite; it holds NaN or infinity"),
    (
        "strings",
        "strings",
        TypeError,
        r"{name} must hold real numbers; got an array of dtype <U",
    ),
    (
        "objects",
        "objects",
        TypeError,
        r"{name} must hold real numbers; got an array of dtype object",
    ),
    (
        "complex",
        "complex",
        TypeError,
        r"{name} must hold real numbers; got an array of dtype complex128",
    ),
    (
        "none",
        None,
        TypeError,
        r"{name} must hold real numbers; got an array of dtype object",
    ),
    (
        "ragged",
        [[1.0, 2.0], [3.0]],
        TypeError,
        r"{name} must be a numeric array; got list",
    ),
    (
        "empty-rows",
        "empty-rows",
        ValueError,
        r"{name} must not be empty; got shape \(0, {cols}\)",
    ),
    (
        "empty-columns",
        np.ones((8, 0)),
        ValueError,
        r"{name} must not be empty; got shape \(8, 0\)",
    ),
]


def bad_matrix(kind, value, cols):
    """The bad array itself, shaped like a valid (8, cols) matrix where the defect
    allows."""
    good = np.ones((8, cols))
    if isinstance(value, str):
        return {
            "nan": with_value(good, (3, 0), np.nan),
            "inf": with_value(good, (0, cols - 1), -np.inf),
            "strings": np.full((8, cols), "a"),
            "objects": np.array([[1.0, None]] * 8, dtype=object)[:, :cols],
            "complex": good + 1j,
            "empty-rows": np.ones((0, cols)),
        }[value]
    return value


# Every caller hands its arrays to the same check; the whole table runs through forward
# and backward, and these three (shape, value, type) through every other caller, to show
# it is wired in.
WIRING = ("wrong-columns", "nan", "strings")


def matrix_cases(name, state, call, cols, kinds=WIRING):
    cases = []
    for kind, value, error, pattern in BAD_MATRICES:
        if kinds is not None and kind not in kinds:
            continue
        bad = bad_matrix(kind, value, cols)
        cases.append(
            pytest.param(
                state,
                (lambda bad: lambda net: call(net, bad))(bad),
                error,
                pattern.format(name=name, cols=cols),
                id=f"{name}-{kind}",
            )
        )
    return cases


def train_with(**overrides):
    def call(net):
        kwargs = {
            "epochs": 2,
            "learning_rate": 0.1,
            "batch_size": None,
            "callback": None,
        }
        kwargs.update(overrides)
        X, y = kwargs.pop("X", X8), kwargs.pop("y", Y8)
        mlpcore.train(kwargs.pop("net", net), X, y, **kwargs)

    return call


CASES = [
    # --- MLP(): layer sizes ----------------------------------------------------------
    *[
        pytest.param(
            "fresh",
            make([2, bad, 1], ["relu", "sigmoid"]),
            ValueError,
            rf"layer_sizes must all be positive integers; got \[2, {text}, 1\]",
            id=f"layer-size-{text}",
        )
        for bad, text in [
            (0, "0"),
            (-1, "-1"),
            (2.5, "2.5"),
            (True, "True"),
            ("3", "'3'"),
            (None, "None"),
        ]
    ],
    pytest.param(
        "fresh",
        make([2], []),
        ValueError,
        r"at least an input and an output size; got \[2\]",
        id="one-size",
    ),
    pytest.param(
        "fresh",
        make([], []),
        ValueError,
        r"at least an input and an output size; got \[\]",
        id="no-sizes",
    ),
    pytest.param(
        "fresh",
        make(5, ["relu"]),
        TypeError,
        r"layer_sizes must be a sequence of positive integers; got 5",
        id="sizes-int",
    ),
    pytest.param(
        "fresh",
        make("23", ["relu"]),
        TypeError,
        r"layer_sizes must be a sequence .*; got '23'",
        id="sizes-str",
    ),
    pytest.param(
        "fresh",
        make({2, 3}, ["relu"]),
        TypeError,
        r"layer_sizes must be a sequence .*; got \{2, 3\}",
        id="sizes-set",
    ),
    # --- MLP(): activations, loss, options --------------------------------------------
    pytest.param(
        "fresh",
        make([2, 4, 3, 1], ["relu", "sigmoid"]),
        ValueError,
        r"one entry per layer after the input: 3 for these layer_sizes; got 2",
        id="too-few-activations",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["relu", "sigmoid"]),
        ValueError,
        r"one entry per layer after the input: 1 .*; got 2",
        id="too-many-activations",
    ),
    pytest.param(
        "fresh",
        make([2, 1], "sigmoid"),
        TypeError,
        r"activations must be a sequence of 1 names or Activations, one per layer; "
        r"got 'sigmoid'",
        id="activations-str",
    ),
    pytest.param(
        "fresh",
        make([2, 1], None),
        TypeError,
        r"activations must be a sequence .*; got None",
        id="activations-none",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["relux"]),
        ValueError,
        r"unknown activation 'relux'; expected one of "
        r"\['identity', 'relu', 'sigmoid', 'softmax', 'tanh'\]",
        id="unknown-activation",
    ),
    pytest.param(
        "fresh",
        make([2, 1], [3]),
        TypeError,
        r"an activation must be a name or an Activation; got int",
        id="activation-int",
    ),
    pytest.param(
        "fresh",
        make([2, 3, 2], ["softmax", "softmax"], loss="cross_entropy"),
        ValueError,
        r"'softmax' activation can only be used in the output layer; layer 1 has it",
        id="hidden-softmax",
    ),
    pytest.param(
        "fresh",
        make([2, 2], ["softmax"], loss="binary_cross_entropy"),
        ValueError,
        r"needs the fused output error of the 'cross_entropy' loss "
        r".*got loss 'binary_cross_entropy'",
        id="softmax-bce",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], loss="mse"),
        ValueError,
        r"unknown loss 'mse'; expected one of "
        r"\['binary_cross_entropy', 'cross_entropy', 'mean_squared_error'\]",
        id="unknown-loss",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], loss=None),
        TypeError,
        r"a loss must be a name or a Loss; got NoneType",
        id="loss-none",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], dtype=np.int64),
        ValueError,
        r"dtype must be float32 or float64; got int64",
        id="dtype-int",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], dtype=np.float16),
        ValueError,
        r"dtype must be float32 or float64; got float16",
        id="dtype-half",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], dtype="banana"),
        TypeError,
        r"dtype must be float32 or float64; got 'banana'",
        id="dtype-banana",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], init="xavier"),
        ValueError,
        r"init must be one of \('auto', 'tutorial'\); got 'xavier'",
        id="init",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], seed=1.5),
        TypeError,
        r"seed must be an integer or None; got 1.5",
        id="seed-float",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], seed=True),
        TypeError,
        r"seed must be an integer or None; got True",
        id="seed-bool",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], seed="7"),
        TypeError,
        r"seed must be an integer or None; got '7'",
        id="seed-str",
    ),
    pytest.param(
        "fresh",
        make([2, 1], ["sigmoid"], fused_output="yes"),
        TypeError,
        r"fused_output must be True or False; got 'yes'",
        id="fused-str",
    ),
    pytest.param(
        "trained",
        lambda net: net.initialize(seed=2.5),
        TypeError,
        r"seed must be an integer or None; got 2.5",
        id="initialize-seed",
    ),
    # --- forward ------------------------------------------------------------------
    *matrix_cases("X", "trained", lambda net, X: net.forward(X), 2, kinds=None),
    pytest.param(
        "trained32",
        lambda net: net.forward(np.full((3, 2), 1e300)),
        ValueError,
        r"X must be finite; it holds NaN or infinity \(as float32\)",
        id="X-overflows-float32",
    ),
    # --- backward -------------------------------------------------------------------
    pytest.param(
        "fresh",
        lambda net: net.backward(Y8),
        ValueError,
        r"backward\(\) needs a forward pass; call forward\(X\) first",
        id="backward-before-forward",
    ),
    *matrix_cases("y", "trained", lambda net, y: net.backward(y), 1, kinds=None),
    pytest.param(
        "trained",
        lambda net: net.backward(np.ones((5, 1))),
        ValueError,
        r"y must have one row per sample of the last forward pass \(8\); "
        r"got shape \(5, 1\)",
        id="backward-rows",
    ),
    # --- update ---------------------------------------------------------------------
    pytest.param(
        "fresh",
        lambda net: net.update(0.5),
        ValueError,
        r"update\(\) needs the gradients of a backward\(\) call; "
        r"call backward\(y\) first",
        id="update-before-backward",
    ),
    pytest.param(
        "forwarded",
        lambda net: net.update(0.5),
        ValueError,
        r"call backward\(y\) first",
        id="update-after-forward-only",
    ),
    *[
        pytest.param(
            "trained",
            (lambda lr: lambda net: net.update(lr))(lr),
            error,
            pattern,
            id=f"update-lr-{text}",
        )
        for lr, text, error, pattern in [
            (
                math.nan,
                "nan",
                ValueError,
                r"learning_rate must be a finite number >= 0; got nan",
            ),
            (
                math.inf,
                "inf",
                ValueError,
                r"learning_rate must be a finite number >= 0; got inf",
            ),
            (
                -0.5,
                "negative",
                ValueError,
                r"learning_rate must be a finite number >= 0; got -0.5",
            ),
            (
                "0.5",
                "str",
                TypeError,
                r"learning_rate must be a real number; got '0.5'",
            ),
            (None, "none", TypeError, r"learning_rate must be a real number; got None"),
            (True, "bool", TypeError, r"learning_rate must be a real number; got True"),
            (
                0.5j,
                "complex",
                TypeError,
                r"learning_rate must be a real number; got 0.5j",
            ),
            (
                np.array([0.5]),
                "array",
                TypeError,
                r"learning_rate must be a real number; got array\(\[0.5\]\)",
            ),
        ]
    ],
    # --- loss_value ------------------------------------------------------------------
    pytest.param(
        "fresh",
        lambda net: net.loss_value(Y8),
        ValueError,
        r"loss_value\(\) needs a forward pass; call forward\(X\) first",
        id="loss-value-before-forward",
    ),
    pytest.param(
        "trained",
        lambda net: net.loss_value(np.ones((3, 1))),
        ValueError,
        r"y must have one row per sample of the last forward pass \(8\); "
        r"got shape \(3, 1\)",
        id="loss-value-rows",
    ),
    pytest.param(
        "trained",
        lambda net: net.loss_value(np.ones((8, 2))),
        ValueError,
        r"y must have 1 columns; got shape \(8, 2\)",
        id="loss-value-columns",
    ),
    pytest.param(
        "trained",
        lambda net: net.loss_value(with_value(Y8, (0, 0), np.nan)),
        ValueError,
        r"y must be finite",
        id="loss-value-nan",
    ),
    # --- train ----------------------------------------------------------------------
    pytest.param(
        "trained",
        train_with(net="not a net"),
        TypeError,
        r"net must be an mlpcore.MLP; got str",
        id="train-net",
    ),
    *[
        pytest.param(
            "trained",
            train_with(**{key: value}),
            error,
            pattern,
            id=f"train-{key}-{value!r}",
        )
        for key, value, error, pattern in [
            ("epochs", 0, ValueError, r"epochs must be a positive integer; got 0"),
            ("epochs", -3, ValueError, r"epochs must be a positive integer; got -3"),
            ("epochs", 2.5, TypeError, r"epochs must be a positive integer; got 2.5"),
            ("epochs", True, TypeError, r"epochs must be a positive integer; got True"),
            ("epochs", "10", TypeError, r"epochs must be a positive integer; got '10'"),
            (
                "learning_rate",
                math.nan,
                ValueError,
                r"learning_rate must be a finite number >= 0; got nan",
            ),
            (
                "learning_rate",
                -1,
                ValueError,
                r"learning_rate must be a finite number >= 0; got -1.0",
            ),
            (
                "learning_rate",
                "fast",
                TypeError,
                r"learning_rate must be a real number; got 'fast'",
            ),
            (
                "batch_size",
                0,
                ValueError,
                r"batch_size must be a positive integer; got 0",
            ),
            (
                "batch_size",
                4.0,
                TypeError,
                r"batch_size must be a positive integer or None; got 4.0",
            ),
            ("callback", 3, TypeError, r"callback must be callable or None; got int"),
            ("seed", 1.5, TypeError, r"seed must be an integer or None; got 1.5"),
            ("seed", -1, ValueError, r"seed must be >= 0; got -1"),
            ("shuffle", "no", TypeError, r"shuffle must be True or False; got 'no'"),
            ("shuffle", None, TypeError, r"shuffle must be True or False; got None"),
        ]
    ],
    *matrix_cases("X", "trained", lambda net, X: mlpcore.train(net, X, Y8, 2, 0.1), 2),
    *matrix_cases("y", "trained", lambda net, y: mlpcore.train(net, X8, y, 2, 0.1), 1),
    pytest.param(
        "trained",
        train_with(y=np.ones((5, 1))),
        ValueError,
        r"X and y must have the same number of rows; got 8 and 5",
        id="train-rows",
    ),
    # --- gradient_check ---------------------------------------------------------------
    pytest.param(
        "trained",
        lambda net: mlpcore.gradient_check(None, X8, Y8),
        TypeError,
        r"net must be an mlpcore.MLP; got NoneType",
        id="gradcheck-net",
    ),
    pytest.param(
        "trained",
        lambda net: mlpcore.gradient_check(net, X8, Y8, eps=0),
        ValueError,
        r"eps must be a positive finite number; got 0",
        id="gradcheck-eps-zero",
    ),
    pytest.param(
        "trained",
        lambda net: mlpcore.gradient_check(net, X8, Y8, eps="small"),
        TypeError,
        r"eps must be a positive real number; got 'small'",
        id="gradcheck-eps-str",
    ),
    pytest.param(
        "trained",
        lambda net: mlpcore.gradient_check(net, X8, Y8[:3]),
        ValueError,
        r"X and y must have the same number of rows; got 8 and 3",
        id="gradcheck-rows",
    ),
    *matrix_cases("X", "trained", lambda net, X: mlpcore.gradient_check(net, X, Y8), 2),
    *matrix_cases("y", "trained", lambda net, y: mlpcore.gradient_check(net, X8, y), 1),
    # --- numeric_gradients ------------------------------------------------------------
    pytest.param(
        "trained",
        lambda net: mlpcore.numeric_gradients("net", X8, Y8),
        TypeError,
        r"net must be an mlpcore.MLP; got str",
        id="numeric-net",
    ),
    pytest.param(
        "trained",
        lambda net: mlpcore.numeric_gradients(net, X8, Y8, eps=math.inf),
        ValueError,
        r"eps must be a positive finite number; got inf",
        id="numeric-eps",
    ),
    pytest.param(
        "trained",
        lambda net: mlpcore.numeric_gradients(net, X8, Y8[:4]),
        ValueError,
        r"X and y must have the same number of rows; got 8 and 4",
        id="numeric-rows",
    ),
    *matrix_cases(
        "X", "trained", lambda net, X: mlpcore.numeric_gradients(net, X, Y8), 2
    ),
    # --- central_difference -----------------------------------------------------------
    pytest.param(
        "trained",
        lambda net: mlpcore.central_difference(None, 1.0),
        TypeError,
        r"f must be callable; got NoneType",
        id="central-f",
    ),
    pytest.param(
        "trained",
        lambda net: mlpcore.central_difference(math.sin, 1.0, eps=-1.0),
        ValueError,
        r"eps must be a positive finite number; got -1.0",
        id="central-eps",
    ),
    pytest.param(
        "trained",
        lambda net: mlpcore.central_difference(math.sin, "1"),
        TypeError,
        r"x must be a real number or a float array; got str",
        id="central-x",
    ),
    pytest.param(
        "trained",
        lambda net: mlpcore.central_difference(lambda W: net.W[1], net.W[1]),
        TypeError,
        r"f must return a real number; got ndarray",
        id="central-f-returns-array",
    ),
    # --- per_unit ---------------------------------------------------------------------
    pytest.param(
        "trained",
        lambda net: per_unit.forward("net", X8[0]),
        TypeError,
        r"net must be an mlpcore.MLP; got str",
        id="per-unit-forward-net",
    ),
    pytest.param(
        "trained",
        lambda net: per_unit.forward(net, X8[:1]),
        ValueError,
        r"x must be one sample, of shape \(2,\); got shape \(1, 2\)",
        id="per-unit-x-2d",
    ),
    pytest.param(
        "trained",
        lambda net: per_unit.forward(net, 1.0),
        ValueError,
        r"x must be one sample, of shape \(2,\); got shape \(\)",
        id="per-unit-x-scalar",
    ),
    pytest.param(
        "trained",
        lambda net: per_unit.forward(net, [[1.0, 2.0], [3.0]]),
        ValueError,
        r"x must be one sample, of shape \(2,\); got shape ragged",
        id="per-unit-x-ragged",
    ),
    pytest.param(
        "trained",
        lambda net: per_unit.forward(net, np.ones(3)),
        ValueError,
        r"x must have 2 columns; got shape \(1, 3\)",
        id="per-unit-x-length",
    ),
    pytest.param(
        "trained",
        lambda net: per_unit.forward(net, [np.nan, 1.0]),
        ValueError,
        r"x must be finite",
        id="per-unit-x-nan",
    ),
    pytest.param(
        "trained",
        lambda net: per_unit.forward(net, ["a", "b"]),
        TypeError,
        r"x must hold real numbers; got an array of dtype <U1",
        id="per-unit-x-strings",
    ),
    pytest.param(
        "trained",
        lambda net: per_unit.forward(net, []),
        ValueError,
        r"x must not be empty; got shape \(1, 0\)",
        id="per-unit-x-empty",
    ),
    pytest.param(
        "trained",
        lambda net: per_unit.gradients(object(), X8, Y8),
        TypeError,
        r"net must be an mlpcore.MLP; got object",
        id="per-unit-gradients-net",
    ),
    pytest.param(
        "trained",
        lambda net: per_unit.gradients(net, X8, Y8[:2]),
        ValueError,
        r"X and y must have the same number of rows; got 8 and 2",
        id="per-unit-gradients-rows",
    ),
    *matrix_cases("X", "trained", lambda net, X: per_unit.gradients(net, X, Y8), 2),
    *matrix_cases("y", "trained", lambda net, y: per_unit.gradients(net, X8, y), 1),
    # --- registries and constructors --------------------------------------------------
    pytest.param(
        "fresh",
        lambda net: activations.get("swish"),
        ValueError,
        r"unknown activation 'swish'; expected one of \[",
        id="activations-get-unknown",
    ),
    pytest.param(
        "fresh",
        lambda net: activations.get(None),
        TypeError,
        r"an activation must be a name or an Activation; got NoneType",
        id="activations-get-none",
    ),
    pytest.param(
        "fresh",
        lambda net: losses.get("hinge"),
        ValueError,
        r"unknown loss 'hinge'; expected one of \[",
        id="losses-get-unknown",
    ),
    pytest.param(
        "fresh",
        lambda net: losses.get(1.0),
        TypeError,
        r"a loss must be a name or a Loss; got float",
        id="losses-get-float",
    ),
    pytest.param(
        "fresh",
        lambda net: Activation(5, np.tanh, np.tanh),
        TypeError,
        r"name must be a str; got int",
        id="Activation-name",
    ),
    pytest.param(
        "fresh",
        lambda net: Activation("a", "tanh", np.tanh),
        TypeError,
        r"f must be callable; got str",
        id="Activation-f",
    ),
    pytest.param(
        "fresh",
        lambda net: Activation("a", np.tanh, 1.0),
        TypeError,
        r"df must be callable or None; got float",
        id="Activation-df",
    ),
    pytest.param(
        "fresh",
        lambda net: Loss(None, np.add, np.add),
        TypeError,
        r"name must be a str; got NoneType",
        id="Loss-name",
    ),
    pytest.param(
        "fresh",
        lambda net: Loss("l", 1, np.add),
        TypeError,
        r"f must be callable; got int",
        id="Loss-f",
    ),
    pytest.param(
        "fresh",
        lambda net: Loss("l", np.add, "grad"),
        TypeError,
        r"df must be callable; got str",
        id="Loss-df",
    ),
    pytest.param(
        "fresh",
        lambda net: Loss("l", np.add, np.add, output_error=np.add),
        ValueError,
        r"output_error and from_logits need the output_activation .*; "
        r"got output_activation=None",
        id="Loss-pair",
    ),
    pytest.param(
        "fresh",
        lambda net: Loss(
            "l", np.add, np.add, output_activation="sigmoid", output_error=np.add
        ),
        TypeError,
        r"output_activation must be an Activation; got str",
        id="Loss-output-activation",
    ),
    pytest.param(
        "fresh",
        lambda net: Loss(
            "l",
            np.add,
            np.add,
            output_activation=activations.sigmoid,
            output_error=2,
            from_logits=np.add,
        ),
        TypeError,
        r"output_error must be callable when output_activation is given; got int",
        id="Loss-output-error",
    ),
    pytest.param(
        "fresh",
        lambda net: Loss(
            "l",
            np.add,
            np.add,
            output_activation=activations.sigmoid,
            output_error=np.add,
        ),
        TypeError,
        r"from_logits must be callable when output_activation is given; got NoneType",
        id="Loss-from-logits",
    ),
    # --- calling a loss ---------------------------------------------------------------
    pytest.param(
        "fresh",
        lambda net: losses.binary_cross_entropy(Y8, np.full((8, 1), "a")),
        TypeError,
        r"yhat must hold real numbers; got dtype <U1",
        id="loss-yhat-strings",
    ),
    pytest.param(
        "fresh",
        lambda net: losses.cross_entropy.derivative(
            np.ones((8, 2)) + 0j, np.ones((8, 2))
        ),
        TypeError,
        r"y must hold real numbers; got dtype complex128",
        id="loss-derivative-complex",
    ),
    pytest.param(
        "fresh",
        lambda net: losses.mean_squared_error(Y8, np.ones((8, 2))),
        ValueError,
        r"y and yhat must be 2-D arrays of the same shape .*; "
        r"got \(8, 1\) and \(8, 2\)",
        id="loss-shapes",
    ),
    pytest.param(
        "fresh",
        lambda net: losses.mean_squared_error(np.ones(8), np.ones(8)),
        ValueError,
        r"2-D arrays of the same shape .*; got \(8,\) and \(8,\)",
        id="loss-1-D",
    ),
    pytest.param(
        "fresh",
        lambda net: losses.binary_cross_entropy.from_logits(Y8, np.ones((7, 1))),
        ValueError,
        r"same shape .*; got \(8, 1\) and \(7, 1\)",
        id="from-logits-shapes",
    ),
    # --- plotting ---------------------------------------------------------------------
    *[
        pytest.param(
            "fresh",
            (lambda sizes: lambda net: plotting.draw_network(sizes))(sizes),
            error,
            pattern,
            id=f"draw-{sizes!r}",
        )
        for sizes, error, pattern in [
            (
                [2, 0],
                ValueError,
                r"layer_sizes must all be positive integers; got \[2, 0\]",
            ),
            (
                [2, -1],
                ValueError,
                r"layer_sizes must all be positive integers; got \[2, -1\]",
            ),
            (
                [2, 2.5],
                ValueError,
                r"layer_sizes must all be positive integers; got \[2, 2.5\]",
            ),
            (
                [True, 2],
                ValueError,
                r"layer_sizes must all be positive integers; got \[True, 2\]",
            ),
            (
                ["3", 2],
                ValueError,
                r"layer_sizes must all be positive integers; got \['3', 2\]",
            ),
            ([3], ValueError, r"at least an input and an output size; got \[3\]"),
            (
                4,
                TypeError,
                r"layer_sizes must be a sequence of positive integers; got 4",
            ),
        ]
    ],
    pytest.param(
        "fresh",
        lambda net: plotting.draw_network([2, 2], ax="axes"),
        TypeError,
        r"ax must be a Matplotlib Axes or None; got str",
        id="draw-ax",
    ),
    *matrix_cases(
        "X",
        "trained",
        lambda net, X: plotting.decision_boundary(net, X, np.zeros(8), resolution=5),
        2,
    ),
    pytest.param(
        "trained",
        lambda net: plotting.decision_boundary(net, X8, np.zeros(5)),
        ValueError,
        r"y must have one label per row of X \(8\); got 5",
        id="boundary-y",
    ),
    pytest.param(
        "trained",
        lambda net: plotting.decision_boundary("net", X8, np.zeros(8)),
        TypeError,
        r"predict must be callable or an MLP; got str",
        id="boundary-predict",
    ),
    pytest.param(
        "trained",
        lambda net: plotting.decision_boundary(net, X8, np.zeros(8), resolution=1),
        ValueError,
        r"resolution must be an integer >= 2; got 1",
        id="boundary-resolution",
    ),
    pytest.param(
        "trained",
        lambda net: plotting.decision_boundary(net, X8, np.zeros(8), resolution=20.0),
        ValueError,
        r"resolution must be an integer >= 2; got 20.0",
        id="boundary-resolution-float",
    ),
    pytest.param(
        "trained",
        lambda net: plotting.decision_boundary(net, X8, np.zeros(8), padding=-1),
        ValueError,
        r"padding must be a finite number >= 0; got -1",
        id="boundary-padding",
    ),
    pytest.param(
        "trained",
        lambda net: plotting.decision_boundary(net, X8, np.zeros(8), padding=math.nan),
        ValueError,
        r"padding must be a finite number >= 0; got nan",
        id="boundary-padding-nan",
    ),
    pytest.param(
        "trained",
        lambda net: plotting.decision_boundary(net, X8, np.zeros(8), ax=plt),
        TypeError,
        r"ax must be a Matplotlib Axes or None; got module",
        id="boundary-ax",
    ),
    pytest.param(
        "fresh",
        lambda net: plotting.training_history(mlpcore.History()),
        ValueError,
        r"history must be a History with at least one epoch recorded; "
        r"got History\(loss=\[\], accuracy=\[\]\)",
        id="history-empty",
    ),
    pytest.param(
        "fresh",
        lambda net: plotting.training_history([0.5, 0.4]),
        ValueError,
        r"history must be a History with at least one epoch recorded; got \[0.5, 0.4\]",
        id="history-list",
    ),
    pytest.param(
        "fresh",
        lambda net: plotting.training_history(mlpcore.History(loss=[1.0]), ax=3),
        TypeError,
        r"ax must be a Matplotlib Axes or None; got int",
        id="history-ax",
    ),
]


def network_in(state):
    net = MLP(
        [2, 4, 3, 1],
        ACTS,
        loss=BCE,
        seed=42,
        dtype=np.float32 if state == "trained32" else np.float64,
    )
    if state in ("forwarded", "trained", "trained32"):
        net.forward(X8)
    if state in ("trained", "trained32"):
        net.backward(Y8)
    return net


@pytest.mark.parametrize("state, call, error, pattern", CASES)
def test_bad_input_raises_a_clear_error_and_changes_nothing(
    state, call, error, pattern
):
    net = network_in(state)
    before = snapshot(net)
    with pytest.raises(error, match=pattern):
        call(net)
    assert_state_equal(before, snapshot(net))
    plt.close("all")


def test_the_inputs_of_a_failed_call_are_not_modified():
    X = with_value(X8, (2, 1), np.nan)
    X0 = X.copy()
    net = network_in("trained")
    with pytest.raises(ValueError):
        net.forward(X)
    np.testing.assert_array_equal(X, X0)


# --- the estimators -------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, error, pattern",
    [
        (
            {"hidden_layer_sizes": (0,)},
            ValueError,
            r"hidden_layer_sizes entries must be a positive integer; got 0",
        ),
        (
            {"hidden_layer_sizes": (4, -2)},
            ValueError,
            r"hidden_layer_sizes entries must be a positive integer; got -2",
        ),
        (
            {"hidden_layer_sizes": ("a",)},
            TypeError,
            r"hidden_layer_sizes entries must be a positive integer; got 'a'",
        ),
        (
            {"hidden_layer_sizes": 2.5},
            TypeError,
            r"hidden_layer_sizes must be a positive integer or a sequence of them; "
            r"got 2.5",
        ),
        (
            {"hidden_layer_sizes": "32"},
            TypeError,
            r"hidden_layer_sizes must be a positive integer or a sequence of them; "
            r"got '32'",
        ),
        (
            {"learning_rate": -1},
            ValueError,
            r"learning_rate must be a finite number >= 0; got -1",
        ),
        (
            {"learning_rate": math.inf},
            ValueError,
            r"learning_rate must be a finite number >= 0; got inf",
        ),
        (
            {"learning_rate": "big"},
            TypeError,
            r"learning_rate must be a real number; got 'big'",
        ),
        ({"epochs": 0}, ValueError, r"epochs must be a positive integer; got 0"),
        ({"epochs": 1.5}, TypeError, r"epochs must be a positive integer; got 1.5"),
        (
            {"batch_size": 0},
            ValueError,
            r"batch_size must be a positive integer; got 0",
        ),
        (
            {"activation": "bogus"},
            ValueError,
            r"unknown activation 'bogus'; expected one of",
        ),
        (
            {"activation": "softmax"},
            ValueError,
            r"'softmax' activation can only be used in the output layer",
        ),
    ],
)
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_estimator_parameters_are_checked_at_fit(Estimator, params, error, pattern):
    estimator = Estimator(
        epochs=1, **{k: v for k, v in params.items() if k != "epochs"}
    )
    if "epochs" in params:
        estimator.set_params(epochs=params["epochs"])
    with pytest.raises(error, match=pattern):
        estimator.fit(X8, np.arange(8) % 2)
    assert not hasattr(estimator, "network_")


@pytest.mark.parametrize(
    "Estimator, X, y, error, pattern",
    [
        (
            MLPClassifier,
            X8,
            np.zeros(8),
            ValueError,
            r"at least 2 classes; got 1 class",
        ),
        (
            MLPClassifier,
            with_value(X8, (0, 0), np.nan),
            np.arange(8) % 2,
            ValueError,
            r"Input X contains NaN",
        ),
        (
            MLPClassifier,
            with_value(X8, (0, 0), np.inf),
            np.arange(8) % 2,
            ValueError,
            r"Input X contains infinity",
        ),
        (
            MLPClassifier,
            np.full((8, 2), "abc"),
            np.arange(8) % 2,
            ValueError,
            r"could not convert string to float: .*abc",
        ),
        (
            MLPClassifier,
            X8,
            np.arange(5) % 2,
            ValueError,
            r"inconsistent numbers of samples: \[8, 5\]",
        ),
        (
            MLPClassifier,
            X8,
            np.linspace(0, 1, 8),
            ValueError,
            r"Unknown label type: continuous",
        ),
        (
            MLPClassifier,
            np.ones((0, 2)),
            np.ones(0),
            ValueError,
            r"Found array with 0 sample\(s\) \(shape=\(0, 2\)\)",
        ),
        (
            MLPClassifier,
            X8[:, 0],
            np.arange(8) % 2,
            ValueError,
            r"Expected 2D array, got 1D array instead",
        ),
        (
            MLPRegressor,
            X8,
            np.array(list("abcdefgh")),
            TypeError,
            r"real-valued targets y; got an array of dtype <U1",
        ),
        (
            MLPRegressor,
            X8,
            with_value(np.ones(8), 3, np.nan),
            ValueError,
            r"Input y contains NaN",
        ),
        (
            MLPRegressor,
            X8 + 1j,
            np.ones(8),
            ValueError,
            r"[Cc]omplex data not supported",
        ),
    ],
)
def test_estimator_data_is_checked_at_fit(Estimator, X, y, error, pattern):
    with pytest.raises(error, match=pattern):
        Estimator(epochs=1).fit(X, y)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_estimators_check_prediction_input(Estimator):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        Estimator().predict(X8)
    fitted = Estimator(epochs=1, random_state=0).fit(X8, np.arange(8) % 2)
    before = snapshot(fitted.network_)
    with pytest.raises(
        ValueError, match=r"X has 3 features, but \w+ is expecting 2 features"
    ):
        fitted.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Input X contains NaN"):
        fitted.predict(with_value(X8, (1, 1), np.nan))
    assert_state_equal(before, snapshot(fitted.network_))


# --- validation survives python -O ----------------------------------------------------


def test_validation_works_under_python_O():
    code = textwrap.dedent(
        """
        import math
        import numpy as np
        import mlpcore

        assert False, "-O must strip asserts"  # never raises under -O

        def raises(error, call):
            try:
                call()
            except error as e:
                return str(e)
            raise SystemExit(f"no {error.__name__} from {call}")

        net = mlpcore.MLP(
            [2, 3, 1], ["tanh", "sigmoid"], loss="binary_cross_entropy", seed=0
        )
        X, y = np.ones((4, 2)), np.ones((4, 1))
        messages = [
            raises(ValueError, lambda: mlpcore.MLP([2, 0, 1], ["relu", "sigmoid"])),
            raises(ValueError, lambda: mlpcore.MLP([2, 3, 1], ["relu"])),
            raises(ValueError, lambda: net.backward(y)),
            raises(ValueError, lambda: net.forward(np.full((4, 2), np.nan))),
            raises(ValueError, lambda: net.forward(np.ones((4, 3)))),
            raises(TypeError, lambda: net.forward(np.full((4, 2), "a"))),
            raises(ValueError, lambda: net.update(0.1)),
            raises(ValueError, lambda: mlpcore.train(net, X, y, 0, 0.1)),
            raises(ValueError, lambda: mlpcore.train(net, X, y, 3, math.nan)),
            raises(
                ValueError, lambda: mlpcore.central_difference(math.sin, 1.0, eps=0.0)
            ),
            raises(ValueError, lambda: mlpcore.per_unit.forward(net, np.ones((1, 2)))),
        ]
        net.forward(X)
        messages.append(raises(ValueError, lambda: net.backward(np.ones((3, 1)))))
        messages.append(raises(ValueError, lambda: net.update(-1.0)))
        print(len(messages), "errors raised")
        """
    )
    result = subprocess.run(
        [sys.executable, "-O", "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip() == "13 errors raised"


@pytest.mark.parametrize("row", [0, 69_999, 35_000])
def test_a_large_array_with_one_nan_anywhere_is_refused(row):
    X = np.ones((70_000, 2))
    X[row, 1] = np.nan
    net = MLP([2, 1], ["sigmoid"], seed=0)
    with pytest.raises(ValueError, match="X must be finite"):
        net.forward(X)
    X[row, 1] = 1.0
    assert net.forward(X).shape == (70_000, 1)
