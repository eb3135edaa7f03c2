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
    as in the text: ``x_j`` for inputs, ``h_{k,i}`` for hidden units and
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
                    else f"$h_{{{k},{i}}}$"
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
