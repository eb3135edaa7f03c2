"""Figures used throughout the book: networks, decision boundaries, histories.

Every function draws on a Matplotlib ``Axes`` (a new one when ``ax`` is
``None``) and returns it, so figures can be composed and tested.
"""

import math
import numbers

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from ._validation import as_float_matrix
from .network import MLP, check_layer_sizes


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    elif not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a Matplotlib Axes or None; got {type(ax).__name__}"
        )
    return ax


def draw_network(layer_sizes, ax=None, unit_labels=True, layer_labels=True):
    """Draw a fully connected network as layers of labelled units.

    Chapter 2 uses it for the tutorial's 3-4-2-2 network. Units are labelled
    as in the text: ``x_j`` for inputs, ``a^{(k)}_i`` for hidden units and
    ``ŷ_i`` for outputs, numbered from 1.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_0, ..., n_L]``, or an :class:`MLP` whose sizes to draw.
    ax : matplotlib Axes, optional
    unit_labels, layer_labels : bool, default True
        Whether to write each unit's symbol and each layer's name.

    Returns
    -------
    matplotlib Axes

    Used in :ref:`ch2-network`.
    """
    if isinstance(layer_sizes, MLP):
        layer_sizes = layer_sizes.layer_sizes
    sizes = check_layer_sizes(layer_sizes)
    L = len(sizes) - 1
    ax = _axes(ax, (1.8 * (L + 1), 0.9 * max(sizes) + 1))
    tallest = max(sizes)
    positions = []
    for k, n in enumerate(sizes):
        ys = (np.arange(n) - (n - 1) / 2)[::-1] + 0.0
        positions.append([(k * 2.0, y) for y in ys])
    for k in range(1, L + 1):
        for x0, y0 in positions[k - 1]:
            for x1, y1 in positions[k]:
                ax.plot([x0, x1], [y0, y1], color="0.6", lw=0.8, zorder=1)
    for k, layer in enumerate(positions):
        color = "#9ecae1" if k == 0 else "#fdae6b" if k == L else "#a1d99b"
        for i, (x, y) in enumerate(layer, 1):
            ax.add_patch(
                plt.Circle((x, y), 0.32, facecolor=color, edgecolor="0.2", zorder=2)
            )
            if unit_labels:
                label = (
                    f"$x_{i}$"
                    if k == 0
                    else rf"$\hat y_{i}$"
                    if k == L
                    else f"$a^{{({k})}}_{{{i}}}$"
                )
                ax.text(x, y, label, ha="center", va="center", fontsize=10, zorder=3)
        if layer_labels:
            name = "input" if k == 0 else "output" if k == L else "hidden"
            ax.text(
                k * 2.0,
                -tallest / 2 - 0.3,
                f"layer {k}\n{name}",
                ha="center",
                va="top",
                fontsize=9,
            )
    ax.set_xlim(-0.7, 2.0 * L + 0.7)
    ax.set_ylim(-tallest / 2 - 1.2, tallest / 2 + 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def decision_boundary(predict, X, y, ax=None, resolution=200, padding=0.25):
    """Shade the regions a classifier assigns to each class, with the data on top.

    Parameters
    ----------
    predict : callable or MLP
        Maps an ``(m, 2)`` array of points to scores: for one output, the
        probability of class 1; for several, one column per class. An
        :class:`MLP` uses its ``forward``.
    X : ndarray, shape (n_samples, 2)
    y : ndarray, shape (n_samples,) or (n_samples, 1)
        Class labels 0, 1, ... of the points.
    ax : matplotlib Axes, optional
    resolution : int, default 200
        Grid points per axis.
    padding : float, default 0.25
        Margin around the data, in data units.

    Returns
    -------
    matplotlib Axes

    Used in :ref:`ch5-corrected`.
    """
    if isinstance(predict, MLP):
        predict = predict.forward
    if not callable(predict):
        raise TypeError(
            f"predict must be callable or an MLP; got {type(predict).__name__}"
        )
    X = as_float_matrix(X, "X", np.float64, n_columns=2)
    y = np.asarray(y).reshape(-1)
    if len(y) != len(X):
        raise ValueError(f"y must have one label per row of X ({len(X)}); got {len(y)}")
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, numbers.Integral)
        or resolution < 2
    ):
        raise ValueError(f"resolution must be an integer >= 2; got {resolution!r}")
    if (
        isinstance(padding, bool)
        or not isinstance(padding, numbers.Real)
        or not math.isfinite(padding)
        or padding < 0
    ):
        raise ValueError(f"padding must be a finite number >= 0; got {padding!r}")
    ax = _axes(ax, (5, 5))
    (x0, y0), (x1, y1) = X.min(axis=0) - padding, X.max(axis=0) + padding
    gx, gy = np.meshgrid(
        np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    )
    scores = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()])))
    if scores.ndim == 2 and scores.shape[1] > 1:
        regions = scores.argmax(axis=1)
        levels = np.arange(scores.shape[1] + 1) - 0.5
    else:
        regions = scores.reshape(-1)
        levels = np.linspace(0, 1, 11)
    ax.contourf(
        gx, gy, regions.reshape(gx.shape), levels=levels, cmap="RdBu", alpha=0.35
    )
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu", s=10, edgecolors="k", linewidths=0.2)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    return ax


def training_history(history, ax=None, label=None):
    """Plot loss per epoch, and accuracy on a second axis when recorded.

    Parameters
    ----------
    history : History
        What :func:`mlpcore.train` returned.
    ax : matplotlib Axes, optional
    label : str, optional
        Legend label for the loss curve.

    Returns
    -------
    matplotlib Axes
        The loss axes (accuracy, if any, is on its twin).

    Used in :ref:`ch5-corrected`.
    """
    if not hasattr(history, "loss") or len(history.loss) == 0:
        raise ValueError(
            "history must be a History with at least one epoch recorded; "
            f"got {history!r:.80}"
        )
    ax = _axes(ax, (6, 3.5))
    epochs = np.arange(len(history.loss))
    ax.plot(epochs, history.loss, color="C0", label=label or "loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color="C0")
    if len(history.accuracy):
        twin = ax.twinx()
        twin.plot(epochs, history.accuracy, color="C1", label="accuracy")
        twin.set_ylabel("accuracy", color="C1")
        twin.set_ylim(0, 1.02)
    return ax


def draw_graph(root, ax=None, labels=True, fmt=".3g", max_nodes=150):
    """Draw the computational graph of an :class:`mlpcore.autodiff.Value`.

    Each node is placed one column to the right of its latest input (an
    input node just left of its first use), so the graph reads from the
    inputs on the left to ``root`` on the right. Input nodes are square,
    operations round. With ``labels``, a node shows its label or operation
    and its value, and each edge the local derivative of the node it enters
    with respect to the node it leaves.

    Parameters
    ----------
    root : Value
        The output of the graph; every node it was computed from is drawn.
    ax : matplotlib Axes, optional
    labels : bool, default True
        Write values and local derivatives; ``False`` draws each node as a
        marker (for large graphs).
    fmt : str, default ".3g"
        Format of the numbers written.
    max_nodes : int, default 150
        Refuse larger graphs: they are unreadable as a figure.

    Returns
    -------
    matplotlib Axes
        With ``labels``, one boxed text per node and one text per edge;
        without, one marker line per node. One arrow patch per edge (an
        input used twice by a node gives two).

    Derived in :ref:`ch8-graph`.
    """
    from matplotlib.patches import FancyArrowPatch

    from .autodiff import Value, topological_order

    if not isinstance(root, Value):
        raise TypeError(f"root must be an autodiff.Value; got {type(root).__name__}")
    if not isinstance(labels, bool):
        raise TypeError(f"labels must be True or False; got {labels!r}")
    try:
        format(1.5, fmt)
    except (TypeError, ValueError):
        raise ValueError(
            f"fmt must be a float format such as '.3g'; got {fmt!r}"
        ) from None
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            "draw a smaller one or raise max_nodes"
        )
    depth = {}  # the longest path from an input
    for node in order:  # inputs before the nodes computed from them
        depth[node] = 1 + max((depth[a] for a in node.inputs), default=-1)
    consumers = {node: [] for node in order}
    for node in order:
        for a in node.inputs:
            consumers[a].append(node)
    column = {root: depth[root]}
    for node in reversed(order[:-1]):  # each node just left of its first use
        column[node] = min(column[c] for c in consumers[node]) - 1
    columns = {}
    for node in order:
        columns.setdefault(column[node], []).append(node)
    first = min(columns)
    position = {}

    def place(c):
        nodes = columns[c]
        for r, node in enumerate(nodes):
            position[node] = (1.6 * (c - first), (len(nodes) - 1) / 2 - r)

    for c in columns:
        place(c)
    for _ in range(4):  # fewer crossings: order each column by its neighbours' rows
        for c in sorted(columns):
            neighbours = {n: n.inputs or consumers[n] for n in columns[c]}
            columns[c].sort(
                key=lambda n: (
                    -np.mean([position[m][1] for m in neighbours[n]])
                    if neighbours[n]
                    else -position[n][1]
                )
            )
            place(c)
    width = 1.6 * (max(columns) - first) + 1.6
    height = max(len(nodes) for nodes in columns.values())
    ax = _axes(ax, (min(1.2 * width + 1, 14), min(0.9 * height + 0.8, 12)))
    obstacles = list(position.values())
    for node in order:
        seen = {}
        for a, d in zip(node.inputs, node.local_derivatives):
            k = seen[a] = seen.get(a, -1) + 1  # a second edge from a bends more
            r = 0.25 * k
            if column[node] - column[a] > 1:  # bend around the nodes in between
                r = _bend(position[a], position[node], obstacles) + r
            arrow = FancyArrowPatch(
                position[a],
                position[node],
                arrowstyle="-|>",
                mutation_scale=10,
                connectionstyle=f"arc3,rad={r}",
                shrinkA=14 if labels else 3,
                shrinkB=14 if labels else 4,
                color="0.45",
                lw=0.9,
                zorder=1,
            )
            ax.add_patch(arrow)
            if labels:  # at the middle of the arc, above it (below a bent one)
                (x0, y0), (x1, y1) = position[a], position[node]
                ax.text(
                    (x0 + x1) / 2 + r * (y1 - y0) / 2,
                    (y0 + y1) / 2 - r * (x1 - x0) / 2 + (0.08 if r == 0 else -0.08),
                    format(d, fmt),
                    ha="center",
                    va="bottom" if r == 0 else "top",
                    fontsize=7,
                    color="C3",
                    zorder=3,
                )
    for node in order:
        shape = "round" if node.inputs else "square"
        color = "#fdae6b" if node is root else "#a1d99b" if node.inputs else "#9ecae1"
        if not labels:  # a marker per node
            ax.plot(
                *position[node],
                "o" if node.inputs else "s",
                ms=5,
                mfc=color,
                mec="0.2",
                mew=0.6,
                zorder=2,
            )
            continue
        name = node.label or node.op
        if node.label and node.op:
            name = f"{node.label}: {node.op}"
        text = f"{name}\n{format(node.value, fmt)}"
        box = {"boxstyle": f"{shape},pad=0.35", "facecolor": color, "edgecolor": "0.2"}
        ax.text(*position[node], text, ha="center", va="center", fontsize=8, bbox=box)
    ax.set_xlim(-0.8, width - 0.8)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.2)
    ax.axis("off")
    return ax


def _bend(start, end, obstacles):
    """The arc3 ``rad`` among a few that keeps the arc from ``start`` to ``end``
    farthest from the ``obstacles`` (node positions) it passes."""
    (x0, y0), (x1, y1) = start, end
    inner = [(x, y) for x, y in obstacles if x0 < x < x1]

    def clearance(r):
        cx, cy = (x0 + x1) / 2 + r * (y1 - y0), (y0 + y1) / 2 - r * (x1 - x0)
        points = [
            (
                (1 - t) ** 2 * x0 + 2 * t * (1 - t) * cx + t * t * x1,
                (1 - t) ** 2 * y0 + 2 * t * (1 - t) * cy + t * t * y1,
            )
            for t in (0.2, 0.35, 0.5, 0.65, 0.8)
        ]
        return min(
            (math.hypot(px - x, py - y) for px, py in points for x, y in inner),
            default=math.inf,
        )

    return max((0.3, -0.3, 0.15, -0.15, 0.5, -0.5), key=clearance)


def backward_pass(net, x, y, ax=None, fmt=".2f", max_width=8):
    """Draw one sample's forward and backward pass through a small network.

    Each unit shows its forward value, ``x_j`` for the inputs and
    ``a^(k)_i`` for layers 1..L; under each unit of layers 1..L its error
    ``δ^(k)_i = ∂ℓ/∂z^(k)_i`` is written in red. Each weight's edge carries
    ``∂ℓ/∂w^(k)_ij``, in blue when positive and red when negative, with a
    width that grows with its size; the labels of the weights into one unit
    are stacked in front of it, in the order of the sending units. A box on the
    right holds the sample's loss ℓ, computed as :meth:`mlpcore.MLP.loss_value`
    computes it (from ``z^(L)`` when the output error is fused); the edges into
    it carry ``∂ℓ/∂ŷ_i``.
    The values come from :func:`mlpcore.per_unit.forward` and
    :func:`mlpcore.per_unit.gradients` on the one-sample data set ``(x, y)``.

    Parameters
    ----------
    net : MLP
    x : array_like, shape (n_0,)
        One sample.
    y : array_like, shape (n_L,)
        Its target.
    ax : matplotlib Axes, optional
    fmt : str, default ".2f"
        Format of the numbers written.
    max_width : int, default 8
        Refuse wider layers: their labels would overlap.

    Returns
    -------
    matplotlib Axes
        Its texts have gids ``"value"`` (one per unit), ``"delta"`` (one per
        unit of layers 1..L), ``"gradient"`` (one per weight, then one per
        output for ``∂ℓ/∂ŷ``) and ``"loss"``.

    Used in :ref:`ch3-picture`.
    """
    from . import per_unit
    from .network import check_network

    check_network(net)
    try:
        format(1.5, fmt)
    except (TypeError, ValueError):
        raise ValueError(
            f"fmt must be a float format such as '.2f'; got {fmt!r}"
        ) from None
    if max(net.layer_sizes) > max_width:
        raise ValueError(
            f"layers of at most max_width={max_width} units can be drawn; "
            f"this network has {max(net.layer_sizes)}"
        )
    for name, value, n in (("x", x, net.layer_sizes[0]), ("y", y, net.layer_sizes[-1])):
        if np.shape(value) != (n,):
            raise ValueError(
                f"{name} must be one sample, of shape ({n},); got shape {np.shape(value)}"
            )
    X1 = np.reshape(np.asarray(x, dtype=net.dtype), (1, -1))
    Y1 = np.reshape(np.asarray(y, dtype=net.dtype), (1, -1))
    dW, db = per_unit.gradients(net, X1, Y1)  # checks that x and y are finite
    z, a = per_unit.forward(net, X1[0])
    L, sizes = net.n_layers, net.layer_sizes
    yhat = a[L].reshape(1, -1)
    loss = net.loss_of(Y1, z[L].reshape(1, -1), yhat)  # as loss_value computes it
    dl_dyhat = net.loss.derivative(Y1, yhat)[0]

    tallest = max(sizes)
    ax = _axes(ax, (2.6 * L + 2.8, 1.05 * tallest + 1.2))
    positions = [
        [(2.6 * k, y0) for y0 in (np.arange(n) - (n - 1) / 2)[::-1]]
        for k, n in enumerate(sizes)
    ]
    loss_at = (2.6 * L + 1.8, 0.0)
    largest = max(np.abs(dW[k]).max() for k in range(1, L + 1)) or 1.0
    edges = [
        # at n/(n + 1) of the way, the labels into a unit are evenly spaced
        (positions[k - 1][j], positions[k][i], dW[k][j, i], n / (n + 1))
        for k, n in zip(range(1, L + 1), sizes)
        for j in range(sizes[k - 1])
        for i in range(sizes[k])
    ]
    edges += [(positions[L][i], loss_at, dl_dyhat[i], 0.4) for i in range(sizes[L])]
    for (x0, y0), (x1, y1), g, t in edges:
        color = "C0" if g >= 0 else "C3"
        width = 0.4 + 2.6 * min(abs(g) / largest, 1.0)
        ax.plot([x0, x1], [y0, y1], color=color, lw=width, alpha=0.55, zorder=1)
        ax.text(
            x0 + t * (x1 - x0),
            y0 + t * (y1 - y0),
            format(g, fmt),
            ha="center",
            va="center",
            fontsize=6.5,
            color=color,
            zorder=3,
            gid="gradient",
            bbox={
                "boxstyle": "round,pad=0.1",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85,
            },
        )
    for k, layer in enumerate(positions):
        face = "#9ecae1" if k == 0 else "#fdae6b" if k == L else "#a1d99b"
        for i, (px, py) in enumerate(layer):
            ax.add_patch(
                plt.Circle((px, py), 0.3, facecolor=face, edgecolor="0.2", zorder=2)
            )
            ax.text(
                px,
                py,
                format(a[k][i], fmt),
                ha="center",
                va="center",
                fontsize=8,
                zorder=4,
                gid="value",
            )
            if k > 0:
                ax.text(
                    px,
                    py - 0.38,
                    "δ " + format(db[k][0, i], fmt),
                    ha="center",
                    va="top",
                    fontsize=7,
                    color="C3",
                    zorder=4,
                    gid="delta",
                )
        name = "input" if k == 0 else "output" if k == L else "hidden"
        ax.text(
            2.6 * k,
            -tallest / 2 - 0.25,
            f"layer {k}\n{name}",
            ha="center",
            va="top",
            fontsize=8,
        )
    ax.text(
        *loss_at,
        "ℓ\n" + format(loss, fmt),
        ha="center",
        va="center",
        fontsize=8,
        zorder=4,
        gid="loss",
        bbox={"boxstyle": "square,pad=0.4", "facecolor": "#fee391", "edgecolor": "0.2"},
    )
    ax.set_xlim(-0.6, loss_at[0] + 0.6)
    ax.set_ylim(-tallest / 2 - 1.0, tallest / 2 + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
