"""Ingest speed: ``python -m bench.ingest_bench [--paragraphs 10000]``.

Prints, for one synthetic corpus in one run:
- the raw embedding model's throughput on exactly the chunk texts the pipeline embeds,
- the first ingest's throughput and its ratio to the raw model (target >= 0.8),
- an unchanged re-ingest's time as a share of the first ingest (target < 5%),
- an edit of one paragraph in one file.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.corpus import write_corpus
from ingest.service import open_ingester
from settings import Settings
from vectorstore.embeddings import default_embeddings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paragraphs", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        texts = write_corpus(root / "sources", args.paragraphs)
        settings = Settings(sources_dir=root / "sources", chroma_path=root / "chroma")
        embeddings = default_embeddings(settings.embed_batch_size)
        embeddings.embed_documents(texts[:32])  # warm the session like the pipeline's first batch

        t = time.perf_counter()
        embeddings.embed_documents(texts)
        raw_s = time.perf_counter() - t

        ingester = open_ingester(settings, embeddings)
        t = time.perf_counter()
        first = ingester.run([settings.sources_dir])
        first_s = time.perf_counter() - t
        assert not first.errors, first.errors

        t = time.perf_counter()
        again = open_ingester(settings, embeddings).run([settings.sources_dir])
        again_s = time.perf_counter() - t

        doc = settings.sources_dir / "doc-00000.txt"
        doc.write_text(doc.read_text().replace("(item 3).", "(item three).", 1))
        t = time.perf_counter()
        edit = open_ingester(settings, embeddings).run([settings.sources_dir])
        edit_s = time.perf_counter() - t

    result = {
        "paragraphs": args.paragraphs,
        "chunks": first.total("added"),
        "raw_model_texts_per_s": round(len(texts) / raw_s, 1),
        "ingest_texts_per_s": round(len(texts) / first_s, 1),
        "throughput_ratio": round(raw_s / first_s, 3),
        "first_ingest_s": round(first_s, 2),
        "unchanged_reingest_s": round(again_s, 2),
        "unchanged_share_of_first": round(again_s / first_s, 4),
        "unchanged_skipped": again.total("skipped"),
        "one_edit_s": round(edit_s, 2),
        "one_edit_updated": edit.total("updated"),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
