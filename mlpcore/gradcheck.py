"""Finite differences, to check derivatives computed any other way.

Chapter 1 ("Total derivatives") uses :func:`central_difference` to check
derivatives taken by hand; chapter 6 ("Checking gradients") derives the error
of the central difference and uses :func:`numeric_gradients` and
:func:`gradient_check` on whole networks.
"""

import numbers

import numpy as np

from ._validation import check_callable, check_eps
from .network import check_data

#: Denominator floor of the relative error: differences between gradients
#: smaller than this are compared in absolute terms.
RELATIVE_ERROR_FLOOR = 1e-8


def _value(f, x):
    value = f(x)
    if np.ndim(value) != 0 or np.asarray(value).dtype.kind not in "fiu":
        raise TypeError(
            f"f must return a real number; got {type(value).__name__} {value!r:.60}"
        )
    return float(value)


def central_difference(f, x, eps=1e-6):
    """The derivative of a scalar function by central differences.

    ``(f(x + ε) - f(x - ε)) / 2ε``, whose error shrinks like ε² (chapter 6).

    Parameters
    ----------
    f : callable
        A function returning a real number.
    x : float or ndarray
        Where to differentiate. For an array, every element is perturbed in
        turn and the result holds the partial derivatives; ``x`` is restored
        afterwards.
    eps : float, default 1e-6
        The step ε.

    Returns
    -------
    float or ndarray
        ``df/dx``, or the array of ``∂f/∂x_i`` shaped like ``x``.

    Derived in :ref:`ch6-difference-quotients`.
    """
    check_callable(f, "f")
    eps = check_eps(eps)
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        x = float(x)
        if x + eps == x - eps:
            raise ValueError(f"eps={eps!r} is below the precision of x at {x!r}")
        return (_value(f, x + eps) - _value(f, x - eps)) / (2 * eps)
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            f"x must be a real number or a float array; got {type(x).__name__}"
        )
    grad = np.empty(x.shape, dtype=np.float64)
    flat = x.reshape(-1)  # a view: perturbing it perturbs x
    if not np.shares_memory(flat, x):
        raise ValueError("x must be a contiguous array so it can be perturbed in place")
    for index in range(flat.size):
        original = flat[index]
        try:
            flat[index] = original + eps
            x_plus, f_plus = float(flat[index]), _value(f, x)
            flat[index] = original - eps
            x_minus, f_minus = float(flat[index]), _value(f, x)
        finally:  # x is restored even when f raises
            flat[index] = original
        if x_plus == x_minus:
            raise ValueError(
                f"eps={eps!r} is below the precision of x ({x.dtype}) "
                f"at {float(original)!r}"
            )
        # Divide by the step actually taken: in float32, x ± ε is rounded.
        grad.flat[index] = (f_plus - f_minus) / (x_plus - x_minus)
    return grad


def relative_error(analytic, numeric):
    """``‖a - n‖ / max(‖a‖, ‖n‖, RELATIVE_ERROR_FLOOR)``, with Euclidean norms.

    The one definition of relative error in :mod:`mlpcore`; :func:`gradient_check`
    applies it to every parameter array. Whole arrays are compared, not single
    elements: the central difference has an absolute rounding error of about
    ``u·|L|/ε`` (1e-10 in float64), which an element-wise ratio would inflate
    for any component that is nearly zero.

    Returns
    -------
    float

    Derived in :ref:`ch6-relative-error`.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(
            f"the arrays must have the same shape; got {a.shape} and {n.shape}"
        )
    scale = max(np.linalg.norm(a), np.linalg.norm(n), RELATIVE_ERROR_FLOOR)
    return float(np.linalg.norm(a - n) / scale)


def numeric_gradients(net, X, y, eps=1e-6):
    """The gradients of ``net``'s loss by central differences of every parameter.

    Each weight and bias in turn is moved by ±ε in place, the loss of the
    whole batch recomputed (:meth:`mlpcore.MLP.loss_value`), and the parameter
    restored. It costs two forward passes per parameter: a check, not a way
    to train.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)
    eps : float, default 1e-6
        The step ε. In float32, use something like 1e-2 (chapter 6 explains).

    Returns
    -------
    dW, db : list of ndarray
        Shaped like ``net.W`` and ``net.b`` (index 0 is ``None``), in float64.
        The network's caches hold the last perturbed pass.

    Derived in :ref:`ch6-gradient-check`.
    """
    X, y = check_data(net, X, y)
    eps = check_eps(eps)

    def loss(_):
        net.forward(X)
        return net.loss_value(y)

    L = net.n_layers
    dW = [None] + [central_difference(loss, net.W[k], eps) for k in range(1, L + 1)]
    db = [None] + [central_difference(loss, net.b[k], eps) for k in range(1, L + 1)]
    return dW, db


def gradient_check(net, X, y, eps=1e-6):
    """The largest relative error between back-propagation and finite differences.

    Compares ``net.backward``'s ``dW`` and ``db`` with
    :func:`numeric_gradients`, array by array, with :func:`relative_error`.
    The parameters are restored; the forward/backward caches hold the
    results of a final, unperturbed pass.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)
    eps : float, default 1e-6
        The finite-difference step.

    Returns
    -------
    float
        The largest relative error over the arrays ``W[k]`` and ``b[k]``.
        Around 1e-7 or smaller in float64 for a correct gradient.

    Derived in :ref:`ch6-gradient-check`.
    """
    dW, db = numeric_gradients(net, X, y, eps)  # checks net, X, y and eps first
    net.forward(X)
    net.backward(y)
    errors = [relative_error(net.dW[k], dW[k]) for k in range(1, net.n_layers + 1)]
    errors += [relative_error(net.db[k], db[k]) for k in range(1, net.n_layers + 1)]
    return max(errors)
