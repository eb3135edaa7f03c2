"""Input checks for the public entry points of :mod:`mlpcore`.

Every check raises a ``TypeError`` or ``ValueError`` that names what was
expected and what came, and none of them modifies its argument. They use
plain ``if``/``raise`` (never ``assert``) so they stay active under
``python -O``.
"""

import math
import numbers

import numpy as np


def as_float_matrix(value, name, dtype, n_columns=None):
    """Return ``value`` as a C-contiguous 2-D array of ``dtype``, checked.

    Parameters
    ----------
    value : array_like
        A numeric array with one sample per row.
    name : str
        What to call the array in error messages (``"X"``, ``"y"``).
    dtype : numpy dtype
        The floating dtype of the network; the array is converted to it
        (without a copy when it already has it).
    n_columns : int, optional
        The number of columns the array must have.

    Raises
    ------
    TypeError
        If the array is not numeric (strings, objects, complex numbers).
    ValueError
        If it is not 2-D, is empty, has the wrong number of columns, or
        holds NaN or infinity.
    """
    if type(value) is not np.ndarray:
        try:
            value = np.asarray(value)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"{name} must be a numeric array; got {type(value).__name__} ({error})"
            ) from None
    kind = value.dtype.kind
    if kind not in "fiub":
        raise TypeError(
            f"{name} must hold real numbers; got an array of dtype {value.dtype}"
        )
    if value.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with one sample per row, "
            f"shape (n_samples, n_features); "
            f"got {value.ndim}-D with shape {value.shape}"
        )
    if value.shape[0] == 0 or value.shape[1] == 0:
        raise ValueError(f"{name} must not be empty; got shape {value.shape}")
    if n_columns is not None and value.shape[1] != n_columns:
        raise ValueError(
            f"{name} must have {n_columns} columns; got shape {value.shape}"
        )
    with np.errstate(over="ignore"):  # an overflow to inf is reported just below
        value = np.ascontiguousarray(value, dtype=dtype)
    # Checked after the conversion, so float64 values that overflow float32
    # are caught too. Integers and booleans are always finite.
    if kind == "f" and not np.isfinite(value).all():
        raise ValueError(
            f"{name} must be finite; it holds NaN or infinity (as {value.dtype})"
        )
    return value


def check_learning_rate(learning_rate):
    """Return ``learning_rate`` as a float after checking it is finite and >= 0."""
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
        raise TypeError(f"learning_rate must be a real number; got {learning_rate!r}")
    learning_rate = float(learning_rate)
    if not 0 <= learning_rate < math.inf:  # also False for NaN
        raise ValueError(
            f"learning_rate must be a finite number >= 0; got {learning_rate!r}"
        )
    return learning_rate


def check_positive_int(value, name, allow_none=False):
    """Return ``value`` as an int after checking it is a positive integer."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        expected = "a positive integer or None" if allow_none else "a positive integer"
        raise TypeError(f"{name} must be {expected}; got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def check_seed(seed):
    """Return ``seed`` after checking it is an integer >= 0 or None."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer or None; got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0; got {seed!r}")
    return int(seed)


def check_bool(value, name):
    """Return ``value`` after checking it is ``True`` or ``False``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_eps(eps):
    """Return the finite-difference step ``eps`` as a float, checked positive."""
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be a positive real number; got {eps!r}")
    if not math.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a positive finite number; got {eps!r}")
    return float(eps)


def check_callable(value, name, allow_none=False):
    """Raise a ``TypeError`` unless ``value`` is callable (or None, if allowed)."""
    if value is None and allow_none:
        return
    if not callable(value):
        expected = "callable or None" if allow_none else "callable"
        raise TypeError(f"{name} must be {expected}; got {type(value).__name__}")
