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
    if kind == "f" and not _all_finite(value):
        raise ValueError(
            f"{name} must be finite; it holds NaN or infinity (as {value.dtype})"
        )
    return value


_CHUNK = 1 << 16


def _all_finite(value):
    """``np.isfinite(value).all()`` without a boolean array the size of ``value``.

    Large arrays are checked in blocks of rows, so validating a whole data
    set costs no more memory than one block.
    """
    if value.size <= _CHUNK:
        return bool(np.isfinite(value).all())
    rows = max(1, _CHUNK // value.shape[1])
    return all(
        np.isfinite(value[i : i + rows]).all() for i in range(0, len(value), rows)
    )


def check_learning_rate(learning_rate):
    """Return ``learning_rate`` as a float after checking it is finite and >= 0."""
    # A plain float skips the slower abstract-base-class checks: update()
    # validates its learning rate at every training step.
    if type(learning_rate) is not float:
        if isinstance(learning_rate, bool) or not isinstance(
            learning_rate, numbers.Real
        ):
            raise TypeError(
                f"learning_rate must be a real number; got {learning_rate!r}"
            )
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


def check_data(net, X, y):
    """Return ``X`` and ``y`` checked and converted for ``net``: one row per sample,
    ``n_0`` and ``n_L`` columns, as many rows in both."""
    X = as_float_matrix(X, "X", net.dtype, net.layer_sizes[0])
    y = as_float_matrix(y, "y", net.dtype, net.layer_sizes[-1])
    if len(y) != len(X):
        raise ValueError(
            f"X and y must have the same number of rows; got {len(X)} and {len(y)}"
        )
    return X, y


def check_network(net):
    """Raise a ``TypeError`` unless ``net`` is an :class:`mlpcore.MLP`."""
    from .network import MLP  # imported here: network.py imports this module

    if not isinstance(net, MLP):
        raise TypeError(f"net must be an mlpcore.MLP; got {type(net).__name__}")


def lookup(value, registry, cls, kind):
    """``value`` if it is a ``cls``, else the entry of ``registry`` it names.

    The one lookup behind :func:`mlpcore.activations.get` and
    :func:`mlpcore.losses.get`; ``kind`` ("activation", "loss") names the
    thing in error messages.
    """
    if isinstance(value, cls):
        return value
    a_cls = f"{_article(cls.__name__)} {cls.__name__}"
    if isinstance(value, str):
        try:
            return registry[value]
        except KeyError:
            raise ValueError(
                f"unknown {kind} {value!r}; "
                f"expected one of {sorted(registry)} or {a_cls}"
            ) from None
    raise TypeError(
        f"{_article(kind)} {kind} must be a name or {a_cls}; got {type(value).__name__}"
    )


def _article(word):
    return "an" if word[0].lower() in "aeiou" else "a"
