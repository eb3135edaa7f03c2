"""mlpcore: a multilayer perceptron with back-propagation, written to be read.

Every function says which chapter of the book derives it. The public names:

- :class:`MLP` — the network: ``forward``, ``backward``, ``update``.
- :mod:`mlpcore.activations`, :mod:`mlpcore.losses` — functions with their derivatives.
- :mod:`mlpcore.per_unit` — the same gradients with explicit loops over units.
- :func:`central_difference`, :func:`gradient_check` — finite-difference checks.
- :func:`train`, :class:`History`, :class:`TrainingDiverged` — gradient descent.
- :class:`MLPClassifier`, :class:`MLPRegressor` — scikit-learn estimators.
- :mod:`mlpcore.plotting` — figures (imported on first use; needs Matplotlib).
"""

import importlib

from . import activations, losses, original, per_unit
from .estimators import MLPClassifier, MLPRegressor
from .gradcheck import central_difference, gradient_check, relative_error
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
    "central_difference",
    "gradient_check",
    "losses",
    "original",
    "per_unit",
    "plotting",
    "relative_error",
    "train",
]


def __getattr__(name):
    # Matplotlib is imported only when a figure is wanted.
    if name == "plotting":
        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
