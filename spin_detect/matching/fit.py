"""Which side of an aligned pair fits native English better at its swaps: the fit test of a spun copy.

Pages made from one template (Wikipedia stubs of stations, athletes, seasons) and two revisions of one
news story align like spun copies: long equal runs with short replaced spans. What tells a spinner from
an editor or a template is *how* the spans differ. A spinner puts a thesaurus word where the writer's
word was, so at almost every swap the original's words fit their context better than the copy's. An
editor's or a template's changes are native on both sides: at each one, either side may fit better.

:func:`swap_fit` compares, for every swap with an equal word on each side of it, the log-probability of
the window "left word, span, right word" on side a and on side b under the packaged reference's bigram
model (:meth:`~spin_detect.tables.reference.ReferenceStats.cond_logprob`); :func:`fit_asymmetry` turns
those differences into one number, large when they lean one way. The relation rule
(:meth:`~spin_detect.matching.align.Alignment.relation`) reads it. Neither needs the detector's model, so
matching without scoring (``match_sources``) decides the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from spin_detect.matching.signature import Word
    from spin_detect.tables.reference import ReferenceStats

__all__ = ["FIT_CAP", "fit_asymmetry", "swap_fit"]

#: Differences are clipped to this many nats, so that one swap of an unknown word cannot decide alone.
FIT_CAP = 8.0
#: Added to the sum of squares in :func:`fit_asymmetry`: a pair with one or two swaps stays near 0.
_PRIOR_SQUARES = 4.0


def swap_fit(a_words: Sequence[Word], b_words: Sequence[Word],
             opcodes: Sequence[tuple[str, int, int, int, int]], is_swap: Sequence[bool],
             reference: ReferenceStats | None = None) -> np.ndarray:
    """Per swap with an equal word on each side (``is_swap[k]`` for opcode ``k``): the natural-log
    probability of "left word, a's span, right word" minus that of the same window with b's span.
    Positive: a's words fit better. Words are the alignment's (lower case, no punctuation); the right
    word of a swap at the end of the texts is the sentence end. ``reference`` defaults to the packaged one,
    shared with the detector in the same process."""
    from spin_detect.tables.packaged import default_reference
    from spin_detect.tables.reference import EOS

    ref = reference if reference is not None else default_reference()
    seqs: list[list[str]] = []
    closed: list[bool] = []  # no equal word after the swap: the window ends with the sentence end
    for k, (_tag, i1, i2, j1, j2) in enumerate(opcodes):
        if not is_swap[k] or i1 == 0 or j1 == 0:
            continue
        left = [a_words[i1 - 1].key]
        right = [a_words[i2].key] if i2 < len(a_words) else []
        seqs.append(left + [w.key for w in a_words[i1:i2]] + right)
        seqs.append(left + [w.key for w in b_words[j1:j2]] + right)
        closed.extend((not right, not right))
    if not seqs:
        return np.zeros(0)
    # all windows in one pass: ids, the bigram log-probabilities inside each window, then per-window sums
    lens = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    ends = np.cumsum(lens)
    ids = ref.ids([w for s in seqs for w in s])
    nxt = np.append(ids[1:], EOS)
    last = ends - 1
    nxt[last] = EOS
    scored = np.ones(len(ids), dtype=bool)
    scored[last[~np.asarray(closed)]] = False
    lp = np.where(scored, ref.cond_logprob(ids, nxt), 0.0)
    totals = np.add.reduceat(lp, ends - lens)
    return np.clip(totals[0::2] - totals[1::2], -FIT_CAP, FIT_CAP)


def fit_asymmetry(diffs: np.ndarray) -> float:
    """How far the swaps' fit differences lean one way: ``|sum| / sqrt(sum of squares + 4)``, a t-like
    statistic that is about 0-1 for native changes on both sides (templates, revisions) and grows with
    the number of swaps when one side keeps fitting better (a spun copy against its original)."""
    d = np.asarray(diffs, dtype=float)
    if len(d) == 0:
        return 0.0
    return float(abs(d.sum()) / np.sqrt(float((d * d).sum()) + _PRIOR_SQUARES))
