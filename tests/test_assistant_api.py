"""What the page and the evals ask of the assistant, on the real article store."""

from __future__ import annotations

import pytest

from settings import Settings

pytestmark = pytest.mark.slow


def test_sources_paragraphs_stats_and_locate(assistant) -> None:
    (record,) = assistant.sources(with_paragraphs=True)
    assert record.source == "iran-after-karabakh.txt" and len(record.paragraphs) == 19
    assert assistant.paragraph(record.source, 17) == "Translated by Can Atalay in Ankara"
    assert assistant.paragraph(record.source, 20) is None
    assert assistant.paragraph("nope.txt", 1) is None
    stats = assistant.stats()
    assert (stats.sources, stats.paragraphs, stats.chunks) == (1, 19, 20) and not stats.empty
    assert stats.last_ingest is not None
    cited = assistant.ask("Who translated the article?").citations[0]
    assert assistant.locate(record.source, cited.chunk_hash) == 17
    assert assistant.locate(record.source, "0" * 16, text="Can Atalay") == 17
    assert assistant.locate(record.source, "0" * 16) is None
    assert assistant.locate("other.txt", cited.chunk_hash) is None
    assert assistant.paragraph_counts() == {record.source: 19}
    gone = (record.source, "0" * 16)
    now = assistant.cited_chunks_now([(record.source, cited.chunk_hash), gone])
    assert now == {(record.source, cited.chunk_hash): 17}
    assert float(assistant.index_meta("last_ingest") or 0) == stats.last_ingest
    assert assistant.index_meta("no such key") is None


def test_drop_collection_empties_the_index(settings: Settings, minilm) -> None:
    from qa.service import build_assistant
    from tests.helpers import make_ingester

    (settings.sources_dir / "note.txt").write_text("The Aktau convention settled the status.\n")
    make_ingester(settings, minilm).run([settings.sources_dir])
    bot = build_assistant(settings, embeddings=minilm, warm=False)
    assert bot.stats().chunks == 1
    bot.drop_collection()
    assert bot.stats().chunks == 0
