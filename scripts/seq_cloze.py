"""Build the cloze table: a bidirectional LSTM that judges which word fits a slot from its whole sentence.

The count tables judge a word by the one or two words beside it; many spun words read fluently to a bigram
or trigram ("the second 12 months of the battle") but not to a reader of the whole sentence. This model
reads the sentence in order: a slot's query is made of a forward LSTM's state after the words before it, a
backward LSTM's state after the words behind it and the embeddings of its two neighbours (64-dimensional
embeddings, 192 units each way, a 256-unit relu layer, a 96-dimensional query). The objective is the
question the detector asks, as for the feed-forward model it replaced (:mod:`scripts.build_cloze`, now
``python -m scripts.build cloze-ff``): a softmax over the written word, its candidates from the detector's
tables and 256 shared noise words drawn by frequency^0.75, on whole sentences of at most 60 words of the
reference pool (never a labelled document).

Stages; the checkpoint and the candidate table go to ``--work``:

1. the reference pool's token stream, as :mod:`scripts.build_cloze` makes it and in its cache
   (``--stream-dir``, default ``work-data/cloze``; ~2-6 min when not cached);
2. training for ``--steps`` steps of 64 sentences with fixed seeds and deterministic algorithms (the
   result is the same for a given stream, PyTorch build and thread count; about 63 minutes on 2 cores),
   the learning rate falling from ``--lr`` to ``--lr-end`` along a cosine; the finished run's weights in
   ``bilstm.pt`` (every 5,000 steps in ``bilstm-partial.pt``, never packaged). 1% of the sentences are
   held out, and 3,000 of them, drawn from all sources, measure it ("held-out word beats its
   candidates"). ``--budget`` trains for a time instead and ``--resume`` starts a new run from the
   checkpoint's weights (a fresh optimiser, other draws): for experiments, which write no packaged
   table unless ``--table`` says where;
3. the checkpoint written as the packaged table (``--table``, format version 2 of
   :mod:`spin_detect.tables.cloze`, which the detector runs with numpy: int8 embeddings, float32 LSTM and
   layer weights, about 12.5 MB);
4. with ``--compare``, the dev comparison of the thirty-seventh session (ABLATION.md): the token model of
   the shipped size (:func:`~spin_detect.learning.train.fit_token_classifier`, echo columns) fitted on the
   training split's tokens without the held-out ``bbc`` source, with and without four columns of the LSTM
   (surprise against the 1,000 most frequent words, best candidate's gain, share among the candidates, raw
   score) and with them instead of the feed-forward model's three; ROC-AUC of dev swaps (any rate /
   light) against the word-like tokens of original dev documents, by style; the LSTM's columns also on the
   feed-forward model's words only, so that wider coverage is not mistaken for a better model. The
   feed-forward model is ``--baseline`` (``python -m scripts.build cloze-ff`` builds one); it runs before
   the table is written.

    python -m scripts.build cloze                 # train, then write spin_detect/data/cloze.bin

Needs PyTorch (the CPU build: ``pip install -e ".[build-cloze]"``) and, for ``--compare``,
``work-data/datasets`` (``python -m scripts.build datasets``).
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.build_cloze import cached_stream, candidate_matrix
from scripts.corpora import SHARED
from spin_detect.tables.neighbours import Neighbours
from spin_detect.tables.reference import BOS, EOS, UNK, ReferenceStats
from spin_detect.tables.thesaurus import Thesaurus

N_WORDS, DIMS, OUT_DIMS, MAX_LEN = 60000, 64, 96, 62
PACKAGED = "spin_detect/data/cloze.bin"
#: Training steps of the packaged table (64 sentences a step; about 63 minutes on 2 cores).
STEPS = 36000
PARTS = ("emb", "fwd", "bwd", "lin1", "lin2", "out", "bias")
STYLES = ("commercial", "phrasal", "fluent", "distributional", "moby", "wordnet")


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _model(hidden: int, freq: np.ndarray | None = None):
    import torch
    from torch import nn

    pad = N_WORDS
    mods = [nn.Embedding(N_WORDS + 1, DIMS, padding_idx=pad), nn.LSTM(DIMS, hidden, batch_first=True),
            nn.LSTM(DIMS, hidden, batch_first=True), nn.Linear(2 * hidden + 2 * DIMS, 256), nn.Linear(256, OUT_DIMS),
            nn.Embedding(N_WORDS, OUT_DIMS), nn.Embedding(N_WORDS, 1)]
    if freq is not None:
        nn.init.normal_(mods[0].weight, std=0.1)
        nn.init.normal_(mods[5].weight, std=0.1)
        with torch.no_grad():
            mods[0].weight[pad] = 0
            mods[6].weight[:, 0] = torch.from_numpy(np.log(np.maximum(freq, 1) / freq.sum()).astype(np.float32))
    return mods


def _queries(mods, X, hidden: int):
    """Query of every slot 1..L-2 of each row of ``X`` (BOS, words, EOS, then PAD): forward state before the
    slot, backward state after it, embeddings of its two neighbours."""
    import torch

    emb, fwd, bwd, lin1, lin2 = mods[:5]
    pad = N_WORDS
    L = X.shape[1]
    lengths = X.ne(pad).sum(1)
    pos = torch.arange(L)[None, :]
    back = torch.gather(X, 1, (lengths[:, None] - 1 - pos).clamp(min=0))
    Xr = torch.where(pos < lengths[:, None], back, torch.full_like(X, pad))  # each row reversed, PAD still last
    e = emb(X)
    hf, _ = fwd(e)
    hb, _ = bwd(emb(Xr))
    t = torch.arange(1, L - 1)
    right = torch.gather(hb, 1, (lengths[:, None] - 2 - t[None, :]).clamp(min=0)[..., None].expand(-1, -1, hidden))
    h = torch.cat([hf[:, t - 1], right, e[:, t - 1], e[:, t + 1]], -1)
    return lin2(torch.relu(lin1(h)))


def _set_scores(mods, cand_t, q, word):
    """Scores of the written word (first) and its candidates for each query."""
    import torch

    out, bias = mods[5], mods[6]
    ids = torch.cat([word[..., None], cand_t[word]], -1)
    ok = ids >= 0
    ids = ids.clamp(min=0)
    s = (out(ids) * q[..., None, :]).sum(-1) + bias(ids)[..., 0]
    return s.masked_fill(~ok, -1e9)


def train(work: Path, stream_dir: Path, hidden: int, budget: float, lr: float, resume: bool,
          steps: int | None = None, lr_end: float | None = None) -> None:
    import torch
    from torch import nn

    ref = ReferenceStats.load("spin_detect/data/reference.bin")
    stream = cached_stream(SHARED, ref, N_WORDS, stream_dir)
    cand = candidate_matrix(ref, Thesaurus.load("spin_detect/data/thesaurus.bin"),
                            Neighbours.load("spin_detect/data/neighbors.bin", reference=ref), N_WORDS)
    np.save(work / "candidates.npy", cand)
    freq = np.bincount(stream[stream < N_WORDS], minlength=N_WORDS).astype(np.float64)
    bos, eos = np.flatnonzero(stream == BOS), np.flatnonzero(stream == EOS)
    lens = eos - bos + 1
    torch.manual_seed(0)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(0)
    held = rng.random(len(bos)) < 0.01
    short = lens <= MAX_LEN
    train_s = np.flatnonzero(~held & short)
    held_s = np.sort(rng.choice(np.flatnonzero(held & short), 3000, replace=False))  # from all sources
    _log(f"{len(bos):,} sentences, {len(train_s):,} to train on, {len(held_s):,} held out")
    mods = _model(hidden, freq)
    ckpt = work / "bilstm.pt"
    if resume:
        state = torch.load(ckpt)
        for name, m in zip(PARTS, mods):
            m.load_state_dict(state[name])
        rng = np.random.default_rng(1)  # other sentences than the first run's
    opt = torch.optim.Adam([p for m in mods for p in m.parameters()], lr=lr)
    cand_t = torch.from_numpy(cand.astype(np.int64))
    has_cand = torch.from_numpy((cand >= 0).any(axis=1))
    noise = freq ** 0.75
    noise[:3] = 0
    cdf = np.cumsum(noise / noise.sum())

    def batch(sents: np.ndarray):
        X = np.full((len(sents), int(lens[sents].max())), N_WORDS, dtype=np.int64)
        for i, s in enumerate(sents):
            X[i, : lens[s]] = stream[bos[s]: eos[s] + 1]
        X = torch.from_numpy(X)
        w = X[:, 1:-1]
        m = (w >= 3) & (w < N_WORDS) & has_cand[w.clamp(max=N_WORDS - 1)]
        return X, w, m

    def held_out() -> float:
        hits = n = 0
        with torch.no_grad():
            for i in range(0, len(held_s), 200):
                X, w, m = batch(held_s[i: i + 200])
                s = _set_scores(mods, cand_t, _queries(mods, X, hidden)[m], w[m])
                hits += int((s[:, 0] >= s[:, 1:].max(1).values).sum())
                n += int(m.sum())
        return hits / n

    t0, step = time.time(), 0
    while (step < steps) if steps is not None else (time.time() - t0 < budget):
        if lr_end is not None and steps:  # cosine decay from lr to lr_end over the run
            for g in opt.param_groups:
                g["lr"] = lr_end + 0.5 * (lr - lr_end) * (1 + np.cos(np.pi * step / steps))
        if step % 5000 == 0 and step:  # a run cut short leaves its weights, never taken for a finished run's
            torch.save({name: m.state_dict() for name, m in zip(PARTS, mods)}, work / "bilstm-partial.pt")
        if step % 1000 == 0:
            _log(f"step {step}, {time.time() - t0:.0f}s: held-out word beats its candidates {held_out():.4f}")
        X, w, m = batch(train_s[rng.integers(0, len(train_s), 64)])
        q, w = _queries(mods, X, hidden)[m], w[m]
        neg = torch.from_numpy(np.searchsorted(cdf, rng.random(256)).astype(np.int64))
        s_neg = (q @ mods[5](neg).T + mods[6](neg)[:, 0]).masked_fill(neg[None, :] == w[:, None], -1e9)
        logits = torch.cat([_set_scores(mods, cand_t, q, w), s_neg], 1)
        loss = nn.functional.cross_entropy(logits, torch.zeros(len(w), dtype=torch.long))
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            mods[0].weight[N_WORDS] = 0
        step += 1
    _log(f"{step} steps in {time.time() - t0:.0f}s: held-out word beats its candidates {held_out():.4f}")
    torch.save({name: m.state_dict() for name, m in zip(PARTS, mods)}, ckpt)


def table_arrays(state: dict) -> dict[str, np.ndarray]:
    """The arrays of a version-2 cloze table (:mod:`spin_detect.tables.cloze`) from a checkpoint's state:
    int8 embeddings with a scale per row (the PAD row dropped), float32 LSTM and layer weights."""
    from spin_detect.tables.cloze import quantize_rows

    def a(part: str, name: str) -> np.ndarray:
        return state[part][name].detach().cpu().numpy().astype(np.float32)

    emb_q, emb_s = quantize_rows(a("emb", "weight")[:N_WORDS])
    out_q, out_s = quantize_rows(a("out", "weight"))
    arrays = {"emb": emb_q, "emb_scale": emb_s, "out": out_q, "out_scale": out_s, "bias": a("bias", "weight")[:, 0],
              "w1": np.ascontiguousarray(a("lin1", "weight").T), "b1": a("lin1", "bias"),
              "w2": np.ascontiguousarray(a("lin2", "weight").T), "b2": a("lin2", "bias")}
    for part in ("fwd", "bwd"):
        arrays[f"{part}_wih"], arrays[f"{part}_whh"] = a(part, "weight_ih_l0"), a(part, "weight_hh_l0")
        arrays[f"{part}_b"] = a(part, "bias_ih_l0") + a(part, "bias_hh_l0")
    return arrays


def write_table(work: Path, out: Path) -> None:
    """Write the checkpoint in ``work`` as a packaged cloze table (format version 2) at ``out``."""
    import torch

    from spin_detect.tables.cloze import write_cloze

    out.parent.mkdir(parents=True, exist_ok=True)
    state = torch.load(work / "bilstm.pt")
    ref = ReferenceStats.load("spin_detect/data/reference.bin")
    meta = {"reference_sha256": ref.sha256, "words": N_WORDS, "built_by": "python -m scripts.build cloze"}
    model = write_cloze(out, table_arrays(state), meta)
    _log(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {model.words:,} words)")


def lstm_columns(work: Path, hidden: int, sentences: list[list[int]]) -> np.ndarray:
    """Per token of ``sentences`` (reference ids): surprise against the 1,000 most frequent words, best
    candidate's score less the word's, -log of its share among itself and its candidates, its score."""
    import torch

    torch.set_num_threads(2)
    mods = _model(hidden)
    state = torch.load(work / "bilstm.pt")
    for name, m in zip(PARTS, mods):
        m.load_state_dict(state[name])
    cand = np.load(work / "candidates.npy")
    cand_t = torch.from_numpy(cand.astype(np.int64))
    has_cand = (cand >= 0).any(axis=1)
    out = [np.full((len(s), 4), np.nan, dtype=np.float32) for s in sentences]
    order = np.argsort([len(s) for s in sentences], kind="stable")
    top = torch.arange(3, 1003)
    with torch.no_grad():
        top_out, top_bias = mods[5](top), mods[6](top)[:, 0]
        for b in range(0, len(order), 256):
            rows = [r for r in order[b: b + 256] if len(sentences[r])]
            if not rows:
                continue
            X = np.full((len(rows), max(len(sentences[r]) for r in rows) + 2), N_WORDS, dtype=np.int64)
            for i, r in enumerate(rows):
                X[i, : len(sentences[r]) + 2] = np.r_[BOS, sentences[r], EOS]
            X = torch.from_numpy(X)
            q = _queries(mods, X, hidden)
            w = X[:, 1:-1].clamp(max=N_WORDS - 1)
            s = _set_scores(mods, cand_t, q, w)  # word first, then its candidates
            s_word = s[..., 0]
            surprise = torch.logaddexp(torch.logsumexp(q @ top_out.T + top_bias, -1), s_word) - s_word
            cols = torch.stack([surprise, s[..., 1:].max(-1).values - s_word,
                                torch.logsumexp(s, -1) - s_word, s_word], -1).numpy()
            for i, r in enumerate(rows):
                ids = np.asarray(sentences[r])
                f = cols[i, : len(ids)].copy()
                f[ids < 3] = np.nan
                f[~has_cand[np.minimum(ids, N_WORDS - 1)], 1:3] = np.nan
                out[r] = f
    return np.concatenate(out) if out else np.zeros((0, 4), dtype=np.float32)


def compare(work: Path, hidden: int, baseline: Path) -> None:
    from sklearn.metrics import roc_auc_score

    from spin_detect.features.default import default_extractor
    from spin_detect.features.tokens import TOKEN_FEATURES
    from spin_detect.learning.context import token_matrix
    from spin_detect.learning.model import extract, token_labels
    from spin_detect.learning.train import _context_spec, document_groups, fit_token_classifier
    from spin_detect.tables.cloze import ClozeModel
    from spin_detect.text.segment import norm

    s = pd.read_csv("work-data/datasets/sentences.csv.gz", keep_default_na=False, dtype={"text": str})
    s = s[((s["split"] == "train") & (s["source"] != "bbc")) | (s["split"] == "dev")].reset_index(drop=True)
    t0 = time.time()
    ex = copy.copy(default_extractor())  # the process's cached extractor keeps the packaged model
    ex.cloze = ClozeModel.load(baseline, reference=ex.ref)
    if ex.cloze.reader is not None:
        raise SystemExit(f"{baseline} is an LSTM: --compare measures the LSTM against a feed-forward cloze model "
                         "(python -m scripts.build cloze-ff writes one; give it with --baseline)")
    fs = extract(s["text"].tolist(), ex)
    groups = document_groups(s)
    ctx = _context_spec(fs, np.flatnonzero(s["split"] == "train"), s["label"].to_numpy(), means=False, echo=True)
    X = token_matrix(fs.tok, fs.tok_sent, groups, ctx, fs.keys)
    y = token_labels(fs, s["changes"].fillna("[]").astype(str).tolist())
    index = ReferenceStats.load("spin_detect/data/reference.bin")._index
    ids = [[i if i < N_WORDS else UNK for i in (index.get(norm(t.text), UNK) for t in toks)] for toks in fs.tokens]
    F = lstm_columns(work, hidden, ids)
    _log(f"features of {len(s):,} sentences, {len(y):,} tokens, {time.time() - t0:.0f}s")
    ts = fs.tok_sent
    split, variant = s["split"].to_numpy()[ts], s["variant"].to_numpy()[ts]
    style, rate = s["style"].astype(str).to_numpy()[ts], s["rate_name"].astype(str).to_numpy()[ts]
    tr, dv = split == "train", split == "dev"
    neg = dv & (variant == "original") & (X[:, TOKEN_FEATURES.index("wordlike")] > 0)
    ff = [TOKEN_FEATURES.index(c) for c in ("lm_gap", "lm_nll", "lm_surprise")]
    # the same words as the cloze model's columns (it has no opinion on the most frequent words and words without
    # candidates), so that a gain is not only the LSTM's wider coverage
    F_same = np.where(np.isnan(X[:, [TOKEN_FEATURES.index("lm_surprise")]]), np.nan, F)
    arms = {"today's columns": X, "with the LSTM's four": np.column_stack([X, F]),
            "with the LSTM's four, on the cloze model's words only": np.column_stack([X, F_same]),
            "the LSTM's instead of the cloze model's": np.column_stack([np.delete(X, ff, axis=1), F]),
            "the LSTM's instead, on the cloze model's words only": np.column_stack([np.delete(X, ff, axis=1), F_same])}
    print("| token model | " + " | ".join(("all",) + STYLES) + " |")
    print("|---|" + "---:|" * (len(STYLES) + 1))
    for name, XX in arms.items():
        p = np.full(len(y), np.nan)
        p[dv] = fit_token_classifier(0, XX[tr], y[tr]).predict_proba(XX[dv])[:, 1]
        cells = []
        for st in ("all",) + STYLES:
            pos = dv & (y == 1) & ((style == st) if st != "all" else True)
            aucs = [roc_auc_score(np.r_[np.zeros(neg.sum()), np.ones(q.sum())], np.r_[p[neg], p[q]])
                    for q in (pos, pos & (rate == "light"))]
            cells.append(f"{aucs[0]:.3f} / {aucs[1]:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Train the LSTM cloze model, write the packaged table, optionally compare on dev (arguments as on the
    command line)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build cloze", description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default="work-data/seq-cloze", help="checkpoint and candidate table")
    ap.add_argument("--table", default=None,
                    help=f"where to write the packaged table ('' for none; default {PACKAGED}, but none after "
                         "--budget or --resume, which are for experiments)")
    ap.add_argument("--hidden", type=int, default=192, help="LSTM state size, each direction")
    ap.add_argument("--stream-dir", default="work-data/cloze", help="cache of the token stream (the cloze build's)")
    ap.add_argument("--steps", type=int, default=STEPS, help="training steps of 64 sentences")
    ap.add_argument("--budget", type=float, default=None,
                    help="train for this many seconds instead of --steps, at the constant rate --lr (the result "
                         "then depends on the machine)")
    ap.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate at the start")
    ap.add_argument("--lr-end", type=float, default=1e-4,
                    help="the learning rate falls from --lr to this along a cosine over --steps")
    ap.add_argument("--resume", action="store_true",
                    help="start a new run from the weights of the checkpoint in --work (a fresh optimiser, other "
                         "draws, a full --steps or --budget): not the continuation of a run cut short")
    ap.add_argument("--skip-training", action="store_true", help="use the checkpoint in --work as it is")
    ap.add_argument("--compare", action="store_true", help="then the dev comparison of token models (stdout)")
    ap.add_argument("--baseline", default=PACKAGED,
                    help="the feed-forward cloze model --compare measures the LSTM against")
    args = ap.parse_args(argv)
    if args.budget is not None and args.budget <= 0:
        ap.error("--budget must be a positive number of seconds")
    experiment = args.budget is not None or args.resume
    table = args.table if args.table is not None else ("" if experiment else PACKAGED)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if not args.skip_training:
        timed = args.budget is not None
        train(work, Path(args.stream_dir), args.hidden, args.budget or 0.0, args.lr, args.resume,
              None if timed else args.steps, None if timed else args.lr_end)
    if args.compare:  # before the table is written: the baseline may be the packaged file
        compare(work, args.hidden, Path(args.baseline))
    if table:
        write_table(work, Path(table))


if __name__ == "__main__":
    main()
