"""Where one core's scoring time goes, stage by stage, on run.py's documents.

    OMP_NUM_THREADS=1 python benchmarks/profile_stages.py [--news] [--cprofile N]

Pins itself to one CPU, warms the caches as run.py does, then times (best of
3, µs per sentence) segmentation, feature extraction (with its parts), the
token model, the sentence/document models and report building. With
``--cprofile N`` it also prints the N most expensive functions of a
``Detector.score_documents`` run (cumulative and own time). With ``--news`` it
profiles the 600 real BBC News articles of ``one_core.py --news`` instead.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def best(fn, n=3):
    t_best = 1e9
    for _ in range(n):
        t = time.perf_counter()
        fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from run import make_documents
    from threadpoolctl import threadpool_limits

    import spin_detect
    from spin_detect.learning.model import extract
    from spin_detect.text.segment import split_sentences

    if "--news" in sys.argv:
        from one_core import news_documents

        docs, warm = news_documents()
    else:
        docs, warm = make_documents(600, seed=1), make_documents(60, seed=2)
    det = spin_detect.load_detector()
    list(det.score_documents(warm))
    ex = det.extractor
    sents = [split_sentences(d) for d in docs]
    flat = [s for ss in sents for s in ss]
    n = len(flat)
    texts = [s.text for s in flat]
    toks = [s.tokens for s in flat]
    words = [[t.text for t in s.tokens] for s in flat]
    rows = {}
    rows["end to end (score_documents)"] = best(lambda: list(det.score_documents(docs)))
    rows["split_sentences"] = best(lambda: [split_sentences(d) for d in docs])
    rows["token texts (t.text lists)"] = best(lambda: [[t.text for t in s.tokens] for s in flat])

    def score_tokens():
        for lo in range(0, n, 2000):
            ex.score_tokens(words[lo:lo + 2000])
    rows["FeatureExtractor.score_tokens"] = best(score_tokens)
    tss = [ex.score_tokens(words[lo:lo + 2000]) for lo in range(0, n, 2000)]
    rows["FeatureExtractor.features (sentence matrix)"] = best(
        lambda: [ex.features(ts, len(ts.sent) and int(ts.sent[-1]) + 1) for ts in tss])
    rows["FeatureExtractor.token_matrix"] = best(lambda: [ex.token_matrix(ts) for ts in tss])
    rows["extract (all of the above but segmentation)"] = best(lambda: extract(texts, ex, tokens=toks))
    fs = extract(texts, ex, tokens=toks)
    with threadpool_limits(limits=1, user_api="openmp"):
        rows["token model predict_proba"] = best(lambda: det.model.token_proba(fs))
        tp = det.model.token_proba(fs)
        rows["plain token model (matrix + predict_proba)"] = best(lambda: det.model.plain_token_proba(fs))
        pp = det.model.plain_token_proba(fs)
        rows["sentence model (aggregation + predict_proba)"] = best(lambda: det.model.sentence_proba(fs, tp, pp))
    from spin_detect.learning.model import aggregate_tokens
    rows["... of which aggregate_tokens"] = best(lambda: aggregate_tokens(tp, fs.tok_sent, len(fs)))
    print(f"{len(docs)} documents, {n} sentences, {len(fs.tok)} tokens; µs per sentence, best of 3")
    total = rows["end to end (score_documents)"]
    for k, v in rows.items():
        print(f"  {k:<50} {v / n * 1e6:8.1f}  {100 * v / total:5.1f}%")
    print(f"  end to end: {n / total:,.0f} sentences/s; split_sentences: {n / rows['split_sentences']:,.0f}"
          f" sentences/s; limit ratio {rows['split_sentences'] / total:.3f}")
    if "--cprofile" in sys.argv:
        import cProfile
        import pstats

        k = int(sys.argv[sys.argv.index("--cprofile") + 1])
        pr = cProfile.Profile()
        pr.enable()
        list(det.score_documents(docs))
        pr.disable()
        st = pstats.Stats(pr)
        st.sort_stats("tottime").print_stats(k)
        st.sort_stats("cumulative").print_stats(k)


if __name__ == "__main__":
    main()
