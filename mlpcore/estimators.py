"""scikit-learn estimators built on :class:`mlpcore.MLP`.

Chapter 7 ("Beyond the tutorial") uses them.

They follow scikit-learn's conventions, so they work in pipelines, with
cross-validation and grid search, and pass scikit-learn's estimator checks.
"""

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import check_learning_rate, check_positive_int
from .network import MLP
from .training import train


class _BaseMLP(BaseEstimator):
    """Parameters and fitting shared by the classifier and the regressor."""

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="relu",
        learning_rate=0.1,
        epochs=200,
        batch_size=32,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def _fit_network(self, X, Y, output_activation, loss):
        hidden = self.hidden_layer_sizes
        if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
            hidden = (hidden,)
        if isinstance(hidden, (str, bytes)) or not isinstance(
            hidden, (Sequence, np.ndarray)
        ):
            raise TypeError(
                "hidden_layer_sizes must be a positive integer or a sequence of them; "
                f"got {hidden!r}"
            )
        hidden = [check_positive_int(h, "hidden_layer_sizes entries") for h in hidden]
        check_learning_rate(self.learning_rate)
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.batch_size, "batch_size", allow_none=True)
        # One integer seed drives both initialisation and shuffling, so an int
        # random_state makes fit deterministic. None means fresh entropy
        # (np.random.default_rng(None)), never numpy's global random state.
        if self.random_state is None:
            seed = int(np.random.default_rng().integers(np.iinfo(np.int32).max))
        else:
            seed = int(
                check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            )
        net = MLP(
            [X.shape[1], *hidden, Y.shape[1]],
            activations=[self.activation] * len(hidden) + [output_activation],
            loss=loss,
            seed=seed,
        )
        self.history_ = train(
            net,
            X,
            Y,
            self.epochs,
            self.learning_rate,
            batch_size=self.batch_size,
            seed=seed,
        )
        self.network_ = net
        self.loss_curve_ = self.history_.loss
        self.n_iter_ = self.history_.epochs
        return self


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multilayer perceptron classifier trained with mini-batch SGD.

    Two classes use one sigmoid output with binary cross-entropy; more use a
    softmax output with cross-entropy. Labels may be of any type.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (32,)
        Widths of the hidden layers.
    activation : {"relu", "tanh", "sigmoid", "identity"}, default "relu"
        Activation of the hidden layers.
    learning_rate : float, default 0.1
    epochs : int, default 200
    batch_size : int or None, default 32
        ``None`` for full-batch gradient descent.
    random_state : int, RandomState or None, default None

    Attributes
    ----------
    classes_ : ndarray
    network_ : MLP
    history_ : History
    loss_curve_ : list of float
    n_iter_ : int

    Used in :ref:`ch7-scikit-learn`.
    """

    def fit(self, X, y):
        """Fit the network to ``X`` and labels ``y``; return ``self``. Used in :ref:`ch7-scikit-learn`."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                "MLPClassifier needs samples of at least 2 classes; "
                f"got 1 class: {encoder.classes_[0]!r}"
            )
        codes = encoder.transform(y)
        if len(encoder.classes_) == 2:
            Y, output, loss = (
                codes.reshape(-1, 1).astype(np.float64),
                "sigmoid",
                "binary_cross_entropy",
            )
        else:
            Y, output, loss = (
                np.eye(len(encoder.classes_))[codes],
                "softmax",
                "cross_entropy",
            )
        self.classes_ = encoder.classes_
        return self._fit_network(X, Y, output, loss)

    def predict_proba(self, X):
        """Class probabilities, shape ``(n_samples, n_classes)``. Used in :ref:`ch7-scikit-learn`."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        p = self.network_.forward(X)
        if p.shape[1] == 1:
            return np.hstack([1 - p, p])
        return p.copy()

    def predict(self, X):
        """The most probable class of each sample. Used in :ref:`ch7-scikit-learn`."""
        check_is_fitted(self)
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multilayer perceptron regressor (identity output, squared error).

    Parameters are those of :class:`MLPClassifier`, with
    ``learning_rate=0.01`` by default. The network is trained on
    standardised targets (``y_mean_``, ``y_scale_``); :meth:`predict` maps
    its outputs back to the scale of ``y``.

    Used in :ref:`ch7-scikit-learn`.
    """

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="relu",
        learning_rate=0.01,
        epochs=200,
        batch_size=32,
        random_state=None,
    ):
        super().__init__(
            hidden_layer_sizes,
            activation,
            learning_rate,
            epochs,
            batch_size,
            random_state,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        """Fit the network to ``X`` and targets ``y``; return ``self``. Used in :ref:`ch7-scikit-learn`."""
        X, y = validate_data(
            self, X, y, dtype=np.float64, multi_output=True, y_numeric=True
        )
        if y.dtype.kind not in "biuf":
            raise TypeError(
                "MLPRegressor needs real-valued targets y; "
                f"got an array of dtype {y.dtype}"
            )
        self._y_1d = y.ndim == 1
        Y = y.reshape(-1, 1) if self._y_1d else y.astype(np.float64)
        # Targets are standardised for training, so one learning rate suits
        # targets of any scale (unscaled targets in the hundreds make plain
        # SGD diverge); predictions are mapped back.
        self.y_mean_ = Y.mean(axis=0)
        self.y_scale_ = Y.std(axis=0)
        self.y_scale_[self.y_scale_ == 0] = 1.0
        return self._fit_network(
            X, (Y - self.y_mean_) / self.y_scale_, "identity", "mean_squared_error"
        )

    def predict(self, X):
        """Predicted targets, shaped like the ``y`` given to :meth:`fit`. Used in :ref:`ch7-scikit-learn`."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        yhat = self.network_.forward(X) * self.y_scale_ + self.y_mean_
        return yhat.ravel() if self._y_1d else yhat
