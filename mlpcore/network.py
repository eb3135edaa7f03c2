"""The multilayer perceptron: forward pass, back-propagation, update.

Layers are numbered as in the book: layer 0 is the input, layers 1..L compute

    z[l] = a[l-1] @ W[l] + b[l]        (pre-activation)
    a[l] = f_l(z[l])                   (activation)

with one sample per row, so ``W[l]`` has shape ``(n_{l-1}, n_l)`` and ``b[l]``
shape ``(1, n_l)``. Index 0 of every per-layer list holds ``None``. Chapter 4
("The matrix form") derives the equations implemented here; chapter 3 derives
the same equations unit by unit (see :mod:`mlpcore.per_unit`).
"""

import functools
import numbers
from collections.abc import Sequence

import numpy as np

from . import activations as _activations
from . import losses as _losses
from ._validation import as_float_matrix, check_learning_rate

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
        squared error), compute the output error ``∂L/∂z`` directly as
        ``ŷ - y`` (scaled). With ``False`` the general chain rule
        ``∂L/∂ŷ ⊙ f'(z)`` is used (not possible for softmax).

    Attributes
    ----------
    W, b : list of ndarray
        Parameters ``W[l]``, ``b[l]`` for ``l = 1..L``.
    z, a : list of ndarray
        Pre-activations and activations of the last :meth:`forward`;
        ``a[0]`` is the input.
    dz, da, dW, db : list of ndarray
        Gradients of the loss from the last :meth:`backward`. ``da[0]``,
        the gradient with respect to the input, is not needed for training
        and is left ``None``; so is ``da[L]`` (``∂L/∂ŷ``) when the fused
        output error is used, as it goes straight to ``dz[L]``.
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
        sizes = _check_layer_sizes(layer_sizes)
        n_layers = len(sizes) - 1
        funcs = _check_activations(activations, n_layers)
        loss = _losses.get(loss)
        if not isinstance(fused_output, bool):
            raise TypeError(f"fused_output must be True or False; got {fused_output!r}")
        fused = fused_output and loss.output_activation == funcs[-1].name
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
        self.seed = seed
        self.init = init
        self.W = [None] * (n_layers + 1)
        self.b = [None] * (n_layers + 1)
        self.initialize(seed)  # checks the seed, draws W and b, empties the caches

    def initialize(self, seed=None):
        """Draw fresh parameters, as described for ``init``; return ``self``."""
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
        ):
            raise TypeError(f"seed must be an integer or None; got {seed!r}")
        if self.init == "tutorial":
            rng = np.random.RandomState(seed)
            for l in range(1, self.n_layers + 1):
                fan_in, fan_out = self.layer_sizes[l - 1], self.layer_sizes[l]
                self.W[l] = (rng.randn(fan_in, fan_out) * 0.1).astype(self.dtype)
                self.b[l] = (rng.randn(1, fan_out) * 0.1).astype(self.dtype)
        else:
            rng = np.random.default_rng(seed)
            for l in range(1, self.n_layers + 1):
                fan_in, fan_out = self.layer_sizes[l - 1], self.layer_sizes[l]
                if self.activations[l].name == "relu":  # He et al. (2015)
                    W = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
                else:  # Glorot & Bengio (2010)
                    limit = np.sqrt(6.0 / (fan_in + fan_out))
                    W = rng.uniform(-limit, limit, size=(fan_in, fan_out))
                self.W[l] = W.astype(self.dtype)
                self.b[l] = np.zeros((1, fan_out), dtype=self.dtype)
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

    def forward(self, X, *, check=True):
        """Compute the network's output for the samples in the rows of ``X``.

        Implements the forward equation of chapter 4 (``ch4-forward``) layer
        by layer and keeps every ``z[l]`` and ``a[l]`` for :meth:`backward`.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_0)
        check : bool, default True
            Validate ``X``. :func:`mlpcore.train` validates the whole data
            set once and passes ``False`` for its batches.

        Returns
        -------
        yhat : ndarray, shape (n_samples, n_L)
            ``a[L]``, the output layer's activations.
        """
        if check:
            X = as_float_matrix(X, "X", self.dtype, self.layer_sizes[0])
        self.a[0] = X
        for l in range(1, self.n_layers + 1):
            self.z[l] = self.a[l - 1] @ self.W[l]
            self.z[l] += self.b[l]  # in place: no second (n, n_l) array
            self.a[l] = self.activations[l](self.z[l])
        return self.a[self.n_layers]

    def backward(self, y, *, check=True):
        """Back-propagate the loss of the last :meth:`forward` against ``y``.

        Fills ``dz[l]``, ``dW[l]``, ``db[l]`` for every layer and ``da[l]``
        for ``l = 1..L-1`` (and ``da[L]`` unless the output error is fused;
        see ``fused_output``) with the gradients of the loss, the mean over
        samples (chapter 4, equations ``ch4-output-error`` to ``ch4-da``).
        Nothing accumulates across calls: each call overwrites the previous
        gradients.

        Parameters
        ----------
        y : array_like, shape (n_samples, n_L)
            The targets for the samples of the last forward pass.
        check : bool, default True
            Validate ``y`` (see :meth:`forward`).
        """
        L = self.n_layers
        yhat = self.a[L]
        if yhat is None:
            raise ValueError(
                "backward() needs the activations of a forward() call; "
                "call forward(X) first"
            )
        if check:
            y = self._check_targets(y)
        if self.fused_output:
            # Canonical pairs: ∂L/∂z = (ŷ - y)/n, see mlpcore.losses. The
            # shortcut never forms ∂L/∂ŷ, so da[L] stays None.
            self.da[L] = None
            self.dz[L] = self.loss.output_error(y, yhat)
        else:
            self.da[L] = self.loss.gradient(y, yhat)
            self.dz[L] = self.da[L] * self.activations[L].derivative(self.z[L])
        ones = _ones_row(len(y), self.dtype)
        for l in range(L, 0, -1):
            if l < L:
                self.dz[l] = self.da[l] * self.activations[l].derivative(self.z[l])
            self.dW[l] = self.a[l - 1].T @ self.dz[l]
            # 1ᵀ dZ sums over the samples; as a matrix product it runs in BLAS,
            # several times faster than dz.sum(axis=0) on narrow layers.
            self.db[l] = ones @ self.dz[l]
            if l > 1:
                self.da[l - 1] = self.dz[l] @ self.W[l].T

    def update(self, learning_rate):
        """Take one gradient-descent step: ``W[l] -= η dW[l]``, ``b[l] -= η db[l]``.

        Parameters
        ----------
        learning_rate : float
            The step size η, finite and non-negative.
        """
        learning_rate = check_learning_rate(learning_rate)
        if self.dW[1] is None:
            raise ValueError(
                "update() needs the gradients of a backward() call; "
                "call backward(y) first"
            )
        for l in range(1, self.n_layers + 1):
            self.W[l] -= learning_rate * self.dW[l]
            self.b[l] -= learning_rate * self.db[l]

    def loss_value(self, y):
        """Return the loss of the last forward pass against targets ``y``."""
        if self.a[self.n_layers] is None:
            raise ValueError("loss_value() needs a forward() call first")
        return self.loss(self._check_targets(y), self.a[self.n_layers])

    def _check_targets(self, y):
        """``y`` checked and converted: one row per sample of the last forward pass."""
        y = as_float_matrix(y, "y", self.dtype, self.layer_sizes[-1])
        if y.shape[0] != self.a[self.n_layers].shape[0]:
            raise ValueError(
                f"y must have one row per sample of the last forward pass "
                f"({self.a[self.n_layers].shape[0]}); got shape {y.shape}"
            )
        return y

    @property
    def n_parameters(self):
        """The number of weights and biases."""
        return sum(self.W[l].size + self.b[l].size for l in range(1, self.n_layers + 1))

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


@functools.lru_cache(maxsize=16)
def _ones_row(n, dtype):
    """A read-only row of ``n`` ones, ``1ᵀ`` in ``db = 1ᵀ dZ``; cached, as
    training asks for the same one at every step."""
    ones = np.ones((1, n), dtype=dtype)
    ones.flags.writeable = False
    return ones


def _check_layer_sizes(layer_sizes):
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
    for l, f in enumerate(funcs[:-1], 1):
        if f.df is None:
            raise ValueError(
                f"the {f.name!r} activation can only be used in the output layer; "
                f"layer {l} has it"
            )
    return funcs
