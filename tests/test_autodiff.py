"""mlpcore.autodiff: reverse mode (Value) and forward mode (Dual) against independent oracles.

The oracles: closed forms, central differences of the same expression evaluated on plain
numbers, the other mode, and MLP.backward (the matrix form) on random networks.
"""

import math

import numpy as np
import pytest
from conftest import network_and_data
from hypothesis import given, settings
from hypothesis import strategies as st

import mlpcore
from mlpcore import autodiff
from mlpcore.autodiff import Dual, Value

# --- random expression graphs ---------------------------------------------------------
# A program is a list of steps (op, i, j): each step applies op to earlier results i, j
# (indices into the list of inputs and results so far). The ops are smooth everywhere
# (log and / get positive arguments by construction), so central differences apply.

UNARY = {
    "neg": lambda a: -a,
    "exp_tanh": lambda a: a.tanh().exp(),
    "log1p_sq": lambda a: (1 + a * a).log(),
    "sin": lambda a: a.sin(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "cube": lambda a: a**3,
    "sqrt_1p_sq": lambda a: (a * a + 1) ** 0.5,
    "half": lambda a: a / 2,
    "scale_shift": lambda a: 1.5 - 0.5 * a,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1 + b * b),
    "rdiv": lambda a, b: 2 / (2 + a.tanh() + b.sigmoid()),
}
OPS = sorted(UNARY) + sorted(BINARY)


def run(program, inputs):
    """Evaluate ``program`` on ``inputs`` (Values or Duals); return the last result."""
    values = list(inputs)
    for op, i, j in program:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append(UNARY[op](a) if op in UNARY else BINARY[op](a, b))
    return values[-1]


programs = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 20), st.integers(0, 20)),
    min_size=1,
    max_size=10,
)
points = st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3)


def reverse(program, point):
    xs = [Value(p) for p in point]
    f = run(program, xs)
    f.backward()
    return f.value, [x.grad for x in xs]


def forward(program, point):
    grads = []
    for k in range(len(point)):
        f = run(program, [Dual(p, float(i == k)) for i, p in enumerate(point)])
        grads.append(f.tangent)
    return f.value, grads


def central(program, point, eps=1e-6):
    def at(q):
        return run(program, [Value(v) for v in q]).value

    grads = []
    for k in range(len(point)):
        up, down = list(point), list(point)
        up[k] += eps
        down[k] -= eps
        grads.append((at(up) - at(down)) / (2 * eps))
    return grads


@given(programs, points)
@settings(max_examples=200, deadline=None)
def test_reverse_mode_matches_central_differences(program, point):
    value, grads = reverse(program, point)
    numeric = central(program, point)
    for g, n in zip(grads, numeric):
        assert abs(g - n) <= 1e-6 * (1 + abs(n)), (program, point, grads, numeric)


@given(programs, points)
@settings(max_examples=200, deadline=None)
def test_forward_mode_equals_reverse_mode(program, point):
    value_r, grads_r = reverse(program, point)
    value_f, grads_f = forward(program, point)
    assert value_f == value_r
    for r, f in zip(grads_r, grads_f):
        assert abs(r - f) <= 1e-12 * (1 + abs(r)), (program, grads_r, grads_f)


# --- closed forms, shared subexpressions, long chains -----------------------------------


def test_the_example_of_the_docstring_against_its_closed_form():
    x, y = Value(2.0), Value(-1.0)
    f = (x * y + x.exp()).log()
    f.backward()
    inner = 2.0 * -1.0 + math.exp(2.0)
    assert f.value == pytest.approx(math.log(inner), rel=1e-15)
    assert x.grad == pytest.approx((-1.0 + math.exp(2.0)) / inner, rel=1e-14)
    assert y.grad == pytest.approx(2.0 / inner, rel=1e-14)
    d = Dual(2.0, 1.0)
    assert (d * d).value == 4.0 and (d * d).tangent == 4.0


@pytest.mark.parametrize(
    "make, derivative",
    [
        (lambda x: x - 3.0, lambda x: 1.0),
        (lambda x: 3.0 - x, lambda x: -1.0),
        (lambda x: 3.0 / x, lambda x: -3.0 / x**2),
        (lambda x: x / 4.0, lambda x: 0.25),
        (lambda x: x**-1.5, lambda x: -1.5 * x**-2.5),
        (lambda x: x**0, lambda x: 0.0),
        (lambda x: x.log(), lambda x: 1 / x),
        (lambda x: x.exp(), lambda x: math.exp(x)),
        (lambda x: x.sin(), lambda x: math.cos(x)),
        (lambda x: x.tanh(), lambda x: 1 - math.tanh(x) ** 2),
        (lambda x: x.sigmoid(), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
        (lambda x: x.relu(), lambda x: 1.0),
        (lambda x: (-x).relu(), lambda x: 0.0),
        (lambda x: np.float64(2.0) * x, lambda x: 2.0),
        (lambda x: x * np.float32(0.5), lambda x: 0.5),
    ],
)
@pytest.mark.parametrize("x0", [0.7, 1.9])
def test_each_operation_in_both_modes_against_its_closed_form(make, derivative, x0):
    x = Value(x0)
    f = make(x)
    f.backward()
    assert isinstance(f, Value)
    assert x.grad == pytest.approx(derivative(x0), rel=1e-14, abs=1e-300)
    d = make(Dual(x0, 1.0))
    assert isinstance(d, Dual) and d.value == f.value
    assert d.tangent == pytest.approx(derivative(x0), rel=1e-14, abs=1e-300)


def test_sigmoid_is_stable_at_large_arguments():
    for x0 in (-1000.0, 1000.0):
        s = Value(x0).sigmoid()
        assert s.value == (0.0 if x0 < 0 else 1.0)
        assert s.local_derivatives == (0.0,)


def test_relu_at_zero_has_derivative_zero():
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert y.value == 0.0 and x.grad == 0.0


def test_a_node_used_twice_gets_both_contributions():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0  # 3 + 3: one path through each input of *
    a = x + 1.0  # a = 4, used three times below
    f = a * a + a  # df/da = 2a + 1 = 9, da/dx = 1
    f.backward()
    assert x.grad == 9.0 and a.grad == 9.0


def test_the_total_derivative_of_chapter_1():
    # f(t, u, v) = t u^2 + sin v with t = x^2, u = e^x, v = x^3
    x0 = 0.8
    x = Value(x0)
    f = x**2 * x.exp() ** 2 + (x**3).sin()
    f.backward()
    closed = 2 * x0 * math.exp(2 * x0) * (1 + x0) + 3 * x0**2 * math.cos(x0**3)
    assert x.grad == pytest.approx(closed, rel=1e-14)


def test_backward_twice_gives_the_same_grads_not_doubled():
    x, y = Value(1.5), Value(-0.5)
    f = x * y + x.tanh()
    f.backward()
    first = (x.grad, y.grad)
    f.backward()
    assert (x.grad, y.grad) == first
    assert f.grad == 1.0


def test_backward_of_a_second_graph_resets_only_its_own_nodes():
    x, y = Value(2.0), Value(5.0)
    f = x * 3.0
    g = x * y
    f.backward()
    y.grad = 123.0  # y is not in f's graph: untouched by f.backward()
    f.backward()
    assert x.grad == 3.0 and y.grad == 123.0
    g.backward()  # x is shared: its grad is now that of g, not a sum
    assert x.grad == 5.0 and y.grad == 2.0


def test_a_chain_of_100_000_nodes():
    x = Value(0.5)
    v = x
    for _ in range(50_000):
        v = (v * 1.0).tanh() * 0.0 + v  # two levels per step, derivative 1 overall
    order = autodiff.topological_order(v)
    v.backward()
    assert len(order) == 1 + 4 * 50_000
    assert x.grad == 1.0
    assert order[0] is x and order[-1] is v


def test_topological_order_puts_every_node_after_its_inputs():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c + b.exp()
    order = autodiff.topological_order(e)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(position) == len(order) == 7
    for node in order:
        assert all(position[id(i)] < position[id(node)] for i in node.inputs)


def test_nodes_record_inputs_local_derivatives_and_op():
    x, y = Value(2.0, label="x"), Value(3.0)
    f = x * y
    assert f.inputs == (x, y) and f.local_derivatives == (3.0, 2.0) and f.op == "*"
    g = 2 * x  # a constant is not a node
    assert g.inputs == (x,) and g.local_derivatives == (2.0,)
    assert x.inputs == () and x.op == "" and x.label == "x"
    assert repr(x) == "Value(2.0, grad=0.0, label='x')"
    assert repr(f) == "Value(6.0, grad=0.0)"
    assert repr(Dual(1.0, 2.0)) == "Dual(1.0, 2.0)"
    assert (x**2).op == "**2"


def test_apply_runs_a_new_rule_in_both_modes():
    def cube(x):
        return x**3, (3 * x**2,)

    x = Value(2.0)
    f = autodiff.apply(cube, x, name="cube")
    f.backward()
    assert f.value == 8.0 and x.grad == 12.0 and f.op == "cube"
    assert autodiff.apply(cube, Dual(2.0, 1.0)).tangent == 12.0
    assert autodiff.apply(cube, x).op == "cube"  # the rule's name by default


def test_count_operations():
    x = Value(2.0)
    with autodiff.count_operations() as count:
        f = x * 3.0 + x  # 2 operations; 1 + 2 chain-rule products in backward
        f.backward()
    assert (count.operations, count.products) == (2, 3)
    assert repr(count) == "OperationCount(operations=2, products=3)"
    with autodiff.count_operations() as count:
        Dual(2.0, 1.0) * Dual(1.0, 0.0) + 1.0  # 2 + 1 products, as computed
    assert (count.operations, count.products) == (2, 3)


# --- networks -----------------------------------------------------------------------

PAIRS = [
    ("sigmoid", "binary_cross_entropy", True),
    ("sigmoid", "binary_cross_entropy", False),
    ("softmax", "cross_entropy", True),
    ("sigmoid", "cross_entropy", False),
    ("identity", "mean_squared_error", True),
    ("identity", "mean_squared_error", False),
    ("tanh", "mean_squared_error", False),
    ("sigmoid", "mean_squared_error", False),
    ("relu", "mean_squared_error", False),
]


def relative(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


@given(
    st.lists(st.integers(1, 4), min_size=2, max_size=4),
    st.lists(st.sampled_from(["relu", "tanh", "sigmoid", "identity"]), min_size=3),
    st.sampled_from(PAIRS),
    st.integers(0, 2**16),
    st.integers(1, 4),
)
@settings(max_examples=60, deadline=None)
def test_both_modes_equal_mlp_backward(sizes, hidden, pair, seed, n_samples):
    output, loss, fused = pair
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    hidden = hidden[: len(sizes) - 2]
    net, X, y = network_and_data(
        sizes, hidden, output, loss, seed=seed, n_samples=n_samples, fused_output=fused
    )
    rng = np.random.default_rng(seed)
    for k in range(1, net.n_layers + 1):  # biases take part too
        net.b[k] = rng.normal(0.0, 0.5, size=net.b[k].shape)
    net.forward(X)
    net.backward(y)
    for dW, db in (
        autodiff.gradients(net, X, y),
        autodiff.forward_gradients(net, X, y),
    ):
        for k in range(1, net.n_layers + 1):
            assert dW[k].shape == net.W[k].shape and db[k].shape == net.b[k].shape
            assert relative(dW[k], net.dW[k]) <= 1e-12, (k, dW[k], net.dW[k])
            assert relative(db[k], net.db[k]) <= 1e-12, (k, db[k], net.db[k])


def test_binary_cross_entropy_from_large_logits_both_signs():
    # softplus takes both branches; the loss stays finite where sigmoid saturates
    net = mlpcore.MLP([1, 2], ["sigmoid"], loss="binary_cross_entropy", seed=0)
    net.W[1][:] = [[40.0, -40.0]]
    X, y = np.array([[1.0], [-1.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    net.forward(X)
    net.backward(y)
    dW, db = autodiff.gradients(net, X, y)
    np.testing.assert_allclose(dW[1], net.dW[1], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(db[1], net.db[1], rtol=1e-12, atol=1e-300)


def test_float32_networks_get_float32_gradients():
    net, X, y = network_and_data(
        [3, 2, 1], ["tanh"], "sigmoid", "binary_cross_entropy", dtype=np.float32
    )
    net.forward(X)
    net.backward(y)
    dW, db = autodiff.gradients(net, X, y)
    assert dW[1].dtype == np.float32 and db[2].dtype == np.float32
    np.testing.assert_allclose(dW[1], net.dW[1], rtol=1e-4)


def test_forward_mode_makes_one_pass_per_parameter():
    net, X, y = network_and_data(
        [3, 4, 2, 2],
        ["sigmoid", "sigmoid"],
        "identity",
        "mean_squared_error",
        n_samples=3,
    )
    with autodiff.count_operations() as one_pass:
        W, b = autodiff.parameters(net, lambda v, _: Dual(v))
        autodiff.network_loss(net, X, y, W, b)
    with autodiff.count_operations() as reverse_count:
        autodiff.gradients(net, X, y)
    with autodiff.count_operations() as forward_count:
        autodiff.forward_gradients(net, X, y)
    assert net.n_parameters == 32
    assert forward_count.operations == 32 * one_pass.operations
    assert reverse_count.operations == one_pass.operations


def test_network_output_has_one_operation_per_flop_of_the_forward_pass():
    # z = b + Σ_j w_j a_j: n_{k-1} multiplications and n_{k-1} additions per unit and
    # sample, plus one node per non-identity activation (none at the output)
    net, X, y = network_and_data(
        [3, 4, 2, 2], ["relu", "tanh"], "identity", "mean_squared_error", n_samples=5
    )
    W, b = autodiff.parameters(net)
    with autodiff.count_operations() as count:
        Z = autodiff.network_output(net, X, W, b)
    matmul = sum(2 * 5 * m * n for m, n in zip([3, 4, 2], [4, 2, 2]))
    assert count.operations == matmul + 5 * (4 + 2)
    net.forward(X)
    np.testing.assert_allclose(
        [[z.value for z in row] for row in Z], net.z[3], rtol=1e-14
    )


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, error, match",
    [
        (lambda: Value("2"), TypeError, "real number"),
        (lambda: Value(True), TypeError, "real number"),
        (lambda: Value(np.array([1.0])), TypeError, "real number"),
        (lambda: Value(float("nan")), ValueError, "finite"),
        (lambda: Value(1.0, label=3), TypeError, "label"),
        (lambda: Dual(1.0, "x"), TypeError, "tangent"),
        (lambda: Dual(math.inf), ValueError, "finite"),
        (lambda: Value(1.0) + "a", TypeError, "real numbers and other Values"),
        (lambda: [1.0] * Value(1.0), TypeError, "got list"),
        (lambda: Value(1.0) + np.array([1.0]), TypeError, "got ndarray"),
        (lambda: np.array([1.0]) + Value(1.0), TypeError, "got ndarray"),
        (lambda: Value(1.0) * Dual(1.0), TypeError, "not both"),
        (lambda: Value(2.0) ** Value(2.0), TypeError, "exponent must be a number"),
        (lambda: Value(2.0) ** math.nan, ValueError, "finite"),
        (lambda: 2.0 ** Value(2.0), TypeError, "number exponent"),
        (lambda: Value(0.0).log(), ValueError, "positive"),
        (lambda: Dual(-1.0).log(), ValueError, "positive"),
        (lambda: Value(1.0) / 0, ValueError, "division by zero"),
        (lambda: 1.0 / Value(0.0), ValueError, "division by zero"),
        (lambda: Value(-1.0) ** 0.5, ValueError, "not a real number"),
        (lambda: Value(0.0) ** -1, ValueError, "not differentiable"),
        (lambda: Value(0.0) ** 0.5, ValueError, "not differentiable"),
        (lambda: Value(1.0) / 1e-200, ValueError, "not finite"),
        (lambda: Value(5e-324).log(), ValueError, "not finite"),
        (lambda: Dual(1.0, 1e300) * 1e10, ValueError, "tangent of \\* overflows"),
        (lambda: Value(800.0).exp(), ValueError, "overflows"),
        (lambda: Value(1e200) * 1e200, ValueError, "not finite"),
        (lambda: autodiff.apply(lambda x: (x, (1.0,)), 2.0), TypeError, "at least one"),
        (lambda: autodiff.apply(lambda x: (x, ()), Value(2.0)), ValueError, "argument"),
        (lambda: autodiff.topological_order(2.0), TypeError, "Value"),
    ],
)
def test_bad_input_is_refused_where_the_operation_is_built(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_unknown_activations_and_losses_are_refused_before_any_work():
    swish = mlpcore.activations.Activation(
        "swish", lambda z: z / (1 + np.exp(-z)), lambda z: np.ones_like(z)
    )
    X, y = np.ones((2, 2)), np.ones((2, 1))
    for gradients in (autodiff.gradients, autodiff.forward_gradients):
        net = mlpcore.MLP([2, 2, 1], [swish, "identity"], seed=0)
        with pytest.raises(ValueError, match="activations relu, sigmoid.*swish"):
            gradients(net, X, y)
        net = mlpcore.MLP([2, 1], [swish], seed=0)
        with pytest.raises(ValueError, match="swish"):
            gradients(net, X, y)
        mine = mlpcore.losses.Loss(
            "mine",
            lambda y, p: float(((p - y) ** 4).mean()),
            lambda y, p: 4 * (p - y) ** 3,
        )
        net = mlpcore.MLP([2, 1], ["identity"], loss=mine, seed=0)
        with pytest.raises(ValueError, match="losses binary_cross_entropy.*mine"):
            gradients(net, X, y)
        with pytest.raises(TypeError, match="MLP"):
            gradients("net", X, y)
        net = mlpcore.MLP([2, 1], ["identity"], seed=0)
        with pytest.raises(ValueError, match="columns"):
            gradients(net, np.ones((2, 3)), y)


@pytest.mark.parametrize("output, loss, fused", PAIRS)
def test_every_output_and_loss_on_the_3_4_2_2_network(output, loss, fused):
    net, X, y = network_and_data(
        [3, 4, 2, 2],
        ["relu", "tanh"],
        output,
        loss,
        seed=3,
        n_samples=5,
        fused_output=fused,
    )
    assert net.fused_output == fused
    net.forward(X)
    net.backward(y)
    for dW, db in (
        autodiff.gradients(net, X, y),
        autodiff.forward_gradients(net, X, y),
    ):
        for k in range(1, 4):
            assert relative(dW[k], net.dW[k]) <= 1e-12
            assert relative(db[k], net.db[k]) <= 1e-12


def test_cross_entropy_with_soft_zero_and_unnormalised_targets():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(3, 3))
    # soft targets (rows sum to 1): the fused output error is exact
    net = mlpcore.MLP([3, 4, 3], ["tanh", "softmax"], loss="cross_entropy", seed=2)
    y = np.array([[0.2, 0.5, 0.3], [0.0, 1.0, 0.0], [0.6, 0.0, 0.4]])
    net.forward(X)
    net.backward(y)
    dW, db = autodiff.gradients(net, X, y)
    for k in (1, 2):
        assert relative(dW[k], net.dW[k]) <= 1e-12
        assert relative(db[k], net.db[k]) <= 1e-12
    # a row of zeros: the graph is the exact gradient of the loss as defined
    y0 = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.0, 0.4]])
    dW, db = autodiff.gradients(net, X, y0)
    numeric_W, numeric_b = mlpcore.numeric_gradients(net, X, y0)
    for k in (1, 2):
        np.testing.assert_allclose(dW[k], numeric_W[k], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(db[k], numeric_b[k], rtol=1e-6, atol=1e-9)
    # the non-fused cross-entropy (sigmoid outputs) with a row of zeros
    net = mlpcore.MLP([3, 2], ["sigmoid"], loss="cross_entropy", seed=4)
    y1 = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    net.forward(X)
    net.backward(y1)
    dW, db = autodiff.gradients(net, X, y1)
    assert relative(dW[1], net.dW[1]) <= 1e-12
    assert relative(db[1], net.db[1]) <= 1e-12
