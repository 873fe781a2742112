"""Synthetic large stores, filled without running the model on every chunk.

The vectors are real MiniLM vectors of a few hundred distinct paragraphs,
perturbed per chunk, so the store has realistic geometry and every chunk a
distinct vector, and it fills in seconds instead of hours. Texts are the
synthetic paragraphs, so BM25 and sentence re-ranking do their real work.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.corpus import paragraph
from ingest.sync import text_hash
from qa.retrieve import Retriever
from settings import Settings
from vectorstore.index import open_index
from vectorstore.lexical import LexicalIndex


def fill_store(settings: Settings, embeddings, chunks: int, seed: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Fill the store with ``chunks`` synthetic chunks; save their lexical index and rows."""
    rng = random.Random(seed)
    docs: list[tuple[str, str, str]] = []
    np_rng = np.random.default_rng(seed)
    base_texts = [paragraph(rng, i) for i in range(256)]
    base = np.asarray(embeddings.embed_documents(base_texts), dtype=np.float32)
    index = open_index(settings, embeddings)
    collection = index.store.collection
    batch = 2000
    for start in range(0, chunks, batch):
        n = min(batch, chunks - start)
        texts = [paragraph(rng, i) for i in range(start, start + n)]
        picks = np_rng.integers(0, len(base), n)
        vectors = base[picks] + np_rng.normal(0, 0.05, (n, base.shape[1])).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        metas = [
            {"source": f"doc-{(start + i) // 500:05d}.txt", "paragraph": (start + i) % 500 + 1,
             "part": 0, "parts": 1, "title": "Synthetic", "section": "",
             "chunk_hash": text_hash(t), "occurrence": 0, "start": 0, "end": len(t),
             "tokens": 60}
            for i, t in enumerate(texts)
        ]  # fmt: skip
        collection.upsert(
            ids=[f"c{start + i}" for i in range(n)],
            embeddings=vectors.tolist(),
            documents=texts,
            metadatas=metas,
        )
        docs += [(f"c{start + i}", t, f"doc-{(start + i) // 500:05d}.txt")
                 for i, t in enumerate(texts)]  # fmt: skip
        # The rows retrieval reads candidates from, per source, as an ingest writes them.
        for first in range(0, n, 500):
            part = range(first, min(n, first + 500))
            rows = [(f"c{start + i}", texts[i], metas[i], vectors[i]) for i in part]
            index.chunk_rows.put(metas[first]["source"], None, rows)
    generation = index.catalog.generation() + 1
    LexicalIndex.build(docs, generation).save(index.lexical_path)
    index.catalog.bump_generation(generation)


def retrieval_overhead(chunks: int, embeddings, queries: int = 60) -> dict:  # type: ignore[no-untyped-def]
    """Hybrid retrieval against a raw Chroma query on a synthetic store of ``chunks``."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(chroma_path=Path(tmp) / "chroma")
        t = time.perf_counter()
        fill_store(settings, embeddings, chunks)
        fill_s = time.perf_counter() - t
        retriever = Retriever(settings, embeddings)
        t = time.perf_counter()
        retriever.refresh()
        lexical_build_s = time.perf_counter() - t
        rng = random.Random(11)
        questions = [
            f"What did {rng.choice(['Tehran', 'Baku', 'the ministry'])} say about "
            f"{rng.choice(['the pipeline route', 'grain exports', 'port fees', 'water rights'])}?"
            for _ in range(queries)
        ]
        return {
            "store_chunks": chunks,
            "fill_s": round(fill_s, 1),
            "lexical_build_s": round(lexical_build_s, 2),
            **measure_overhead(retriever, questions),
        }


def measure_overhead(retriever: Retriever, questions: list[str], k: int = 5) -> dict:
    """p50 of a raw Chroma query (documents, metadatas, distances for ``k``) against the
    hybrid and the fused search of the same vector, each question timed all three ways
    back to back (so load on the machine falls on all three alike)."""
    vectors = [retriever.embed(q) for q in questions]
    collection = retriever.index.store.collection
    raw, fused, full = [], [], []
    for q, v in zip(questions, vectors):
        t = time.perf_counter()
        collection.query(query_embeddings=[v.tolist()], n_results=k,
                         include=["documents", "metadatas", "distances"])  # fmt: skip
        raw.append(time.perf_counter() - t)
        # The hybrid search before the fused one, so it pays for whatever the question
        # costs the first time (its words' weights, the rows' pages).
        t = time.perf_counter()
        retriever.search(q, k, mode="hybrid", vector=v)
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        retriever.search(q, k, mode="fused", vector=v)
        fused.append(time.perf_counter() - t)
    p = lambda xs, q: round(float(np.percentile(xs, q)) * 1000, 2)  # noqa: E731
    return {
        "retrieval_questions": len(questions),
        "distinct_questions": len(set(questions)),
        "raw_chroma_query_p50_ms": p(raw, 50),
        "dense_plus_bm25_fused_p50_ms": p(fused, 50),
        "hybrid_with_rerank_p50_ms": p(full, 50),
        "hybrid_with_rerank_p95_ms": p(full, 95),
        "overhead_ratio_fused": round(p(fused, 50) / p(raw, 50), 2),
        "overhead_ratio_hybrid": round(p(full, 50) / p(raw, 50), 2),
    }
