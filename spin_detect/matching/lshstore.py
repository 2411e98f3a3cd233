"""Compact in-memory storage for ``datasketch.MinHashLSH``: the same LSH in a fifteenth of the memory.

datasketch's in-memory storage (``storage_config={"type": "dict"}``) keeps, per band, a dict from band value
to a Python ``set`` of keys, and per key the list of its band values (to remove it later). With 64 bands that
is about 21 KB per document, 20.3 GB per million, almost all of it sets of one key. Documents are never
removed from an index here and each key is inserted once, which allows much less:

* :class:`SortedBuckets` (bands of one or two ``uint32`` values, as the default 64 x 2 has) keeps a band's
  entries in two sorted arrays, the band value as one ``uint64`` and the key as a ``uint32``: 12 bytes an
  entry, and a bitmap of the values' low bits (8 to 32 bits an entry, 4 KB a band below about a thousand
  entries) that answers most queries of a value stored nowhere without a search. Entries wait in a small
  dict until a few thousand have come, then are merged in.
* :class:`CompactBuckets` (wider bands) keeps the key itself in a bucket that holds one, a list from the
  second key on.
* :class:`KeysOnly` keeps the keys alone.

A saved index is loaded with :func:`bulk_insert`: the band values of all its documents made with numpy at
once (checked against datasketch's own band hash on the first document) and sorted into the arrays, about
six times faster than inserting one by one (50,000 real documents: 1.6 s against 9.3 s).

``python benchmarks/lsh_storage.py`` on 300,000 random signatures (some of them sharing bands with earlier
ones), from the growth of the process's resident size: the dict per band took 5.4 GB per million documents,
the sorted arrays 1.3 GB (bitmaps and waiting entries included); inserting took about as long (51 and 49 CPU
s), and a query of a new signature about 0.1 ms more (0.15 and 0.26 ms). All three implement datasketch's own
storage interface (:mod:`datasketch.storage`); the banding, band hashing and querying are datasketch's, and a
query returns the same keys as with its ``dict`` storage (``tests/test_lsh_storage.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from datasketch import MinHashLSH
from datasketch.storage import OrderedStorage, UnorderedStorage

_UINT64 = np.uint64

__all__ = ["CompactBuckets", "KeysOnly", "SortedBuckets", "bulk_insert", "compact_lsh"]


class CompactBuckets(UnorderedStorage):
    """The buckets of one LSH band: band value -> the key itself when the bucket holds one key (most do), a list
    of keys from the second on. Each key must be inserted once (a document is added once to an index): no set
    keeps them distinct."""

    def __init__(self) -> None:
        self._dict: dict[Any, Any] = {}

    def keys(self) -> Any:
        return self._dict.keys()

    def get(self, key: Any) -> Any:
        v = self._dict.get(key)
        return () if v is None else v if type(v) is list else (v,)

    def insert(self, key: Any, *vals: Any, **kwargs: Any) -> None:
        d = self._dict
        for val in vals:
            v = d.get(key)
            if v is None:
                d[key] = val
            elif type(v) is list:
                v.append(val)
            else:
                d[key] = [v, val]

    def remove(self, *keys: Any, **kwargs: Any) -> None:
        for key in keys:
            del self._dict[key]

    def remove_val(self, key: Any, val: Any, **kwargs: Any) -> None:
        rest = [v for v in self.get(key) if v != val]
        if not rest:
            self._dict.pop(key, None)
        else:
            self._dict[key] = rest if len(rest) > 1 else rest[0]

    def size(self) -> int:
        return len(self._dict)

    def itemcounts(self, **kwargs: Any) -> dict[Any, int]:
        return {k: len(self.get(k)) for k in self._dict}

    def has_key(self, key: Any) -> bool:
        return key in self._dict


class SortedBuckets(UnorderedStorage):
    """The buckets of one LSH band as two sorted arrays: band values (``uint64``: a band of one or two ``uint32``
    MinHash values, 4 or 8 bytes, read as one big-endian number) and the key of each entry (``uint32``), 12 bytes
    an entry. New entries wait in a :class:`CompactBuckets` until there are :attr:`pending_limit` of them (or a
    32nd of the stored ones, whichever is more), then are merged into the arrays, each after the entries of its
    band value already there. :meth:`get` answers from both, so a query sees every entry inserted before it.

    Keys must be whole numbers from 0 to 2**32 - 1 (an index's keys are positions) and each is inserted once;
    band values must be bytes, all 4 or all 8 long (a merge refuses others with a ValueError). A bucket's keys
    come back in the order they were inserted."""

    pending_limit = 1 << 12

    def __init__(self) -> None:
        self._pending = CompactBuckets()
        self._n_pending = 0
        self._width = 8
        self._limit = self.pending_limit
        # a bitmap of the stored band values' low bits (at least 8 bits an entry): most band values of a query
        # are stored nowhere, and the bitmap tells most of those without searching the arrays
        self._mask = (1 << 15) - 1
        self._bits = bytearray((self._mask + 1) >> 3)
        self._bands = np.zeros(0, dtype=np.uint64)
        self._keys = np.zeros(0, dtype=np.uint32)

    def keys(self) -> Any:
        stored = (int(v).to_bytes(self._width, "big") for v in np.unique(self._bands))
        return sorted(set(stored) | set(self._pending.keys()))

    def get(self, key: Any) -> Any:
        found = self._pending.get(key)
        x = int.from_bytes(key, "big")
        i = x & self._mask
        if self._bits[i >> 3] >> (i & 7) & 1:  # the bitmap says the band value may be stored
            bands = self._bands
            v = _UINT64(x)
            lo = bands.searchsorted(v)
            if lo < bands.size and bands[lo] == v:
                hi = lo + 1
                if hi < bands.size and bands[hi] == v:  # more than one key: the end of the run
                    hi = bands.searchsorted(v, "right")
                stored = self._keys[lo:hi].tolist()
                return stored + list(found) if found else stored
        return found

    def insert(self, key: Any, *vals: Any, **kwargs: Any) -> None:
        self._pending.insert(key, *vals)
        self._n_pending += len(vals)
        if self._n_pending >= self._limit:
            self.empty_buffer()

    def empty_buffer(self) -> None:
        """Merge the waiting entries into the sorted arrays (datasketch calls this at the end of an insertion
        session, and :meth:`insert` when enough are waiting)."""
        if not self._n_pending:
            return
        d = self._pending._dict
        widths = {len(band) if type(band) is bytes else -1 for band in d}
        width = widths.pop()
        if widths or width not in (4, 8) or (len(self._bands) and width != self._width):
            raise ValueError("band values of this storage are bytes of 4 or 8, all of one length")
        joined = b"".join(d)
        # a bucket's first key in the band's place, the keys after it (buckets that got several) at the end: a
        # stable sort keeps each bucket's keys in the order they came
        bands = np.frombuffer(joined, dtype=f">u{width}").astype(np.uint64)
        keys = [v[0] if type(v) is list else v for v in d.values()]
        shared = [band for band, v in d.items() if type(v) is list]
        more_bands = [int.from_bytes(band, "big") for band in shared for _ in d[band][1:]]
        keys += [k for band in shared for k in d[band][1:]]
        new_keys = np.array(keys)
        if new_keys.dtype.kind not in "iu" or new_keys.min() < 0 or new_keys.max() >= 1 << 32:
            raise ValueError("keys of this storage are whole numbers from 0 to 2**32 - 1")
        new_keys = new_keys.astype(np.uint32)
        self._pending = CompactBuckets()
        self._n_pending = 0
        self._merge(np.concatenate([bands, np.array(more_bands, dtype=np.uint64)]), new_keys)
        self._width = width

    def _merge(self, new_bands: np.ndarray, new_keys: np.ndarray) -> None:
        """Merge entries (``uint64`` band values, ``uint32`` keys, in the order they came) into the arrays."""
        order = np.argsort(new_bands, kind="stable")
        new_bands = new_bands[order]
        at = self._bands.searchsorted(new_bands, "right")
        self._bands = np.insert(self._bands, at, new_bands)
        self._keys = np.insert(self._keys, at, new_keys[order])
        if len(self._bands) * 8 > (self._mask + 1):  # under 8 bits an entry: a new bitmap of 16 to 32 bits an entry
            self._mask = (1 << (len(self._bands) * 16 - 1).bit_length()) - 1
            seen = np.zeros(self._mask + 1, dtype=np.bool_)
            seen[(self._bands & _UINT64(self._mask)).astype(np.int64)] = True
            self._bits = bytearray(np.packbits(seen, bitorder="little").tobytes())
        else:
            idx = (new_bands & _UINT64(self._mask)).astype(np.int64)
            bits = np.frombuffer(self._bits, dtype=np.uint8)
            np.bitwise_or.at(bits, idx >> 3, (1 << (idx & 7)).astype(np.uint8))
        self._limit = max(self.pending_limit, len(self._bands) >> 5)

    def remove(self, *keys: Any, **kwargs: Any) -> None:
        raise NotImplementedError("documents are never removed from an index")

    def remove_val(self, key: Any, val: Any, **kwargs: Any) -> None:
        raise NotImplementedError("documents are never removed from an index")

    def size(self) -> int:
        return len(self.keys())

    def itemcounts(self, **kwargs: Any) -> dict[Any, int]:
        return {k: len(self.get(k)) for k in self.keys()}

    def has_key(self, key: Any) -> bool:
        return len(self.get(key)) > 0

    def nbytes(self) -> int:
        """Bytes of the sorted arrays (the waiting entries not counted)."""
        return self._bands.nbytes + self._keys.nbytes


class KeysOnly(OrderedStorage):
    """The keys of an LSH without the band values datasketch keeps per key to remove it: documents are never
    removed from an index (``remove`` and ``get`` raise)."""

    def __init__(self) -> None:
        self._keys: set[Any] = set()

    def keys(self) -> Any:
        return self._keys

    def get(self, key: Any) -> Any:
        raise NotImplementedError("this LSH keeps no band values per key (documents are never removed)")

    def insert(self, key: Any, *vals: Any, **kwargs: Any) -> None:
        self._keys.add(key)

    def remove(self, *keys: Any, **kwargs: Any) -> None:
        raise NotImplementedError("documents are never removed from a source index")

    def remove_val(self, key: Any, val: Any, **kwargs: Any) -> None:
        raise NotImplementedError("documents are never removed from a source index")

    def size(self) -> int:
        return len(self._keys)

    def itemcounts(self, **kwargs: Any) -> dict[Any, int]:
        raise NotImplementedError("this LSH keeps no band values per key")

    def has_key(self, key: Any) -> bool:
        return key in self._keys


def bulk_insert(lsh: MinHashLSH, keys: np.ndarray, values: np.ndarray, minhash: Callable[[np.ndarray], Any]) -> None:
    """Insert documents ``keys`` (whole numbers) with MinHash values ``values`` (one ``uint32`` row each) into
    ``lsh``, as ``lsh.insert(key, minhash(row), check_duplication=False)`` for each would, but at numpy speed
    when its storage is :class:`SortedBuckets` and it holds nothing yet (loading a saved index).

    The first document goes in through datasketch's own ``insert``; the band values of the others are made from
    their rows as datasketch's band hash makes them (a band's two ``uint32`` values, big-endian, one after the
    other) and checked against what datasketch stored for the first. Where that check fails (another datasketch
    with another band hash), or the storage is another one, every document goes in through ``insert``."""
    keys = np.asarray(keys, dtype=np.int64)
    values = np.asarray(values)
    if len(keys) != len(values):
        raise ValueError(f"{len(keys)} keys for {len(values)} rows of values")
    if not len(keys):
        return

    def one(i: int) -> None:
        lsh.insert(int(keys[i]), minhash(values[i]), check_duplication=False)

    tables = lsh.hashtables
    empty = all(type(t) is SortedBuckets and not len(t._bands) and not t._n_pending for t in tables)
    fast = (empty and keys.min() >= 0 and keys.max() < 1 << 32 and type(lsh.keys) is KeysOnly
            and not lsh.keys.size() and values.dtype == np.uint32 and values.ndim == 2 and lsh.r in (1, 2)
            and all(e - s == lsh.r for s, e in lsh.hashranges))
    one(0)
    if fast:
        starts = np.array([s for s, _e in lsh.hashranges])
        bands = values[:, starts].astype(np.uint64)
        if lsh.r == 2:
            bands = (bands << _UINT64(32)) | values[:, starts + 1]
        width = 4 * lsh.r
        first = [int(b).to_bytes(width, "big") for b in bands[0]]
        fast = all(list(t._pending._dict) == [h] for t, h in zip(tables, first))
    if not fast:
        for i in range(1, len(keys)):
            one(i)
        return
    rest = keys[1:].astype(np.uint32)
    for j, t in enumerate(tables):
        t.empty_buffer()
        t._merge(bands[1:, j], rest)
    lsh.keys._keys.update(keys[1:].tolist())


def compact_lsh(num_perm: int, bands: int, rows: int) -> MinHashLSH:
    """A ``datasketch.MinHashLSH`` of ``bands`` bands of ``rows`` values with the compact storage above
    (:class:`SortedBuckets` for bands of at most two values, :class:`CompactBuckets` for wider ones)."""
    lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
    # a band of at most two uint32 values fits the sorted arrays; wider ones keep the dict per band
    lsh.hashtables = [SortedBuckets() if rows <= 2 else CompactBuckets() for _ in range(lsh.b)]
    lsh.keys = KeysOnly()
    return lsh
