"""The original tutorial's run, and its mistakes, reproduced with mlpcore.

The tutorial the course grew from (Tam, 2021) trains a [2, 4, 3, 1] network on
two circles, full batch, 150 iterations at η = 0.005. It prints a loss of
693.6297 before training, an accuracy of 0.818 at iteration 145 and 0.614 at
149. The iterations it leaves out (its ``...``) peak at 0.922 at iteration
121; the loss first rises at iteration 91 and then oscillates between 664.6
and 715.1: it does not diverge.

Its code has three mistakes that change how it trains and a fourth slip that
changes only what it prints. Each is a switch here, so that chapter 5 can
reproduce the run exactly and then remove them one at a time, and chapter 6
and the errata can show which of them a gradient check catches (mistakes 1
and 3; the summed gradient of mistake 2 belongs to the summed loss the
tutorial computes, so a check of that loss passes it):

``sigmoid_derivative_doubled`` (mistake 1)
    Its ``dsigmoid`` returns ``2σ(1-σ)``: every gradient is doubled.
``gradient_summed`` (mistake 2)
    Its ``d_cross_entropy`` returns the per-sample derivative ``∂ℓ_s/∂ŷ_s``,
    with no ``1/n``, so ``dW = Aᵀ dZ`` is the gradient of the *summed* loss
    ``Σ_s ℓ_s``: ``n`` = 1000 times the gradient of the mean.
``printed_summed`` (a separate slip, in the print)
    Its ``cross_entropy`` divides by ``y.shape[1]`` (1 output) instead of
    ``y.shape[0]`` (1000 samples), so the printed "average" is the sum:
    693.6 where the mean is 0.6936. That value is only printed: this switch
    changes no gradient, and a run with it off trains bit for bit the same.
``db_averaged`` (mistake 3)
    Its ``backward`` sums ``dW`` over the samples but averages ``db``
    (``np.mean(dz, axis=0)``), so the biases step ``n`` times less far than
    the weights. It lives inside ``backward``, as in the tutorial
    (:class:`TutorialMLP`), where a gradient check sees it.

``loss_summed`` is the name of earlier editions for ``gradient_summed`` and
``printed_summed`` together (the tutorial's loss, both halves); it still
works, and the two specific switches, when given, take precedence.

The API
-------
:func:`load_data`
    The tutorial's 1000 points.
:func:`network`
    ``network(sigmoid_derivative_doubled=True, loss_summed=True, seed=42, *,
    gradient_summed=None, printed_summed=None, db_averaged=False)``: the
    tutorial's network, with each slip a switch. ``db_averaged`` is off by
    default here, so that ``network()`` has the gradients of its own loss;
    :func:`run` switches it on.
:func:`step`
    One iteration of the tutorial's loop: forward, loss, backward, update.
:func:`run`
    ``run(X, y, iterations=150, learning_rate=0.005,
    sigmoid_derivative_doubled=True, loss_summed=True, db_averaged=True,
    seed=42, *, gradient_summed=None, printed_summed=None)`` returns the
    trained network and its :class:`~mlpcore.training.History`. With the
    defaults it prints the tutorial's numbers.
Losses
    :data:`summed_binary_cross_entropy` (the tutorial's: value and gradient
    summed), :data:`binary_cross_entropy_summed_gradient` (only the print
    fixed), :data:`binary_cross_entropy_summed_value` (only the gradient
    fixed); ``"binary_cross_entropy"`` is both fixed.

With every switch off this is ordinary, correct gradient descent with the
tutorial's initialisation.
"""

import numpy as np

from ._validation import check_bool
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
    # the print's slip: divides by the number of outputs, y.shape[1], not of samples
    return binary_cross_entropy.f(y, yhat) * len(y) / y.shape[1]


def _summed_cross_entropy_derivative(y, yhat):
    # mistake 2: d_cross_entropy is the per-sample derivative, without 1/n
    return binary_cross_entropy.df(y, yhat) * len(y)


#: Sigmoid with the tutorial's derivative, ``2σ(1-σ)``.
sigmoid_doubled_derivative = Activation(
    "sigmoid_doubled_derivative", sigmoid.f, _sigmoid_doubled_derivative
)

#: The tutorial's loss: its value and its gradient both summed over the samples.
summed_binary_cross_entropy = Loss(
    "summed_binary_cross_entropy",
    _summed_cross_entropy,
    _summed_cross_entropy_derivative,
)

#: Only the print fixed: the mean as value, the summed loss's gradient.
binary_cross_entropy_summed_gradient = Loss(
    "binary_cross_entropy_summed_gradient",
    binary_cross_entropy.f,
    _summed_cross_entropy_derivative,
)

#: Only ``d_cross_entropy`` fixed: the sum as value, the mean's gradient.
binary_cross_entropy_summed_value = Loss(
    "binary_cross_entropy_summed_value",
    _summed_cross_entropy,
    binary_cross_entropy.df,
)

_LOSSES = {
    (True, True): summed_binary_cross_entropy,
    (True, False): binary_cross_entropy_summed_gradient,
    (False, True): binary_cross_entropy_summed_value,
    (False, False): binary_cross_entropy,
}


class TutorialMLP(MLP):
    """An :class:`~mlpcore.MLP` whose ``backward`` averages ``db``, as the tutorial's.

    The tutorial's ``backward`` computes ``dW[k] = a[k-1]ᵀ dz[k]``, a sum over
    the samples, but ``db[k] = np.mean(dz[k], axis=0)``, a mean (mistake 3).
    The division does not reach the layers below: they are computed from
    ``dz``, not from ``db``.

    Used in :ref:`ch6-tutorial-mistakes`.
    """

    def backward(self, y):
        """:meth:`MLP.backward`, then every ``db[k]`` divided by the number of samples.

        Used in :ref:`ch6-tutorial-mistakes`.
        """
        super().backward(y)
        n = len(self.a[0])
        for k in range(1, self.n_layers + 1):
            self.db[k] = self.db[k] / n  # mistake 3: dW sums over samples, db averages


def load_data():
    """The tutorial's data: 1000 points on two circles, ``y`` of shape (1000, 1).

    The tutorial seeds the global generator with 0 before calling
    ``make_circles``; ``random_state=0`` draws the same points without
    touching the global state.

    Used in :ref:`ch5-data`.
    """
    # Imported here: scikit-learn takes 0.6 s to import, which a chapter that only
    # uses the tutorial's network would pay for nothing.
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    return X, y.reshape(-1, 1).astype(np.float64)


def _loss(loss_summed, gradient_summed, printed_summed):
    loss_summed = check_bool(loss_summed, "loss_summed")
    if gradient_summed is None:
        gradient_summed = loss_summed
    if printed_summed is None:
        printed_summed = loss_summed
    gradient_summed = check_bool(gradient_summed, "gradient_summed")
    printed_summed = check_bool(printed_summed, "printed_summed")
    return _LOSSES[gradient_summed, printed_summed]


def network(
    sigmoid_derivative_doubled=True,
    loss_summed=True,
    seed=SEED,
    *,
    gradient_summed=None,
    printed_summed=None,
    db_averaged=False,
):
    """The tutorial's [2, 4, 3, 1] ReLU-ReLU-sigmoid network and loss.

    Initialised as the tutorial does (``init="tutorial"``), and using the
    general chain rule at the output, as the tutorial does, so that its σ'
    is actually used.

    Parameters
    ----------
    sigmoid_derivative_doubled : bool, default True
        Mistake 1, ``σ' = 2σ(1-σ)``.
    loss_summed : bool, default True
        The default of the two switches below.
    seed : int, default 42
        The seed of the tutorial's ``RandomState`` draw.
    gradient_summed : bool, optional
        Mistake 2, the gradient of the summed loss (``d_cross_entropy``).
    printed_summed : bool, optional
        The printed divisor: the loss's value is the sum over the samples.
    db_averaged : bool, default False
        Mistake 3, inside ``backward``: a :class:`TutorialMLP`.

    Returns
    -------
    MLP

    Used in :ref:`ch5-tutorial-run`.
    """
    doubled = check_bool(sigmoid_derivative_doubled, "sigmoid_derivative_doubled")
    loss = _loss(loss_summed, gradient_summed, printed_summed)
    cls = TutorialMLP if check_bool(db_averaged, "db_averaged") else MLP
    return cls(
        LAYER_SIZES,
        ["relu", "relu", sigmoid_doubled_derivative if doubled else "sigmoid"],
        loss=loss,
        seed=seed,
        init="tutorial",
        fused_output=False,
    )


def step(net, X, y, learning_rate=LEARNING_RATE):
    """One iteration of the tutorial's loop: forward, loss, backward, update.

    Returns the loss and ``ŷ`` of the forward pass, before the update.

    Used in :ref:`ch5-tutorial-run`.
    """
    yhat = net.forward(X)
    loss = net.loss(y, yhat)
    net.backward(y)
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
    *,
    gradient_summed=None,
    printed_summed=None,
):
    """Train like the tutorial, full batch; return the network and its history.

    Each history entry is measured on the forward pass before that
    iteration's update, as the tutorial prints them. The switches are those
    of :func:`network`; ``db_averaged`` is on by default here, as in the
    tutorial.

    Returns
    -------
    net : MLP
        The network after the last update.
    history : History
        ``loss`` and ``accuracy`` of every iteration.

    Used in :ref:`ch5-tutorial-run`.
    """
    net = network(
        sigmoid_derivative_doubled,
        loss_summed,
        seed,
        gradient_summed=gradient_summed,
        printed_summed=printed_summed,
        db_averaged=db_averaged,
    )
    history = History()
    for _ in range(iterations):
        loss, yhat = step(net, X, y, learning_rate)
        history.loss.append(loss)
        history.accuracy.append(n_correct(y, yhat) / len(y))
    return net, history
