"""A small, versioned container for numpy arrays, read through ``mmap``.

Reference statistics and the thesaurus are stored in this format. A file is::

    b"SPINDET\\0" | uint64 header length | JSON header | padding | arrays...

The JSON header names the ``format`` and its ``version``, free-form ``meta``, the
dtype/shape/offset of every array, and the SHA-256 of everything after the
header. Writing is deterministic (same arrays and meta -> same bytes), so a
rebuilt table is only recommitted when its content changes. Reading maps the
file instead of copying it, so a 40 MB table opens in milliseconds and is shared
between worker processes by the OS page cache.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self

import numpy as np
from numpy.typing import ArrayLike

from spin_detect.atomic import atomic_output
from spin_detect.tables.datafiles import data_file

__all__ = ["FIBONACCI_MIX", "DataFormatError", "HashIndex", "KeyLookup", "StoredArrays", "as_uint64", "file_sha256",
           "read_arrays", "with_zero", "write_arrays"]

MAGIC = b"SPINDET\0"
_ALIGN = 64


class HasSha256(Protocol):
    """A table identified by the SHA-256 of its payload (a reference table)."""

    sha256: str


class DataFormatError(ValueError):
    """A data file is not of the expected format, version or checksum."""


@dataclass
class StoredArrays:
    """What :func:`read_arrays` returns: the header's meta and the arrays."""

    format: str
    version: int
    meta: dict[str, Any]
    arrays: dict[str, np.ndarray]
    sha256: str
    path: Path | None = field(default=None, repr=False)


def _pad(n: int) -> int:
    return (-n) % _ALIGN


def write_arrays(
    path: str | os.PathLike[str],
    fmt: str,
    version: int,
    arrays: dict[str, np.ndarray],
    meta: dict[str, Any] | None = None,
) -> str:
    """Write ``arrays`` to ``path`` atomically; return the payload's SHA-256.

    Arrays are stored C-contiguous in little-endian order under their names,
    in sorted name order.
    """
    specs: dict[str, dict[str, Any]] = {}
    blobs: list[bytes] = []
    offset = 0
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and not _little()):
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        raw = arr.tobytes()
        specs[name] = {
            "dtype": arr.dtype.str,
            "shape": list(arr.shape),
            "offset": offset,
            "nbytes": len(raw),
        }
        blobs.append(raw)
        blobs.append(b"\0" * _pad(len(raw)))
        offset += len(raw) + _pad(len(raw))
    digest = hashlib.sha256()
    for b in blobs:
        digest.update(b)
    header = {
        "format": fmt,
        "version": version,
        "meta": meta or {},
        "arrays": specs,
        "sha256": digest.hexdigest(),
    }
    head = json.dumps(header, sort_keys=True, ensure_ascii=True).encode()
    prefix_len = len(MAGIC) + 8 + len(head)
    head += b" " * _pad(prefix_len)
    with atomic_output(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    return str(header["sha256"])


def _little() -> bool:
    return np.little_endian


def read_arrays(
    path: str | os.PathLike[str],
    fmt: str,
    versions: tuple[int, ...],
    verify: bool = True,
) -> StoredArrays:
    """Open a file written by :func:`write_arrays`, checking format and version.

    ``versions`` lists the versions this code can read. With ``verify`` the
    payload checksum is recomputed (about 0.1 s for 50 MB) and a mismatch is
    refused. Raises :class:`DataFormatError` with a message that names the file
    and what is wrong.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        raise DataFormatError(f"{path}: cannot open data file ({exc})") from exc
    if len(mm) < 16 or mm[: len(MAGIC)] != MAGIC:
        raise DataFormatError(f"{path}: not a spin-detect data file (bad magic bytes)")
    (head_len,) = struct.unpack("<Q", mm[8:16])
    if head_len > len(mm) - 16:
        raise DataFormatError(f"{path}: truncated header")
    try:
        header = json.loads(mm[16 : 16 + head_len])
    except ValueError as exc:
        raise DataFormatError(f"{path}: unreadable header ({exc})") from exc
    if header.get("format") != fmt:
        raise DataFormatError(f"{path}: holds {header.get('format')!r}, expected {fmt!r}")
    if header.get("version") not in versions:
        raise DataFormatError(
            f"{path}: {fmt} version {header.get('version')} cannot be read by this "
            f"spin-detect (it reads versions {', '.join(map(str, versions))}); rebuild the file "
            "or install a matching spin-detect"
        )
    base = 16 + head_len
    payload = memoryview(mm)[base:]
    if verify and hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise DataFormatError(f"{path}: checksum mismatch, the file is corrupt or was altered")
    arrays = {}
    for name, spec in header["arrays"].items():
        end = spec["offset"] + spec["nbytes"]
        if end > len(payload):
            raise DataFormatError(f"{path}: array {name!r} runs past the end of the file")
        arr = np.frombuffer(payload, dtype=np.dtype(spec["dtype"]), count=int(np.prod(spec["shape"])),
                            offset=spec["offset"])
        arrays[name] = arr.reshape(spec["shape"])
    return StoredArrays(header["format"], header["version"], header["meta"], arrays,
                        header["sha256"], path)


def read_table(path: str | os.PathLike[str] | None, packaged: str, fmt: str, versions: tuple[int, ...],
               verify: bool = True) -> tuple[str | os.PathLike[str], StoredArrays]:
    """:func:`read_arrays` of ``path``, or of the packaged data file ``packaged`` when ``path`` is None;
    returns the path read and its arrays."""
    if path is None:
        path = data_file(packaged)
    return path, read_arrays(path, fmt, versions, verify=verify)


class ReferenceTiedTable:
    """Base of the packaged tables that store reference word ids (neighbours, trigrams,
    topic vectors): one loader that reads the table and refuses another reference's.
    Subclasses set ``PACKAGED`` (file name in ``spin_detect/data``), ``FORMAT`` and
    ``VERSIONS``, and build themselves from the stored arrays in ``__init__`` after
    this one's (``meta``, ``sha256``, ``reference_sha256``)."""

    PACKAGED: str
    FORMAT: str
    VERSIONS: tuple[int, ...]

    def __init__(self, stored: StoredArrays) -> None:
        self.meta = stored.meta
        self.sha256 = stored.sha256
        self.reference_sha256 = self.meta["reference_sha256"]

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, reference: HasSha256 | None = None,
             verify: bool = True) -> Self:
        """Load a table (default: the packaged one); with ``reference``, refuse a
        table built for another reference."""
        path, stored = read_table(path, cls.PACKAGED, cls.FORMAT, cls.VERSIONS, verify)
        table = cls(stored)
        require_reference(path, stored.meta["reference_sha256"], reference)
        return table


def require_reference(path: str | os.PathLike[str], table_sha256: str, reference: HasSha256 | None) -> None:
    """Refuse a table whose word ids belong to another reference table.

    Neighbour and trigram tables store reference word ids, which mean nothing
    with another vocabulary; ``reference=None`` skips the check.
    """
    if reference is not None and reference.sha256 != table_sha256:
        raise DataFormatError(f"{path}: built for another reference table "
                              f"({table_sha256[:12]}, not {reference.sha256[:12]})")


#: 2**64 / golden ratio: multiplying by it spreads keys over all 64 bits (Fibonacci hashing).
FIBONACCI_MIX = np.uint64(0x9E3779B97F4A7C15)


def as_uint64(x: ArrayLike) -> np.ndarray:
    """``np.asarray(x, dtype=np.uint64)``; an int64 array is reinterpreted without a copy
    (casting int64 to uint64 keeps the bits, so the values are the same)."""
    if isinstance(x, np.ndarray) and x.dtype == np.int64:
        return x.view(np.uint64)
    return np.asarray(x, dtype=np.uint64)


def with_zero(values: np.ndarray) -> np.ndarray:
    """``values`` with a 0 appended, so that ``with_zero(values)[rows]`` is 0 where a
    lookup gave row -1 (absent) and ``values[rows]`` elsewhere."""
    return np.concatenate([values, np.zeros(1, dtype=values.dtype)])


class HashIndex:
    """Exact lookup of query keys in an array of unique keys, by open addressing.

    ``np.searchsorted`` on a large sorted table costs about 20 cache misses per
    query; this table costs about one. It is a power-of-two table with linear
    probing (Fibonacci hashing picks the home slot) that holds, per slot, the
    key itself (``slot_keys``; a value that is not a key marks an empty slot)
    and its row number in ``keys`` (``slot_rows``; -1 when empty). A probe
    compares the query with the slot's key directly, so a lookup that ends at
    a mismatch or an empty slot touches no other memory, and :meth:`find` gives
    exactly the rows a binary search would. Built in vectorised rounds (about
    0.1 s for two million keys); at most half the slots are used, each
    ``keys.itemsize + 4`` bytes.
    """

    def __init__(self, keys: np.ndarray):
        self.keys = keys
        n = len(keys)
        self.bits = max(4, int(n * 2 - 1).bit_length())
        self.shift = np.uint64(64 - self.bits)
        self.mask = (1 << self.bits) - 1
        rows_table = np.full(1 << self.bits, -1, dtype=np.int32 if n < 2**31 else np.int64)
        rows = np.arange(n, dtype=rows_table.dtype)
        slots = self._home(keys)
        while len(rows):
            free = rows_table[slots] < 0
            rows_table[slots[free]] = rows[free]  # contested slots: one row wins, the others probe on
            placed = rows_table[slots] == rows
            rows, slots = rows[~placed], (slots[~placed] + 1) & self.mask
        self.slot_rows = rows_table
        self.empty = _absent_value(keys)
        slot_keys = np.full(1 << self.bits, self.empty, dtype=np.asarray(self.empty).dtype)
        used = np.asarray(rows_table) >= 0
        slot_keys[used] = keys[rows_table[used]]
        self.slot_keys = slot_keys

    def _home(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            h = np.multiply(np.asarray(keys, dtype=np.uint64), FIBONACCI_MIX)
        h >>= self.shift
        return h.view(np.int64).astype(np.intp, copy=False)  # < 2**bits: the same numbers

    def find(self, queries: np.ndarray) -> np.ndarray:
        """Row of each query in ``keys``, -1 when absent (compiled: :mod:`spin_detect.tables.probe`)."""
        from spin_detect.tables.probe import probe

        q = np.ascontiguousarray(np.asarray(queries).ravel(), dtype=np.uint64)
        if len(self.keys) == 0:
            return np.full(np.shape(queries), -1, dtype=np.intp)
        return probe(self.slot_keys, self.slot_rows, self.shift, self.mask, self.empty, q).reshape(np.shape(queries))

    def find_numpy(self, queries: np.ndarray) -> np.ndarray:
        """:meth:`find` in numpy alone: the reference the compiled probe is tested against."""
        q = np.asarray(queries).ravel()
        if len(self.keys) == 0:
            return np.full(np.shape(queries), -1, dtype=np.intp)
        slot_keys, slot_rows, mask, empty = self.slot_keys, self.slot_rows, self.mask, self.empty
        out = np.full(len(q), -1, dtype=np.intp)
        # A query ends at the slot holding it or at an empty slot. A query equal to
        # the empty marker also ends at an empty slot; its row there is -1.
        slots = self._home(q)
        k = slot_keys[slots]
        hit = k == q
        at = np.flatnonzero(hit)
        out[at] = slot_rows[slots[at]]
        todo = np.flatnonzero(~hit & (k != empty))  # First probe on the whole batch; most queries end here.
        slots = slots[todo]
        slots += 1
        slots &= mask
        while len(todo):
            k = slot_keys[slots]
            hit = k == q[todo]
            if hit.any():
                out[todo[hit]] = slot_rows[slots[hit]]
            go = ~hit & (k != empty)
            todo, slots = todo[go], slots[go]
            slots += 1
            slots &= mask
        return out.reshape(np.shape(queries))


def _absent_value(keys: np.ndarray) -> np.generic:
    """A value of ``keys``' dtype (or, if every value is a key, of uint64) that is not a key."""
    dtype = np.asarray(keys).dtype
    top = np.iinfo(dtype).max
    if not len(keys) or not (keys == top).any():
        return dtype.type(top)
    s = np.sort(keys)
    if s[0] != 0:
        return dtype.type(0)
    gap = np.flatnonzero(np.diff(s) > 1)
    if len(gap):
        return dtype.type(s[gap[0]] + 1)
    return np.uint64(2**64 - 1)  # all values of a narrower dtype are keys


class KeyLookup:
    """Rows of query keys in a sorted array of unique keys: binary search for the
    first few lookups, then a :class:`HashIndex` built once enough keys were
    asked for (``build_after``) to repay its build time. Both give the same rows.
    """

    def __init__(self, keys: np.ndarray, build_after: int = 300_000):
        self.keys = keys
        self.build_after = build_after
        self.asked = 0
        self.index: HashIndex | None = None

    def find(self, queries: np.ndarray) -> np.ndarray:
        """Row of each query in ``keys``, -1 when absent."""
        queries = np.asarray(queries, dtype=self.keys.dtype)
        if self.index is None:
            self.asked += queries.size
            if self.asked < self.build_after or len(self.keys) == 0:
                return _sorted_rows(self.keys, queries)
            self.index = HashIndex(self.keys)
        return self.index.find(queries)


def _sorted_rows(keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Binary-search version of :meth:`HashIndex.find` (``keys`` sorted)."""
    if len(keys) == 0:
        return np.full(queries.shape, -1, dtype=np.intp)
    idx = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[idx] == queries, idx, -1)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a whole file's bytes, read in blocks (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
