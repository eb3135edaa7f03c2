"""plotting.backward_pass: one sample's forward values on the units, its errors δ
under them and the gradient of every weight on its edge, against MLP.backward."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import mlpcore  # noqa: E402
from mlpcore import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def chapter_3_network():
    net = mlpcore.MLP(
        [3, 4, 2, 2],
        ["sigmoid", "sigmoid", "identity"],
        loss="mean_squared_error",
        seed=1,
        fused_output=False,
    )
    rng = np.random.default_rng(2)
    for k in range(1, net.n_layers + 1):
        net.b[k] = rng.normal(0.0, 0.5, size=net.b[k].shape)
    return net, np.array([0.5, -1.0, 2.0]), np.array([1.0, -0.5])


def texts(ax, gid):
    return [t for t in ax.texts if t.get_gid() == gid]


def test_every_unit_weight_and_output_has_its_label():
    net, x, y = chapter_3_network()
    ax = plotting.backward_pass(net, x, y)
    assert len(texts(ax, "value")) == 3 + 4 + 2 + 2
    assert len(texts(ax, "delta")) == 4 + 2 + 2
    assert len(texts(ax, "gradient")) == 12 + 8 + 4 + 2
    assert len(texts(ax, "loss")) == 1


def test_the_numbers_are_those_of_the_matrix_form():
    net, x, y = chapter_3_network()
    ax = plotting.backward_pass(net, x, y, fmt=".4f")
    net.forward(x[None, :])
    net.backward(y[None, :])
    L = net.n_layers
    fmt = lambda v: format(v, ".4f")  # noqa: E731
    # unit values, layer by layer from the left, top to bottom within a layer
    values = sorted(
        texts(ax, "value"), key=lambda t: (t.get_position()[0], -t.get_position()[1])
    )
    expected = [fmt(v) for k in range(L + 1) for v in net.a[k][0]]
    assert [t.get_text() for t in values] == expected
    deltas = sorted(
        texts(ax, "delta"), key=lambda t: (t.get_position()[0], -t.get_position()[1])
    )
    expected = ["δ " + fmt(v) for k in range(1, L + 1) for v in net.dz[k][0]]
    assert [t.get_text() for t in deltas] == expected
    gradients = sorted(t.get_text() for t in texts(ax, "gradient"))
    expected = [fmt(g) for k in range(1, L + 1) for g in net.dW[k].ravel()]
    expected += [fmt(g) for g in net.da[L][0]]  # ∂ℓ/∂ŷ on the edges into ℓ
    assert gradients == sorted(expected)
    assert texts(ax, "loss")[0].get_text() == "ℓ\n" + fmt(net.loss_value(y[None, :]))


def test_a_weights_label_sits_on_its_own_edge():
    net, x, y = chapter_3_network()
    ax = plotting.backward_pass(net, x, y, fmt=".6f")
    net.forward(x[None, :])
    net.backward(y[None, :])
    units = {}
    for t in texts(ax, "value"):
        units.setdefault(t.get_position()[0], []).append(t.get_position())
    layers = [sorted(units[c], key=lambda p: -p[1]) for c in sorted(units)]
    for label in texts(ax, "gradient"):
        px, py = label.get_position()
        on = []
        for k in range(1, net.n_layers + 1):
            for j, (x0, y0) in enumerate(layers[k - 1]):
                for i, (x1, y1) in enumerate(layers[k]):
                    t = (px - x0) / (x1 - x0)
                    if 0 < t < 1 and abs(y0 + t * (y1 - y0) - py) < 1e-9:
                        on.append((k, j, i))
        if len(on) == 0:  # an edge into the loss
            continue
        assert len(on) == 1, f"label {label.get_text()} lies on edges {on}"
        k, j, i = on[0]
        assert label.get_text() == format(net.dW[k][j, i], ".6f")


def test_the_loss_is_that_of_loss_value_also_where_the_output_saturates():
    # a sigmoid output at z = 40 rounds to 1: the loss computed from ŷ is clipped
    # at -ln ε ≈ 36.04; computed from z, as loss_value does, it is 40
    net = mlpcore.MLP([1, 1], ["sigmoid"], loss="binary_cross_entropy", seed=0)
    net.W[1][:], net.b[1][:] = 1.0, 0.0
    x, y = np.array([40.0]), np.array([0.0])
    ax = plotting.backward_pass(net, x, y)
    net.forward(x[None, :])
    expected = net.loss_value(y[None, :])
    assert expected == pytest.approx(40.0)
    assert texts(ax, "loss")[0].get_text() == "ℓ\n" + format(expected, ".2f")


def test_draws_on_a_given_axes():
    net, x, y = chapter_3_network()
    _, ax = plt.subplots()
    assert plotting.backward_pass(net, x, y, ax=ax) is ax


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"x": np.zeros(4)}, ValueError, r"x must be one sample, of shape \(3,\)"),
        ({"x": np.zeros((1, 3))}, ValueError, r"got shape \(1, 3\)"),
        ({"y": np.zeros(3)}, ValueError, r"y must be one sample, of shape \(2,\)"),
        ({"x": np.array([0.0, np.nan, 1.0])}, ValueError, "finite"),
        ({"fmt": "%d"}, ValueError, "fmt must be a float format"),
        ({"max_width": 3}, ValueError, "at most max_width=3 units"),
        ({"ax": "axes"}, TypeError, "ax must be a Matplotlib Axes"),
        ({"net": "network"}, TypeError, "net must be an mlpcore.MLP"),
    ],
)
def test_bad_arguments_are_refused(change, error, match):
    net, x, y = chapter_3_network()
    arguments = {"net": net, "x": x, "y": y} | change
    with pytest.raises(error, match=match):
        plotting.backward_pass(**arguments)
