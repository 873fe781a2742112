"""Recognising a question's words in a paragraph that says them differently.

A question may say "fear" where the text says "worrying", or "Azerbaijani" where it
says "Azeri". Literal matching misses both; the embedding model, asked about single
words, does not. Word vectors are computed on first use and kept (LRU), so a corpus's
vocabulary is embedded once per process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from langchain_core.embeddings import Embeddings

from vectorstore.embeddings import embed_matrix


class WordVectors:
    """MiniLM vectors of single words, cached."""

    def __init__(self, embeddings: Embeddings, capacity: int = 100_000) -> None:
        self.embeddings = embeddings
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, words: Iterable[str]) -> dict[str, np.ndarray]:
        words = list(dict.fromkeys(words))
        with self._lock:
            missing = [w for w in words if w not in self._cache]
        if missing:
            vectors = embed_matrix(self.embeddings, missing)
            with self._lock:
                for word, vector in zip(missing, vectors):
                    self._cache[word] = vector
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        with self._lock:
            out = {}
            for word in words:
                if word in self._cache:
                    self._cache.move_to_end(word)
                    out[word] = self._cache[word]
            return out

    def best_matches(self, wanted: list[str], available: list[str]) -> dict[str, float]:
        """For each wanted word, its highest cosine with any available word."""
        if not wanted or not available:
            return {w: 0.0 for w in wanted}
        vectors = self.get([*wanted, *available])
        if not all(w in vectors for w in wanted):
            return {w: 0.0 for w in wanted}  # evicted under pressure: treat as unmatched
        pool = np.stack([vectors[w] for w in available if w in vectors])
        sims = np.stack([vectors[w] for w in wanted]) @ pool.T
        return {w: float(s) for w, s in zip(wanted, sims.max(axis=1))}
