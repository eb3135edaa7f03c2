"""Gradient-descent training loop (chapter 5, "Training on two circles")."""

import math
from dataclasses import dataclass, field

import numpy as np

from . import losses
from ._validation import (
    check_bool,
    check_callable,
    check_learning_rate,
    check_positive_int,
    check_seed,
)
from .network import check_data

#: The losses for which :func:`train` records accuracy.
CLASSIFICATION_LOSSES = (losses.binary_cross_entropy, losses.cross_entropy)


class TrainingDiverged(FloatingPointError):
    """Raised when the loss becomes NaN or infinite during training.

    Used in :ref:`ch5-diverges`.
    """


@dataclass
class History:
    """What :func:`train` records, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        The mean loss over the epoch's samples, measured on the forward
        passes that computed the gradients (before each update).
    accuracy : list of float
        The fraction of those samples classified correctly; recorded only for
        the classification losses (binary and categorical cross-entropy).

    Used in :ref:`ch5-gradient-descent`.
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)

    @property
    def epochs(self):
        """The number of epochs recorded. Used in :ref:`ch5-gradient-descent`."""
        return len(self.loss)


def n_correct(y, yhat):
    """How many rows of ``yhat`` classify like ``y``.

    One output column: the positive class when ``ŷ > 0.5``. Several: the
    column with the largest ``ŷ`` (``y`` one-hot).

    Used in :ref:`ch5-tutorial-run`.
    """
    if yhat.shape[1] == 1:
        return np.count_nonzero((yhat > 0.5) == (y > 0.5))
    return np.count_nonzero(yhat.argmax(axis=1) == y.argmax(axis=1))


def train(
    net,
    X,
    y,
    epochs,
    learning_rate,
    batch_size=None,
    seed=None,
    shuffle=True,
    callback=None,
):
    """Train ``net`` by (mini-batch) gradient descent.

    Each step is the three calls the book walks through:
    ``net.forward(X_batch)``, ``net.backward(y_batch)``,
    ``net.update(learning_rate)``.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)
    epochs : int
        Passes over the data.
    learning_rate : float
        The step size η.
    batch_size : int or None, default None
        ``None`` for full-batch gradient descent, else the size of the
        mini-batches (the last one may be smaller).
    seed : int or None, default None
        Seeds the shuffling of mini-batches (``np.random.default_rng``).
    shuffle : bool, default True
        Shuffle the samples before every epoch (mini-batches only).
    callback : callable, optional
        ``callback(epoch, history, net)`` after every epoch; returning
        ``True`` stops training early.

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        If the loss becomes NaN or infinite; the message says at which epoch.
        The parameters are those that produced it.

    Derived in :ref:`ch5-gradient-descent`.
    """
    X, y = check_data(net, X, y)
    epochs = check_positive_int(epochs, "epochs")
    learning_rate = check_learning_rate(learning_rate)
    batch_size = check_positive_int(batch_size, "batch_size", allow_none=True)
    seed = check_seed(seed)
    shuffle = check_bool(shuffle, "shuffle")
    check_callable(callback, "callback", allow_none=True)
    n = len(X)
    classify = any(net.loss is loss for loss in CLASSIFICATION_LOSSES)
    rng = np.random.default_rng(seed)
    batch = n if batch_size is None else min(batch_size, n)
    history = History()
    # Overflow on the way to a non-finite loss is reported once, as
    # TrainingDiverged, rather than as numpy warnings from inside the network.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            # Shuffling permutes indices only; each batch gathers its own rows, so
            # no copy of the whole data set is made.
            order = rng.permutation(n) if batch < n and shuffle else None
            total_loss, correct = 0.0, 0
            for start in range(0, n, batch):
                rows = (
                    slice(start, start + batch)
                    if order is None
                    else order[start : start + batch]
                )
                Xb, yb = X[rows], y[rows]
                yhat = net.forward(Xb)
                batch_loss = net.loss_value(yb)
                if not math.isfinite(batch_loss):
                    raise TrainingDiverged(
                        f"the loss became {batch_loss} in epoch {epoch} "
                        f"(learning_rate={learning_rate}); "
                        "try a smaller learning rate"
                    )
                total_loss += batch_loss * len(Xb)
                if classify:
                    correct += n_correct(yb, yhat)
                net.backward(yb)
                net.update(learning_rate)
            history.loss.append(total_loss / n)
            if classify:
                history.accuracy.append(correct / n)
            if callback is not None and callback(epoch, history, net):
                break
    return history
