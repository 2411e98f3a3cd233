"""The compiled tree walk in blocks of rows with packed node records, against the numpy reference
walk: batch sizes around the block size, the node records that TreeEnsemble.raw keeps between
batches, and the token and sentence models' probabilities on real feature rows, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from test_speed_equivalence_walk import _rows  # rows at, beside and between the thresholds; NaN, inf

from spin_detect.learning import predictors
from spin_detect.learning.persist import default_model_dir, read_model

numba = pytest.importorskip("numba")


def _models():
    spin, _ = read_model(default_model_dir())
    return spin


@pytest.mark.parametrize("n", [127, 128, 129, 135, 136, 256, 257, 1000, 5003])
def test_blocks_of_rows_give_the_reference_sums(n):
    from spin_detect.learning.compiled import BLOCK_ROWS, tree_raw

    assert BLOCK_ROWS % 8 == 0
    spin = _models()
    for k, trees in enumerate([spin.token_model_, spin.sentence_model_.trees]):
        X = predictors.portable(_rows(trees, n, seed=n + k))  # as TreeEnsemble.raw hands them to the walk
        args = (trees.feature, trees.walk_threshold, trees.missing_left, trees.left, trees.right, trees.is_leaf,
                trees.value, trees.tree_start, trees.baseline)
        np.testing.assert_array_equal(tree_raw(X, *args), trees.raw_numpy(X))


def test_raw_keeps_the_node_records_and_gives_the_reference(monkeypatch):
    """TreeEnsemble.raw on the compiled path (forced), twice: the records made on the first call
    are reused, and both calls equal the numpy walk, as do the sentence model's probabilities."""
    monkeypatch.setattr(predictors, "COMPILED_MIN_WORK", 0)
    spin = _models()
    trees = spin.token_model_
    X = _rows(trees, 3001, seed=5)
    first = trees.raw(X)
    nodes = trees._nodes
    assert nodes is not None and nodes.dtype == np.int32 and nodes.shape == (len(trees.feature), 4)
    np.testing.assert_array_equal(first, trees.raw_numpy(X))
    np.testing.assert_array_equal(trees.raw(X[::-1]), trees.raw_numpy(X[::-1]))
    assert trees._nodes is nodes
    sent = spin.sentence_model_
    Xs = _rows(sent.trees, 2000, seed=6)
    np.testing.assert_array_equal(sent.predict_proba(Xs)[:, 1], sent.calibrate(sent.trees.raw_numpy(Xs)))


def test_a_wrong_node_record_changes_the_scores():
    """A test that can fail: a node record whose NaN side is flipped changes the NaN rows' sums."""
    from spin_detect.learning.compiled import pack_nodes, tree_raw, walk_arrays

    trees = _models().token_model_
    X = _rows(trees, 500, seed=7)
    X[::2, trees.feature[trees.tree_start[0]]] = np.nan  # every other row is NaN at the first root's feature
    args = (trees.feature, trees.threshold, trees.missing_left, trees.left, trees.right, trees.is_leaf,
            trees.value, trees.tree_start, trees.baseline)
    walk = walk_arrays(*args[:6])
    nodes = pack_nodes(walk[0], walk[2], walk[3])
    nodes[trees.tree_start[0], 3] ^= 1
    assert not np.array_equal(tree_raw(X, *args, walk=walk, nodes=nodes), trees.raw_numpy(X))
