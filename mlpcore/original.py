"""The original tutorial's run, and its mistakes, reproduced with mlpcore.

The tutorial the course grew from (Tam, 2021) trains a [2, 4, 3, 1] network on
two circles and prints a loss of 693.6297 before training, an accuracy of
0.818 at iteration 145, then diverges. Its code has three mistakes that
change the numbers; each is a switch here, so chapter 5 can reproduce the
run exactly and then fix the mistakes one at a time, and chapter 6 can show
the gradient check catching each:

1. ``sigmoid_derivative_doubled``: its σ' returns ``2σ(1-σ)``.
2. ``loss_summed``: its cross-entropy divides by the number of outputs
   (1) instead of the number of samples, so the "mean" loss is a sum over
   1000 samples (693.6 where the mean is 0.694) and every gradient is 1000
   times the gradient of the mean.
3. ``db_averaged``: its ``dW`` sums over the samples while its ``db``
   averages, so the biases move 1000 times more slowly than the weights.

With all three switched off this is ordinary, correct gradient descent with
the tutorial's initialisation.
"""

import numpy as np
from sklearn.datasets import make_circles

from .activations import Activation, sigmoid
from .losses import Loss, binary_cross_entropy
from .network import MLP
from .training import History, n_correct

#: The tutorial's network and training settings.
LAYER_SIZES = (2, 4, 3, 1)
ITERATIONS = 150
LEARNING_RATE = 0.005
SEED = 42


def _sigmoid_doubled_derivative(z):
    s = sigmoid(z)
    return 2 * s * (1 - s)  # mistake 1: the correct derivative is s * (1 - s)


def _summed_cross_entropy(y, yhat):
    # mistake 2: divides by the number of outputs, y.shape[1], not of samples
    return binary_cross_entropy.f(y, yhat) * len(y) / y.shape[1]


def _summed_cross_entropy_derivative(y, yhat):
    return binary_cross_entropy.df(y, yhat) * len(y) / y.shape[1]


#: Sigmoid with the tutorial's derivative, ``2σ(1-σ)``.
sigmoid_doubled_derivative = Activation(
    "sigmoid_doubled_derivative", sigmoid.f, _sigmoid_doubled_derivative
)

#: Binary cross-entropy summed over the samples (divided by the outputs).
summed_binary_cross_entropy = Loss(
    "summed_binary_cross_entropy",
    _summed_cross_entropy,
    _summed_cross_entropy_derivative,
)


def load_data():
    """The tutorial's data: 1000 points on two circles, ``y`` of shape (1000, 1).

    The tutorial seeds the global generator with 0 before calling
    ``make_circles``; ``random_state=0`` draws the same points without
    touching the global state.

    Used in :ref:`ch5-data`.
    """
    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    return X, y.reshape(-1, 1).astype(np.float64)


def network(sigmoid_derivative_doubled=True, loss_summed=True, seed=SEED):
    """The tutorial's [2, 4, 3, 1] ReLU-ReLU-sigmoid network and loss.

    Initialised as the tutorial does (``init="tutorial"``), and using the
    general chain rule at the output, as the tutorial does, so that its σ'
    is actually used.

    Used in :ref:`ch5-tutorial-run`.
    """
    return MLP(
        LAYER_SIZES,
        [
            "relu",
            "relu",
            sigmoid_doubled_derivative if sigmoid_derivative_doubled else "sigmoid",
        ],
        loss=summed_binary_cross_entropy if loss_summed else "binary_cross_entropy",
        seed=seed,
        init="tutorial",
        fused_output=False,
    )


def step(net, X, y, learning_rate=LEARNING_RATE, db_averaged=True):
    """One iteration of the tutorial's loop.

    Returns the loss and ``ŷ`` of the forward pass, before the update.

    Used in :ref:`ch5-tutorial-run`.
    """
    yhat = net.forward(X)
    loss = net.loss(y, yhat)
    net.backward(y)
    if db_averaged:
        for k in range(1, net.n_layers + 1):
            net.db[k] /= len(X)  # mistake 3: dW sums over samples, db averages
    net.update(learning_rate)
    return loss, yhat


def run(
    X,
    y,
    iterations=ITERATIONS,
    learning_rate=LEARNING_RATE,
    sigmoid_derivative_doubled=True,
    loss_summed=True,
    db_averaged=True,
    seed=SEED,
):
    """Train like the tutorial, full batch; return the network and its history.

    Each history entry is measured on the forward pass before that
    iteration's update, as the tutorial prints them.

    Returns
    -------
    net : MLP
        The network after the last update.
    history : History
        ``loss`` and ``accuracy`` of every iteration.

    Used in :ref:`ch5-tutorial-run`.
    """
    net = network(sigmoid_derivative_doubled, loss_summed, seed)
    history = History()
    for _ in range(iterations):
        loss, yhat = step(net, X, y, learning_rate, db_averaged)
        history.loss.append(loss)
        history.accuracy.append(n_correct(y, yhat) / len(y))
    return net, history
