"""Loss functions, each defined next to its gradient.

Every loss here is the **mean over the samples** (rows) of a per-sample loss
that **sums over the output units** (columns). For ``n`` samples,
``L = (1/n) Σ_s ℓ(y_s, ŷ_s)``, so the gradient with respect to ``ŷ`` carries a
factor ``1/n``. That factor is what makes ``dW`` and ``db`` gradients of the
same number (chapter 5 shows what goes wrong without it).

Log losses clip ``ŷ`` to ``[eps, 1 - eps]`` with the machine epsilon of the
array's dtype, so they stay finite at ``ŷ = 0`` or ``1``.
"""

import numpy as np

from ._validation import lookup


class Loss:
    """A loss ``L(y, ŷ)`` with its gradient ``∂L/∂ŷ``.

    Parameters
    ----------
    name : str
        The name the loss is known by.
    f : callable
        ``f(y, yhat) -> float``, the loss averaged over samples.
    gradient : callable
        ``gradient(y, yhat) -> array``, ``∂L/∂ŷ`` with the shape of ``yhat``.
    output_activation : str, optional
        The name of the output activation this loss pairs with (its
        *canonical link*). For that pair the error at the output
        pre-activation simplifies to ``output_error(y, yhat)``.
    output_error : callable, optional
        ``output_error(y, yhat) -> array``, ``∂L/∂z`` at the output layer for
        the paired activation.
    """

    def __init__(self, name, f, gradient, output_activation=None, output_error=None):
        if not isinstance(name, str):
            raise TypeError(f"name must be a str; got {type(name).__name__}")
        for label, func in (("f", f), ("gradient", gradient)):
            if not callable(func):
                raise TypeError(f"{label} must be callable; got {type(func).__name__}")
        if (output_activation is None) != (output_error is None):
            raise ValueError(
                "output_activation and output_error must be given together; got "
                f"output_activation={output_activation!r} and "
                f"output_error={output_error!r}"
            )
        if output_activation is not None and not isinstance(output_activation, str):
            raise TypeError(
                "output_activation must be a str; "
                f"got {type(output_activation).__name__}"
            )
        if output_error is not None and not callable(output_error):
            raise TypeError(
                f"output_error must be callable; got {type(output_error).__name__}"
            )
        self.name = name
        self.f = f
        self._gradient = gradient
        self.output_activation = output_activation
        self.output_error = output_error

    def __call__(self, y, yhat):
        """Return the loss, a Python float."""
        return float(self.f(y, yhat))

    def gradient(self, y, yhat):
        """Return ``∂L/∂ŷ``, an array shaped like ``yhat``."""
        return self._gradient(y, yhat)

    def __repr__(self):
        return f"Loss({self.name!r})"


_EPS = {
    np.dtype(t): np.finfo(t).eps
    for t in (np.float16, np.float32, np.float64, np.longdouble)
}


def _clip(yhat):
    eps = _EPS[yhat.dtype]  # np.finfo(yhat.dtype).eps, looked up once
    return yhat.clip(eps, 1 - eps)


def _binary_cross_entropy(y, yhat):
    p = _clip(yhat)
    # vdot multiplies element-wise and sums in one call: Σ y log p + Σ (1-y) log(1-p)
    return -(np.vdot(y, np.log(p)) + np.vdot(1 - y, np.log1p(-p))) / len(y)


def _binary_cross_entropy_gradient(y, yhat):
    p = _clip(yhat)
    return (p - y) / (p * (1 - p) * len(y))


def _cross_entropy(y, yhat):
    return -np.vdot(y, np.log(_clip(yhat))) / len(y)


def _cross_entropy_gradient(y, yhat):
    return -y / (_clip(yhat) * len(y))


def _squared_error(y, yhat):
    r = yhat - y
    return (r * r).sum() / len(y)


def _squared_error_gradient(y, yhat):
    return (yhat - y) * (2 / len(y))


# For the three pairs below ∂L/∂z at the output is (ŷ - y)/n (times 2 for the
# squared error): the 1/(ŷ(1-ŷ)) of the log-loss gradient cancels the
# sigmoid's derivative ŷ(1-ŷ), the softmax Jacobian collapses against the
# one-hot cross-entropy gradient, and the identity's derivative is 1. Using
# the simplified form avoids dividing by ŷ(1-ŷ) when the sigmoid saturates.
def _probability_output_error(y, yhat):
    return (yhat - y) / len(y)


binary_cross_entropy = Loss(
    "binary_cross_entropy",
    _binary_cross_entropy,
    _binary_cross_entropy_gradient,
    output_activation="sigmoid",
    output_error=_probability_output_error,
)
cross_entropy = Loss(
    "cross_entropy",
    _cross_entropy,
    _cross_entropy_gradient,
    output_activation="softmax",
    output_error=_probability_output_error,
)
mean_squared_error = Loss(
    "mean_squared_error",
    _squared_error,
    _squared_error_gradient,
    output_activation="identity",
    output_error=_squared_error_gradient,
)

LOSSES = {
    loss.name: loss
    for loss in (binary_cross_entropy, cross_entropy, mean_squared_error)
}


def get(loss):
    """Return the :class:`Loss` named ``loss``, or ``loss`` itself.

    Raises
    ------
    ValueError
        For an unknown name.
    TypeError
        For anything that is neither a name nor a :class:`Loss`.
    """
    return lookup(loss, LOSSES, Loss, "loss")
