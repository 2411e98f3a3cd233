"""Exact matrix products: a row's result does not depend on the other rows of its batch.

BLAS kernels sum a row's products in an order that can depend on where the row sits in the matrix, so a
float product changes in its last bits with the batch; a score must be a function of the text alone. The
products here put both factors on integer grids fine enough that float64 holds every product and partial
sum exactly (:class:`ExactProduct`), so the sum is the same in any order. Used by the cloze model
(:mod:`spin_detect.tables.cloze`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ExactProduct", "dot_bits", "exact_dots", "fixed_rows", "quantize_rows"]

#: Bits of a float64's significand (53): every integer up to 2**53 is exact, so is every sum that stays there.
_EXACT_BITS = 53


def fixed_rows(x: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``x`` on a fixed-point grid: integer-valued float64 ``xi`` with ``|xi| <= 2**bits`` and one power
    of two per row, ``step``, so that ``x ~ xi * step[:, None]`` (to ``2**-bits`` of the row's largest number).
    A row's grid depends on that row alone."""
    x = np.asarray(x)
    if not x.size:
        return np.zeros(x.shape), np.ones(len(x))
    top = np.maximum(x.max(axis=1), -x.min(axis=1)).astype(np.float64)
    e = np.frexp(top)[1]  # |x| < 2**e in each row (e = 0 for a row of zeros)
    xi = np.multiply(x, np.ldexp(1.0, bits - e)[:, None], dtype=np.float64)  # by a power of two: exact
    np.rint(xi, out=xi)
    return xi, np.ldexp(1.0, e - bits)


class ExactProduct:
    """``x @ w`` that is the same for a row whatever rows share its batch: a score is a function of the text.

    BLAS kernels sum a row's products in an order that can depend on where the row sits in the matrix
    (OpenBLAS 0.3.31 does, in float32 and float64 alike), so a float product changes in its last bits with
    the batch. Here both factors are put on integer grids (``w``'s once, a power of two per column; ``x``'s a
    power of two per row) fine enough that no product or partial sum exceeds ``2**53``: float64 holds every
    one of them exactly, so the sum is the same in any order, on any BLAS, with or without FMA. The grids
    cost nothing that matters: ``x`` keeps 20-23 bits of each row, ``w`` as many of each column (float32 has
    24). ``w`` may also be given as int8 numbers and a scale per column (the cloze output embeddings): it is
    then used as it is stored, and ``x`` keeps more bits."""

    def __init__(self, w: np.ndarray, column_scale: np.ndarray | None = None) -> None:
        budget = _budget(w.shape[0])
        if column_scale is None:
            w_bits = budget // 2
            wi, step = fixed_rows(np.asarray(w).T, w_bits)
            self._w, self._scale = np.ascontiguousarray(wi.T), step
        else:
            w_bits = 7  # int8: |w| <= 127 < 2**7
            self._w, self._scale = np.asarray(w, dtype=np.float64), np.asarray(column_scale, dtype=np.float64)
        self._x_bits = budget - w_bits

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """float32 ``x @ w``, rounded from the exact product of the grids (scaled in float64)."""
        xi, step = fixed_rows(x, self._x_bits)
        out = xi @ self._w
        out *= step[:, None]  # a power of two: exact
        res = np.empty(out.shape, dtype=np.float32)
        np.multiply(out, self._scale, out=res, casting="same_kind")  # in float64, then rounded once
        return res


def _budget(k: int) -> int:
    """Bits of ``|x|`` plus bits of ``|w|`` on their grids for sums of ``k`` products to stay within 2**53."""
    return _EXACT_BITS - int(np.ceil(np.log2(max(k, 2))))


def dot_bits(k: int) -> int:
    """Bits of a row of ``k`` numbers on its grid in :func:`exact_dots` (the other factor: int8 numbers)."""
    return _budget(k) - 7


def exact_dots(xi: np.ndarray, step: np.ndarray, w_int8: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """float32 ``x[i] . (w_int8[i] * scale[i])`` for each row, ``xi, step`` being
    ``fixed_rows(x, dot_bits(len(x[i])))``: exact before one rounding, as in :class:`ExactProduct`."""
    dot = np.einsum("ij,ij->i", xi, w_int8.astype(np.float64))  # integers below 2**53: exact in any order
    dot *= step
    res = np.empty(len(dot), dtype=np.float32)
    np.multiply(dot, scale, out=res, casting="same_kind")
    return res


def quantize_rows(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and one float32 scale per row (max |x| / 127) so that ``q * scale ~ m``."""
    m = np.asarray(m, dtype=np.float32)
    scale = np.maximum(np.abs(m).max(axis=1), 1e-12) / 127.0
    q = np.clip(np.rint(m / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)
