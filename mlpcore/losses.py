"""Loss functions, each defined next to its gradient.

Every loss here is the **mean over the samples** (rows) of a per-sample loss
that **sums over the output units** (columns). For ``n`` samples,
``L = (1/n) Σ_s ℓ(y_s, ŷ_s)``, so the gradient with respect to ``ŷ`` carries a
factor ``1/n``. That factor is what makes ``dW`` and ``db`` gradients of the
same number (chapter 2 shows why a mean; chapter 5 what the tutorial's sum did).

Log losses computed from probabilities clip ``ŷ`` to ``[eps, 1 - eps]`` with the
machine epsilon of the array's dtype, so they stay finite at ``ŷ = 0`` or ``1``;
there they are wrong (``σ(z)`` rounds to 1 from ``z ≈ 37`` in float64, and the
clipped loss stays near 36 however large the error). Computed from the output
pre-activations ``z`` (:meth:`Loss.from_logits`) they are exact for any ``z``;
:meth:`mlpcore.MLP.loss_value` and :func:`mlpcore.train` use that form whenever
the output error is fused.
"""

import numpy as np

from . import activations
from ._registry import lookup


class Loss:
    """A loss ``L(y, ŷ)`` together with its derivative ``∂L/∂ŷ``.

    Parameters
    ----------
    name : str
        The name the loss is known by.
    f : callable
        ``f(y, yhat) -> float``, the loss averaged over samples.
    df : callable
        ``df(y, yhat) -> array``, ``∂L/∂ŷ`` with the shape of ``yhat``.
    output_activation : Activation, optional
        The output activation this loss pairs with (its *canonical link*).
        For that pair, and only for that very object, the error at the output
        pre-activation simplifies to ``output_error(y, yhat)``.
    output_error : callable, optional
        ``output_error(y, yhat) -> array``, ``∂L/∂z`` at the output layer for
        the paired activation.
    from_logits : callable, optional
        ``from_logits(y, z) -> float``, the same loss computed from the
        output pre-activations ``z`` of the paired activation, exactly.

    Derived in :ref:`ch2-loss`.
    """

    def __init__(
        self, name, f, df, output_activation=None, output_error=None, from_logits=None
    ):
        if not isinstance(name, str):
            raise TypeError(f"name must be a str; got {type(name).__name__}")
        for label, func in (("f", f), ("df", df)):
            if not callable(func):
                raise TypeError(f"{label} must be callable; got {type(func).__name__}")
        paired = (output_error, from_logits)
        if output_activation is None and any(g is not None for g in paired):
            raise ValueError(
                "output_error and from_logits need the output_activation they "
                "belong to; got output_activation=None"
            )
        if output_activation is not None:
            if not isinstance(output_activation, activations.Activation):
                raise TypeError(
                    "output_activation must be an Activation; "
                    f"got {type(output_activation).__name__}"
                )
            for label, func in (
                ("output_error", output_error),
                ("from_logits", from_logits),
            ):
                if not callable(func):
                    raise TypeError(
                        f"{label} must be callable when output_activation is given; "
                        f"got {type(func).__name__}"
                    )
        self.name = name
        self.f = f
        self.df = df
        self.output_activation = output_activation
        self.output_error = output_error
        self.f_logits = from_logits

    def __call__(self, y, yhat):
        """Return the loss, a Python float. Derived in :ref:`ch2-loss`."""
        return float(self.f(*_arrays(y, yhat)))

    def derivative(self, y, yhat):
        """Return ``∂L/∂ŷ``, an array shaped like ``yhat``.

        Derived in :ref:`ch3-step-loss`.
        """
        return self.df(*_arrays(y, yhat))

    def from_logits(self, y, z):
        """Return the loss computed from the output pre-activations ``z``.

        Exact for any ``z``, where ``f`` on ``ŷ = f(z)`` clips once ``ŷ``
        rounds to 0 or 1. Only for a loss with an ``output_activation``.

        Derived in :ref:`ch9-logits`.
        """
        if self.f_logits is None:
            raise ValueError(f"the {self.name!r} loss has no form from the logits")
        return float(self.f_logits(*_arrays(y, z)))

    def __repr__(self):
        return f"Loss({self.name!r})"


def _arrays(y, yhat):
    """``y`` and ``ŷ`` as arrays of the same shape, ``ŷ`` floating point."""
    y, yhat = np.asarray(y), np.asarray(yhat)
    for name, array in (("y", y), ("yhat", yhat)):
        if array.dtype.kind not in "fiub":
            raise TypeError(f"{name} must hold real numbers; got dtype {array.dtype}")
    if y.shape != yhat.shape or yhat.ndim != 2:
        raise ValueError(
            "y and yhat must be 2-D arrays of the same shape (n_samples, n_outputs); "
            f"got {y.shape} and {yhat.shape}"
        )
    if yhat.dtype.kind != "f":
        yhat = yhat.astype(np.float64)
    return y, yhat


def _clip(yhat):
    eps = np.finfo(yhat.dtype).eps
    return yhat.clip(eps, 1 - eps)


def _binary_cross_entropy(y, yhat):
    p = _clip(yhat)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum() / len(y)


def _binary_cross_entropy_derivative(y, yhat):
    p = _clip(yhat)
    return (p - y) / (p * (1 - p) * len(y))


def _binary_cross_entropy_from_logits(y, z):
    # -[y log σ(z) + (1-y) log(1-σ(z))] = log(1 + e^z) - y z
    #                                   = max(z, 0) - y z + log(1 + e^-|z|):
    # e^-|z| never overflows, and where a label is right and confident the two
    # large terms cancel exactly before the small one is added.
    return (np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))).sum() / len(y)


def _cross_entropy(y, yhat):
    return -(y * np.log(_clip(yhat))).sum() / len(y)


def _cross_entropy_derivative(y, yhat):
    return -y / (_clip(yhat) * len(y))


def _cross_entropy_from_logits(y, z):
    # -Σ_i y_i log softmax(z)_i = Σ_i y_i (logsumexp(z) - z_i), with the row maximum m
    # taken out of the exponentials as in softmax: logsumexp(z) = m + log Σ_j e^(z_j - m)
    m = z.max(axis=1, keepdims=True)
    logsumexp = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return (y * (logsumexp - z)).sum() / len(y)


def _squared_error(y, yhat):
    return ((yhat - y) ** 2).sum() / len(y)


def _squared_error_derivative(y, yhat):
    return 2 * (yhat - y) / len(y)


# For the three pairs below ∂L/∂z at the output is (ŷ - y)/n (times 2 for the
# squared error): the 1/(ŷ(1-ŷ)) of the log-loss derivative cancels the
# sigmoid's derivative ŷ(1-ŷ), the softmax Jacobian collapses against the
# one-hot cross-entropy derivative, and the identity's derivative is 1. Using
# the simplified form avoids dividing by ŷ(1-ŷ) when the sigmoid saturates.
def _probability_output_error(y, yhat):
    return (yhat - y) / len(y)


binary_cross_entropy = Loss(
    "binary_cross_entropy",
    _binary_cross_entropy,
    _binary_cross_entropy_derivative,
    output_activation=activations.sigmoid,
    output_error=_probability_output_error,
    from_logits=_binary_cross_entropy_from_logits,
)
cross_entropy = Loss(
    "cross_entropy",
    _cross_entropy,
    _cross_entropy_derivative,
    output_activation=activations.softmax,
    output_error=_probability_output_error,
    from_logits=_cross_entropy_from_logits,
)
mean_squared_error = Loss(
    "mean_squared_error",
    _squared_error,
    _squared_error_derivative,
    output_activation=activations.identity,
    output_error=_squared_error_derivative,
    from_logits=_squared_error,  # the identity's output is its pre-activation
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

    Used in :ref:`ch2-loss`.
    """
    return lookup(loss, LOSSES, Loss, "loss")
