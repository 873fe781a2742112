"""Chunk rows: retrieval reads its candidates by id from the catalog's database.

They must always say what Chroma says (texts, positions, vectors) for the generation
a reader sees, be written only for what an ingest changed, and never change an
answer: retrieval through them equals retrieval through Chroma alone.
"""

from __future__ import annotations

import pytest

from qa.retrieve import Retriever
from settings import Settings
from tests.helpers import (
    ARTICLE,
    HashEmbeddings,
    make_ingester,
    rows_match_chroma,
    same_through_rows_and_chroma,
    write_corpus,
)
from vectorstore.chunk_rows import ChunkRows
from vectorstore.index import open_index

QUESTIONS = [
    "Why did Iran fear the result of the war?",
    "Which mediation group failed to resolve the occupation?",
    "What did Russia gain?",
    "Who won the 2020 war?",
    "note 4 report",
    "zanzibar pipeline grain",
]


def test_rows_follow_every_kind_of_edit(settings: Settings) -> None:
    embeddings = HashEmbeddings()
    write_corpus(settings.sources_dir, files=3, paragraphs=6)
    ingester = make_ingester(settings, embeddings)
    ingester.run([settings.sources_dir])
    assert rows_match_chroma(settings, embeddings) == 18

    # A paragraph inserted first renumbers the others in place: their rows follow.
    doc = settings.sources_dir / "report-001.txt"
    doc.write_text("A new opening paragraph about Zanzibar.\n\n" + doc.read_text())
    ingester.run([settings.sources_dir])
    assert rows_match_chroma(settings, embeddings) == 19
    index = open_index(settings, embeddings)
    lexical_ids = index.load_lexical(index.catalog.generation()).ids
    by_text = {r.text: r for r in index.chunk_rows.get(lexical_ids).values()}
    assert by_text["A new opening paragraph about Zanzibar."].metadata["paragraph"] == 1

    (settings.sources_dir / "report-002.txt").unlink()
    ingester.run([settings.sources_dir])
    assert rows_match_chroma(settings, embeddings) == 13

    # Another model: every vector is new, and so is every row.
    other = HashEmbeddings(model_id="test/hash-32", dim=32)
    make_ingester(settings, other).run([settings.sources_dir])
    assert rows_match_chroma(settings, other) == 13


def test_retrieval_through_rows_equals_retrieval_through_chroma(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embeddings = HashEmbeddings()
    (settings.sources_dir / ARTICLE.name).write_text(ARTICLE.read_text())
    write_corpus(settings.sources_dir, files=2, paragraphs=8)
    make_ingester(settings, embeddings).run([settings.sources_dir])
    same_through_rows_and_chroma(Retriever(settings, embeddings), QUESTIONS, monkeypatch)


def test_a_store_without_rows_answers_and_gets_them_at_the_next_ingest(
    settings: Settings,
) -> None:
    embeddings = HashEmbeddings()
    write_corpus(settings.sources_dir, files=2, paragraphs=5)
    ingester = make_ingester(settings, embeddings)
    ingester.run([settings.sources_dir])
    index = open_index(settings, embeddings)
    expected = Retriever(settings, embeddings).search("note 3 report", 3)
    index.chunk_rows.clear()  # as a store from before the rows looks

    assert Retriever(settings, embeddings).search("note 3 report", 3) == expected
    report = ingester.run([settings.sources_dir])
    assert not report.changed  # nothing changed in the sources, yet the rows are written
    assert rows_match_chroma(settings, embeddings) == 10
    assert Retriever(settings, embeddings).search("note 3 report", 3) == expected


def test_a_reader_of_a_store_without_the_table_reads_chroma(settings: Settings) -> None:
    embeddings = HashEmbeddings()
    write_corpus(settings.sources_dir, files=1, paragraphs=3)
    make_ingester(settings, embeddings).run([settings.sources_dir])
    index = open_index(settings, embeddings)
    with index.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE qa_chunk_rows")
    assert ChunkRows(index.engine, settings.chroma_collection, create=False).get(["x"]) == {}
    assert Retriever(settings, embeddings).search("note 1", 2)
