"""The LSH's storage (spin_detect/matching/lshstore.py): the sorted arrays answer as datasketch's own storage."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHashLSH

from spin_detect.matching import MatchConfig
from spin_detect.matching.index import signer_of
from spin_detect.matching.lshstore import CompactBuckets, KeysOnly, SortedBuckets, bulk_insert, compact_lsh


def _signatures(n: int, num_perm: int, seed: int) -> np.ndarray:
    """Random signatures, the second half near-duplicates of the first (sharing some bands, some many)."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 2**32, size=(n, num_perm), dtype=np.uint32)
    for i in range(n // 2, n):
        src = values[rng.integers(0, n // 2)]
        same = rng.random(num_perm) < rng.choice([0.02, 0.1, 0.5, 1.0])
        values[i, same] = src[same]
    return values


@pytest.mark.parametrize("rows", [1, 2])
def test_sorted_buckets_answer_every_query_as_datasketch_storage_does(rows, monkeypatch):
    # few entries wait before a merge, so that queries meet entries merged many times and entries still waiting
    monkeypatch.setattr(SortedBuckets, "pending_limit", 50)
    config = MatchConfig()
    bands = config.num_perm // rows
    signer = signer_of(config)
    values = _signatures(600, config.num_perm, rows)
    plain = MinHashLSH(num_perm=config.num_perm, params=(bands, rows))
    lsh = compact_lsh(config.num_perm, bands, rows)
    assert all(type(t) is SortedBuckets for t in lsh.hashtables)
    found = 0
    for i, hv in enumerate(values):
        m = signer.from_hashvalues(hv)
        want = sorted(plain.query(m))  # asked before each insert, as an audit does
        assert sorted(lsh.query(m)) == want, i
        found += len(want) > 0
        plain.insert(i, m, check_duplication=False)
        lsh.insert(i, m, check_duplication=False)
    assert found > 100
    for hv in values:  # and after the last one, the waiting entries merged or not
        m = signer.from_hashvalues(hv)
        assert sorted(lsh.query(m)) == sorted(plain.query(m))
    table = lsh.hashtables[0]
    assert table._n_pending < 50 and len(table._bands) > 500  # both places were asked above
    for t in lsh.hashtables:
        t.empty_buffer()
    assert all(t._n_pending == 0 for t in lsh.hashtables)
    for j in (0, 7, bands - 1):
        assert set(lsh.hashtables[j].keys()) == set(plain.hashtables[j].keys())
        assert lsh.hashtables[j].itemcounts() == {k: len(v) for k, v in plain.hashtables[j]._dict.items()}


def test_a_bucket_keeps_its_keys_in_the_order_they_came(monkeypatch):
    monkeypatch.setattr(SortedBuckets, "pending_limit", 3)
    t = SortedBuckets()
    band, other = (7).to_bytes(8, "big"), (2**64 - 1).to_bytes(8, "big")
    for key in (5, 3, 9):
        t.insert(band, key)
    t.insert(other, 1)  # merged: 5, 3, 9 stored
    assert t._n_pending == 1 and list(t.get(band)) == [5, 3, 9]
    t.insert(band, 0)
    t.insert(band, 2**32 - 1)
    assert list(t.get(band)) == [5, 3, 9, 0, 2**32 - 1]
    assert list(t.get(other)) == [1] and list(t.get((8).to_bytes(8, "big"))) == []
    assert t.has_key(band) and not t.has_key((8).to_bytes(8, "big")) and t.size() == 2


def test_sorted_buckets_refuse_what_they_cannot_hold(monkeypatch):
    monkeypatch.setattr(SortedBuckets, "pending_limit", 1)
    with pytest.raises(ValueError, match="2\\*\\*32"):
        SortedBuckets().insert((1).to_bytes(8, "big"), 2**32)
    with pytest.raises(ValueError, match="2\\*\\*32"):
        SortedBuckets().insert((1).to_bytes(8, "big"), "d1")
    with pytest.raises(ValueError, match="bytes of 4 or 8"):
        SortedBuckets().insert((1).to_bytes(12, "big"), 1)
    with pytest.raises(NotImplementedError):
        SortedBuckets().remove((1).to_bytes(8, "big"))


def test_wider_bands_keep_a_dict_per_band():
    lsh = compact_lsh(128, 32, 4)
    assert all(type(t) is CompactBuckets for t in lsh.hashtables) and type(lsh.keys) is KeysOnly


@pytest.mark.parametrize("rows", [1, 2])
def test_bulk_insert_gives_the_lsh_that_inserting_one_by_one_gives(rows, monkeypatch):
    monkeypatch.setattr(SortedBuckets, "pending_limit", 64)
    config = MatchConfig()
    bands = config.num_perm // rows
    signer = signer_of(config)
    values = _signatures(400, config.num_perm, 10 + rows)
    keys = np.arange(3, 403)[np.random.default_rng(0).random(400) < 0.8]  # gaps: documents without a signature
    rows_of = values[: len(keys)]
    one_by_one = compact_lsh(config.num_perm, bands, rows)
    for k, hv in zip(keys, rows_of):
        one_by_one.insert(int(k), signer.from_hashvalues(hv), check_duplication=False)
    bulk = compact_lsh(config.num_perm, bands, rows)
    bulk_insert(bulk, keys, rows_of, signer.from_hashvalues)
    # the fast path was taken: nothing waits, where inserting one by one leaves the last entries waiting
    assert all(t._n_pending == 0 for t in bulk.hashtables) and one_by_one.hashtables[0]._n_pending > 0
    for t in one_by_one.hashtables:
        t.empty_buffer()
    for a, b in zip(one_by_one.hashtables, bulk.hashtables):
        assert np.array_equal(a._bands, b._bands) and np.array_equal(a._keys, b._keys)
        assert a._bits == b._bits or a._mask != b._mask
    queries = _signatures(200, config.num_perm, 20)
    queries[::2] = values[: len(queries) : 2]
    for hv in queries:
        m = signer.from_hashvalues(hv)
        assert sorted(bulk.query(m)) == sorted(one_by_one.query(m))
    assert int(keys[5]) in bulk and 2 not in bulk


def test_bulk_insert_falls_back_to_inserting_when_the_band_hash_is_not_the_one_it_knows(monkeypatch):
    config = MatchConfig()
    signer = signer_of(config)
    values = _signatures(50, config.num_perm, 30)
    lsh = compact_lsh(config.num_perm, config.bands, config.rows)
    # another band hash (as another datasketch could have): the check on the first document fails
    monkeypatch.setattr(lsh, "_H", lambda hs: bytes(hs.data))
    bulk_insert(lsh, np.arange(50), values, signer.from_hashvalues)
    plain = MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows))
    monkeypatch.setattr(plain, "_H", lambda hs: bytes(hs.data))
    for i, hv in enumerate(values):
        plain.insert(i, signer.from_hashvalues(hv), check_duplication=False)
    for hv in values:
        m = signer.from_hashvalues(hv)
        assert sorted(lsh.query(m)) == sorted(plain.query(m))


def test_sorted_buckets_refuse_band_values_of_mixed_lengths(monkeypatch):
    monkeypatch.setattr(SortedBuckets, "pending_limit", 2)
    t = SortedBuckets()
    with pytest.raises(ValueError, match="one length"):  # 12 and 4 bytes: 8 on average, still refused
        t.insert((1).to_bytes(12, "big"), 1)
        t.insert((2).to_bytes(4, "big"), 2)
    t = SortedBuckets()
    t.insert((1).to_bytes(8, "big"), 1)
    t.insert((2).to_bytes(8, "big"), 2)  # merged: 8-byte values stored
    with pytest.raises(ValueError, match="one length"):
        t.insert((3).to_bytes(4, "big"), 3)
        t.insert((4).to_bytes(4, "big"), 4)
    for bad in (-1, 1.5, "5", 2**32):
        with pytest.raises(ValueError, match="2\\*\\*32"):
            u = SortedBuckets()
            u.insert((1).to_bytes(8, "big"), 1)
            u.insert((2).to_bytes(8, "big"), bad)


def test_bulk_insert_refuses_keys_and_values_of_other_lengths():
    config = MatchConfig()
    lsh = compact_lsh(config.num_perm, config.bands, config.rows)
    with pytest.raises(ValueError, match="3 keys for 2 rows"):
        bulk_insert(lsh, np.arange(3), _signatures(2, config.num_perm, 0), signer_of(config).from_hashvalues)
