"""A searchable set of documents: MinHash signatures in a ``datasketch.MinHashLSH``, with the texts kept for
alignment; saved as a folder of data (never code).

:class:`SourceIndex` holds, per document, its id, URL, date and where it came from, its MinHash values and its
text (zlib-compressed: about a third of the size). :meth:`SourceIndex.candidates` asks the LSH which documents
share a band with a signature. :meth:`SourceIndex.save` writes a folder that
:meth:`SourceIndex.load` reads back without running anything but ``json``, ``gzip``, ``zlib`` and
``numpy.load(allow_pickle=False)``; the LSH is rebuilt from the stored hash values:

``index.json``
    format header (``spin-detect/source-index``, version), the signature settings, the document count and the
    SHA-256 of each file below; a folder whose header, settings or checksums do not match is refused.
``signatures.npz``
    ``hashvalues`` (documents x permutations, ``uint32``) and ``offsets`` (``int64``, one more than documents:
    where each text starts in ``texts.bin``).
``texts.bin``
    the zlib-compressed UTF-8 texts, one after another (read by offset, so only the texts aligned are inflated).
``records.jsonl.gz``
    one JSON object per document: ``id``, ``url``, ``date``, ``source``.

**Memory.** The LSH is ``datasketch.MinHashLSH`` (64 bands of 2 values), with the in-memory storage of its
buckets and keys replaced by the compact one of :mod:`spin_detect.matching.lshstore` (through datasketch's
storage interface): datasketch's own ``dict`` storage keeps a Python set per bucket and a list of the 64 band
values per key, about 21 KB per document (20.3 GB per million documents, measured on 100,000 random
signatures); the sorted arrays of :class:`~spin_detect.matching.lshstore.SortedBuckets` keep about 0.9 KB
per document with their bitmaps, plus the entries waiting to be merged. Queries return the same keys.
"""

from __future__ import annotations

import gzip
import json
import mmap
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from spin_detect.atomic import atomic_output, atomic_write
from spin_detect.matching.config import MatchConfig
from spin_detect.matching.signature import Signer
from spin_detect.tables.store import file_sha256

if TYPE_CHECKING:
    from datasketch import MinHashLSH

__all__ = ["INDEX_FORMAT", "INDEX_VERSION", "SourceIndex", "SourceIndexError", "check_index", "is_index", "new_lsh",
           "signer_of"]

INDEX_FORMAT = "spin-detect/source-index"
INDEX_VERSION = 1
_FILES = ("signatures.npz", "texts.bin", "records.jsonl.gz")
#: Largest ``signatures.npz`` accepted (bytes): 4 GB holds about 8 million signatures of 128 values.
_MAX_SIGNATURES_BYTES = 4 << 30


class SourceIndexError(ValueError):
    """A source index folder that cannot be used: missing files, another format or version, other signature
    settings, a checksum that does not match, or arrays that are not plain numbers."""


def new_lsh(config: MatchConfig) -> MinHashLSH:
    """A ``datasketch.MinHashLSH`` of ``config``'s bands and rows, with compact in-memory storage (module docs)."""
    from spin_detect.matching.lshstore import compact_lsh

    return compact_lsh(config.num_perm, config.bands, config.rows)


def signer_of(config: MatchConfig) -> Signer:
    """The :class:`Signer` of ``config``'s signature settings."""
    return Signer(config.num_perm, config.seed, config.shingle_size, config.min_shingles)


def is_index(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding a source index (an ``index.json`` naming the format)."""
    p = Path(path) / "index.json"
    if not p.is_file():
        return False
    try:
        return json.loads(p.read_text(encoding="utf-8")).get("format") == INDEX_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def check_index(folder: str | Path, config: MatchConfig | None = None) -> dict[str, Any]:
    """The header of an index folder, checked without reading the data (format, version, signature settings,
    files present): a quick test before a long run. Raises :class:`SourceIndexError`."""
    folder = Path(folder)
    header = _read_header(folder)
    if header.get("signature") != (config or MatchConfig()).signature_params():
        raise SourceIndexError(f"{folder}: built with other signature settings ({header.get('signature')}); "
                               "rebuild it with this version: spin-detect index ... --out " + str(folder))
    for name in _FILES:
        if not (folder / name).is_file():
            raise SourceIndexError(f"{folder}: {name} is missing; rebuild the index")
    return header


class SourceIndex:
    """Documents to match against: metadata, MinHash values, texts, and the LSH over the values.

    Keys are positions (0, 1, ...) in the order documents were added. Documents too short for a signature are
    kept (``hashvalues`` None) but never found.
    """

    def __init__(self, config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        self.signer = signer_of(self.config)
        self.records: list[dict[str, Any]] = []
        self._hashvalues: list[np.ndarray | None] = []
        self._texts: list[bytes] = []
        self._mapped: tuple[mmap.mmap, np.ndarray] | None = None
        self.lsh: MinHashLSH = new_lsh(self.config)

    def __len__(self) -> int:
        return len(self.records)

    def add(self, text: str, id: str, url: str | None = None, date: str | None = None, source: str | None = None,
            hashvalues: np.ndarray | None = None, signed: bool = False) -> int:
        """Add a document (its signature is computed unless ``signed``, i.e. given as ``hashvalues``); return its
        key."""
        if not signed:
            hashvalues = self.signer.hashvalues(text)
        key = len(self.records)
        self.records.append({"id": id, "url": url, "date": date, "source": source})
        self._hashvalues.append(hashvalues)
        self._texts.append(zlib.compress(text.encode("utf-8", "replace"), 1))
        if hashvalues is not None:
            self.lsh.insert(key, self.signer.from_hashvalues(hashvalues), check_duplication=False)
        return key

    def hashvalues(self, key: int) -> np.ndarray | None:
        """The MinHash values of document ``key`` (None: too short to match)."""
        return self._hashvalues[key]

    def text(self, key: int) -> str:
        """The text of document ``key``."""
        return zlib.decompress(self._blob(key)).decode("utf-8")

    def candidates(self, hashvalues: np.ndarray) -> list[int]:
        """Keys of the documents that share at least one LSH band with ``hashvalues``, sorted."""
        return sorted(self.lsh.query(self.signer.from_hashvalues(hashvalues)))

    # ------------------------------------------------------------------------------------------ the folder

    def save(self, folder: str | Path) -> None:
        """Write the index to ``folder`` (created if needed); every file through :mod:`spin_detect.atomic`, the
        header last, so a folder with a header is complete."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        n, perm = len(self), self.config.num_perm
        values = np.zeros((n, perm), dtype=np.uint32)
        signed = np.zeros(n, dtype=np.bool_)
        for i, hv in enumerate(self._hashvalues):
            if hv is not None:
                values[i], signed[i] = hv, True
        blobs = [self._blob(i) for i in range(n)]
        offsets = np.zeros(n + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(b) for b in blobs]) if blobs else []
        with atomic_output(folder / "signatures.npz", "wb") as f:
            np.savez(f, hashvalues=values, signed=signed, offsets=offsets)
        with atomic_output(folder / "texts.bin", "wb") as f:
            for b in blobs:
                f.write(b)
        with atomic_output(folder / "records.jsonl.gz", "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as gz:
            for r in self.records:
                gz.write(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n")
        header = {"format": INDEX_FORMAT, "version": INDEX_VERSION, "signature": self.config.signature_params(),
                  "documents": n, "signed": int(signed.sum()),
                  "sha256": {name: file_sha256(folder / name) for name in _FILES}}
        atomic_write(folder / "index.json", json.dumps(header, indent=2) + "\n")

    def _blob(self, key: int) -> bytes:
        """The compressed text of document ``key``: from the loaded folder's texts.bin for the documents it
        held, from memory for those added since (or all, for an index built here)."""
        if self._mapped is not None:
            data, offsets = self._mapped
            held = len(offsets) - 1
            if key < held:
                return bytes(data[int(offsets[key]) : int(offsets[key + 1])])
            return self._texts[key - held]
        return self._texts[key]

    @classmethod
    def load(cls, folder: str | Path, config: MatchConfig | None = None) -> SourceIndex:
        """Read an index folder written by :meth:`save` and rebuild its LSH (from the stored hash values, at
        numpy speed: :func:`~spin_detect.matching.lshstore.bulk_insert`).

        Raises :class:`SourceIndexError` (one line saying what is wrong) for a folder that is not an index of this
        format and version, was built with other signature settings than ``config``'s, or whose files do not
        match their checksums or hold anything but plain numeric arrays (no pickles are ever loaded).
        """
        folder = Path(folder)
        config = config or MatchConfig()
        header = check_index(folder, config)
        sums = header.get("sha256")
        for name in _FILES:
            path = folder / name
            if not isinstance(sums, dict) or sums.get(name) != file_sha256(path):
                raise SourceIndexError(f"{folder}: {name} does not match its checksum in index.json (altered or "
                                  "truncated); rebuild the index")
        n = int(header["documents"])
        values, signed, offsets = _read_arrays(folder / "signatures.npz", n, config.num_perm)
        index = cls(config)
        with gzip.open(folder / "records.jsonl.gz", "rb") as f:
            for line in f:
                rec = json.loads(line)
                if not isinstance(rec, dict) or not isinstance(rec.get("id"), str):
                    raise SourceIndexError(f"{folder}: records.jsonl.gz holds a record without an id")
                index.records.append({k: rec.get(k) for k in ("id", "url", "date", "source")})
        if len(index.records) != n:
            raise SourceIndexError(f"{folder}: records.jsonl.gz has {len(index.records)} records, index.json says {n}")
        with open(folder / "texts.bin", "rb") as f:
            size = f.seek(0, 2)
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else mmap.mmap(-1, 1)
        if n and (offsets[0] != 0 or offsets[-1] != size or np.any(np.diff(offsets) < 0)):
            raise SourceIndexError(f"{folder}: text offsets do not fit texts.bin")
        index._mapped = (data, offsets)
        from spin_detect.matching.lshstore import bulk_insert

        index._hashvalues = [values[i] if signed[i] else None for i in range(n)]
        keys = np.flatnonzero(signed)
        bulk_insert(index.lsh, keys, values[keys], index.signer.from_hashvalues)
        return index

    def __iter__(self) -> Iterator[int]:
        """Every key, in order."""
        return iter(range(len(self)))


def _read_header(folder: Path) -> dict[str, Any]:
    path = folder / "index.json"
    if not path.is_file():
        raise SourceIndexError(f"{folder}: not a source index (no index.json); build one with spin-detect index")
    try:
        header = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceIndexError(f"{folder}: index.json cannot be read ({exc})") from exc
    if not isinstance(header, dict) or header.get("format") != INDEX_FORMAT:
        raise SourceIndexError(f"{folder}: index.json is not a {INDEX_FORMAT} header")
    if header.get("version") != INDEX_VERSION:
        raise SourceIndexError(f"{folder}: index version {header.get('version')!r}, this spin-detect reads version "
                          f"{INDEX_VERSION}; rebuild the index")
    if not isinstance(header.get("documents"), int) or header["documents"] < 0:
        raise SourceIndexError(f"{folder}: index.json has no document count")
    return header


def _read_arrays(path: Path, n: int, num_perm: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three arrays of ``signatures.npz``, checked: plain dtypes and the shapes the header promises."""
    if path.stat().st_size > _MAX_SIGNATURES_BYTES:
        raise SourceIndexError(f"{path}: over the {_MAX_SIGNATURES_BYTES:,}-byte limit")
    want = {"hashvalues": (np.uint32, (n, num_perm)), "signed": (np.bool_, (n,)), "offsets": (np.int64, (n + 1,))}
    out = []
    try:
        with np.load(path, allow_pickle=False) as z:
            if set(z.files) != set(want):
                raise SourceIndexError(f"{path}: holds {sorted(z.files)}, expected {sorted(want)}")
            for name, (dtype, shape) in want.items():
                arr = z[name]
                if arr.dtype != dtype or arr.shape != shape:
                    raise SourceIndexError(f"{path}: {name} is {arr.dtype} {arr.shape}, expected "
                                      f"{np.dtype(dtype)} {shape}")
                out.append(arr)
    except (ValueError, OSError, zlib.error) as exc:
        if isinstance(exc, SourceIndexError):
            raise
        raise SourceIndexError(f"{path}: not a plain numeric archive ({exc})") from exc
    return out[0], out[1], out[2]

