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
from ._validation import as_float_matrix, check_bool, check_eps, check_seed
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


# --- Training diagnostics (chapter 5): dead units, the loss along a step, curvature ---


def active_fraction(net, X, layer):
    """The fraction of the samples on which each unit of a layer is active, ``z > 0``.

    Runs ``net.forward(X)``. A ReLU unit with fraction 0 is off on every
    sample: its derivative is 0 there, so no gradient reaches its weights
    and bias (it is *dead* for as long as its inputs stay as they are).

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    layer : int
        A hidden layer, ``1 <= layer < net.n_layers``.

    Returns
    -------
    ndarray, shape (n_layer,)

    Used in :ref:`ch5-tutorial-run`.
    """
    check_network(net)
    if (
        isinstance(layer, bool)
        or not isinstance(layer, numbers.Integral)
        or not 1 <= layer < net.n_layers
    ):
        raise ValueError(
            f"layer must be a hidden layer, an int from 1 to {net.n_layers - 1}; "
            f"got {layer!r}"
        )
    net.forward(as_float_matrix(X, "X", net.dtype, net.layer_sizes[0]))
    return (net.z[layer] > 0).mean(axis=0)


def _parameters(net):
    """Every parameter array of ``net`` in the order W[1], b[1], W[2], b[2], ..."""
    return [p for k in range(1, net.n_layers + 1) for p in (net.W[k], net.b[k])]


def loss_along(net, X, y, direction, ts):
    """The loss at the parameters moved by ``t`` times a direction, for each ``t``.

    ``L(θ + t Δθ)`` for every ``t`` in ``ts``, where ``Δθ`` is given array by
    array; ``t = 1`` with ``Δθ = -η ∇L`` is one gradient-descent step. The
    parameters are restored afterwards.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)
    direction : sequence of array_like
        ``Δθ``: one array per parameter, shaped like W[1], b[1], W[2],
        b[2], ... in that order.
    ts : array_like of float
        Finite multiples of the direction.

    Returns
    -------
    ndarray, shape (len(ts),)

    Used in :ref:`ch5-tutorial-run`.
    """
    X, y = check_data(net, X, y)
    params = _parameters(net)
    if isinstance(direction, (str, bytes, np.ndarray)) or not hasattr(
        direction, "__len__"
    ):
        raise TypeError(
            "direction must be a sequence of arrays, one per parameter; "
            f"got {type(direction).__name__}"
        )
    if len(direction) != len(params):
        raise ValueError(
            f"direction must hold {len(params)} arrays (W[1], b[1], ...); "
            f"got {len(direction)}"
        )
    steps = []
    for p, d in zip(params, direction):
        d = np.asarray(d, dtype=np.float64)
        if d.shape != p.shape:
            raise ValueError(
                f"each array of direction must have its parameter's shape {p.shape}; "
                f"got {d.shape}"
            )
        steps.append(d)
    ts = np.asarray(ts, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(ts)):
        raise ValueError(f"ts must be finite numbers; got {ts}")
    saved = [p.copy() for p in params]
    losses = np.empty(len(ts))
    try:
        for i, t in enumerate(ts):
            for p, p0, d in zip(params, saved, steps):
                p[...] = p0 + t * d
            net.forward(X)
            losses[i] = net.loss_value(y)
    finally:
        for p, p0 in zip(params, saved):
            p[...] = p0
    return losses


@dataclass
class Hessian:
    """The Hessian of a network's loss, measured by :func:`hessian`.

    Attributes
    ----------
    matrix : ndarray, shape (P, P)
        Symmetrised, parameters ordered W[1], b[1], W[2], b[2], ... (each
        flattened in C order).
    eigenvalues : ndarray, shape (P,)
        In ascending order: ``eigenvalues[-1]`` is the sharpness
        ``λ_max``, ``eigenvalues[0]`` is ``λ_min`` (negative where the
        Hessian is indefinite).
    kinks : int
        How many hidden pre-activations ``z`` changed side of 0 (``z > 0``
        against ``z <= 0``) under the ``±ε`` perturbations. With ReLU units
        a nonzero count means the differences straddled a kink, where the
        second derivative does not exist: the matrix is then meaningless
        (and changes with ``ε``).
    defined : bool
        ``kinks == 0``: the differences saw a smooth function.

    Used in :ref:`ch5-diverges`.
    """

    matrix: np.ndarray
    eigenvalues: np.ndarray
    kinks: int

    @property
    def defined(self):
        """No kink was crossed. Used in :ref:`ch5-diverges`."""
        return self.kinks == 0

    @property
    def sharpness(self):
        """``λ_max``, or NaN when the Hessian is not defined.

        Used in :ref:`ch5-diverges`.
        """
        return float(self.eigenvalues[-1]) if self.defined else math.nan


def hessian(net, X, y, eps=1e-6):
    """The Hessian of ``net``'s loss, by central differences of back-propagated gradients.

    Column ``j`` is ``(g(θ + ε e_j) - g(θ - ε e_j)) / 2ε``, with ``g`` the
    gradient of :meth:`~mlpcore.MLP.backward`; the result is symmetrised.
    It costs two forward and backward passes per parameter: for small
    networks. Every hidden pre-activation is watched for a change of side
    of 0 under the perturbations (:attr:`Hessian.kinks`). The parameters
    are restored, and the caches hold a final, unperturbed pass.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)
    eps : float, default 1e-6

    Returns
    -------
    Hessian

    Used in :ref:`ch5-diverges`.
    """
    X, y = check_data(net, X, y)
    eps = check_eps(eps)
    layers = range(1, net.n_layers + 1)

    def gradient():
        net.forward(X)
        net.backward(y)
        grads = (g for k in layers for g in (net.dW[k], net.db[k]))
        return np.concatenate([np.ravel(g) for g in grads]).astype(np.float64)

    def pattern():
        hidden = [(net.z[k] > 0).ravel() for k in range(1, net.n_layers)]
        return np.concatenate(hidden) if hidden else np.zeros(0, dtype=bool)

    gradient()
    start, kinks, columns = pattern(), 0, []
    saved = [p.copy() for p in _parameters(net)]
    try:
        for parameter in _parameters(net):
            flat = parameter.reshape(-1)  # a view: changing it changes the network
            for i in range(flat.size):
                value = flat[i]
                flat[i] = value + eps
                g_plus = gradient()
                kinks += int(np.count_nonzero(pattern() != start))
                flat[i] = value - eps
                g_minus = gradient()
                kinks += int(np.count_nonzero(pattern() != start))
                flat[i] = value
                columns.append((g_plus - g_minus) / (2 * eps))
    finally:
        for p, p0 in zip(_parameters(net), saved):
            p[...] = p0
        gradient()
    H = np.column_stack(columns)
    H = (H + H.T) / 2
    return Hessian(H, np.linalg.eigvalsh(H), kinks)


def loss_after(net, k, A, y):
    """The loss as a function of layer ``k``'s activations: the rest of the network.

    Runs layers ``k+1..L`` of ``net`` on ``A``, which stands for ``a[k]``
    (``k = 0``: the input), and returns the loss against ``y``; the
    weights and biases are ``net``'s, and ``net`` itself (its parameters and
    the caches of its last pass) is left as it was. Its central differences
    in ``A`` are ``∂L/∂a_k``, with everything before layer ``k`` held fixed.
    The loss is computed as :meth:`mlpcore.MLP.loss_value` computes it: from
    the output pre-activations when the output error is fused, else from the
    output; for ``k = L``, ``A`` is the output itself.

    Parameters
    ----------
    net : MLP
    k : int
        The layer whose activations ``A`` replaces, ``0 <= k <= L``.
    A : array_like, shape (n_samples, n_k)
    y : array_like, shape (n_samples, n_L)

    Returns
    -------
    float

    Used in :ref:`ch3-sum`.
    """
    check_network(net)
    L = net.n_layers
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k <= L:
        raise ValueError(f"k must be a layer index from 0 to {L}; got {k!r}")
    A = as_float_matrix(A, "A", net.dtype, net.layer_sizes[k])
    y = as_float_matrix(y, "y", net.dtype, net.layer_sizes[-1])
    if len(y) != len(A):
        raise ValueError(
            f"A and y must have the same number of rows; got {len(A)} and {len(y)}"
        )
    z = None
    for m in range(k + 1, L + 1):
        z = A @ net.W[m] + net.b[m]
        A = net.activations[m](z)
    if z is None:  # k = L: A is the output itself, and no z is given
        return float(net.loss.f(y, A))
    return net.loss_of(y, z, A)
