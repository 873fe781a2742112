"""Lexical index at scale, on each engine: ``python -m bench.lexical_bench``.

Options: ``--paragraphs 100000`` (default), ``--engine embedded|postgresql|both``
(default both; PostgreSQL runs in a throwaway cluster), ``--keep DIR`` to leave
the stores there. Run it niced: ``nice -n 19 python -m bench.lexical_bench``.

For each engine, after a first ingest of a synthetic corpus (files of 500
paragraphs) it prints:
- lexical top-30 latency (p50/p95 over 200 questions) in a warm reader,
- one edited paragraph re-ingested end to end (``Ingester.run``, lock to new
  generation), three times; the target is < 2 s,
- a reader's catch-up after that edit (loading the new generation),
- the same edit made by a fresh process, timed from its start (imports, opening the
  store, ingest): what ``python -m ingest`` after an edit costs,
- memory of a reader process: resident size after opening the index and
  answering lexical queries, and the part the lexical index adds,
- hybrid retrieval (dense + BM25, fused, re-ranked) against a raw Chroma query of
  the same vector, p50 over the same questions (``--hybrid`` alone measures the
  store ``CHROMA_PATH`` names).

``--index-only N`` measures the lexical index alone at N synthetic paragraphs,
without Chroma (a store of 1,000,000 chunks takes hours to fill here): for the
embedded engine build time, file size, and in a fresh reader process load time,
top-30 latency and resident memory; with ``--engine postgresql`` the first
write of N rows, top-30 latency, a reader's memory, and one edited paragraph
(a source of 500 re-synced, one chunk changed).

The ingest is the real pipeline (split, chunk, record manager, Chroma, lexical
index) with one difference: chunks are embedded by a cheap deterministic hashing
embedder (384 dimensions), not MiniLM, so 100,000 paragraphs ingest in minutes.
One edit re-embeds one chunk; with MiniLM that adds about 20 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from settings import PROJECT_ROOT, Settings
from vectorstore.lexical import Scoring

QUESTIONS = 200


class HashingEmbeddings(Embeddings):
    """Deterministic 384-d bag-of-words vectors: fast stand-ins for MiniLM in a benchmark."""

    model_id = "bench/hashing-384"

    def _vector(self, text: str) -> list[float]:
        v = np.zeros(384, dtype=np.float32)
        for word in text.lower().split():
            v[int(hashlib.blake2b(word.encode(), digest_size=4).hexdigest(), 16) % 384] += 1.0
        return (v / (np.linalg.norm(v) or 1.0)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def questions(n: int, seed: int = 5) -> list[str]:
    from bench.corpus import OBJECTS, SUBJECTS, VERBS

    rng = random.Random(seed)
    return [
        f"Why {rng.choice(['did', 'has'])} {rng.choice(SUBJECTS).lower()} "
        f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} on day {rng.randint(1, 3000)}?"
        for _ in range(n)
    ]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def search_times(lexical: Scoring, queries: int) -> list[float]:
    """Milliseconds of each lexical top-30 search, over ``queries`` synthetic questions."""
    times = []
    for q in questions(queries):
        t = time.perf_counter()
        lexical.search(q, 30)
        times.append((time.perf_counter() - t) * 1000)
    return times


def reader(settings: Settings) -> dict:
    """In a fresh process: what a reader holds, and how fast it searches."""
    from vectorstore.index import open_index

    index = open_index(settings, HashingEmbeddings())
    index.store.count()
    before = rss_mb()
    t = time.perf_counter()
    lexical = index.load_lexical(index.catalog.generation())
    load_s = time.perf_counter() - t
    times = search_times(lexical, QUESTIONS)
    return {
        "chunks": lexical.size,
        "lexical_load_s": round(load_s, 3),
        "lexical_top30_p50_ms": round(float(np.percentile(times, 50)), 2),
        "lexical_top30_p95_ms": round(float(np.percentile(times, 95)), 2),
        "reader_rss_mb": round(rss_mb()),
        "reader_rss_lexical_mb": round(rss_mb() - before),
    }


def hybrid(settings: Settings) -> dict:
    """In a fresh process: hybrid retrieval against a raw Chroma query, on the
    common-word questions (``bench.scale.measure_overhead``)."""
    from bench.scale import measure_overhead
    from qa.retrieve import Retriever

    retriever = Retriever(settings, HashingEmbeddings())
    retriever.refresh()
    for q in questions(10, seed=9):  # first reads (Chroma's index, caches) are not timed
        retriever.search(q, 5)
    return measure_overhead(retriever, questions(QUESTIONS))


def in_fresh_process(settings: Settings, what: str = "--reader") -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.lexical_bench", what],
        cwd=PROJECT_ROOT, env=settings.child_env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def one_engine(root: Path, paragraphs: int, record_manager_url: str) -> dict:
    from bench.corpus import write_corpus
    from ingest.service import open_ingester

    sources = root / "sources"
    if not sources.exists():
        write_corpus(sources, paragraphs)
    settings = Settings(
        sources_dir=sources, chroma_path=root / "chroma", record_manager_url=record_manager_url
    )
    embeddings = HashingEmbeddings()
    t = time.perf_counter()
    first = open_ingester(settings, embeddings).run([sources])
    first_s = time.perf_counter() - t
    assert not first.errors, first.errors
    result = {
        "engine": "postgresql" if record_manager_url else "embedded",
        "paragraphs": paragraphs,
        "first_ingest_s": round(first_s, 1),
        "first_ingest_added": first.total("added"),
        **in_fresh_process(settings),
        **in_fresh_process(settings, "--hybrid"),
    }
    from vectorstore.index import open_index

    index = open_index(settings, embeddings)
    edits, catch_up = [], []
    doc = sources / "doc-00000.txt"
    for n in range(3):
        lexical = index.load_lexical(index.catalog.generation())  # a reader before the edit
        doc.write_text(doc.read_text().replace(f"(item {n}).", f"(item {n}, revised).", 1))
        t = time.perf_counter()
        report = open_ingester(settings, embeddings).run([sources])
        edits.append(time.perf_counter() - t)
        assert report.total("updated") == 1, report.to_json()
        t = time.perf_counter()
        lexical = index.load_lexical(index.catalog.generation())
        catch_up.append(time.perf_counter() - t)
        assert lexical.search(f"item {n} revised", 1)
    result["one_edit_reingest_s"] = [round(e, 2) for e in edits]
    result["reader_catch_up_after_edit_s"] = [round(c, 3) for c in catch_up]
    # What a user waits for: a fresh process (imports, opening the store) edits and ingests.
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "bench.lexical_bench", "--edit-once"],
        cwd=PROJECT_ROOT, env=settings.child_env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    result["one_edit_fresh_process_s"] = round(time.perf_counter() - t, 2)
    result["one_edit_fresh_process_ingest_s"] = json.loads(out.stdout.splitlines()[-1])["ingest_s"]
    return result


def edit_once(settings: Settings) -> dict:
    """In a fresh process: edit one paragraph of the first source and ingest."""
    from ingest.service import open_ingester

    t = time.perf_counter()
    doc = settings.sources_dir / "doc-00000.txt"
    doc.write_text(doc.read_text().replace("(item 9).", "(item 9, revised).", 1))
    report = open_ingester(settings, HashingEmbeddings()).run([settings.sources_dir])
    assert report.total("updated") == 1, report.to_json()
    return {"ingest_s": round(time.perf_counter() - t, 2)}


def index_only(paragraphs: int) -> dict:
    from bench.corpus import paragraph
    from vectorstore.lexical import LexicalIndex

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lexical.npz"
        t = time.perf_counter()
        docs = ((f"c{i}", paragraph(rng, i), f"doc-{i // 500:05d}.txt") for i in range(paragraphs))
        LexicalIndex.build(docs, 1).save(path)
        build_s = time.perf_counter() - t
        out = subprocess.run(
            [sys.executable, "-m", "bench.lexical_bench", "--load", str(path)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        size_mb = path.stat().st_size / 1e6
    return {"paragraphs": paragraphs, "build_s": round(build_s, 1), "file_mb": round(size_mb),
            **json.loads(out.stdout.strip().splitlines()[-1])}  # fmt: skip


def index_only_postgres(paragraphs: int, queries: int = 30) -> dict:
    from sqlalchemy import create_engine

    from bench.corpus import paragraph
    from bench.postgres import throwaway_postgres
    from vectorstore import lexical_pg

    rng = random.Random(7)
    sources: dict[str, list[tuple[str, str]]] = {}
    for i in range(paragraphs):
        sources.setdefault(f"doc-{i // 500:05d}.txt", []).append((f"c{i}", paragraph(rng, i)))
    with throwaway_postgres() as url:
        engine = create_engine(url)
        lexical_pg.create_schema(engine)
        t = time.perf_counter()
        lexical_pg.sync(engine, "documents", {s: "v1" for s in sources}, sources.__getitem__)
        write_s = time.perf_counter() - t
        t = time.perf_counter()
        lexical_pg.vacuum(engine)  # what an ingest does once it lets go of the database
        vacuum_s = time.perf_counter() - t
        first = sources["doc-00000.txt"]
        sources["doc-00000.txt"] = [("c0-edited", first[0][1] + " revised"), *first[1:]]
        t = time.perf_counter()
        changed = lexical_pg.sync(
            engine, "documents", {s: "v2" if s == "doc-00000.txt" else "v1" for s in sources},
            sources.__getitem__,
        )  # fmt: skip
        edit_s = time.perf_counter() - t
        before = rss_mb()
        index = lexical_pg.PostgresLexicalIndex(engine, "documents")
        times = search_times(index, queries)
    return {
        "engine": "postgresql", "paragraphs": paragraphs, "first_write_s": round(write_s, 1),
        "vacuum_s": round(vacuum_s, 1),
        "one_edit_sync_s": round(edit_s, 2), "one_edit_rows": changed, "questions": queries,
        "lexical_top30_p50_ms": round(float(np.percentile(times, 50)), 1),
        "lexical_top30_p95_ms": round(float(np.percentile(times, 95)), 1),
        "reader_rss_mb": round(rss_mb()), "reader_rss_lexical_mb": round(rss_mb() - before),
    }  # fmt: skip


def load_and_search(path: Path) -> dict:
    from vectorstore.lexical import LexicalIndex

    before = rss_mb()
    t = time.perf_counter()
    lexical = LexicalIndex.load(path)
    assert lexical is not None
    load_s = time.perf_counter() - t
    times = search_times(lexical, QUESTIONS)
    return {
        "load_s": round(load_s, 2),
        "lexical_top30_p50_ms": round(float(np.percentile(times, 50)), 2),
        "lexical_top30_p95_ms": round(float(np.percentile(times, 95)), 2),
        "reader_rss_mb": round(rss_mb()),
        "reader_rss_lexical_mb": round(rss_mb() - before),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--engine", choices=["embedded", "postgresql", "both"], default="both")
    parser.add_argument("--keep", type=Path, help="build the stores here and keep them")
    parser.add_argument("--index-only", type=int, help="embedded lexical index alone, N paragraphs")
    parser.add_argument("--reader", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--edit-once", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--hybrid", action="store_true", help="hybrid vs raw Chroma on the store CHROMA_PATH names"
    )
    args = parser.parse_args()
    if args.load:
        print(json.dumps(load_and_search(args.load)))
        return
    if args.index_only and args.engine == "postgresql":
        print(json.dumps(index_only_postgres(args.index_only)))
        return
    if args.index_only:
        print(json.dumps(index_only(args.index_only)))
        return
    if args.edit_once:
        print(json.dumps(edit_once(Settings.from_env())))
        return
    if args.reader:
        print(json.dumps(reader(Settings.from_env())))
        return
    if args.hybrid:
        print(json.dumps(hybrid(Settings.from_env())))
        return
    engines = ["embedded", "postgresql"] if args.engine == "both" else [args.engine]
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for engine in engines:
            root = base / engine
            root.mkdir(parents=True, exist_ok=True)
            if engine == "embedded":
                print(json.dumps(one_engine(root, args.paragraphs, "")), flush=True)
                continue
            from bench.postgres import throwaway_postgres

            with throwaway_postgres() as url:
                print(json.dumps(one_engine(root, args.paragraphs, url)), flush=True)


if __name__ == "__main__":
    main()
