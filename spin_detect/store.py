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
from typing import Any

import numpy as np

__all__ = ["DataFormatError", "StoredArrays", "read_arrays", "write_arrays"]

MAGIC = b"SPINDET\0"
_ALIGN = 64


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
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)
    return header["sha256"]


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


def require_reference(path, table_sha256: str, reference) -> None:
    """Refuse a table whose word ids belong to another reference table.

    Neighbour and trigram tables store reference word ids, which mean nothing
    with another vocabulary; ``reference=None`` skips the check.
    """
    if reference is not None and reference.sha256 != table_sha256:
        raise DataFormatError(f"{path}: built for another reference table "
                              f"({table_sha256[:12]}, not {reference.sha256[:12]})")
