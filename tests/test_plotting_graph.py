"""plotting.draw_graph: one box per node, one arrow per edge, labelled with values and
local derivatives, laid out from the inputs to the output."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from mlpcore import autodiff, plotting  # noqa: E402
from mlpcore.autodiff import Value  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def chapter_1_graph():
    x = Value(0.8, label="x")
    t, u, v = x**2, x.exp(), x**3
    t.label, u.label, v.label = "t", "u", "v"
    f = t * u**2 + v.sin()
    f.label = "f"
    return x, f


def node_texts(ax):
    return [t for t in ax.texts if t.get_bbox_patch() is not None]


def test_one_box_per_node_and_one_arrow_per_edge_with_their_numbers():
    x, f = chapter_1_graph()
    ax = plotting.draw_graph(f)
    order = autodiff.topological_order(f)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    n_edges = sum(len(n.inputs) for n in order)
    assert len(order) == 8 and n_edges == 9
    assert len(node_texts(ax)) == 8 and len(arrows) == 9
    texts = {t.get_text() for t in node_texts(ax)}
    assert "x\n0.8" in texts and "t: **2\n0.64" in texts and "sin\n0.49" in texts
    assert f"f: +\n{f.value:.3g}" in texts
    edge_labels = sorted(t.get_text() for t in ax.texts if t.get_bbox_patch() is None)
    expected = sorted(format(d, ".3g") for n in order for d in n.local_derivatives)
    assert edge_labels == expected


def test_inputs_are_left_of_the_nodes_computed_from_them():
    x, f = chapter_1_graph()
    ax = plotting.draw_graph(f)
    where = {t.get_text().split("\n")[0]: t.get_position() for t in node_texts(ax)}
    assert where["x"][0] < where["u: exp"][0] < where["**2"][0] < where["*"][0]
    assert where["f: +"][0] == max(p[0] for p in where.values())
    assert where["x"][0] == min(p[0] for p in where.values())


def test_a_node_used_twice_gets_two_arrows_and_labels_can_be_turned_off():
    a = Value(1.5, label="a")
    g = a * a + a
    ax = plotting.draw_graph(g, labels=False, fmt=".2f")
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 4  # a -> * twice, * -> +, a -> +
    assert len(ax.texts) == 0 and len(ax.lines) == 3  # one marker per node
    assert sorted(line.get_marker() for line in ax.lines) == ["o", "o", "s"]
    _, existing = plt.subplots()
    assert plotting.draw_graph(Value(2.0), ax=existing) is existing


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"root": 2.0}, TypeError, "autodiff.Value"),
        ({"root": autodiff.Dual(1.0)}, TypeError, "autodiff.Value"),
        ({"labels": "yes"}, TypeError, "labels"),
        ({"fmt": "%d"}, ValueError, "fmt"),
        ({"max_nodes": 5}, ValueError, "8 nodes"),
        ({"ax": "axes"}, TypeError, "Axes"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    kwargs = {"root": chapter_1_graph()[1], **kwargs}
    with pytest.raises(error, match=match):
        plotting.draw_graph(**kwargs)
