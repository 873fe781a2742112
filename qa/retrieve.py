"""Hybrid retrieval: dense (Chroma) and lexical (BM25), fused, then re-ranked.

1. Dense: the question's MiniLM vector against Chroma (cosine).
2. Lexical: BM25 over the same chunks (``qa.lexical``).
3. Fusion: reciprocal rank fusion of the two lists.
4. Re-ranking: the best fused candidates are scored again at sentence level:
   the question's vector against each sentence of the chunk. A paragraph that
   holds one sentence answering the question outranks one that is merely about
   the same topic. No cross-encoder model can be had offline here, so the
   second stage reuses the embedding model at a finer grain.

The scores it combines are reported for every passage, so the answerer can
judge how strong the evidence is (and abstain when it is weak).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from errors import EmptyStoreError
from qa.models import Passage
from qa.scoring import ScoringConfig, rerank_score, rrf
from settings import Settings
from textkit.sentences import as_read, quoted_spans
from vectorstore.chunk_rows import ChunkRow
from vectorstore.embeddings import embed_matrix
from vectorstore.index import Index, open_index
from vectorstore.lexical import Scoring
from vectorstore.store import Hit
from vectorstore.vector_cache import cached

Mode = Literal["hybrid", "dense", "lexical", "fused"]
WARM_SENTENCES_UP_TO = 1000  # chunks; beyond that, sentences are embedded on first use


class SentenceVectors:
    """Sentence vectors of chunks, computed on first use and kept (LRU)."""

    def __init__(self, embeddings: Embeddings, capacity: int = 20_000) -> None:
        self.embeddings = embeddings
        self.capacity = capacity
        self._cache: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, passages: list[Passage]) -> list[tuple[list[tuple[int, int]], np.ndarray]]:
        with self._lock:
            missing = [p for p in passages if p.chunk_hash + p.id not in self._cache]
        if missing:
            spans = [quoted_spans(p.text) or [(0, len(p.text))] for p in missing]
            # Each sentence is embedded as it is read (``as_read``): "It is written in Rust"
            # as "quickcsv is written in Rust", a life's span in brackets as born and died.
            flat = [
                as_read(p.text[ss[i - 1][0] : ss[i - 1][1]] if i else "", p.text[a:b])
                for p, ss in zip(missing, spans)
                for i, (a, b) in enumerate(ss)
            ]
            vectors = embed_matrix(self.embeddings, flat)
            offset = 0
            with self._lock:
                for p, ss in zip(missing, spans):
                    self._cache[p.chunk_hash + p.id] = (ss, vectors[offset : offset + len(ss)])
                    offset += len(ss)
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for p in passages:
                self._cache.move_to_end(p.chunk_hash + p.id)
                out.append(self._cache[p.chunk_hash + p.id])
            return out


class Retriever:
    """Finds the passages that answer a question, in one process, for many threads."""

    def __init__(
        self,
        settings: Settings,
        embeddings: Embeddings,
        config: ScoringConfig | None = None,
        warm: bool = True,
    ) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.config = config or ScoringConfig.trained()
        self.warm = warm  # embed every sentence of a small corpus up front
        self._lock = threading.RLock()
        # A system of its own (see ``open_client``): the one an ingest in this process
        # wrote through may miss chunks in its nearest-neighbour answers.
        self._index: Index = open_index(settings, embeddings, fresh=True)
        # Sentences and words are embedded again and again, also by the next process:
        # their vectors are kept beside the index where it may be written.
        self.text_embeddings = cached(
            embeddings, settings.chroma_path, writable=not self._index.read_only
        )
        self.sentences = SentenceVectors(self.text_embeddings)
        # The embedded client's vector index is a snapshot of the generation it was
        # opened at; an ingest in another process (the page's first one included)
        # needs a reopen, even before this retriever has answered anything.
        self._opened_generation: int | None = self._index.catalog.generation()
        self._generation: int | None = None
        self._lexical: Scoring | None = None
        self._token: tuple | None = None

    @property
    def index(self) -> Index:
        return self._index

    @property
    def generation(self) -> int | None:
        """The ingest generation the last ``refresh`` caught up with (None before it)."""
        return self._generation

    def refresh(self, force: bool = False) -> int:
        """Catch up with ingests made since the last question (in any process)."""
        with self._lock:
            token = self._index.catalog.change_token()
            if token is not None and token == self._token and not force:
                return self._generation or 0
            generation = self._index.catalog.generation()
            self._token = token
            if generation == self._generation and not force:
                return generation
            if generation != self._opened_generation and not self.settings.chroma_url:
                self._index = open_index(self.settings, self.embeddings, fresh=True)
                self._opened_generation = generation
            lexical = self._index.load_lexical(generation)
            self._lexical = lexical
            self._generation = generation
            self.sentences = SentenceVectors(self.text_embeddings)
            if self.warm and 0 < lexical.size <= WARM_SENTENCES_UP_TO:
                # Small corpora: embed every sentence now, so no question pays for it.
                hits = self._index.store.get(ids=lexical.ids)
                self.sentences.get([Passage.from_hit(h.id, h.text, h.metadata) for h in hits])
            return generation

    @property
    def lexical(self) -> Scoring:
        if self._lexical is None:
            self.refresh()
        assert self._lexical is not None
        return self._lexical

    def chunk_count(self) -> int:
        with self._lock:
            return self._index.store.count()

    def embed(self, query: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(query), dtype=np.float32)

    def search(
        self, query: str, k: int, mode: Mode = "hybrid", vector: np.ndarray | None = None
    ) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first."""
        self.refresh()
        cfg = self.config
        vector = self.embed(query) if vector is None else vector
        with self._lock:
            store = self._index.store
            lexical = self._lexical
            assert lexical is not None
            if not lexical.size and store.count() == 0:
                raise EmptyStoreError(self._index.where)
            total = lexical.size
            # Ids and distances only: Chroma's cost is mostly in fetching documents
            # and metadata, which only the passages that can be returned need.
            dense_ids = (
                store.query_ids(vector.tolist(), cfg.candidates, total=total)
                if mode != "lexical"
                else []
            )
            lexical_hits = lexical.search(query, cfg.candidates) if mode != "dense" else []
            dense = {i: 1.0 - d for i, d in dense_ids}
            bm25 = dict(lexical_hits)
            # Texts, metadata and vectors of the pool once it is known: one indexed read
            # of the chunk rows. The fused order needs ranks only, and a candidate only
            # BM25 found is below the dense head, so only the pool's lexical-only members
            # need their vectors (their dense score counts in the re-ranking). What the
            # rows lack (a store older than them) is read from Chroma.
            chunk_rows = self._index.chunk_rows
            rows: dict[str, ChunkRow] = {}
            by_id: dict[str, Hit] = {}
            invalid: set[str] = set()
            while True:
                rankings = [
                    [i for i, _ in dense_ids if i not in invalid],
                    [i for i, _ in lexical_hits if i not in invalid],
                ]
                fused = rrf(rankings, cfg.rrf_k)
                order = sorted(fused, key=lambda i: -fused[i])
                # The re-ranking pool: the fused head and the dense head.
                by_dense = [i for i in order if i in dense]
                by_dense.sort(key=lambda i: -dense[i])
                wanted = order[: max(k, cfg.rerank // 2)] + by_dense[: cfg.rerank // 2]
                wanted = list(dict.fromkeys(wanted))
                rows.update(chunk_rows.get([i for i in wanted if i not in rows]))
                for i in wanted:
                    row = rows.get(i)
                    if row is not None and i not in by_id and row.metadata.get("paragraph"):
                        by_id[i] = Hit(i, row.text, row.metadata, 0.0)
                        if i not in dense:
                            dense[i] = float(row.vector @ vector)
                need = [i for i in wanted if i not in by_id and i not in rows]
                hits = store.get(ids=need) if need else []
                by_id.update((h.id, h) for h in hits if h.metadata.get("paragraph"))
                unscored = [i for i in wanted if i in by_id and i not in dense]
                if unscored:
                    dense.update((i, float(v @ vector)) for i, v in store.vectors(unscored).items())
                # Gone since the lexical index was written, or not a paragraph: no rank.
                dropped = set(wanted) - by_id.keys()
                dropped |= {i for i in unscored if i not in dense}
                if not dropped:
                    break
                invalid |= dropped
                for i in dropped:
                    by_id.pop(i, None)
        passages = [
            Passage.from_hit(
                i,
                by_id[i].text,
                by_id[i].metadata,
                score=fused[i],
                dense=dense.get(i, 0.0),
                lexical=bm25.get(i, 0.0),
            )
            for i in order
            if i in by_id and by_id[i].metadata.get("paragraph")
        ]
        if mode != "hybrid":
            return passages[:k]
        # The pool to re-rank: the best of each ranker, so that neither one's
        # noise crowds the other's finds out.
        dense_first = sorted(passages, key=lambda p: -p.dense)[: cfg.rerank // 2]
        pool = {p.id for p in dense_first} | {p.id for p in passages[: cfg.rerank // 2]}
        head = [p for p in passages if p.id in pool]
        rescored = []
        for passage, (_, matrix) in zip(head, self.sentences.get(head)):
            best = float((matrix @ vector).max()) if len(matrix) else 0.0
            coverage = lexical.coverage(query, passage.text)
            score = rerank_score(passage.dense, best, coverage, cfg)
            rescored.append(_with_score(passage, score))
        rescored.sort(key=lambda p: -p.score)
        return (rescored + [p for p in passages if p.id not in pool])[:k]

    def previous_paragraph(self, passage: Passage) -> Passage | None:
        """The chunk of the paragraph just before ``passage`` in its source (its first
        chunk when it has several), or None at the start or after a heading."""
        if passage.paragraph <= 1:
            return None
        with self._lock:
            hits = self._index.store.get(
                where={"$and": [{"source": passage.source}, {"paragraph": passage.paragraph - 1}]}
            )
        hits = sorted(hits, key=lambda h: int(h.metadata.get("start", 0)))
        if not hits:
            return None
        return Passage.from_hit(hits[0].id, hits[0].text, hits[0].metadata)

    def best_sentences(
        self, question_vector: np.ndarray, passages: list[Passage]
    ) -> list[list[tuple[int, int, float]]]:
        """Per passage: its sentences' spans with their cosine to the question."""
        out = []
        for spans, matrix in self.sentences.get(passages):
            sims = matrix @ question_vector if len(matrix) else np.zeros(0)
            out.append([(a, b, float(s)) for (a, b), s in zip(spans, sims)])
        return out


def _with_score(passage: Passage, score: float) -> Passage:
    from dataclasses import replace

    return replace(passage, score=score)


def open_retriever(settings: Settings, embeddings: Embeddings) -> Retriever:
    return Retriever(settings, embeddings)
