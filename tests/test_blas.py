"""The detector scores with one BLAS thread and puts the process's setting back (spin_detect/tables/blas.py)."""

from __future__ import annotations

import numpy as np  # noqa: F401  (loads numpy's BLAS before threadpoolctl looks for it)
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from spin_detect.detector import load_detector
from spin_detect.features import FeatureExtractor
from spin_detect.tables.blas import one_blas_thread


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


pytestmark = pytest.mark.skipif(not _blas_threads(), reason="numpy without a BLAS threadpoolctl knows")


def test_scoring_runs_with_one_blas_thread_and_restores_the_setting(monkeypatch):
    det = load_detector()
    seen: list[list[int]] = []
    real = FeatureExtractor.score_tokens

    def spy(self, *args, **kwargs):
        seen.append(_blas_threads())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(FeatureExtractor, "score_tokens", spy)
    with threadpool_limits(limits=2, user_api="blas"):
        det.score_document("The council met on Monday. It said the talks would go on next year.")
        det.score_sentences(["The talks would go on next year."])
        assert _blas_threads() and all(n == 2 for n in _blas_threads())
    assert len(seen) == 2 and all(n == [1] * len(n) for n in seen)


def test_nested_blocks_keep_one_thread_until_the_outer_one_closes():
    with threadpool_limits(limits=2, user_api="blas"):
        with one_blas_thread():
            with one_blas_thread():
                assert all(n == 1 for n in _blas_threads())
            assert all(n == 1 for n in _blas_threads())
        assert all(n == 2 for n in _blas_threads())
