"""Automatic differentiation of scalar programs, in reverse mode and in forward mode.

Chapter 8 ("Computational graphs and automatic differentiation") derives both
modes from the total derivative of chapter 1. Every operation below is written
once, as a *rule*: a function of plain numbers that returns the operation's
value and its local derivatives, one per input. The two modes use the same
rules:

- :class:`Value` (reverse mode) records each result as a node of a graph,
  with its inputs and their local derivatives; :meth:`Value.backward` then
  carries the adjoint ``∂f/∂v`` from the output back to every input.
- :class:`Dual` (forward mode) carries the tangent ``dv/dx`` of every value
  along with it; the local derivatives are used at once and nothing is stored.

Numbers (``int``, ``float``, numpy scalars) mix with both as constants:
``2 * x``, ``x + 1``. :func:`gradients` and :func:`forward_gradients`
differentiate the loss of an :class:`mlpcore.MLP` this way, one scalar
operation at a time; :func:`count_operations` counts the work.
"""

import contextlib
import math
import numbers

import numpy as np

from . import activations as _activations
from . import losses as _losses
from .network import check_data, check_network

# --- the rules: value and local derivatives of each operation ----------------------


def _add(x, y):
    return x + y, (1.0, 1.0)


def _sub(x, y):
    return x - y, (1.0, -1.0)


def _mul(x, y):
    return x * y, (y, x)


def _div(x, y):
    if y == 0:
        raise ValueError(f"division by zero: {x!r} / {y!r}")
    return x / y, (1 / y, -(x / y) / y)


def _neg(x):
    return -x, (-1.0,)


def _power(x, p):
    if x == 0 and p < 1 and p != 0:
        raise ValueError(f"0 ** p is not differentiable for p < 1; got p = {p!r}")
    if x < 0 and p != int(p):
        raise ValueError(f"{x!r} ** {p!r} is not a real number")
    return x**p, (p * x ** (p - 1) if p != 0 else 0.0,)


def _exp(x):
    e = math.exp(x)
    return e, (e,)


def _log(x):
    if x <= 0:
        raise ValueError(f"log needs a positive number; got {x!r}")
    return math.log(x), (1 / x,)


def _sin(x):
    return math.sin(x), (math.cos(x),)


def _tanh(x):
    t = math.tanh(x)
    return t, (1 - t * t,)


def _sigmoid(x):
    # 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below: exp never overflows
    e = math.exp(-abs(x))
    s = 1 / (1 + e) if x >= 0 else e / (1 + e)
    return s, (s * (1 - s),)


def _relu(x):
    # the derivative at 0 does not exist; we use 0, like mlpcore.activations
    return (x, (1.0,)) if x > 0 else (0.0, (0.0,))


# --- the two modes ------------------------------------------------------------------


class OperationCount:
    """What :func:`count_operations` counted.

    Used in :ref:`ch8-cost`.

    Attributes
    ----------
    operations : int
        Operations computed (a value and its local derivatives), by
        :class:`Value` and :class:`Dual` alike.
    products : int
        Chain-rule products: a local derivative times a tangent (forward
        mode, as the operation is computed) or times an adjoint (reverse
        mode, in :meth:`Value.backward`). One per input that is not a
        constant.
    """

    def __init__(self):
        self.operations = 0
        self.products = 0

    def __repr__(self):
        return f"OperationCount(operations={self.operations}, products={self.products})"


_totals = OperationCount()  # running totals since the module was imported


@contextlib.contextmanager
def count_operations():
    """Count the operations and chain-rule products done inside a ``with`` block.

    >>> with count_operations() as count:
    ...     f = Value(2.0) * 3 + 1
    >>> count.operations, count.products
    (2, 2)

    Used in :ref:`ch8-cost`.
    """
    count = OperationCount()
    before = (_totals.operations, _totals.products)
    try:
        yield count
    finally:
        count.operations = _totals.operations - before[0]
        count.products = _totals.products - before[1]


def _check_number(value, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number; got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite; got {value!r}")
    return value


class _Number:
    """The operators shared by :class:`Value` and :class:`Dual`."""

    __slots__ = ()
    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    def __add__(self, other):
        return apply(_add, self, other, name="+")

    def __radd__(self, other):
        return apply(_add, other, self, name="+")

    def __sub__(self, other):
        return apply(_sub, self, other, name="-")

    def __rsub__(self, other):
        return apply(_sub, other, self, name="-")

    def __mul__(self, other):
        return apply(_mul, self, other, name="*")

    def __rmul__(self, other):
        return apply(_mul, other, self, name="*")

    def __truediv__(self, other):
        return apply(_div, self, other, name="/")

    def __rtruediv__(self, other):
        return apply(_div, other, self, name="/")

    def __neg__(self):
        return apply(_neg, self, name="neg")

    def __pow__(self, exponent):
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(
                f"the exponent must be a number; got {type(exponent).__name__}"
            )
        p = _check_number(exponent, "the exponent")
        return apply(lambda x: _power(x, p), self, name=f"**{p:g}")

    def __rpow__(self, base):
        raise TypeError(
            f"only a number exponent is supported, not {type(self).__name__}; "
            "write (x * math.log(base)).exp() for base ** x"
        )

    def exp(self):
        return apply(_exp, self, name="exp")

    def log(self):
        return apply(_log, self, name="log")

    def sin(self):
        return apply(_sin, self, name="sin")

    def tanh(self):
        return apply(_tanh, self, name="tanh")

    def sigmoid(self):
        return apply(_sigmoid, self, name="sigmoid")

    def relu(self):
        return apply(_relu, self, name="relu")


def apply(rule, *args, name=None):
    """Apply an operation, given by its ``rule``, to :class:`Value` or :class:`Dual`
    arguments (numbers among them are constants).

    Parameters
    ----------
    rule : callable
        ``rule(x1, x2, ...) -> (value, (d1, d2, ...))``: the operation on plain
        numbers, with its local derivatives ``d_i = ∂value/∂x_i``.
    *args : Value, Dual or real number
        At least one ``Value`` or ``Dual``, all of the same class.
    name : str, optional
        The operation's name (``Value.op``); the rule's name by default.

    Returns
    -------
    Value or Dual
        For ``Value``: a node whose ``inputs`` are the non-constant arguments
        and ``local_derivatives`` their ``d_i``. For ``Dual``: the value and
        the tangent ``Σ_i d_i · tangent_i``.

    Raises
    ------
    TypeError
        For an argument that is neither a number nor a node, or a mix of
        ``Value`` and ``Dual``.
    ValueError
        When the rule rejects its arguments (log of a non-positive number,
        ...) or its result is not finite.

    Derived in :ref:`ch8-graph`.
    """
    kinds = {type(a) for a in args if isinstance(a, _Number)}
    if len(kinds) != 1:
        raise TypeError(
            "an operation needs Value or Dual arguments, not both"
            if kinds
            else "an operation needs at least one Value or Dual argument"
        )
    (kind,) = kinds
    for a in args:
        if not isinstance(a, _Number):
            _check_constant(a, kind)
    name = name or getattr(rule, "__name__", "op").lstrip("_")
    numbers_in = [a.value if isinstance(a, _Number) else a for a in args]
    try:
        value, local = rule(*numbers_in)
    except OverflowError:
        raise ValueError(f"{name}{tuple(numbers_in)} overflows a float") from None
    if not math.isfinite(value) or not all(map(math.isfinite, local)):
        raise ValueError(
            f"{name}{tuple(numbers_in)}: value {value!r} or local derivatives "
            f"{tuple(local)} not finite"
        )
    inputs = [(a, d) for a, d in zip(args, local, strict=True) if isinstance(a, kind)]
    _totals.operations += 1
    return kind._result(value, inputs, name)


def _check_constant(a, kind):
    if isinstance(a, bool) or not isinstance(a, numbers.Real):
        raise TypeError(
            f"a {kind.__name__} combines with real numbers and other "
            f"{kind.__name__}s only; got {type(a).__name__}"
        )


class Value(_Number):
    """A number in a computational graph, for reverse-mode differentiation.

    Parameters
    ----------
    value : real number
        A finite number: an input, a parameter or a constant of the program.
    label : str, default ""
        A name for figures and printing (``draw_graph``).

    Attributes
    ----------
    value : float
        The number computed.
    grad : float
        ``∂f/∂value`` after ``f.backward()`` for an ``f`` computed from this
        node (the adjoint); 0.0 before.
    inputs : tuple of Value
        The nodes this one was computed from (empty for an input).
    local_derivatives : tuple of float
        ``∂self/∂input`` for each of ``inputs``, computed with the value.
    op : str
        The operation's name (``"+"``, ``"exp"``, ...; ``""`` for an input).

    Operations: ``+ - * /``, ``**`` with a number exponent, unary ``-``,
    :meth:`exp`, :meth:`log`, :meth:`sin`, :meth:`tanh`, :meth:`sigmoid`,
    :meth:`relu`, and any rule through :func:`apply`.

    Derived in :ref:`ch8-reverse-mode`.
    """

    __slots__ = ("value", "grad", "inputs", "local_derivatives", "op", "label")

    def __init__(self, value, label=""):
        if not isinstance(label, str):
            raise TypeError(f"label must be a str; got {type(label).__name__}")
        self.value = _check_number(value, "value")
        self.grad = 0.0
        self.inputs = ()
        self.local_derivatives = ()
        self.op = ""
        self.label = label

    @classmethod
    def _result(cls, value, inputs, name):
        node = cls.__new__(cls)
        node.value, node.grad, node.label = value, 0.0, ""
        node.inputs = tuple(a for a, _ in inputs)
        node.local_derivatives = tuple(float(d) for _, d in inputs)
        node.op = name
        return node

    def backward(self):
        """Reverse mode: set every node's ``grad`` to ``∂self/∂node``.

        Visits the nodes in reverse topological order (each node after every
        node computed from it), so a node's adjoint is complete before it is
        passed on: ``input.grad += local_derivative * node.grad``. The ``+=``
        sums the paths: a node used twice receives both contributions.

        The grads of the graph are reset to zero first, so calling
        ``backward()`` twice gives the same grads, not doubled (PyTorch
        accumulates instead, hence its ``zero_grad()``). Nodes outside this
        graph are not touched. The graph may be of any depth: the
        topological sort is iterative.

        Derived in :ref:`ch8-reverse-mode`.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        products = 0
        for node in reversed(order):
            for child, local in zip(node.inputs, node.local_derivatives):
                child.grad += local * node.grad
            products += len(node.inputs)
        _totals.products += products

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value({self.value!r}, grad={self.grad!r}{label})"


def topological_order(node):
    """The nodes of ``node``'s graph, each after its inputs; ``node`` last.

    An iterative depth-first search, so graphs of any depth are fine.

    Parameters
    ----------
    node : Value

    Returns
    -------
    list of Value
        Every node ``node`` was computed from, once each.

    Derived in :ref:`ch8-reverse-mode`.
    """
    if not isinstance(node, Value):
        raise TypeError(f"node must be a Value; got {type(node).__name__}")
    order, seen = [], set()
    stack = [(node, False)]
    while stack:
        current, inputs_done = stack.pop()
        if inputs_done:
            order.append(current)
        elif current not in seen:
            seen.add(current)
            stack.append((current, True))
            stack.extend((a, False) for a in current.inputs if a not in seen)
    return order


class Dual(_Number):
    """A value with its tangent, for forward-mode differentiation.

    ``Dual(x, 1.0)`` is an input ``x`` with ``dx/dx = 1``; every operation
    computes its value and its tangent ``dv/dx = Σ_i (∂v/∂u_i) du_i/dx``
    (chapter 1's total derivative) from the tangents of its inputs.

    Parameters
    ----------
    value : real number
    tangent : real number, default 0.0
        The derivative of ``value`` along the chosen input direction.

    Derived in :ref:`ch8-forward-mode`.
    """

    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent=0.0):
        self.value = _check_number(value, "value")
        self.tangent = _check_number(tangent, "tangent")

    @classmethod
    def _result(cls, value, inputs, name):
        result = cls.__new__(cls)
        result.value = value
        result.tangent = sum(d * a.tangent for a, d in inputs)
        _totals.products += len(inputs)
        if not math.isfinite(result.tangent):
            raise ValueError(f"the tangent of {name} overflows")
        return result

    def __repr__(self):
        return f"Dual({self.value!r}, {self.tangent!r})"


# --- a network's loss as a scalar program -------------------------------------------

_HIDDEN = (
    (_activations.relu, "relu"),
    (_activations.sigmoid, "sigmoid"),
    (_activations.tanh, "tanh"),
    (_activations.identity, None),
)


def _activation_method(activation):
    for known, method in _HIDDEN:
        if activation is known:
            return method
    raise ValueError(
        f"autodiff knows the activations relu, sigmoid, tanh, identity and (as the "
        f"output with cross_entropy) softmax; got {activation!r}"
    )


def network_output(net, X, W, b):
    """The output pre-activations of ``net`` for each row of ``X``, scalar by scalar.

    ``z_i = b_i + Σ_j w_ij a_j`` and ``a_i = f(z_i)`` for every unit, as in
    :func:`mlpcore.per_unit.forward`, with the parameters given as nodes.

    Parameters
    ----------
    net : MLP
        Gives the layer sizes and activations.
    X : ndarray, shape (n_samples, n_0)
        Plain numbers: the inputs are constants of the graph.
    W, b : list
        ``W[k][j][i]`` and ``b[k][i]`` for ``k = 1..L`` (index 0 ``None``):
        :class:`Value`, :class:`Dual` or numbers.

    Returns
    -------
    list of list
        ``Z[s][i]``, the output layer's pre-activation ``z_i^(L)`` of sample
        ``s`` (the activation of the output is applied by :func:`network_loss`).

    Derived in :ref:`ch8-backprop`.
    """
    L, sizes = net.n_layers, net.layer_sizes
    methods = [None] + [_activation_method(f) for f in net.activations[1:L]]
    Z = []
    for x in X:
        a = [float(v) for v in x]
        for k in range(1, L + 1):
            z = []
            for i in range(sizes[k]):
                total = b[k][i]
                for j in range(sizes[k - 1]):
                    total = total + W[k][j][i] * a[j]
                z.append(total)
            if k < L:
                a = z if methods[k] is None else [getattr(v, methods[k])() for v in z]
        Z.append(z)
    return Z


def _softplus(z):
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): the branch is chosen by the
    # value, and both branches have the exact derivative sigmoid(z).
    return (1 + z.exp()).log() if z.value <= 0 else z + (1 + (-z).exp()).log()


def _sum(terms):
    """``t1 + t2 + ...`` without the extra ``0 +`` node of ``sum()``."""
    terms = iter(terms)
    total = next(terms)
    for term in terms:
        total = total + term
    return total


def _sample_loss(net, z, y):
    """The loss of one sample, from its output pre-activations ``z``."""
    loss, output = net.loss, net.activations[net.n_layers]
    if net.fused_output and loss is _losses.cross_entropy:
        # -Σ y_i log softmax(z)_i = Σ y_i (log Σ_j e^{z_j} - z_i). The shift m
        # (a constant) keeps exp from overflowing and changes neither the value
        # nor the derivatives.
        m = max(v.value for v in z)
        lse = m + _sum((v - m).exp() for v in z).log()
        return _sum(t * (lse - v) for t, v in zip(y, z))
    if net.fused_output and loss is _losses.binary_cross_entropy:
        # -y log σ(z) - (1-y) log(1 - σ(z)) = softplus(z) - y z
        return _sum(_softplus(v) - t * v for t, v in zip(y, z))
    method = _activation_method(output)
    yhat = z if method is None else [getattr(v, method)() for v in z]
    if loss is _losses.mean_squared_error:
        return _sum((p - t) ** 2 for t, p in zip(y, yhat))
    if loss is _losses.binary_cross_entropy:
        return -_sum(t * p.log() + (1 - t) * (1 - p).log() for t, p in zip(y, yhat))
    # cross-entropy; a term with y_i = 0 is 0 (as in mlpcore.losses) even where
    # log ŷ_i is undefined
    return -_sum(t * p.log() if t != 0 else 0 * p for t, p in zip(y, yhat))


def mean_loss(net, Z, y):
    """The mean loss of ``net`` from the output pre-activations ``Z``.

    The mean over samples of a sum over outputs, as :mod:`mlpcore.losses`
    defines it, without clipping (the two agree unless an output is within
    machine epsilon of 0 or 1). With the fused output error, the loss is
    computed from the logits: ``softplus(z) - y z`` for binary cross-entropy,
    a shifted log-sum-exp for cross-entropy. (``MLP.backward``'s fused output
    error ``ŷ - y`` of softmax with cross-entropy assumes rows of ``y`` that
    sum to 1; this graph is exact for any ``y``.)

    Parameters
    ----------
    net : MLP
        Gives the loss and the output activation.
    Z : list of list
        What :func:`network_output` returns.
    y : array_like, shape (n_samples, n_L)
        The targets, plain numbers.

    Returns
    -------
    Value or Dual

    Raises
    ------
    ValueError
        For a loss or an activation this module does not know.

    Derived in :ref:`ch8-backprop`.
    """
    _check_supported(net)
    y = [[float(t) for t in row] for row in y]
    return _sum(_sample_loss(net, z, t) for z, t in zip(Z, y)) / len(Z)


def network_loss(net, X, y, W, b):
    """``mean_loss(net, network_output(net, X, W, b), y)``: the loss as a graph.

    Derived in :ref:`ch8-backprop`.
    """
    _check_supported(net)
    return mean_loss(net, network_output(net, X, W, b), y)


def parameters(net, leaf=None):
    """The weights and biases of ``net`` as leaves of a graph, in nested lists.

    Parameters
    ----------
    net : MLP
    leaf : callable, optional
        ``leaf(value, position) -> node``, with ``position`` ``(k, j, i)`` for
        ``W[k][j, i]`` and ``(k, None, i)`` for ``b[k][0, i]``. By default a
        :class:`Value` of the number.

    Returns
    -------
    W, b : list
        ``W[k][j][i]`` and ``b[k][i]`` for ``k = 1..L`` (index 0 ``None``).

    Derived in :ref:`ch8-backprop`.
    """
    check_network(net)
    if leaf is None:
        leaf = _value_leaf
    W, b = [None], [None]
    for k in range(1, net.n_layers + 1):
        n_in, n_out = net.W[k].shape
        W.append(
            [
                [leaf(net.W[k][j, i], (k, j, i)) for i in range(n_out)]
                for j in range(n_in)
            ]
        )
        b.append([leaf(net.b[k][0, i], (k, None, i)) for i in range(n_out)])
    return W, b


def _value_leaf(value, position):
    return Value(value)


def _check_supported(net):
    """Raise a ValueError, before any work, for what this module cannot handle."""
    for activation in net.activations[1 : net.n_layers]:
        _activation_method(activation)
    known = (
        _losses.binary_cross_entropy,
        _losses.cross_entropy,
        _losses.mean_squared_error,
    )
    if not any(net.loss is loss for loss in known):
        raise ValueError(
            "autodiff knows the losses binary_cross_entropy, cross_entropy and "
            f"mean_squared_error; got {net.loss!r}"
        )
    if not (net.fused_output and net.loss is not _losses.mean_squared_error):
        _activation_method(net.activations[net.n_layers])


def gradients(net, X, y):
    """Gradients of ``net``'s mean loss by reverse mode on its scalar graph.

    Builds the graph of :func:`network_loss` with a :class:`Value` leaf for
    every weight and bias (the values of ``net.W``, ``net.b``) and calls
    :meth:`Value.backward` once.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_0)
    y : array_like, shape (n_samples, n_L)

    Returns
    -------
    dW, db : list of ndarray
        Shaped like ``net.W`` and ``net.b`` (index 0 is ``None``), equal to
        :meth:`MLP.backward`'s ``dW``, ``db`` to rounding error.

    Raises
    ------
    ValueError
        For an activation or a loss this module does not know, or bad data.

    Derived in :ref:`ch8-backprop`.
    """
    check_network(net)
    X, y = check_data(net, X, y)
    W, b = parameters(net)
    network_loss(net, X, y, W, b).backward()
    dW, db = [None], [None]
    for k in range(1, net.n_layers + 1):
        dW.append(np.array([[v.grad for v in row] for row in W[k]], dtype=net.dtype))
        db.append(np.array([[v.grad for v in b[k]]], dtype=net.dtype))
    return dW, db


def forward_gradients(net, X, y):
    """Gradients of ``net``'s mean loss by forward mode: one pass per parameter.

    For each weight and bias in turn, runs :func:`network_loss` with
    :class:`Dual` parameters whose tangent is 1 for that one and 0 for all
    the others; the tangent of the loss is the partial derivative.
    ``P`` parameters take ``P`` passes.

    Parameters, returns and errors as for :func:`gradients`.

    Derived in :ref:`ch8-forward-mode`.
    """
    check_network(net)
    X, y = check_data(net, X, y)
    W, b = parameters(net, lambda value, _: Dual(value, 0.0))
    _check_supported(net)
    dW = [None] + [np.zeros_like(net.W[k]) for k in range(1, net.n_layers + 1)]
    db = [None] + [np.zeros_like(net.b[k]) for k in range(1, net.n_layers + 1)]
    for k in range(1, net.n_layers + 1):
        n_in, n_out = net.W[k].shape
        seeds = [(W[k][j][i], dW[k], j, i) for j in range(n_in) for i in range(n_out)]
        seeds += [(b[k][i], db[k], 0, i) for i in range(n_out)]
        for leaf, grads, j, i in seeds:
            leaf.tangent = 1.0  # the direction of this pass: this parameter
            grads[j, i] = network_loss(net, X, y, W, b).tangent
            leaf.tangent = 0.0
    return dW, db
