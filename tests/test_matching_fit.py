"""The fit test of a spun copy (spin_detect/matching/fit.py): a spinner's words fit their context worse than
the original's at almost every swap; pages of one template, or revisions of one story, differ natively both ways."""

from __future__ import annotations

import numpy as np
import pytest

from spin_detect.learning.spinner import spin_text
from spin_detect.matching import MatchConfig
from spin_detect.matching.align import align
from spin_detect.matching.fit import FIT_CAP, fit_asymmetry

#: Two pages of one (invented) template: other names, date and interval, and a few native wording changes
#: each way ("along"/"on", "consists of"/"has", "large"/"small").
STATION = ("Kestrel Road is a station on the Harbour tram line in Westport. Originally named Mill Lane, it is located "
           "along the coastal boulevard in the west of the city. The station consists of two side platforms, one on "
           "each side of the boulevard. It opened on 4 March 2016 and is served by trams every 10 minutes during the "
           "day. A bus service of the city runs along the same boulevard, and a small car park lies next to the "
           "northern platform.")
SIBLING = ("Alder Square is a station on the Harbour tram line in Westport. Originally named Quay Street, it is "
           "located on the coastal boulevard in the east of the city. The station has two side platforms, one on "
           "each side of the boulevard. It opened on 9 May 2017 and is served by trams every 12 minutes during the "
           "day. A bus service of the city runs along the same boulevard, and a large car park lies next to the "
           "southern platform.")


def _fit(a: str, b: str) -> np.ndarray:
    return align(a, b).swap_fit()


def test_the_original_words_fit_better_at_each_swap():
    original = "The central bank raised interest rates on Tuesday and said prices would keep rising this year."
    spun = "The central bank raised interest charges on Tuesday and said prices would keep ascending this year."
    d = _fit(original, spun)
    assert len(d) == 2 and (d > 1.0).all()
    assert np.array_equal(_fit(spun, original), -d)  # the same windows, sides swapped
    assert (np.abs(_fit(STATION, SIBLING)) <= FIT_CAP).all()


def test_a_swap_at_the_very_end_is_closed_by_the_sentence_end():
    d = _fit("He said the plan would work and the talks would go on", "He said the plan would work and the talks would go ahead")
    assert len(d) == 1 and np.isfinite(d[0])


def test_fit_asymmetry_is_high_only_when_one_side_keeps_fitting_better():
    assert fit_asymmetry(np.zeros(0)) == 0.0
    assert fit_asymmetry(np.array([3.0, -3.0] * 5)) == 0.0
    assert fit_asymmetry(np.array([5.0] * 10)) > 3.0
    assert fit_asymmetry(np.array([5.0] * 10)) == fit_asymmetry(np.array([-5.0] * 10))
    assert fit_asymmetry(np.array([5.0])) < 1.5  # one swap alone does not decide


def test_pages_of_one_template_are_not_spun_copies_without_the_fit():
    aln = align(STATION, SIBLING)
    # they align like a spun copy: without the fit test that is what they would be called
    assert aln.relation("b", MatchConfig(fit_min=0.0)) == "spun_copy"
    assert aln.fit_asymmetry < MatchConfig().fit_min
    assert aln.relation("b") == "rewrite"


@pytest.mark.parametrize("style", ["wordnet", "commercial", "moby", "distributional"])
def test_a_spun_template_page_stays_a_spun_copy(style):
    spun = spin_text(STATION, style, rate=0.2, seed=3).text
    aln = align(STATION, spun)
    assert aln.fit_asymmetry >= MatchConfig().fit_min
    assert aln.relation("b") == "spun_copy"


def test_fit_min_must_not_be_negative():
    with pytest.raises(ValueError, match="fit_min"):
        MatchConfig(fit_min=-1.0)
    with pytest.raises(ValueError, match="fit_factual"):
        MatchConfig(fit_factual=1.5)
