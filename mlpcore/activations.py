"""Activation functions, each defined next to its derivative.

An activation ``f`` is applied element-wise to the pre-activation ``z`` of a
layer, ``a = f(z)``; back-propagation needs its derivative ``f'(z)``, also
element-wise (chapter 3, "Back-propagation, unit by unit"). Softmax is the
exception: each of its outputs depends on every input, so it has no
element-wise derivative and is only used as the output layer together with
the cross-entropy loss, where the pair has the simple output error
``ŷ - y`` (chapter 7).

All functions keep the dtype of their input, so float32 networks stay
float32.
"""

import numpy as np
from scipy.special import expit

from ._registry import lookup


class Activation:
    """An element-wise activation function together with its derivative.

    Parameters
    ----------
    name : str
        The name the activation is known by (``"relu"``, ...).
    f : callable
        ``f(z)``, applied element-wise to an array.
    df : callable or None
        ``f'(z)``, the derivative with respect to ``z``, element-wise.
        ``None`` for activations whose Jacobian is not diagonal (softmax).

    Notes
    -----
    Keep ``f`` and ``df`` module-level functions (not lambdas) so that
    networks holding the activation can be pickled. A network compares
    activations by identity, never by name: an ``Activation("identity", ...)``
    of your own is not :data:`identity` and never gets its fused output error.

    Derived in :ref:`ch2-activations`.
    """

    def __init__(self, name, f, df):
        if not isinstance(name, str):
            raise TypeError(f"name must be a str; got {type(name).__name__}")
        if not callable(f):
            raise TypeError(f"f must be callable; got {type(f).__name__}")
        if df is not None and not callable(df):
            raise TypeError(f"df must be callable or None; got {type(df).__name__}")
        self.name = name
        self.f = f
        self.df = df

    def __call__(self, z):
        """Return ``f(z)``. Derived in :ref:`ch2-activations`."""
        return self.f(z)

    def derivative(self, z):
        """Return ``f'(z)`` element-wise. Derived in :ref:`ch2-activations`.

        Raises
        ------
        ValueError
            For softmax, whose derivative is not element-wise.
        """
        if self.df is None:
            raise ValueError(
                f"the {self.name!r} activation has no element-wise derivative; "
                "use it only as the output layer with the 'cross_entropy' loss"
            )
        return self.df(z)

    def __repr__(self):
        return f"Activation({self.name!r})"


def _relu(z):
    return np.maximum(z, 0)


def _relu_derivative(z):
    # The derivative at z = 0 does not exist; like most libraries we use 0.
    return (z > 0).astype(z.dtype)


def _sigmoid(z):
    # expit is 1 / (1 + exp(-z)) computed without overflow: it returns 0 and 1
    # at z = -1000 and z = 1000 with no warning, where the naive formula
    # overflows in exp(1000).
    return expit(z)


def _sigmoid_derivative(z):
    s = expit(z)
    return s * (1 - s)


def _tanh(z):
    return np.tanh(z)


def _tanh_derivative(z):
    t = np.tanh(z)
    return 1 - t * t


def _identity(z):
    return z


def _identity_derivative(z):
    return np.ones_like(z)


def _softmax(z):
    # Subtracting the row maximum leaves softmax unchanged and keeps exp from
    # overflowing: the largest exponent becomes exp(0) = 1.
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


relu = Activation("relu", _relu, _relu_derivative)
sigmoid = Activation("sigmoid", _sigmoid, _sigmoid_derivative)
tanh = Activation("tanh", _tanh, _tanh_derivative)
identity = Activation("identity", _identity, _identity_derivative)
softmax = Activation("softmax", _softmax, None)

ACTIVATIONS = {a.name: a for a in (relu, sigmoid, tanh, identity, softmax)}


def get(activation):
    """Return the :class:`Activation` named ``activation``, or ``activation`` itself.

    Raises
    ------
    ValueError
        For an unknown name.
    TypeError
        For anything that is neither a name nor an :class:`Activation`.

    Used in :ref:`ch2-activations`.
    """
    return lookup(activation, ACTIVATIONS, Activation, "activation")
