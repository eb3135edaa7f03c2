"""The figures return Axes holding the expected artists."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.contour import QuadContourSet  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import mlpcore  # noqa: E402
from mlpcore import History, plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("sizes", [[3, 4, 2, 2], [2, 1], [1, 5, 5, 5, 1]])
def test_draw_network_has_one_circle_per_unit_and_one_line_per_weight(sizes):
    ax = plotting.draw_network(sizes)
    assert isinstance(ax, Axes)
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == sum(sizes)
    assert len(ax.lines) == sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    texts = [t.get_text() for t in ax.texts]
    L = len(sizes) - 1
    assert len(texts) == sum(sizes) + len(sizes)
    assert "$x_1$" in texts and rf"$\hat y_{sizes[-1]}$" in texts
    assert "layer 0\ninput" in texts and f"layer {L}\noutput" in texts
    if L > 1:
        assert "$a^{(1)}_{1}$" in texts and "layer 1\nhidden" in texts


def test_draw_network_labels_can_be_turned_off_and_draws_an_mlp():
    net = mlpcore.MLP([3, 4, 2], ["tanh", "sigmoid"])
    ax = plotting.draw_network(net, unit_labels=False, layer_labels=False)
    assert len(ax.texts) == 0
    assert len(ax.lines) == 3 * 4 + 4 * 2
    ax = plotting.draw_network(net, unit_labels=False)
    assert [t.get_text() for t in ax.texts] == [
        "layer 0\ninput",
        "layer 1\nhidden",
        "layer 2\noutput",
    ]


def test_draw_network_uses_a_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    assert plotting.draw_network([2, 2], ax=right) is right
    assert len(left.patches) == 0 and len(right.patches) == 4


@pytest.fixture
def circles_and_net():
    X, y = mlpcore.original.load_data()
    X, y = X[:200], y[:200]
    net = mlpcore.MLP(
        [2, 8, 1], ["tanh", "sigmoid"], loss="binary_cross_entropy", seed=0
    )
    history = mlpcore.train(net, X, y, epochs=20, learning_rate=1.0)
    return X, y, net, history


def test_decision_boundary_of_a_binary_network(circles_and_net):
    X, y, net, _ = circles_and_net
    ax = plotting.decision_boundary(net, X, y, resolution=30)
    assert isinstance(ax, Axes)
    contours = [c for c in ax.get_children() if isinstance(c, QuadContourSet)]
    assert len(contours) == 1
    np.testing.assert_allclose(contours[0].levels, np.linspace(0, 1, 11))
    scatter = [c for c in ax.collections if c.get_offsets().shape == (200, 2)]
    assert len(scatter) == 1
    np.testing.assert_array_equal(scatter[0].get_offsets(), X)
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    # The shaded region spans the data plus the padding.
    x0, x1 = ax.get_xlim()
    assert x0 <= X[:, 0].min() - 0.25 + 1e-9 and x1 >= X[:, 0].max() + 0.25 - 1e-9


def test_decision_boundary_of_a_multiclass_predict_function(rng):
    X = rng.normal(size=(60, 2))
    y = rng.integers(0, 3, size=60)
    seen = []

    def scores(points):
        seen.append(points.shape)
        return np.column_stack([points[:, 0], points[:, 1], -points[:, 0]])

    ax = plotting.decision_boundary(scores, X, y, resolution=25, padding=0.5)
    assert seen == [(25 * 25, 2)]
    contours = [c for c in ax.get_children() if isinstance(c, QuadContourSet)]
    np.testing.assert_allclose(contours[0].levels, [-0.5, 0.5, 1.5, 2.5])


def test_training_history_with_accuracy_has_a_twin_axis(circles_and_net):
    *_, history = circles_and_net
    fig, ax = plt.subplots()
    assert plotting.training_history(history, ax=ax, label="tanh") is ax
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), history.loss)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(20))
    assert ax.lines[0].get_label() == "tanh"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    twins = [a for a in fig.axes if a is not ax]
    assert len(twins) == 1 and twins[0].get_ylabel() == "accuracy"
    np.testing.assert_array_equal(twins[0].lines[0].get_ydata(), history.accuracy)


def test_training_history_without_accuracy_has_one_axis():
    history = History(loss=[3.0, 2.0, 1.5])
    ax = plotting.training_history(history)
    assert len(ax.figure.axes) == 1
    assert ax.lines[0].get_label() == "loss"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [3.0, 2.0, 1.5])


def test_plotting_is_importable_as_an_attribute():
    assert mlpcore.plotting is plotting
    assert {"plotting", "original", "MLPClassifier", "MLPRegressor", "train"} <= set(
        dir(mlpcore)
    )
    assert set(mlpcore.__all__) <= set(dir(mlpcore))
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        mlpcore.nonexistent  # noqa: B018
