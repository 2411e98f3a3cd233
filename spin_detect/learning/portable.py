"""Features rounded so that a score is the same on every processor (:func:`portable`).

The tree models (:mod:`spin_detect.learning.predictors`) compare every feature with their thresholds after
rounding both with :func:`portable`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["portable"]

#: Low bits of a float64's 52-bit fraction that :func:`portable` rounds away: it keeps 32 significant bits.
_DROPPED_BITS = 21


def portable(X: np.ndarray) -> np.ndarray:
    """``X`` (float64) rounded to 32 significant bits. Trees compare features and thresholds both so rounded,
    so that a score is the same on every processor.

    numpy computes ``log``, ``log1p`` and ``exp`` with different instructions on processors with and without
    AVX-512, and the results differ in the last bits (relative 1e-16 to 1e-14, seen in the trigram columns).
    A feature on a tree's threshold (scikit-learn's thresholds are training values, or midpoints of two; a
    feature equal to one goes left) then went left on one machine and right on another: the same text scored
    76% and 70% for one evidence word on two machines. Rounded on both sides, a value equal to a
    threshold stays equal and last-bit differences vanish, unless a rounding boundary (every 2e-10, relative)
    falls between them. 32 bits, not single precision's 24: the midpoint of two single-precision values (the
    cloze model computes in single precision) needs 25 bits and would sit on a single-precision boundary.
    Rounding is half away from zero on the bit pattern (IEEE 754 stores sign and magnitude apart), so it is
    symmetric in sign; infinities and NaN are put back as they were.
    """
    X = np.array(X, dtype=np.float64, copy=True, order="C")
    bits = X.view(np.int64)
    other = ~np.isfinite(X)
    kept = X[other]  # NaN and infinities, put back as they were (few)
    bits += 1 << (_DROPPED_BITS - 1)  # in place: no copy beyond the one above
    bits &= ~((1 << _DROPPED_BITS) - 1)
    X[other] = kept
    return X
