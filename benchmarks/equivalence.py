"""Check that a speed-up changed no value: dump every output on ~3,000 varied
sentences, then compare a later run with the dump, bit for bit.

    python benchmarks/equivalence.py dump  OUT.pkl
    python benchmarks/equivalence.py check OUT.pkl

Compared: sentences and tokens of ``split_sentences`` (texts and offsets), the
sentence and token feature matrices, token sentence indices, likely originals,
token and sentence probabilities, and the full document reports
(``DocumentReport.to_dict``), on generated news-like documents (half spun,
see ``run.py``), their sentences scored one by one, and odd cases: empty,
punctuation-only, very long, names, numbers, multiword thesaurus phrases,
out-of-vocabulary words, non-ASCII text.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

ODD = [
    "", " ", "\n\n", ".", "...", "!?!", "—", "“”", "()", "- - -", "'s", "n't",
    "The U.N. Security Council met on Jan. 5 at 10:30 a.m. in New York.",
    "Dr. John O'Neill, 54, of Washington, D.C., said the 1,200-page report cost $3.5bn in 1987-1990.",
    "He ended up finding himself at the end of the day in spite of the fact that nobody came.",
    "As a matter of fact, on the other hand, in order to make up for it they set up a new deal.",
    "Twelvemonth ago the zxqvbl frobnicated glorpishly with the snarfblatt quuxes.",
    "Zoë Saldaña visited São Paulo and Zürich; the café served crème brûlée — naïve, résumé.",
    "Москва является столицей России, а Париж - столицей Франции.",
    "東京は日本の首都です。人口は多いです。",
    "I can't believe it's not butter, they'd said, and we'll see what you've done.",
    "Call +1-555-0100 or e-mail press@example.com, see https://example.com/a/b?c=1.",
    "ALL CAPS HEADLINE WITH NO PUNCTUATION",
    "year year year year months 12 months twelve months a year",
    "word " * 700,
    ("This is a rather long sentence that keeps going " * 60) + ".",
    "A\n\nB\n\nC. D! E? F… G...",
    "3.5 1,200 10:30 1980s 1.13bn 42 0 007 1/2",
    "Smith, Jones, Brown, Wilson and McDonald met Mr. Kowalski and Ms. Nakamura-Lee.",
    "Moreover, in addition, furthermore, nevertheless, however, consequently, therefore.",
    "The president stated that the government would take into account the needs of the people.",
    "\t  leading and trailing whitespace   \n",
    "emoji 🙂 and symbols © ® ™ § ¶ † ‡ • … ‰ € £ ¥",
]


def inputs() -> tuple[list[str], list[str]]:
    """(documents, sentences): the same every run."""
    from run import EXAMPLE, make_documents

    from spin_detect.learning.spinner import spin_text
    from spin_detect.text.segment import split_sentences

    docs = make_documents(340, seed=7)
    example = EXAMPLE.read_text(encoding="utf-8")
    for i, style in enumerate(["commercial", "wordnet", "mixed"]):
        docs.append(spin_text(example, style=style, seed=100 + i, rate=0.5).text)
        docs.append(spin_text(" ".join(ODD[12:30]), style=style, seed=200 + i, rate=0.4).text)
    docs += ODD + ["\n\n".join(ODD), " ".join(ODD)]
    sentences = [s.text for d in docs for s in split_sentences(d)] + ODD
    return docs, sentences


def outputs() -> dict:
    import spin_detect
    from spin_detect.text.segment import split_sentences

    det = spin_detect.load_detector()
    docs, sentences = inputs()
    out: dict = {"segments": [[(s.text, s.start, s.end, s.truncated, [tuple(t) for t in s.tokens])
                               for s in split_sentences(d)] for d in docs]}
    fs = det.features(sentences)
    tok_prob = det.model.token_proba(fs)
    out.update(n_sentences=len(sentences), sent=fs.sent, tok=fs.tok, tok_sent=fs.tok_sent,
               originals=fs.originals, nbr_originals=fs.nbr_originals, tok_prob=tok_prob,
               sent_prob=det.model.sentence_proba(fs, tok_prob), score_sentences=det.score_sentences(sentences))
    out["reports"] = [r.to_dict() for r in det.score_documents(docs)]
    out["reports_small_batches"] = [r.to_dict() for r in det.score_documents(docs[:60], batch_sentences=7)]
    return out


def compare(a, b, path="") -> list[str]:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return [f"{path}: shape/dtype {a.shape} {a.dtype} vs {b.shape} {b.dtype}"]
        if not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
            d = np.nanmax(np.abs(a.astype(float) - b.astype(float))) if a.dtype.kind in "fiub" else "?"
            return [f"{path}: arrays differ (max abs diff {d})"]
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys differ"]
        return [m for k in a for m in compare(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} vs {len(b)}"]
        return [m for i, (x, y) in enumerate(zip(a, b)) for m in compare(x, y, f"{path}[{i}]")][:20]
    if type(a) is not type(b) or a != b:
        return [f"{path}: {a!r} != {b!r}"[:300]]
    return []


def main() -> None:
    cmd, path = sys.argv[1], Path(sys.argv[2])
    out = outputs()
    if cmd == "dump":
        path.write_bytes(pickle.dumps(out))
        print(f"dumped {out['n_sentences']} sentences, {len(out['tok'])} tokens, {len(out['reports'])} documents")
        return
    bad = compare(pickle.loads(path.read_bytes()), out)
    print(f"{out['n_sentences']} sentences, {len(out['tok'])} tokens, {len(out['reports'])} documents: "
          + ("IDENTICAL" if not bad else "DIFFERENT"))
    for m in bad[:30]:
        print("  ", m)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
