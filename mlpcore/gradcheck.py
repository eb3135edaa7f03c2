"""Finite differences, to check derivatives computed any other way.

Chapter 1 ("Total derivatives") uses :func:`central_difference` to check
derivatives taken by hand; chapter 6 ("Checking gradients") derives the error
of the central difference and uses :func:`gradient_check` on whole networks.
"""

import math
import numbers

import numpy as np

from ._validation import check_data, check_network

#: Denominator floor of the relative error: differences between gradients
#: smaller than this are compared in absolute terms.
RELATIVE_ERROR_FLOOR = 1e-8


def _check_eps(eps):
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be a positive real number; got {eps!r}")
    if not math.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a positive finite number; got {eps!r}")
    return float(eps)


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
    """
    if not callable(f):
        raise TypeError(f"f must be callable; got {type(f).__name__}")
    eps = _check_eps(eps)
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
    """Element-wise ``|a - n| / max(|a|, |n|, RELATIVE_ERROR_FLOOR)``."""
    analytic, numeric = (
        np.asarray(analytic, dtype=np.float64),
        np.asarray(numeric, dtype=np.float64),
    )
    scale = np.maximum(
        np.maximum(np.abs(analytic), np.abs(numeric)), RELATIVE_ERROR_FLOOR
    )
    return np.abs(analytic - numeric) / scale


def gradient_check(net, X, y, eps=1e-6):
    """The largest relative error between back-propagation and finite differences.

    Runs ``net.forward(X)`` and ``net.backward(y)``, then perturbs every
    weight and bias by ±ε, recomputing the loss, and compares. The
    parameters are restored; the forward/backward caches hold the results
    of the final, unperturbed pass.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)
    eps : float, default 1e-6
        The finite-difference step. In float32, use something like 1e-2
        (chapter 6 explains why).

    Returns
    -------
    float
        The largest relative error ``‖a - n‖ / max(‖a‖, ‖n‖)`` over the
        parameter arrays ``W[l]`` and ``b[l]``, between the analytic
        gradient ``a`` and the numeric ``n`` (Euclidean norms, with
        :data:`RELATIVE_ERROR_FLOOR` as the least denominator). Around
        1e-7 or smaller in float64 for a correct gradient.

    Notes
    -----
    Whole arrays are compared, not single elements: the central difference
    has an absolute rounding error of about ``u·|L|/ε`` (1e-10 in float64),
    which an element-wise ratio would inflate for any component that is
    nearly zero.
    """
    check_network(net)
    eps = _check_eps(eps)
    X, y = check_data(net, X, y)

    def loss():
        return net.loss(y, net.forward(X))

    worst = 0.0
    net.forward(X)
    net.backward(y)
    analytic = [(net.W[l], net.dW[l].copy()) for l in range(1, net.n_layers + 1)]
    analytic += [(net.b[l], net.db[l].copy()) for l in range(1, net.n_layers + 1)]
    for param, grad in analytic:
        numeric = central_difference(lambda _: loss(), param, eps)
        scale = max(np.linalg.norm(grad), np.linalg.norm(numeric), RELATIVE_ERROR_FLOOR)
        worst = max(worst, float(np.linalg.norm(grad - numeric) / scale))
    net.forward(X)
    net.backward(y)
    return worst
