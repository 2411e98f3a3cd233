"""Verb forms the thesaurus builder gives WordNet lemmas (scripts/wordnet.py): no WordNet needed, the
exception lists are written here as WordNet's verb.exc gives them (only the forms that are not regular)."""

from scripts.wordnet import inflections

EXC = {"n": {}, "v": {
    "run": ["ran"], "come": ["came"],  # a lone past: the participle is the base
    "show": ["shown"], "swell": ["swollen"], "gnaw": ["gnawn"],  # a lone participle: the past is regular, if attested,
    "beat": ["beaten"], "outbid": ["outbidden"],  # or the base when the participle is the base and "en"
    "teach": ["taught"], "spin": ["spun"],  # one form for both
    "take": ["took", "taken"], "see": ["saw", "seen"],  # both given
}}
KNOWN = {"showed", "swelled", "walked", "ended"}  # "beated" and "gnawed" are not words of this reference


def forms(lemma: str, known=KNOWN.__contains__) -> tuple[str | None, str | None]:
    f = inflections(lemma, "v", EXC, known=known)
    return f.get("VBD"), f.get("VBN")


def test_a_lone_irregular_form_is_told_past_or_participle():
    assert forms("run") == ("ran", "run")
    assert forms("come") == ("came", "come")
    assert forms("show") == ("showed", "shown")
    assert forms("swell up") == ("swelled up", "swollen up")
    assert forms("beat") == ("beat", "beaten")  # the participle is the base and "en": the past is the base
    assert forms("outbid") == ("outbid", "outbidden")
    assert forms("gnaw") == (None, "gnawn")  # neither "gnawed" known nor "gnaw" a past: none
    assert forms("gnaw", known=None) == ("gnawed", "gnawn")  # without a reference, the regular past
    assert forms("beat", known=None) == ("beat", "beaten")  # never "beated"
    assert forms("teach") == ("taught", "taught")
    assert forms("spin") == ("spun", "spun")


def test_two_irregular_forms_and_regular_verbs_are_as_before():
    assert forms("take") == ("took", "taken")
    assert forms("see") == ("saw", "seen")
    assert forms("walk") == ("walked", "walked")
    assert forms("end up") == ("ended up", "ended up")
