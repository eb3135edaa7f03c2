"""The scikit-learn estimators: quality on real data, labels of any type, pickling,
grid search."""

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_circles
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlpcore
from mlpcore import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def circles_split():
    X, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=0)
    return train_test_split(X, y, random_state=0)


@pytest.fixture(scope="module")
def fitted_circles(circles_split):
    X_train, _, y_train, _ = circles_split
    return MLPClassifier(random_state=0).fit(X_train, y_train)


def test_classifier_on_held_out_two_circles(circles_split, fitted_circles):
    _, X_test, _, y_test = circles_split
    assert fitted_circles.score(X_test, y_test) >= 0.97


def test_classifier_on_held_out_standardized_digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, random_state=0, stratify=y
    )
    model = make_pipeline(StandardScaler(), MLPClassifier(random_state=0, epochs=60))
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.93
    clf = model[-1]
    assert (
        clf.network_.activations[-1].name == "softmax"
        and clf.network_.loss.name == "cross_entropy"
    )
    np.testing.assert_array_equal(clf.classes_, np.arange(10))


def test_fitted_attributes(fitted_circles):
    clf = fitted_circles
    assert clf.network_.layer_sizes == (2, 32, 1)
    assert [a.name for a in clf.network_.activations[1:]] == ["relu", "sigmoid"]
    assert clf.network_.loss.name == "binary_cross_entropy"
    assert clf.n_iter_ == 200 == len(clf.loss_curve_) == clf.history_.epochs
    assert clf.loss_curve_ is clf.history_.loss
    assert clf.n_features_in_ == 2
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["no", "yes"]),
        np.array([3, 7]),
        np.array([False, True]),
        np.array(["cat", "dog", "emu"]),
        np.array([-1, 10, 4, 2]),
    ],
    ids=["strings", "ints-3-7", "bools", "three-strings", "four-ints"],
)
def test_classifier_takes_any_label_type(labels, rng):
    # Well-separated blobs, one per label: any working classifier gets them all right.
    k = len(labels)
    centres = 6 * np.column_stack(
        [np.cos(2 * np.pi * np.arange(k) / k), np.sin(2 * np.pi * np.arange(k) / k)]
    )
    codes = rng.integers(0, k, size=150)
    X = centres[codes] + rng.normal(scale=0.5, size=(150, 2))
    y = labels[codes]
    clf = MLPClassifier(hidden_layer_sizes=(8,), epochs=30, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.sort(labels))
    predicted = clf.predict(X)
    assert predicted.dtype == y.dtype
    assert (predicted == y).mean() == 1.0
    proba = clf.predict_proba(X)
    assert proba.shape == (150, k)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], predicted)
    assert clf.network_.layer_sizes[-1] == (1 if k == 2 else k)


def test_classifier_determinism(circles_split):
    X_train, X_test, y_train, _ = circles_split
    a = MLPClassifier(epochs=5, random_state=3).fit(X_train, y_train)
    b = MLPClassifier(epochs=5, random_state=3).fit(X_train, y_train)
    c = MLPClassifier(epochs=5, random_state=4).fit(X_train, y_train)
    assert a.loss_curve_ == b.loss_curve_
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert a.loss_curve_ != c.loss_curve_


def test_fit_never_touches_the_global_random_state(circles_split):
    X_train, _, y_train, _ = circles_split
    saved = np.random.get_state()
    for random_state in (None, 0, np.random.RandomState(1)):
        MLPClassifier(epochs=2, random_state=random_state).fit(X_train, y_train)
        MLPRegressor(epochs=2, random_state=random_state).fit(X_train, X_train[:, 0])
    after = np.random.get_state()
    np.testing.assert_array_equal(after[1], saved[1])
    assert after[2:] == saved[2:]


def test_random_state_none_gives_different_fits(circles_split):
    X_train, _, y_train, _ = circles_split
    a = MLPClassifier(epochs=2).fit(X_train, y_train)
    b = MLPClassifier(epochs=2).fit(X_train, y_train)
    assert a.loss_curve_ != b.loss_curve_


def test_fitted_estimator_and_network_pickle(fitted_circles, circles_split, tmp_path):
    _, X_test, _, _ = circles_split
    expected = fitted_circles.predict_proba(X_test)
    restored = pickle.loads(pickle.dumps(fitted_circles))
    np.testing.assert_array_equal(restored.predict_proba(X_test), expected)
    np.testing.assert_array_equal(
        restored.predict(X_test), fitted_circles.predict(X_test)
    )

    path = tmp_path / "model.joblib"
    joblib.dump(fitted_circles, path)
    np.testing.assert_array_equal(joblib.load(path).predict_proba(X_test), expected)

    net = pickle.loads(pickle.dumps(fitted_circles.network_))
    np.testing.assert_array_equal(net.forward(X_test), expected[:, 1:])


def test_grid_search_with_two_jobs(circles_split):
    X_train, X_test, y_train, y_test = circles_split
    search = GridSearchCV(
        MLPClassifier(epochs=20, random_state=0),
        {"hidden_layer_sizes": [(4,), (16,)], "learning_rate": [0.05, 0.2]},
        cv=2,
        n_jobs=2,
    )
    search.fit(X_train, y_train)
    assert set(search.best_params_) == {"hidden_layer_sizes", "learning_rate"}
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.best_estimator_.score(X_test, y_test) > 0.8
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_clone_keeps_parameters():
    clf = MLPClassifier(
        hidden_layer_sizes=(5, 3),
        activation="tanh",
        learning_rate=0.3,
        epochs=7,
        batch_size=None,
    )
    params = clone(clf).get_params()
    assert params == {
        "hidden_layer_sizes": (5, 3),
        "activation": "tanh",
        "learning_rate": 0.3,
        "epochs": 7,
        "batch_size": None,
        "random_state": None,
    }
    assert MLPRegressor().learning_rate == 0.01


def test_hidden_layer_sizes_as_an_int_and_full_batch(rng):
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = MLPClassifier(
        hidden_layer_sizes=6,
        batch_size=None,
        epochs=3,
        activation="tanh",
        random_state=0,
    ).fit(X, y)
    assert clf.network_.layer_sizes == (3, 6, 1)
    assert clf.network_.activations[1].name == "tanh"


def smooth_data(rng, n=600):
    X = rng.uniform(-2, 2, size=(n, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2
    return X, y


def test_regressor_fits_a_smooth_function(rng):
    X, y = smooth_data(rng)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(32,), epochs=150, random_state=0).fit(
        X_train, y_train
    )
    prediction = reg.predict(X_test)
    assert prediction.shape == y_test.shape
    assert r2_score(y_test, prediction) > 0.9
    assert reg.score(X_test, y_test) > 0.9


def test_regressor_handles_two_dimensional_targets_on_any_scale(rng):
    X, y = smooth_data(rng)
    Y = np.column_stack([1000 * y + 500, -0.001 * np.cos(X[:, 1])])
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
    reg = MLPRegressor(epochs=150, random_state=0).fit(X_train, Y_train)
    prediction = reg.predict(X_test)
    assert prediction.shape == Y_test.shape
    assert reg.network_.layer_sizes[-1] == 2
    for j in range(2):
        assert r2_score(Y_test[:, j], prediction[:, j]) > 0.9
    np.testing.assert_allclose(reg.y_mean_, Y_train.mean(axis=0))
    np.testing.assert_allclose(reg.y_scale_, Y_train.std(axis=0))


def test_regressor_with_a_constant_target(rng):
    X = rng.normal(size=(30, 2))
    reg = MLPRegressor(epochs=300, learning_rate=0.1, random_state=0).fit(
        X, np.full(30, 4.0)
    )
    assert reg.y_scale_[0] == 1.0  # a zero standard deviation is not divided by
    assert (
        np.isfinite(reg.loss_curve_).all()
        and reg.loss_curve_[-1] < 1e-2 * reg.loss_curve_[0]
    )
    np.testing.assert_allclose(reg.predict(X), 4.0, atol=0.1)


def test_regressor_pickles(rng):
    X, y = smooth_data(rng, n=100)
    reg = MLPRegressor(epochs=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(reg)).predict(X), reg.predict(X)
    )


def test_estimators_are_exported():
    assert (
        mlpcore.MLPClassifier is MLPClassifier and mlpcore.MLPRegressor is MLPRegressor
    )
