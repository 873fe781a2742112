"""The lexical index: incremental updates equal a fresh build, on both engines.

Unit tests run the in-memory index against a from-scratch build after random
edits; integration tests ingest into a real Chroma store and check that an edit
reaches the lexical side without re-reading the corpus, and (slow) that the
PostgreSQL engine scores exactly like the embedded one.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from settings import ENV_VARIABLES, Settings
from tests.helpers import ARTICLE, HashEmbeddings, make_ingester, write_corpus
from vectorstore.lexical import LexicalIndex

WORDS = "iran war peace border trade pipeline grain tariff summit treaty sea oil".split()


def _doc(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))


@pytest.mark.parametrize("seed", range(5))
def test_edits_applied_one_by_one_score_like_a_fresh_build(seed: int) -> None:
    rng = random.Random(seed)
    docs = {f"d{i}": (_doc(rng), f"s{i % 3}") for i in range(60)}
    index = LexicalIndex.build([(i, t, s) for i, (t, s) in docs.items()])
    for step in range(20):
        gone = rng.sample(sorted(docs), rng.randint(0, 4))
        for doc_id in gone:
            del docs[doc_id]
        new = {f"n{step}-{j}": (_doc(rng), f"s{j % 3}") for j in range(rng.randint(0, 4))}
        docs.update(new)
        index = index.apply(gone, [(i, t, s) for i, (t, s) in new.items()])
    fresh = LexicalIndex.build([(i, t, s) for i, (t, s) in docs.items()])
    assert sorted(index.ids) == sorted(fresh.ids)
    for query in ["iran war", "grain pipeline oil", "treaty", "unknown words"]:
        got = dict(index.search(query, 100))
        want = dict(fresh.search(query, 100))
        assert got.keys() == want.keys()
        assert all(abs(got[i] - want[i]) < 1e-4 for i in want)
        assert index.coverage(query, "iran oil") == pytest.approx(fresh.coverage(query, "iran oil"))
        assert index.focus(query, 0.3) == fresh.focus(query, 0.3)


def test_saved_index_round_trips(tmp_path: Path) -> None:
    index = LexicalIndex.build([("a", "Iran feared war", "s"), ("b", "peace", "t")], 4)
    index = index.apply([], [], {"s": "h1"})
    index.save(tmp_path / "x.npz")
    assert LexicalIndex.load(tmp_path / "x.npz", 5) is None
    loaded = LexicalIndex.load(tmp_path / "x.npz", 4)
    assert loaded is not None
    assert loaded.search("war", 2) == index.search("war", 2)
    assert loaded.fingerprints == {"s": "h1"} and loaded.source_ids("t") == {"b"}


def test_the_environment_fixture_clears_every_variable_the_settings_read() -> None:
    read: set[str] = set()

    class Recording(dict):
        def get(self, key, default=None):  # type: ignore[no-untyped-def]
            read.add(key)
            return super().get(key, default)

        def __contains__(self, key: object) -> bool:
            read.add(str(key))
            return super().__contains__(key)

    Settings.from_env(Recording())
    assert read <= set(ENV_VARIABLES), read - set(ENV_VARIABLES)
    assert not [name for name in ENV_VARIABLES if name in os.environ]


def test_an_edit_updates_only_its_chunks_in_the_lexical_index(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(settings.sources_dir, files=3, paragraphs=10)
    embeddings = HashEmbeddings()
    make_ingester(settings, embeddings).run([settings.sources_dir])
    ingester = make_ingester(settings, embeddings)
    before = ingester.store.index.load_lexical(ingester.store.index.catalog.generation())
    assert before.size == 30 and before.search("zanzibar", 5) == []

    doc = settings.sources_dir / "report-001.txt"
    doc.write_text(doc.read_text().replace("note 4:", "note 4 about Zanzibar:", 1))
    reads: list[object] = []
    store = ingester.store.index.store
    monkeypatch.setattr(store, "iter_all", lambda *a, **k: reads.append(a) or iter(()))
    original_get = store.get

    def get(ids=None, where=None):  # type: ignore[no-untyped-def]
        reads.append(where)
        return original_get(ids=ids, where=where)

    monkeypatch.setattr(store, "get", get)
    report = ingester.run([settings.sources_dir])
    assert report.total("updated") == 1
    # Only the edited source was read back for the lexical side, never the whole store.
    assert {"source": "report-001.txt"} in reads and () not in reads
    assert {"source": "report-000.txt"} not in reads

    after = ingester.store.index.load_lexical(ingester.store.index.catalog.generation())
    assert after.size == 30
    (top, _), *_ = after.search("Zanzibar", 5)
    assert [h.text for h in original_get(ids=[top])] == [
        t for t in doc.read_text().split("\n\n") if "Zanzibar" in t
    ]
    assert len(set(before.ids) ^ set(after.ids)) == 2  # the old chunk out, the new one in

    doc.unlink()
    ingester.run([settings.sources_dir])
    gone = ingester.store.index.load_lexical(ingester.store.index.catalog.generation())
    assert gone.size == 20 and gone.search("Zanzibar", 5) == []


def test_a_missing_lexical_file_is_rebuilt_and_then_kept_incremental(settings: Settings) -> None:
    shutil.copy(ARTICLE, settings.sources_dir / ARTICLE.name)
    write_corpus(settings.sources_dir, files=1, paragraphs=5)
    embeddings = HashEmbeddings()
    ingester = make_ingester(settings, embeddings)
    ingester.run([settings.sources_dir])
    ingester.store.index.lexical_path.unlink()
    generation = ingester.store.index.catalog.generation()
    rebuilt = ingester.store.index.load_lexical(generation)
    fresh = LexicalIndex.build((h.id, h.text) for h in ingester.store.index.store.iter_all())
    assert sorted(rebuilt.ids) == sorted(fresh.ids)
    (settings.sources_dir / "report-000.txt").write_text("A new note on Zanzibar.\n")
    ingester.run([settings.sources_dir])
    after = ingester.store.index.load_lexical(ingester.store.index.catalog.generation())
    stored = {h.id for h in ingester.store.index.store.iter_all()}
    assert set(after.ids) == stored and after.search("Zanzibar", 1)
