"""Retrieval quality by ranker: ``python -m bench.retrieval_bench [SET ...]``.

For every answerable question of the eval sets (default: all of evals/sets/),
hit@1, hit@3 and MRR of an expected paragraph for: dense only (Chroma), BM25
only, the two fused (RRF), and the full hybrid with sentence re-ranking.

``--postgres`` keeps the record manager and the lexical index in a throwaway
PostgreSQL cluster (full-text search) instead of the embedded files, to compare
the two engines.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from evals.metrics import first_hit_rank
from evals.sets_io import load_set
from ingest.service import open_ingester
from qa.questions import search_query
from qa.retrieve import Retriever
from settings import PROJECT_ROOT, Settings
from vectorstore.embeddings import default_embeddings

MODES = ("dense", "lexical", "fused", "hybrid")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--postgres", action="store_true", help="lexical index in PostgreSQL")
    args = parser.parse_args()
    if args.postgres:
        from bench.postgres import throwaway_postgres

        with throwaway_postgres() as url:
            run(args, url)
    else:
        run(args, "")


def run(args: argparse.Namespace, record_manager_url: str) -> None:
    paths = args.sets or sorted((PROJECT_ROOT / "evals" / "sets").glob("*.yaml"))
    embeddings = default_embeddings()
    results = {}
    for path in paths:
        qset = load_set(path)
        with tempfile.TemporaryDirectory() as tmp:
            roots = sorted({s.parent if s.is_file() else s for s in qset.sources})
            settings = Settings(
                sources_dir=roots[0],
                chroma_path=Path(tmp) / "chroma",
                chroma_collection=qset.name,
                record_manager_url=record_manager_url,
            )
            open_ingester(settings, embeddings).run(qset.sources)
            retriever = Retriever(settings, embeddings)
            cases = [c for c in qset.cases if c.answerable]
            for mode in MODES:
                ranks = []
                for case in cases:
                    history = [_turn(t) for t in case.turns[:-1]]
                    query = search_query(case.question, history)
                    found = retriever.search(query, 10, mode=mode)
                    ranks.append(first_hit_rank(case, [(p.source, p.paragraph) for p in found]))
                results.setdefault(qset.name, {})[mode] = {
                    "hit@1": round(sum(r == 1 for r in ranks) / len(ranks), 3),
                    "hit@3": round(sum(r is not None and r <= 3 for r in ranks) / len(ranks), 3),
                    "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 3),
                    "questions": len(ranks),
                }
    engine = "postgresql" if record_manager_url else "embedded"
    print(json.dumps({"lexical_engine": engine, **results}, indent=2))


def _turn(question: str):  # type: ignore[no-untyped-def]
    from qa.models import Turn

    return Turn(question)


if __name__ == "__main__":
    main()
