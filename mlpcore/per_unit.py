"""The forward pass and back-propagation written unit by unit.

This is the book's chapter 2 ("The network, unit by unit") and chapter 3
("Back-propagation, unit by unit") in code: explicit loops over samples,
layers and units ``i`` and ``j``, with no matrix products, so that every line
can be read against one equation of the text. It is slow on purpose; the
matrix form in :class:`mlpcore.MLP` computes the same numbers.

Notation: the text writes the weight from unit ``j`` of layer ``k-1`` to unit
``i`` of layer ``k`` as ``w_ij^(k)``. The code stores samples as rows, so that
weight is ``net.W[k][j, i]`` and the bias ``b_i^(k)`` is ``net.b[k][0, i]``.
"""

import numpy as np

from ._validation import as_float_matrix
from .network import check_data, check_network


def forward(net, x):
    """Run one sample through ``net`` unit by unit.

    For each layer ``k`` and unit ``i``:
    ``z_i^(k) = Σ_j w_ij^(k) a_j^(k-1) + b_i^(k)`` and ``a_i^(k) = f_k(z_i^(k))``.

    Parameters
    ----------
    net : MLP
    x : array_like, shape (n_0,)
        One sample.

    Returns
    -------
    z, a : list of ndarray
        ``z[k]`` and ``a[k]`` of shape ``(n_k,)`` for ``k = 1..L`` (index 0
        of ``z`` is ``None``; ``a[0]`` is ``x``).

    Derived in :ref:`ch2-forward-by-hand`.
    """
    check_network(net)
    try:
        shape = np.shape(x)
    except ValueError:  # a ragged sequence
        shape = "ragged"
    if shape == "ragged" or len(shape) != 1:
        raise ValueError(
            f"x must be one sample, of shape ({net.layer_sizes[0]},); got shape {shape}"
        )
    x = as_float_matrix(np.reshape(x, (1, -1)), "x", net.dtype, net.layer_sizes[0])[0]
    L = net.n_layers
    z, a = [None] * (L + 1), [None] * (L + 1)
    a[0] = x
    for k in range(1, L + 1):
        n_prev, n_k = net.layer_sizes[k - 1], net.layer_sizes[k]
        z[k] = np.zeros(n_k, dtype=net.dtype)
        for i in range(n_k):
            total = net.b[k][0, i]
            for j in range(n_prev):
                total += net.W[k][j, i] * a[k - 1][j]
            z[k][i] = total
        if net.activations[k].df is None:
            # softmax: every output depends on the whole layer
            a[k] = net.activations[k](z[k].reshape(1, -1))[0]
        else:
            a[k] = np.array(
                [net.activations[k](z[k][i]) for i in range(n_k)], dtype=net.dtype
            )
    return z, a


def gradients(net, X, y):
    """Gradients of the mean loss, computed unit by unit.

    For each sample, starting from ``∂L/∂ŷ_i`` at the output and walking the
    layers backwards, for every unit ``i`` of layer ``k``:

    - ``∂L/∂z_i = ∂L/∂a_i · f_k'(z_i)`` (for the loss's paired output
      activation, directly ``ŷ_i - y_i``, times 2 for squared error);
    - ``∂L/∂w_ij = ∂L/∂z_i · a_j^(k-1)`` and ``∂L/∂b_i = ∂L/∂z_i``;
    - ``∂L/∂a_j^(k-1) = Σ_i ∂L/∂z_i · w_ij``: a total derivative, a sum over
      every unit ``a_j^(k-1)`` feeds.

    The per-sample gradients are averaged over the samples, as the loss is.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)

    Returns
    -------
    dW, db : list of ndarray
        Shaped like ``net.W`` and ``net.b`` (index 0 is ``None``); they agree
        with :meth:`MLP.backward` to rounding error.

    Derived in :ref:`ch3-recursion`.
    """
    X, y = check_data(net, X, y)
    L, sizes, n_samples = net.n_layers, net.layer_sizes, len(X)
    dW = [None] + [np.zeros_like(net.W[k]) for k in range(1, L + 1)]
    db = [None] + [np.zeros_like(net.b[k]) for k in range(1, L + 1)]
    for s in range(n_samples):
        z, a = forward(net, X[s])
        # ∂ℓ/∂ŷ of this sample's loss (the loss of one row is not averaged).
        ys, yhat = y[s : s + 1], a[L].reshape(1, -1)
        dL_da = net.loss.df(ys, yhat)[0]
        fused_error = net.loss.output_error(ys, yhat)[0] if net.fused_output else None
        for k in range(L, 0, -1):
            dL_dz = np.zeros(sizes[k], dtype=net.dtype)
            for i in range(sizes[k]):
                if k == L and fused_error is not None:
                    dL_dz[i] = fused_error[i]
                else:
                    dL_dz[i] = dL_da[i] * net.activations[k].derivative(z[k][i])
                for j in range(sizes[k - 1]):
                    dW[k][j, i] += dL_dz[i] * a[k - 1][j]
                db[k][0, i] += dL_dz[i]
            dL_da_prev = np.zeros(sizes[k - 1], dtype=net.dtype)
            for j in range(sizes[k - 1]):
                for i in range(sizes[k]):
                    dL_da_prev[j] += dL_dz[i] * net.W[k][j, i]
            dL_da = dL_da_prev
    for k in range(1, L + 1):
        dW[k] /= n_samples
        db[k] /= n_samples
    return dW, db
