"""mlpcore: a multilayer perceptron with back-propagation, written to be read.

Every function says which chapter of the book derives it. The public names:

- :class:`MLP` — the network: ``forward``, ``backward``, ``update``.
- :mod:`mlpcore.activations`, :mod:`mlpcore.losses` — functions, with derivatives.
- :mod:`mlpcore.per_unit` — the same gradients with explicit loops over units.
- :mod:`mlpcore.autodiff` — reverse and forward mode on a graph of scalar operations.
- :mod:`mlpcore.diagnostics` — per-layer gradient norms and variances, initialisation.
- :func:`central_difference`, :func:`numeric_gradients`, :func:`gradient_check`,
  :func:`relative_error` — finite-difference checks.
- :func:`train`, :class:`History`, :class:`TrainingDiverged` — gradient descent.
- :class:`MLPClassifier`, :class:`MLPRegressor` — scikit-learn estimators.
- :mod:`mlpcore.plotting` — figures.
- :mod:`mlpcore.original` — the original tutorial's run and its mistakes.
"""

import importlib

from . import activations, autodiff, diagnostics, losses, per_unit
from .gradcheck import (
    central_difference,
    gradient_check,
    numeric_gradients,
    relative_error,
)
from .network import MLP
from .training import History, TrainingDiverged, train

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "History",
    "MLPClassifier",
    "MLPRegressor",
    "TrainingDiverged",
    "activations",
    "autodiff",
    "central_difference",
    "diagnostics",
    "gradient_check",
    "losses",
    "numeric_gradients",
    "original",
    "per_unit",
    "plotting",
    "relative_error",
    "train",
]


# Names whose modules import Matplotlib or scikit-learn (about a second) are
# loaded on first use, so `import mlpcore` stays quick.
_LAZY = {
    "plotting": ("plotting", None),
    "original": ("original", None),
    "MLPClassifier": ("estimators", "MLPClassifier"),
    "MLPRegressor": ("estimators", "MLPRegressor"),
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
