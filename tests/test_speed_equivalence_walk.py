"""The compiled tree walk (eight rows side by side) against the numpy reference walk, on the
shipped model's trees and on rows built to reach every path: NaN, infinities, values equal to
thresholds, and batch sizes that leave one to seven rows after the last group of eight."""

from __future__ import annotations

import numpy as np
import pytest

from spin_detect.learning.persist import default_model_dir
from spin_detect.learning.predictors import TreeEnsemble, portable

numba = pytest.importorskip("numba")


def _default_trees() -> list[TreeEnsemble]:
    from spin_detect.learning.persist import read_model

    spin, _ = read_model(default_model_dir())
    return [spin.token_model_, spin.sentence_model_.trees]


def _rows(trees: TreeEnsemble, n: int, seed: int) -> np.ndarray:
    """Rows whose values are thresholds of the trees (exactly, or just beside them), NaN or infinite."""
    rng = np.random.default_rng(seed)
    inner = ~trees.is_leaf
    X = np.empty((n, trees.n_features))
    for j in range(trees.n_features):
        thr = trees.threshold[inner & (trees.feature == j)]
        thr = thr[np.isfinite(thr)]
        base = rng.choice(thr, n) if len(thr) else rng.normal(size=n)
        X[:, j] = np.where(rng.random(n) < 0.5, base, np.nextafter(base, rng.choice([-np.inf, np.inf], n)))
    X[rng.random(X.shape) < 0.1] = np.nan
    X[rng.random(X.shape) < 0.02] = np.inf
    X[rng.random(X.shape) < 0.02] = -np.inf
    return X


@pytest.mark.parametrize("n", [0, 1, 3, 7, 8, 9, 15, 16, 17, 1001])
def test_compiled_walk_equals_numpy_walk_on_the_default_model(n):
    from spin_detect.learning.compiled import tree_raw

    for k, trees in enumerate(_default_trees()):
        X = portable(_rows(trees, n, seed=n * 10 + k))  # as TreeEnsemble.raw hands them to the walk
        want = trees.raw_numpy(X)
        args = (trees.feature, trees.walk_threshold, trees.missing_left, trees.left, trees.right, trees.is_leaf,
                trees.value, trees.tree_start, trees.baseline)
        np.testing.assert_array_equal(tree_raw(X, *args), want)
        np.testing.assert_array_equal(tree_raw(X, *args, walk=trees._walk_arrays[:4]), want)
        # row order does not matter: each row's sum is its own (the groups of eight change)
        perm = np.random.default_rng(n).permutation(n)
        np.testing.assert_array_equal(tree_raw(X[perm], *args), want[perm])


def test_compiled_walk_follows_missing_values_to_the_trained_side():
    """A test that can fail: flipping one node's missing-value side changes the NaN rows' scores."""
    from spin_detect.learning.compiled import tree_raw

    trees = _default_trees()[0]
    X = _rows(trees, 400, seed=3)
    X[:, :] = np.nan
    args = [trees.feature, trees.walk_threshold, trees.missing_left.copy(), trees.left, trees.right, trees.is_leaf,
            trees.value, trees.tree_start, trees.baseline]
    before = tree_raw(X, *args)
    args[2][trees.tree_start[0]] ^= True
    assert not np.array_equal(tree_raw(X, *args), before)


def test_a_score_does_not_move_with_the_last_bits_of_a_feature():
    """numpy's log and exp differ in the last bits between processors (AVX-512 or not): a feature equal to a
    threshold on one machine is one unit in the last place beside it on another. The trees compare both at
    single precision (predictors.portable), so both machines get the same score."""
    for k, trees in enumerate(_default_trees()):
        X = _rows(trees, 2000, seed=70 + k)
        exact = trees.raw(X)
        for direction in (-np.inf, np.inf):
            np.testing.assert_array_equal(trees.raw(np.nextafter(X, direction)), exact)
            np.testing.assert_array_equal(trees.raw_numpy(np.nextafter(X, direction)), exact)
