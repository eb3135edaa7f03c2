"""The multilayer perceptron: forward pass, back-propagation, update.

Layers are numbered as in the book: layer 0 is the input, layers k = 1..L compute

    z[k] = a[k-1] @ W[k] + b[k]        (pre-activation)
    a[k] = f_k(z[k])                   (activation)

with one sample per row, so ``W[k]`` has shape ``(n_{k-1}, n_k)`` and ``b[k]``
shape ``(1, n_k)``. Index 0 of the lists of parameters and gradients holds
``None``; ``a[0]`` is the input. Chapter 4 ("The matrix form") derives the
equations implemented here; chapter 3 derives the same equations unit by unit
(see :mod:`mlpcore.per_unit`).

The checks of a network's arguments and data live here too, next to the class
they describe (:func:`check_network`, :func:`check_data`); the generic checks
of arrays and numbers are in ``mlpcore._validation``.
"""

import numbers
from collections.abc import Sequence

import numpy as np

from . import activations as _activations
from . import losses as _losses
from ._validation import (
    as_float_matrix,
    check_bool,
    check_learning_rate,
    check_seed,
)

INITIALISATIONS = ("auto", "tutorial")


class MLP:
    """A fully connected feed-forward network trained by back-propagation.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``: the input width followed by the width of
        each layer. At least two entries, all positive integers.
    activations : sequence of str or Activation
        One activation per layer 1..L (``len(layer_sizes) - 1`` of them).
        ``"softmax"`` is allowed only for the output layer, with the
        ``"cross_entropy"`` loss.
    loss : str or Loss, default "mean_squared_error"
        The loss ``backward`` differentiates; see :mod:`mlpcore.losses`.
    seed : int or None, default None
        Seed for ``np.random.default_rng`` (or, with ``init="tutorial"``,
        for a ``np.random.RandomState``). The global random state is never
        used or changed.
    dtype : {np.float64, np.float32}, default np.float64
        The dtype of parameters, activations and gradients.
    init : {"auto", "tutorial"}, default "auto"
        ``"auto"``: He normal initialisation for ReLU layers, Glorot uniform
        otherwise, zero biases. ``"tutorial"``: the original tutorial's
        scheme, reproduced exactly: a ``RandomState(seed)`` draws, for each
        layer in order, ``W`` then ``b`` from N(0, 0.1²) with ``randn``.
    fused_output : bool, default True
        When the output activation is the loss's canonical pair (sigmoid with
        binary cross-entropy, softmax with cross-entropy, identity with
        squared error: the very objects of :mod:`mlpcore.activations`, not
        just their names), compute the output error ``∂L/∂z`` directly as
        ``ŷ - y`` (scaled), and the loss from ``z`` (:meth:`loss_value`).
        With ``False`` the general chain rule ``∂L/∂ŷ ⊙ f'(z)`` is used (not
        possible for softmax).

    Attributes
    ----------
    W, b : list of ndarray
        Parameters ``W[k]``, ``b[k]`` for ``k = 1..L``.
    z, a : list of ndarray
        Pre-activations and activations of the last :meth:`forward`;
        ``a[0]`` is the input.
    dz, da, dW, db : list of ndarray
        Gradients of the loss from the last :meth:`backward`. ``da[0]``,
        the gradient with respect to the input, is not needed for training
        and is left ``None``; so is ``da[L]`` (``∂L/∂ŷ``) when the fused
        output error is used, as it goes straight to ``dz[L]``.
    seed : int or None
        The seed of the current parameters (see :meth:`initialize`).
    fused_output : bool
        Whether :meth:`backward` uses the fused output error: the argument,
        and the output activation being the loss's own pair.

    Derived in :ref:`ch4-code`.
    """

    def __init__(
        self,
        layer_sizes,
        activations,
        loss="mean_squared_error",
        seed=None,
        dtype=np.float64,
        init="auto",
        fused_output=True,
    ):
        sizes = check_layer_sizes(layer_sizes)
        n_layers = len(sizes) - 1
        funcs = _check_activations(activations, n_layers)
        loss = _losses.get(loss)
        fused_output = check_bool(fused_output, "fused_output")
        fused = fused_output and funcs[-1] is loss.output_activation
        if funcs[-1].df is None and not fused:
            raise ValueError(
                f"the {funcs[-1].name!r} output needs the fused output error of the "
                f"'cross_entropy' loss (fused_output=True); got loss {loss.name!r} "
                f"with fused_output={fused_output}"
            )
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(
                f"dtype must be float32 or float64; got {dtype!r}"
            ) from None
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64; got {dtype}")
        if init not in INITIALISATIONS:
            raise ValueError(f"init must be one of {INITIALISATIONS}; got {init!r}")

        self.layer_sizes = sizes
        self.n_layers = n_layers
        self.activations = [None, *funcs]
        self.loss = loss
        self.dtype = dtype
        self.fused_output = fused
        self.init = init
        self.W = [None] * (n_layers + 1)
        self.b = [None] * (n_layers + 1)
        self.initialize(seed)  # checks the seed, draws W and b, empties the caches

    def initialize(self, seed=None):
        """Draw fresh parameters, as described for ``init``; return ``self``.

        ``seed`` becomes :attr:`seed`, so ``net.seed`` always names the draw
        of the current parameters (``None``: fresh entropy).

        Used in :ref:`ch5-corrected`.
        """
        seed = check_seed(seed)
        if self.init == "tutorial":
            rng = np.random.RandomState(seed)
            for k in range(1, self.n_layers + 1):
                fan_in, fan_out = self.layer_sizes[k - 1], self.layer_sizes[k]
                self.W[k] = (rng.randn(fan_in, fan_out) * 0.1).astype(self.dtype)
                self.b[k] = (rng.randn(1, fan_out) * 0.1).astype(self.dtype)
        else:
            rng = np.random.default_rng(seed)
            for k in range(1, self.n_layers + 1):
                fan_in, fan_out = self.layer_sizes[k - 1], self.layer_sizes[k]
                if self.activations[k] is _activations.relu:  # He et al. (2015)
                    W = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
                else:  # Glorot & Bengio (2010)
                    limit = np.sqrt(6.0 / (fan_in + fan_out))
                    W = rng.uniform(-limit, limit, size=(fan_in, fan_out))
                self.W[k] = W.astype(self.dtype)
                self.b[k] = np.zeros((1, fan_out), dtype=self.dtype)
        self.seed = seed
        self._clear_state()
        return self

    def _clear_state(self):
        n = self.n_layers + 1
        self.z, self.a = [None] * n, [None] * n
        self.dz, self.da, self.dW, self.db = (
            [None] * n,
            [None] * n,
            [None] * n,
            [None] * n,
        )

    def forward(self, X):
        """Compute the network's output for the samples in the rows of ``X``.

        The forward equation of chapter 4, layer by layer; every ``z[k]`` and
        ``a[k]`` is kept for :meth:`backward`.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_0)

        Returns
        -------
        yhat : ndarray, shape (n_samples, n_L)
            ``a[L]``, the output layer's activations.

        Derived in :ref:`ch4-forward`.
        """
        self.a[0] = as_float_matrix(X, "X", self.dtype, self.layer_sizes[0])
        for k in range(1, self.n_layers + 1):
            self.z[k] = self.a[k - 1] @ self.W[k] + self.b[k]
            self.a[k] = self.activations[k](self.z[k])
        return self.a[self.n_layers]

    def backward(self, y):
        """Back-propagate the loss of the last :meth:`forward` against ``y``.

        Fills ``dz[k]``, ``dW[k]``, ``db[k]`` for every layer and ``da[k]``
        for ``k = 1..L-1`` (and ``da[L]`` unless the output error is fused;
        see ``fused_output``) with the gradients of the loss, the mean over
        samples. Each call overwrites the previous gradients: nothing
        accumulates.

        Parameters
        ----------
        y : array_like, shape (n_samples, n_L)
            The targets for the samples of the last forward pass.

        Derived in :ref:`ch4-backward`.
        """
        y = self._check_targets(y, "backward")
        L = self.n_layers
        if self.fused_output:  # canonical pair: ∂L/∂z[L] = (ŷ - y)/n, times 2 for MSE
            self.da[L] = None
            self.dz[L] = self.loss.output_error(y, self.a[L])
        else:
            self.da[L] = self.loss.df(y, self.a[L])
            self.dz[L] = self.da[L] * self.activations[L].derivative(self.z[L])
        ones = np.ones((1, len(y)), dtype=self.dtype)  # 1ᵀ sums over the samples
        for k in range(L, 0, -1):
            self.dW[k] = self.a[k - 1].T @ self.dz[k]
            self.db[k] = ones @ self.dz[k]
            if k > 1:  # the input's gradient ∂L/∂a[0] is never needed
                self.da[k - 1] = self.dz[k] @ self.W[k].T
                f_prime = self.activations[k - 1].derivative(self.z[k - 1])
                self.dz[k - 1] = self.da[k - 1] * f_prime

    def update(self, learning_rate):
        """Take one gradient-descent step: ``W[k] -= η dW[k]``, ``b[k] -= η db[k]``.

        Parameters
        ----------
        learning_rate : float
            The step size η, finite and non-negative.

        Derived in :ref:`ch1-gradient-descent`; used in :ref:`ch5-gradient-descent`.
        """
        learning_rate = check_learning_rate(learning_rate)
        if self.dW[1] is None:
            raise ValueError(
                "update() needs the gradients of a backward() call; "
                "call backward(y) first"
            )
        for k in range(1, self.n_layers + 1):
            self.W[k] -= learning_rate * self.dW[k]
            self.b[k] -= learning_rate * self.db[k]

    def loss_value(self, y):
        """Return the loss of the last forward pass against targets ``y``.

        With the fused output error the loss is computed from the output
        pre-activations ``z[L]`` (:meth:`mlpcore.losses.Loss.from_logits`),
        exact where ``ŷ`` has rounded to 0 or 1; otherwise from ``ŷ``.

        Used in :ref:`ch9-logits`.
        """
        y = self._check_targets(y, "loss_value")
        return self.loss_of(y, self.z[self.n_layers], self.a[self.n_layers])

    def loss_of(self, y, z, yhat):
        """The loss of outputs ``yhat = f_L(z)`` against checked targets ``y``.

        The one rule behind :meth:`loss_value`: from the pre-activations ``z``
        (:meth:`mlpcore.losses.Loss.from_logits`) when the output error is
        fused, otherwise from ``yhat``. No check of the arrays.

        Used in :ref:`ch9-logits`.
        """
        if self.fused_output:
            return float(self.loss.f_logits(y, z))
        return float(self.loss.f(y, yhat))

    def _check_targets(self, y, caller):
        """``y`` checked and converted: one row per sample of the last forward pass."""
        yhat = self.a[self.n_layers]
        if yhat is None:
            raise ValueError(f"{caller}() needs a forward pass; call forward(X) first")
        y = as_float_matrix(y, "y", self.dtype, self.layer_sizes[-1])
        if y.shape[0] != yhat.shape[0]:
            raise ValueError(
                f"y must have one row per sample of the last forward pass "
                f"({yhat.shape[0]}); got shape {y.shape}"
            )
        return y

    @property
    def n_parameters(self):
        """The number of weights and biases. Used in :ref:`ch4-shapes`."""
        return sum(self.W[k].size + self.b[k].size for k in range(1, self.n_layers + 1))

    def __getstate__(self):
        # The per-batch caches can be large and are rebuilt by forward/backward.
        state = self.__dict__.copy()
        n = self.n_layers + 1
        for key in ("z", "a", "dz", "da", "dW", "db"):
            state[key] = [None] * n
        return state

    def __repr__(self):
        names = [f.name for f in self.activations[1:]]
        return (
            f"MLP({list(self.layer_sizes)}, activations={names}, "
            f"loss={self.loss.name!r}, "
            f"dtype={self.dtype.name})"
        )


def check_layer_sizes(layer_sizes):
    """Return ``layer_sizes`` as a tuple of ints, checked: two or more, all >= 1."""
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(
        layer_sizes, Sequence | np.ndarray
    ):
        raise TypeError(
            f"layer_sizes must be a sequence of positive integers; got {layer_sizes!r}"
        )
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"layer_sizes needs at least an input and an output size; got {sizes!r}"
        )
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(
                f"layer_sizes must all be positive integers; got {sizes!r}"
            )
    return tuple(int(s) for s in sizes)


def _check_activations(activations, n_layers):
    if isinstance(activations, (str, bytes)) or not isinstance(activations, Sequence):
        raise TypeError(
            f"activations must be a sequence of {n_layers} names or Activations, "
            f"one per layer; got {activations!r}"
        )
    if len(activations) != n_layers:
        raise ValueError(
            f"activations needs one entry per layer after the input: "
            f"{n_layers} for these layer_sizes; "
            f"got {len(activations)}"
        )
    funcs = [_activations.get(a) for a in activations]
    for k, f in enumerate(funcs[:-1], 1):
        if f.df is None:
            raise ValueError(
                f"the {f.name!r} activation can only be used in the output layer; "
                f"layer {k} has it"
            )
    return funcs


def check_network(net):
    """Raise a ``TypeError`` unless ``net`` is an :class:`MLP`."""
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an mlpcore.MLP; got {type(net).__name__}")


def check_data(net, X, y):
    """Return ``X`` and ``y`` checked and converted for ``net``.

    One row per sample, ``n_0`` and ``n_L`` columns, as many rows in both, in
    the network's dtype. ``net`` is checked first.
    """
    check_network(net)
    X = as_float_matrix(X, "X", net.dtype, net.layer_sizes[0])
    y = as_float_matrix(y, "y", net.dtype, net.layer_sizes[-1])
    if len(y) != len(X):
        raise ValueError(
            f"X and y must have the same number of rows; got {len(X)} and {len(y)}"
        )
    return X, y
