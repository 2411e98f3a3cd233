"""CPU time of Detector.score_documents on 600 documents of the test split (in process, one BLAS thread):

    OPENBLAS_NUM_THREADS=1 python benchmarks/test_split_cpu.py [MODEL_DIR]

Needs work-data/datasets (python -m scripts.build datasets). Documents are the test split's sentences joined per
document (originals and spun copies, 677 words on average); the first 50 are scored once before timing, so
per-word caches are warm. Prints the CPU milliseconds a document. For another checkout's code, import it
through PYTHONPATH and pass its model folder.
"""

import sys
import time

import pandas as pd

import spin_detect

df = pd.read_csv("work-data/datasets/sentences.csv.gz", keep_default_na=False, dtype={"text": str})
df = df[df.split == "test"]
docs = df.groupby("doc_id", sort=True)["text"].apply(" ".join).tolist()[:600]
det = spin_detect.load_detector(sys.argv[1] if len(sys.argv) > 1 else None)
list(det.score_documents(docs[:50]))
t0 = time.process_time()
list(det.score_documents(docs))
t = time.process_time() - t0
words = sum(len(d.split()) for d in docs)
print(f"{spin_detect.__file__}: {t / len(docs) * 1000:.2f} ms CPU a document, {len(docs)} documents, "
      f"{words / len(docs):.0f} words a document")
