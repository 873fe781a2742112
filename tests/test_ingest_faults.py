"""An ingest killed or failing half-way, and the same re-ingest on a Chroma server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from settings import PROJECT_ROOT, Settings
from tests.helpers import (
    ARTICLE,
    HashEmbeddings,
    actual_state,
    env_for,
    expected_state,
    kill_ingest_at_checkpoint,
    make_ingester,
    write_corpus,
)
from tests.servers import chroma_server
from vectorstore.index import open_index

pytestmark = pytest.mark.slow


def test_killed_ingest_leaves_a_usable_store_and_the_next_run_converges(
    article_settings: Settings, minilm
) -> None:
    settings = article_settings
    first = subprocess.run(
        [sys.executable, "-m", "ingest", "--json"],
        cwd=PROJECT_ROOT, env=env_for(settings), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    write_corpus(settings.sources_dir, files=30, paragraphs=30)
    (settings.sources_dir / ARTICLE.name).write_text(
        ARTICLE.read_text(encoding="utf-8").replace("trump card", "bargaining chip")
    )
    # Killed right after its third source is stored: 28 of 31 files are still to do.
    stored = kill_ingest_at_checkpoint(env_for(settings), stored=3)
    partial, _, _ = actual_state(settings, minilm)
    total = len(expected_state(settings))
    assert 20 < len(partial) < total, "the kill must land half-way"
    for source in stored:  # what was announced as stored is there, whole
        expected = {row for row in expected_state(settings) if row[0] == source}
        assert expected <= partial, source

    # Still usable: a fresh reader can query it.
    reader = open_index(settings, minilm).store
    hits = reader.similarity_search("Why did Iran fear the result of the war?", k=3)
    assert hits and all(h.metadata["source"] for h in hits)

    rerun = subprocess.run(
        [sys.executable, "-m", "ingest", "--json"],
        cwd=PROJECT_ROOT, env=env_for(settings), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    state, rows, mismatched_keys = actual_state(settings, minilm)
    assert state == expected_state(settings)
    assert len(rows) == len(state)  # no duplicates
    assert mismatched_keys == set()  # record manager and Chroma agree id for id


class FlakyEmbeddings(HashEmbeddings):
    """Fails once ``fail_after`` texts have been embedded."""

    def __init__(self, fail_after: int) -> None:
        super().__init__()
        self.fail_after = fail_after

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if len(self.embedded) + len(texts) > self.fail_after:
            raise RuntimeError("embedding backend crashed")
        return super().embed_documents(texts)


def test_failure_in_the_middle_keeps_old_content_and_converges(settings: Settings) -> None:
    write_corpus(settings.sources_dir, files=3, paragraphs=40)
    make_ingester(settings, HashEmbeddings()).run([settings.sources_dir])
    before, _, _ = actual_state(settings, HashEmbeddings())
    write_corpus(settings.sources_dir, files=3, paragraphs=40, tag=" (revised)")
    with pytest.raises(RuntimeError, match="crashed"):
        make_ingester(settings, FlakyEmbeddings(fail_after=70)).run([settings.sources_dir])
    middle, _, _ = actual_state(settings, HashEmbeddings())
    assert middle and middle != before  # partly updated, still readable
    make_ingester(settings, HashEmbeddings()).run([settings.sources_dir])
    after, rows, keys = actual_state(settings, HashEmbeddings())
    assert after == expected_state(settings) and len(rows) == len(after) and keys == set()


def test_reingest_against_a_real_chroma_server(settings: Settings, tmp_path: Path) -> None:
    with chroma_server(tmp_path / "server-data", tmp_path / "chroma.log") as server:
        remote = settings.with_(chroma_url=server.url)
        embeddings = HashEmbeddings()
        src = settings.sources_dir
        write_corpus(src, files=2, paragraphs=5)
        report = make_ingester(remote, embeddings).run([src])
        assert report.total("added") == 10
        assert make_ingester(remote, embeddings).run([src]).total("skipped") == 10
        (src / "report-000.txt").write_text(
            (src / "report-000.txt").read_text().replace("note 3:", "note three:")
        )
        report = make_ingester(remote, embeddings).run([src])
        assert (report.total("updated"), report.total("added"), report.total("deleted")) == (
            1, 0, 0,
        )  # fmt: skip
        (src / "report-001.txt").unlink()
        report = make_ingester(remote, embeddings).run([src])
        assert report.total("deleted") == 5
        state, rows, keys = actual_state(remote, embeddings)
        assert state == expected_state(remote) and len(rows) == 5 and keys == set()
        # Nothing was written to the embedded store folder's Chroma files.
        assert not (settings.chroma_path / "chroma.sqlite3").exists()
