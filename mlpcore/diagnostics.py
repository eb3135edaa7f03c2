"""Measurements of a network at initialisation: gradient sizes and variances per layer.

Chapter 9 ("What σ′ does to learning") derives how the size of the forward
signal and of the back-propagated error changes from layer to layer, and
checks each step with the functions here:

- :func:`weight_std` and :func:`initialize`: draw the weights of an
  :class:`~mlpcore.MLP` from a normal distribution with the standard
  deviation of a named scheme (Glorot, He) or a given one;
- :func:`gradient_norms`: the size of ``∂L/∂z_k`` (or ``∂L/∂W_k``) in every
  layer after one forward and backward pass;
- :func:`layer_moments`: the mean squares of ``z_k``, ``a_k``, ``∂L/∂z_k``
  and ``∂L/∂a_k`` in every layer;
- :func:`residual_stack`: forward and backward through a stack of layers
  with skip connections, ``a_k = a_{k-1} + f(a_{k-1} W_k)``.

Per-layer results are arrays indexed like ``net.W``: entry ``k`` is layer
``k``, and entry 0 (the input) holds what is defined there, else NaN.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np

from . import activations as _activations
from ._validation import as_float_matrix, check_bool, check_seed
from .network import check_data, check_network

#: The named initialisation schemes of :func:`weight_std`.
SCHEMES = ("glorot", "he")


def weight_std(scheme, fan_in, fan_out):
    """The standard deviation of the weights of a layer under ``scheme``.

    Parameters
    ----------
    scheme : {"glorot", "he"} or float
        ``"glorot"``: ``sqrt(2 / (fan_in + fan_out))`` (Glorot & Bengio,
        2010). ``"he"``: ``sqrt(2 / fan_in)`` (He et al., 2015). A positive
        finite number is returned as it is (``0.1`` is the tutorial's).
    fan_in, fan_out : int
        The layer's input and output widths, ``n_{k-1}`` and ``n_k``.

    Returns
    -------
    float

    Derived in :ref:`ch9-init`.
    """
    _check_fans(fan_in, fan_out)
    if isinstance(scheme, str):
        if scheme == "glorot":  # Glorot & Bengio: Var(w) = 2 / (n_{k-1} + n_k)
            return math.sqrt(2.0 / (fan_in + fan_out))
        if scheme == "he":  # He et al.: Var(w) = 2 / n_{k-1}
            return math.sqrt(2.0 / fan_in)
    return _check_std(scheme)


def _check_fans(fan_in, fan_out):
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Integral)
            or value < 1
        ):
            raise ValueError(f"{name} must be a positive integer; got {value!r}")


def _check_std(scheme):
    """``scheme`` as a float, if it is a positive finite number (not a scheme's name)."""
    if isinstance(scheme, str):
        raise ValueError(
            f"unknown scheme {scheme!r}; expected one of {SCHEMES} or a positive number"
        )
    if isinstance(scheme, bool) or not isinstance(scheme, numbers.Real):
        raise TypeError(
            f"scheme must be one of {SCHEMES} or a positive number; got {scheme!r}"
        )
    if not 0 < scheme < math.inf:
        raise ValueError(
            f"a weight standard deviation must be positive and finite; got {scheme!r}"
        )
    return float(scheme)


def initialize(net, scheme, seed=None):
    """Redraw the parameters of ``net``: ``W_k ~ N(0, s_k²)``, ``b_k = 0``.

    ``s_k = weight_std(scheme, n_{k-1}, n_k)``, so the schemes differ only in
    the variance of the weights (all draws are normal, also for Glorot).
    The caches of the last forward and backward pass are emptied.

    Parameters
    ----------
    net : MLP
    scheme : {"glorot", "he"} or float
        See :func:`weight_std`.
    seed : int or None, default None
        Seed for ``np.random.default_rng``; layer 1 is drawn first.

    Returns
    -------
    MLP
        ``net`` itself.

    Derived in :ref:`ch9-init`.
    """
    check_network(net)
    sizes = net.layer_sizes
    stds = [weight_std(scheme, sizes[k - 1], sizes[k]) for k in range(1, len(sizes))]
    rng = np.random.default_rng(check_seed(seed))
    for k, std in enumerate(stds, 1):
        W = rng.normal(0.0, std, size=(sizes[k - 1], sizes[k]))
        net.W[k] = W.astype(net.dtype)
        net.b[k] = np.zeros((1, sizes[k]), dtype=net.dtype)
    net._clear_state()  # the caches belong to the old parameters
    return net


def gradient_norms(net, X, y, of="dz"):
    """The Euclidean norm of each layer's gradient after ``forward(X)``, ``backward(y)``.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)
    of : {"dz", "dW"}, default "dz"
        ``"dz"``: the error ``δ_k = ∂L/∂z_k`` that reaches layer ``k`` (all
        samples). ``"dW"``: the gradient ``∂L/∂W_k`` used to update it.

    Returns
    -------
    ndarray, shape (n_layers + 1,)
        Entry ``k`` is the norm for layer ``k`` (Frobenius norm of the
        matrix); entry 0 is NaN.

    Used in :ref:`ch9-depth`.
    """
    if of not in ("dz", "dW"):
        raise ValueError(f"of must be 'dz' or 'dW'; got {of!r}")
    X, y = check_data(net, X, y)
    net.forward(X)
    net.backward(y)
    grads = net.dz if of == "dz" else net.dW
    norms = np.full(net.n_layers + 1, np.nan)
    for k in range(1, net.n_layers + 1):
        norms[k] = np.linalg.norm(grads[k])
    return norms


@dataclass
class LayerMoments:
    """Mean squares per layer, indexed like ``net.W`` (see :func:`layer_moments`).

    Attributes
    ----------
    z, a, dz, da : ndarray, shape (n_layers + 1,)
        The mean over all samples and units of ``z_k²``, ``a_k²``,
        ``(∂L/∂z_k)²`` and ``(∂L/∂a_k)²``. ``a[0]`` is that of the input;
        ``z[0]``, ``dz[0]`` and ``da[0]`` are NaN, and so is ``da[L]`` when
        the network's output error is fused (it is not formed then).

    Used in :ref:`ch9-init`.
    """

    z: np.ndarray
    a: np.ndarray
    dz: np.ndarray
    da: np.ndarray


def layer_moments(net, X, y):
    """Mean squares of the forward and backward quantities of every layer.

    Runs ``net.forward(X)`` and ``net.backward(y)``. With zero-mean weights
    the mean square of ``z_k`` is its variance over random draws of the
    weights, the quantity chapter 9 follows from layer to layer.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)

    Returns
    -------
    LayerMoments

    Used in :ref:`ch9-init`.
    """
    X, y = check_data(net, X, y)
    net.forward(X)
    net.backward(y)
    moments = {}
    for name in ("z", "a", "dz", "da"):
        values = np.full(net.n_layers + 1, np.nan)
        for k, array in enumerate(getattr(net, name)):
            if array is not None:
                values[k] = np.mean(np.square(array, dtype=np.float64))
        moments[name] = values
    return LayerMoments(**moments)


def residual_stack(X, weights, activation, output_gradient, skip=True):
    """Forward and backward through ``L`` layers with (or without) skip connections.

    Forward, for ``k = 1..L`` (no biases)::

        z_k = a_{k-1} @ W_k
        a_k = a_{k-1} + f(z_k)        (skip=True)
        a_k = f(z_k)                  (skip=False: a plain stack, as in MLP)

    Backward, from a given ``G = ∂L/∂a_L`` (that is, for the loss
    ``L = Σ G ⊙ a_L``)::

        ∂L/∂a_{k-1} = ∂L/∂a_k + (∂L/∂a_k ⊙ f'(z_k)) @ W_kᵀ   (skip=True)

    without the first term for ``skip=False``.

    Parameters
    ----------
    X : array_like, shape (n_samples, n)
        The input ``a_0``.
    weights : sequence of array_like
        ``W_1, ..., W_L`` (``weights[k - 1]`` is ``W_k``), each of shape
        ``(n, n)`` with ``skip=True``; with ``skip=False`` any chain of
        shapes ``(n_{k-1}, n_k)``.
    activation : str or Activation
        ``f``, the same in every layer; it needs an element-wise derivative.
    output_gradient : array_like, shape (n_samples, n_L)
        ``G``.
    skip : bool, default True

    Returns
    -------
    a, grads : list of ndarray
        ``a[k]`` and ``grads[k] = ∂L/∂a_k`` for ``k = 0..L``.

    Derived in :ref:`ch9-remedies`.
    """
    f = _activations.get(activation)
    if f.df is None:
        raise ValueError(
            f"the {f.name!r} activation has no element-wise derivative; "
            "residual_stack needs one"
        )
    skip = check_bool(skip, "skip")
    X = as_float_matrix(X, "X", np.float64)
    if isinstance(weights, (str, bytes, np.ndarray)) or not hasattr(weights, "__len__"):
        raise TypeError(
            f"weights must be a sequence of 2-D arrays; got {type(weights).__name__}"
        )
    if len(weights) == 0:
        raise ValueError("weights must hold at least one matrix; got none")
    Ws, width = [], X.shape[1]
    for k, W in enumerate(weights, 1):
        W = as_float_matrix(W, f"W_{k}", np.float64)
        if W.shape[0] != width or (skip and W.shape[1] != width):
            expected = f"({width}, {width})" if skip else f"({width}, n_{k})"
            raise ValueError(
                f"W_{k} must have shape {expected}"
                f"{' (a skip connection needs equal widths)' if skip else ''}; "
                f"got {W.shape}"
            )
        Ws.append(W)
        width = W.shape[1]
    G = as_float_matrix(output_gradient, "output_gradient", np.float64, width)
    if G.shape[0] != X.shape[0]:
        raise ValueError(
            f"output_gradient must have one row per sample of X ({X.shape[0]}); "
            f"got shape {G.shape}"
        )

    a, z = [X], [None]
    for W in Ws:
        z.append(a[-1] @ W)
        a.append(a[-1] + f(z[-1]) if skip else f(z[-1]))
    grads = [None] * len(a)
    grads[-1] = G
    for k in range(len(Ws), 0, -1):
        through_layer = (grads[k] * f.derivative(z[k])) @ Ws[k - 1].T
        grads[k - 1] = grads[k] + through_layer if skip else through_layer
    return a, grads
