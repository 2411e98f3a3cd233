"""The array predictors against the scikit-learn models they are exported from, and the numpy
walk against the compiled one (issue 14)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator

from spin_detect.learning.predictors import COMPILED_MIN_WORK, IsotonicCalibrated, TreeEnsemble, export_estimator


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] ** 2 + rng.normal(scale=0.5, size=n) > 0.5).astype(int)
    X[rng.random(n) < 0.15, 2] = np.nan  # missing values the trees learn to route
    X[:, 3] = np.where(y == 1, np.nan, X[:, 3])  # a split on missing values alone: threshold +inf
    X[rng.random(n) < 0.01, 4] = np.inf  # real infinities are values, not missing
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _data(3000, 0)
    with warnings.catch_warnings():  # binning takes percentiles of a column holding inf
        warnings.simplefilter("ignore", RuntimeWarning)
        hgb = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=31, random_state=0).fit(X, y)
    Xc, yc = _data(1500, 1)
    cal = CalibratedClassifierCV(FrozenEstimator(hgb), method="isotonic").fit(Xc, yc)
    return hgb, cal


def test_trees_with_missing_value_splits_predict_as_scikit_learn(fitted):
    hgb, _ = fitted
    trees = TreeEnsemble.from_sklearn(hgb)
    inner = ~trees.is_leaf
    assert np.isinf(trees.threshold[inner]).any(), "the fixture should make a split on missing values alone"
    X, _ = _data(4000, 2)
    np.testing.assert_array_equal(trees.raw_numpy(X), hgb._raw_predict(X).ravel())
    np.testing.assert_allclose(trees.predict_proba(X), hgb.predict_proba(X), rtol=0, atol=1e-12)


def test_the_compiled_walk_gives_the_numpy_walks_numbers(fitted):
    pytest.importorskip("numba")
    from spin_detect.learning.compiled import tree_raw

    trees = TreeEnsemble.from_sklearn(fitted[0])
    X, _ = _data(5000, 3)
    got = tree_raw(X, trees.feature, trees.threshold, trees.missing_left, trees.left, trees.right, trees.is_leaf,
                   trees.value, trees.tree_start, trees.baseline)
    np.testing.assert_array_equal(got, trees.raw_numpy(X))
    # raw() picks the compiled walk for large batches: the same numbers either way
    big = np.repeat(X, COMPILED_MIN_WORK // (len(X) * len(trees.tree_start)) + 1, axis=0)
    np.testing.assert_array_equal(trees.raw(big), trees.raw_numpy(big))


def test_isotonic_calibration_predicts_as_scikit_learn(fitted):
    _, cal = fitted
    exported = export_estimator(cal)
    assert isinstance(exported, IsotonicCalibrated)
    X, _ = _data(4000, 4)
    np.testing.assert_allclose(exported.predict_proba(X), cal.predict_proba(X), rtol=0, atol=1e-12)


def test_arrays_round_trip(fitted):
    from spin_detect.learning.predictors import from_arrays

    _, cal = fitted
    exported = export_estimator(cal)
    back = from_arrays(exported.to_arrays("m/"), "m/")
    X, _ = _data(500, 5)
    np.testing.assert_array_equal(back.predict_proba(X), exported.predict_proba(X))
    with pytest.raises(ValueError, match="unknown model part"):
        from_arrays({**exported.to_arrays("m/"), "m/kind": np.array("pickle")}, "m/")


def test_a_model_of_another_kind_is_not_exported():
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError, match="cannot export"):
        export_estimator(LogisticRegression())


def test_portable_rounding_keeps_ties_signs_and_what_is_not_a_number():
    from spin_detect.learning.portable import portable

    x = np.array([1 / 3, np.log(5.0), np.inf, -np.inf, np.nan, 0.0, 1e308, np.finfo(float).max])
    r = portable(x)
    np.testing.assert_array_equal(portable(-x), -r)  # symmetric in sign
    np.testing.assert_array_equal(portable(r), r)  # idempotent: a rounded threshold stays itself
    assert np.isnan(r[4]) and r[2] == np.inf and r[3] == -np.inf and r[5] == 0 and r[7] == np.inf
    assert np.all(np.abs(r[[0, 1, 6]] / x[[0, 1, 6]] - 1) < 2.5e-10)
    near = np.nextafter(x[:2], np.inf)  # a last-bit difference vanishes
    np.testing.assert_array_equal(portable(near), r[:2])
