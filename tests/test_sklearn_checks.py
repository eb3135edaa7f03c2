"""scikit-learn's own estimator suite, run on both estimators with no expected
failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from mlpcore import MLPClassifier, MLPRegressor


@parametrize_with_checks([MLPClassifier(random_state=0), MLPRegressor(random_state=0)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
