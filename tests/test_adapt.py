"""A user's own reference mixed into the packaged one (``train --reference``, issue 17 item 7)."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from spin_detect.cli import app
from spin_detect.detector import load_detector
from spin_detect.features import default_extractor, extractor_with_reference
from spin_detect.learning.persist import DOMAIN_REFERENCE_FILE, ModelError, save_model
from spin_detect.learning.train import train_model
from spin_detect.tables.adapt import AdaptedReference, adapt_reference
from spin_detect.tables.packaged import default_reference
from spin_detect.tables.reference import ReferenceBuilder

LEGAL = ("The plaintiff filed a motion to dismiss the complaint. The court granted the motion in part and denied it "
         "in part. The appellant argued that the brief was timely filed under the local rules. Counsel for the "
         "defendant moved for summary judgment on all counts.")


@pytest.fixture(scope="module")
def domain(tmp_path_factory):
    b = ReferenceBuilder(min_count=1, min_pair_count=1)
    for _ in range(20):
        b.add_text(LEGAL)
    b.add_text("The zzyzxq glorpt was filed.")  # words the packaged vocabulary does not know
    return b.build(tmp_path_factory.mktemp("dom") / "legal.bin")


def test_mixture_keeps_the_packaged_ids_and_adds_the_domain_counts(domain):
    general = default_reference()
    mixed = adapt_reference(general, domain, 0.5)
    assert isinstance(mixed, AdaptedReference)
    assert len(mixed) == len(general) and mixed.vocab is not None and mixed.vocab[:50] == general.vocab[:50]
    scale = general.total / domain.total  # share 0.5: the domain weighs as much as the packaged text
    a, b = general.ids(["motion", "to"]), general.ids(["to", "dismiss"])
    da, db = domain.ids(["motion", "to"]), domain.ids(["to", "dismiss"])
    expected = general.pair_count(a, b) + np.rint(scale * domain.pair_count(da, db))
    np.testing.assert_array_equal(mixed.pair_count(a, b), expected)
    w = general.ids(["plaintiff"])
    assert mixed.unigram[w[0]] == general.unigram[w[0]] + np.rint(scale * domain.unigram[domain.ids(["plaintiff"])[0]])
    # a pair only the domain has is now known; an unrelated pair keeps its packaged count
    assert mixed.cond_logprob(general.ids(["motion"]), general.ids(["to"]))[0] > \
        general.cond_logprob(general.ids(["motion"]), general.ids(["to"]))[0]
    x, y = general.ids(["prime"]), general.ids(["minister"])
    assert mixed.pair_count(x, y)[0] == general.pair_count(x, y)[0] > 0
    # the two unknown words (and nothing else) are <unk> in the mixture
    unknown = domain.unigram[domain.ids(["zzyzxq"])[0]] + domain.unigram[domain.ids(["glorpt"])[0]]
    assert mixed.coverage == pytest.approx(1 - unknown / domain.unigram[3:].sum())
    assert mixed.sha256 not in (general.sha256, domain.sha256)
    # a larger share moves the mixture further towards the domain
    assert adapt_reference(general, domain, 0.9).pair_count(a, b)[0] > mixed.pair_count(a, b)[0]


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1, 1.5])
def test_shares_outside_0_1_are_refused(domain, share):
    with pytest.raises(ValueError, match="between 0 and 1"):
        adapt_reference(default_reference(), domain, share)


def test_the_extractor_uses_the_mixture_and_the_packaged_id_tables(domain):
    ex = extractor_with_reference(adapt_reference(default_reference(), domain, 0.5))
    base = default_extractor()
    assert ex.trigrams is base.trigrams and ex.topics is base.topics and ex.neighbours is base.neighbours
    sentence = ["The court granted the motion to dismiss the complaint."]
    # the legal pairs are more usual in the mixture: left/right log-probabilities of its tokens rise
    mixed_ts = ex.score_tokens([s.split() for s in sentence])
    base_ts = base.score_tokens([s.split() for s in sentence])
    assert mixed_ts.lp_left.sum() > base_ts.lp_left.sum()
    assert extractor_with_reference(default_reference()) is base
    with pytest.raises(ValueError, match="own vocabulary"):
        extractor_with_reference(domain)


@pytest.mark.slow
def test_a_model_trained_with_a_domain_reference_carries_it(domain, tmp_path):
    from test_train import make_data

    df = make_data(18)
    ex = extractor_with_reference(adapt_reference(default_reference(), domain, 0.3))
    model, _ = train_model(df, ex, seed=0)
    folder = tmp_path / "m"
    manifest = save_model(model, folder, ex, {"name": "legal"})
    spec = manifest["domain_reference"]
    assert spec["file"] == DOMAIN_REFERENCE_FILE and spec["share"] == 0.3 and spec["sha256"] == domain.sha256
    assert manifest["reference_sha256"] == default_reference().sha256
    assert (folder / DOMAIN_REFERENCE_FILE).read_bytes() == domain.path.read_bytes()
    det = load_detector(folder)
    assert isinstance(det.extractor.ref, AdaptedReference) and det.extractor.ref.share == 0.3
    texts = df["text"].tolist()[:10]
    # loaded, it computes the features it was trained on, so it scores as the model in memory
    from spin_detect.detector import Detector

    np.testing.assert_allclose(det.score_sentences(texts), Detector(model, {}, ex).score_sentences(texts))
    # an altered or missing domain table is refused, never silently replaced by the packaged one
    data = bytearray((folder / DOMAIN_REFERENCE_FILE).read_bytes())
    data[-1] ^= 1
    (folder / DOMAIN_REFERENCE_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="domain reference"):
        load_detector(folder)
    (folder / DOMAIN_REFERENCE_FILE).unlink()
    with pytest.raises(ModelError, match="missing"):
        load_detector(folder)


def test_train_reference_errors_are_one_line(tmp_path):
    data = tmp_path / "l.csv"
    data.write_text("text,label\nA sentence here.,original\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["train", str(data), "--out", str(tmp_path / "m"), "--reference",
                                 str(tmp_path / "nosuch.bin")])
    assert r.exit_code == 2 and "no such file" in r.output and "build-reference" in r.output
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a table")
    r = CliRunner().invoke(app, ["train", str(data), "--out", str(tmp_path / "m"), "--reference", str(bad)])
    assert r.exit_code == 2 and "build-reference" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, ["train", str(data), "--out", str(tmp_path / "m"), "--reference", str(bad),
                                 "--reference-share", "1.5"])
    assert r.exit_code == 2


@pytest.mark.slow
def test_cli_build_reference_then_train_with_it(tmp_path):
    from test_train import make_data

    corpus = tmp_path / "domain"
    corpus.mkdir()
    for i in range(5):
        (corpus / f"{i}.txt").write_text(LEGAL, encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["build-reference", str(corpus), "--out", str(tmp_path / "legal.bin"),
                            "--min-count", "1", "--min-pair-count", "1"])
    assert r.exit_code == 0, r.output
    make_data(18).to_csv(tmp_path / "labelled.csv", index=False)
    r = runner.invoke(app, ["train", str(tmp_path / "labelled.csv"), "--out", str(tmp_path / "m"),
                            "--reference", str(tmp_path / "legal.bin"), "--reference-share", "0.2"])
    assert r.exit_code == 0, r.output
    assert "legal.bin" in r.output and "packaged vocabulary" in r.output
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["domain_reference"]["share"] == 0.2 and manifest["domain_reference"]["source"] == "legal.bin"
    r = runner.invoke(app, ["score", "--model", str(tmp_path / "m"), "--json", str(corpus / "0.txt")])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["model"]["domain_reference"]["share"] == 0.2
