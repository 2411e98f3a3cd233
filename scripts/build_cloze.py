"""Build the feed-forward cloze table (format version 1), shipped until the thirty-eighth session.

Today's packaged ``cloze.bin`` is a bidirectional LSTM (``python -m scripts.build cloze``,
:mod:`scripts.seq_cloze`); this builder stays so that the earlier model can be rebuilt and compared
(``--out`` defaults to ``work-data/cloze/cloze-ff.bin``, never the packaged file).

The count tables judge a word by the one or two words beside it. Many spun words
read fluently to a bigram or trigram ("the second 12 months of the battle") but not
to a reader who sees the whole sentence. This builder trains a feed-forward cloze
model on the reference pool (never a labelled document): from the words at
distances 1-3 on each side (one embedding each, concatenated) and the mean
embedding of the words at distances 4-12 in the same sentence, it scores every
word of the vocabulary for the slot in the middle. The training objective is the
question the detector asks: a softmax over the word that was written, its
candidate replacements from the detector's own tables (thesaurus synonyms and
distributional neighbours) and 256 words drawn by frequency^0.75 that every
example of a step shares. So it learns both "which of these synonyms was
written here" and how well a word fits a sentence at all.

Vocabulary: reference ids below ``--words`` (ids are in frequency order; rarer
words are the reference's UNK id). Embeddings are stored as int8 with one scale
per row, the hidden layers as float32; the detector runs the model with numpy
alone (:mod:`spin_detect.tables.cloze`). PyTorch is needed only here, for
training (``pip install torch``; the CPU build is enough).

Two stages, each cached in ``--work``:
1. the token stream of the reference pool, split and tokenised as the detector
   does (~6 min);
2. training for a fixed number of steps with fixed seeds (~75 min on 2 cores).
The result is deterministic for a given stream, PyTorch build and thread count.

    python -m scripts.build cloze-ff [--steps 48000] [--out work-data/cloze/cloze-ff.bin]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from scripts.corpora import SHARED, SOURCES, pool_of, read_source
from spin_detect.tables.cloze import FAR, NEAR, OFFSETS, quantize_rows, write_cloze
from spin_detect.tables.neighbours import Neighbours
from spin_detect.tables.reference import BOS, EOS, UNK, ReferenceStats
from spin_detect.tables.thesaurus import Thesaurus
from spin_detect.text.segment import norm, split_sentences, tokenize

#: Candidates per word the objective contrasts with it (thesaurus singles, then neighbours).
MAX_SYNONYMS, MAX_NEIGHBOURS = 12, 10


def build_stream(root: Path, ref: ReferenceStats, n_words: int, out: Path) -> np.ndarray:
    """Reference-pool sentences as one int32 array: each sentence framed by BOS/EOS and
    ``FAR`` PAD ids (``n_words``) on either side, so every slot's context is a plain slice."""
    index = ref._index
    pad = np.full(FAR, n_words, dtype=np.int32)
    parts: list[np.ndarray] = []
    t0 = time.time()
    n_tok = 0
    for source in SOURCES:
        n_docs = 0
        for doc_id, text in read_source(source, root):
            if pool_of(doc_id) == "labelled":
                continue
            n_docs += 1
            for s in split_sentences(text):
                toks = tokenize(text, s.start, s.end)
                if not toks:
                    continue
                ids = np.fromiter((index.get(w, UNK) for w in map(norm, (t.text for t in toks))),
                                  dtype=np.int64, count=len(toks))
                ids[ids >= n_words] = UNK
                parts.append(np.concatenate([pad[:-1], [BOS], ids.astype(np.int32), [EOS], pad[:-1]]))
                n_tok += len(ids)
        print(f"stream {source}: {n_docs} documents, {n_tok:,} tokens, {time.time() - t0:.0f}s", file=sys.stderr)
    stream = np.concatenate(parts).astype(np.int32)
    np.save(out, stream)
    return stream


def cached_stream(root: Path, ref: ReferenceStats, n_words: int, work: Path) -> np.ndarray:
    """The stream of :func:`build_stream`, from ``work``'s cache when it holds one for this reference and
    vocabulary (built and cached there otherwise)."""
    work.mkdir(parents=True, exist_ok=True)
    stream_file = work / f"stream-{ref.sha256[:12]}-{n_words}.npy"
    return np.load(stream_file) if stream_file.exists() else build_stream(root, ref, n_words, stream_file)


def candidate_matrix(ref: ReferenceStats, thesaurus: Thesaurus, neighbours: Neighbours, n_words: int
                     ) -> np.ndarray:
    """Per LM word, its candidate replacements (LM ids, -1 padded): what the detector tries."""
    from spin_detect.features.candidates import CandidateIndex

    index = CandidateIndex(ref, thesaurus, MAX_SYNONYMS, 1, True)
    k = MAX_SYNONYMS + MAX_NEIGHBOURS
    cand = np.full((n_words, k), -1, dtype=np.int32)
    for i in range(3, n_words):
        c = [int(x) for x in index.single(i)[:MAX_SYNONYMS]]
        c += [int(x) for x in neighbours.of(i)[:MAX_NEIGHBOURS]]
        c = list(dict.fromkeys(x for x in c if 3 <= x < n_words and x != i))[:k]
        cand[i, : len(c)] = c
    return cand


def train(stream: np.ndarray, cand: np.ndarray, freq: np.ndarray, n_words: int, dims: int, hidden: int,
          out_dims: int, steps: int, batch: int, seed: int) -> dict[str, np.ndarray]:
    """Train the cloze model; returns its float32 weights by name."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(seed)
    pad = n_words
    has_cand = (cand >= 0).any(axis=1)
    slot = np.flatnonzero((stream >= 3) & (stream < n_words))
    slot = slot[has_cand[stream[slot]]]
    held = rng.random(len(slot)) < 0.01
    train_slots, held_slots = slot[~held], slot[held][:50_000]
    print(f"{len(train_slots):,} training slots, {held.sum():,} held out", file=sys.stderr)
    noise = freq.astype(np.float64) ** 0.75
    noise[:3] = 0.0
    noise /= noise.sum()
    noise_cdf = np.cumsum(noise)

    emb = nn.Embedding(n_words + 1, dims, padding_idx=pad)
    lin1 = nn.Linear((2 * NEAR + 1) * dims, hidden)
    lin2 = nn.Linear(hidden, out_dims)
    out_emb = nn.Embedding(n_words, out_dims)
    out_bias = nn.Embedding(n_words, 1)
    nn.init.normal_(emb.weight, std=0.1)
    nn.init.normal_(out_emb.weight, std=0.1)
    nn.init.zeros_(out_bias.weight)
    with torch.no_grad():
        emb.weight[pad] = 0.0
        out_bias.weight[:, 0] = torch.from_numpy(np.log(np.maximum(freq[:n_words], 1) / freq.sum()).astype(np.float32))
    params = [*emb.parameters(), *lin1.parameters(), *lin2.parameters(), *out_emb.parameters(),
              *out_bias.parameters()]
    opt = torch.optim.Adam(params, lr=2e-3)
    cand_t = torch.from_numpy(cand.astype(np.int64))

    def query(p: np.ndarray) -> torch.Tensor:
        ctx = torch.from_numpy(stream[p[:, None] + OFFSETS].astype(np.int64))
        e = emb(ctx)  # B, 2*FAR, D
        near = e[:, : 2 * NEAR].reshape(len(p), -1)
        far_ids = ctx[:, 2 * NEAR:]
        n_far = (far_ids != pad).sum(1, keepdim=True).clamp(min=1)
        far = e[:, 2 * NEAR:].sum(1) / n_far
        return lin2(torch.relu(lin1(torch.cat([near, far], 1))))

    def set_scores(q: torch.Tensor, word: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ids = torch.cat([word[:, None], cand_t[word]], 1)
        ok = ids >= 0
        ids = ids.clamp(min=0)
        s = (out_emb(ids) * q[:, None]).sum(-1) + out_bias(ids)[..., 0]
        return s.masked_fill(~ok, -1e9), ok

    t0 = time.time()
    for step in range(steps):
        if step == steps // 2:
            for g in opt.param_groups:
                g["lr"] = 1e-3
        p = train_slots[rng.integers(0, len(train_slots), batch)]
        word = torch.from_numpy(stream[p].astype(np.int64))
        neg = torch.from_numpy(np.searchsorted(noise_cdf, rng.random(256)).astype(np.int64))
        q = query(p)
        s_set, _ = set_scores(q, word)
        s_neg = q @ out_emb(neg).T + out_bias(neg)[:, 0]
        s_neg = s_neg.masked_fill(neg[None, :] == word[:, None], -1e9)
        logits = torch.cat([s_set, s_neg], 1)
        loss = nn.functional.cross_entropy(logits, torch.zeros(batch, dtype=torch.long))
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            emb.weight[pad] = 0.0
        if step % 2000 == 0 or step == steps - 1:
            with torch.no_grad():
                hits = 0
                for lo in range(0, len(held_slots), 10_000):
                    hp = held_slots[lo: lo + 10_000]
                    hw = torch.from_numpy(stream[hp].astype(np.int64))
                    s, _ = set_scores(query(hp), hw)
                    hits += int((s[:, 0] >= s[:, 1:].max(1).values).sum())
            print(f"step {step}: loss {loss.item():.3f}, held-out word beats its candidates "
                  f"{hits / len(held_slots):.3f}, {time.time() - t0:.0f}s", file=sys.stderr)
    return {"emb": emb.weight.detach().numpy()[:n_words], "w1": lin1.weight.detach().numpy().T.copy(),
            "b1": lin1.bias.detach().numpy(), "w2": lin2.weight.detach().numpy().T.copy(),
            "b2": lin2.bias.detach().numpy(), "out": out_emb.weight.detach().numpy(),
            "bias": out_bias.weight.detach().numpy()[:, 0]}


def main(argv: list[str] | None = None) -> None:
    """Build the cloze table (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build cloze-ff", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="work-data/cloze/cloze-ff.bin")
    ap.add_argument("--reference", default="spin_detect/data/reference.bin")
    ap.add_argument("--thesaurus", default="spin_detect/data/thesaurus.bin")
    ap.add_argument("--neighbours", default="spin_detect/data/neighbors.bin")
    ap.add_argument("--root", default=str(SHARED))
    ap.add_argument("--work", default="work-data/cloze", help="cache of the token stream")
    ap.add_argument("--words", type=int, default=60000)
    ap.add_argument("--dims", type=int, default=48)
    ap.add_argument("--hidden", type=int, default=384)
    ap.add_argument("--out-dims", type=int, default=96)
    ap.add_argument("--steps", type=int, default=48000)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.time()
    ref = ReferenceStats.load(args.reference)
    n_words = min(args.words, len(ref))
    stream = cached_stream(Path(args.root), ref, n_words, Path(args.work))
    thesaurus = Thesaurus.load(args.thesaurus)
    neighbours = Neighbours.load(args.neighbours, reference=ref)
    cand = candidate_matrix(ref, thesaurus, neighbours, n_words)
    freq = np.bincount(stream[stream < n_words], minlength=n_words).astype(np.float64)
    print(f"stream {len(stream):,} ids, candidates ready, {time.time() - t0:.0f}s", file=sys.stderr)
    w = train(stream, cand, freq, n_words, args.dims, args.hidden, args.out_dims, args.steps, args.batch,
              args.seed)
    emb_q, emb_s = quantize_rows(w["emb"])
    out_q, out_s = quantize_rows(w["out"])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_cloze(args.out, {"emb": emb_q, "emb_scale": emb_s, "out": out_q, "out_scale": out_s,
                           "bias": w["bias"].astype(np.float32), "w1": w["w1"], "b1": w["b1"], "w2": w["w2"],
                           "b2": w["b2"]},
                {"reference_sha256": ref.sha256, "words": n_words, "dims": args.dims, "hidden": args.hidden,
                 "out_dims": args.out_dims, "steps": args.steps, "batch": args.batch, "seed": args.seed,
                 "built_by": "scripts/build_cloze.py"})
    print(f"done in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
