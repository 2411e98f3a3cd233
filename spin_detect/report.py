"""The result object every consumer reads: a scored document with its sentences and evidence.

:class:`DocumentReport` is what the detector returns; the terminal output, the
JSON report (:meth:`DocumentReport.to_dict`), the HTML page and the audit rows
are all views of it, with character offsets into the text that was scored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["JUDGED_VERDICTS", "NO_SINGLE_WORD", "REPORT_SCHEMA", "DocumentReport", "Evidence", "SentenceReport",
           "pct_apart", "pct_exact", "plural", "report_schema"]

#: Verdicts that judge the text; ``too_short``, ``out_of_scope`` and ``empty`` say why it was not judged.
JUDGED_VERDICTS = ("spun", "original")
#: Version of the JSON report schema (``DocumentReport.to_dict``); its JSON Schema: :func:`report_schema`.
REPORT_SCHEMA = "spin-detect/report/1"
#: What the terminal and HTML reports say of a flagged sentence without evidence: the sentence model reads all
#: its words' scores, and none of the words is likely enough on its own to be shown (light spinning often).
NO_SINGLE_WORD = "no single word stands out: the sentence is flagged on its words together"


def report_schema() -> dict:
    """The JSON Schema (draft 2020-12) of :data:`REPORT_SCHEMA`: what ``score --json`` prints, as data
    (``spin_detect/schemas/report-1.schema.json`` in the installed package)."""
    import json
    from importlib.resources import files

    return json.loads(files("spin_detect").joinpath("schemas", "report-1.schema.json").read_text(encoding="utf-8"))


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 sentence``, ``2 sentences``, ``3 spun copies``: a count with its noun (``many``: an irregular plural;
    by default ``one`` + s). How every report and message of spin-detect says a count."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def pct_exact(p: float) -> str:
    """A share as a whole percentage, but never 0% or 100% for one strictly between: ``0.0012`` -> ``0.12%``,
    ``0.9996`` -> ``99.96%`` (a threshold or a likelihood shown as 0% or 100% would say what it is not)."""
    whole = f"{p:.0%}"
    if 0 < p < 1 and whole in ("0%", "100%"):
        fine = f"{p * 100:.2f}".rstrip("0").rstrip(".")
        return "<0.01%" if fine == "0" else ">99.99%" if fine == "100" else fine + "%"
    return whole


def pct_apart(p: float, q: float) -> tuple[str, str]:
    """``p`` and ``q`` as percentages with as many decimals (up to 2) as it takes to show them apart when they
    differ (a likelihood of 0.835 is not shown as 84% beside a threshold of 0.842 shown as 84%), and each
    never as 0% or 100% when it is strictly between (:func:`pct_exact`)."""

    def show(x: float, decimals: int) -> str:
        return f"{100 * x:.{decimals}f}%" if decimals else f"{round(100 * x)}%"

    a, b = show(p, 0), show(q, 0)
    for decimals in (1, 2):
        if a != b or p == q:
            break
        a, b = show(p, decimals), show(q, decimals)
    return _strictly(p, a), _strictly(q, b)


def _strictly(x: float, shown: str) -> str:
    """``shown`` (``x`` as a percentage), unless it says 0% or 100% of an ``x`` strictly between them."""
    if x in (0.0, 1.0):
        return f"{round(100 * x)}%"
    return pct_exact(x) if float(shown[:-1]) in (0.0, 100.0) else shown


@dataclass
class Evidence:
    """A word (or phrase) that looks substituted: where it is, how likely, and what it likely replaced.

    ``probability`` is the chance that it was substituted, given its document
    (:meth:`~spin_detect.learning.model.SpinModel.evidence_proba`).
    ``likely_originals`` holds up to three credible originals, best first
    (:func:`~spin_detect.features.originals.rank_originals`; a phrase when the
    spinner likely replaced several words); ``likely_original`` is the first, or
    "" when no candidate reads better in the slot than what is there.
    """

    word: str
    start: int
    end: int
    probability: float
    likely_original: str
    likely_originals: list[str] = field(default_factory=list)

    def label(self, probability: bool = True) -> str:
        """How reports name it: ``word -> original? (p%)``, or ``word (p%)`` when no likely
        original is known; without the percentage when ``probability`` is false."""
        text = f"{self.word} -> {self.likely_original}?" if self.likely_original else self.word
        return f"{text} ({self.probability:.0%})" if probability else text


@dataclass
class SentenceReport:
    """One sentence: offsets in the document, spun probability, flag and evidence."""

    index: int
    text: str
    start: int
    end: int
    probability: float
    flagged: bool
    evidence: list[Evidence] = field(default_factory=list)
    truncated: bool = False


@dataclass
class DocumentReport:
    """A scored document: spin likelihood, verdict and the sentences behind it.

    ``verdict`` is ``spun``, ``original``, ``too_short``, ``out_of_scope`` (not
    enough known English words to judge) or ``empty``. Offsets (sentences,
    evidence) point into the text as given, although it was scored as a reader
    sees it; ``obfuscation`` counts what was hidden.
    """

    likelihood: float
    verdict: str
    threshold: float
    n_sentences: int
    n_flagged: int
    sentences: list[SentenceReport]
    model: dict
    notes: list[str] = field(default_factory=list)
    #: What was hidden from a reader and undone before scoring (:mod:`spin_detect.text.normalize`):
    #: invisible, invisible_in_words, compatibility, spaces, confusables, mixed_script_words.
    obfuscation: dict[str, int] = field(default_factory=dict)
    #: Whether that is more than ordinary text shows (:meth:`spin_detect.config.DecisionConfig.obfuscation_note`).
    obfuscated: bool = False

    @property
    def judged(self) -> bool:
        """Whether the text was judged (verdict spun or original); the other verdicts say why not, and their
        likelihood and flags are no judgement: views show the verdict and its reason only."""
        return self.verdict in JUDGED_VERDICTS

    def to_dict(self) -> dict:
        """JSON-ready form, schema :data:`REPORT_SCHEMA` (``score --json`` prints it).

        When the document is not :attr:`judged`, nothing is: ``likelihood`` and ``n_flagged`` are None, and
        each sentence keeps its text and offsets with ``probability`` and ``flagged`` None and no ``evidence``
        (the attributes keep the model's numbers, which are no judgement).
        """
        data = {"schema": REPORT_SCHEMA, **asdict(self)}
        if not self.judged:
            data.update(likelihood=None, n_flagged=None)
            for s in data["sentences"]:
                s.update(probability=None, flagged=None, evidence=[])
        return data
