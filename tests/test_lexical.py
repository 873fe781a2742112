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
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from settings import ENV_VARIABLES, Settings
from tests.helpers import ARTICLE, HashEmbeddings, make_ingester, write_corpus
from textkit.words import terms
from vectorstore.lexical import K1, B, LexicalIndex, bm25_idf, top_rows

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


@pytest.mark.parametrize("seed", range(4))
def test_search_returns_the_best_scores_by_the_bm25_formula(seed: int) -> None:
    """Against BM25 written out by its definition, over every chunk: the summing and
    the top-k shortcut (partitioning only what can be in the top) lose nothing."""
    rng = random.Random(seed)
    # Few words, so scores tie often; enough chunks that the shortcut's sample is used.
    docs = {f"d{i}": _doc(rng) for i in range(400)}
    index = LexicalIndex.build(docs.items())
    counted = {i: Counter(terms(t)) for i, t in docs.items()}
    average = sum(sum(c.values()) for c in counted.values()) / len(counted)
    for query in [
        "iran war",
        "grain pipeline oil sea",
        "treaty",
        "summit summit border",
        "nothing",
    ]:
        want = {}
        for doc_id, counts in counted.items():
            norm = K1 * (1 - B + B * sum(counts.values()) / average)
            score = sum(
                bm25_idf(len(docs), sum(1 for c in counted.values() if term in c))
                * counts[term] * (K1 + 1) / (counts[term] + norm)
                for term in set(terms(query)) if term in counts
            )  # fmt: skip
            if score > 0:
                want[doc_id] = score
        for k in (1, 7, 30, 1000):
            got = index.search(query, k)
            assert len(got) == min(k, len(want))
            scores = [s for _, s in got]
            assert scores == sorted(scores, reverse=True)
            for doc_id, score in got:
                assert score == pytest.approx(want[doc_id], rel=1e-5)
            # Nothing left out scores higher than the last one kept.
            kept = {i for i, _ in got}
            assert all(want[i] <= scores[-1] * (1 + 1e-5) for i in want.keys() - kept)


@pytest.mark.parametrize("seed", range(6))
def test_skipping_the_commonest_terms_finds_exactly_the_full_sum(seed: int, monkeypatch) -> None:
    """Terms most chunks use are summed only for the chunks that can still reach the top:
    the answer is the one of summing every posting, to the bit and in the same order."""
    rng = random.Random(seed)
    common = {"day": 0.97, "report": 0.6, "note": 0.3}
    rare = [f"w{i}" for i in range(200)]
    docs = []
    for i in range(1500):
        words = [w for w, share in common.items() if rng.random() < share]
        words += rng.choices(
            rare, weights=[1 / (r + 1) for r in range(len(rare))], k=rng.randint(1, 6)
        )
        docs.append((f"d{i}", " ".join(rng.sample(words, len(words)) * rng.randint(1, 2))))
    index = LexicalIndex.build(docs)
    queries = [
        " ".join(
            rng.sample(sorted(common), rng.randint(1, 3)) + rng.sample(rare, rng.randint(1, 3))
        )
        for _ in range(40)
    ]
    import vectorstore.lexical as lexical

    shortcut = []  # the candidates' scores are ranked, not every chunk's
    original = lexical.top_rows

    def spy(scores, k):  # type: ignore[no-untyped-def]
        shortcut.append(len(scores) < index.size)
        return original(scores, k)

    monkeypatch.setattr(lexical, "top_rows", spy)
    got = {(q, k): index.search(q, k) for q in queries for k in (1, 5, 30)}
    searches = sum(shortcut)
    monkeypatch.setattr(lexical, "COMMON_SHARE", 1.0)  # nothing is common: every posting summed
    full = LexicalIndex.build(docs)
    for (q, k), hits in got.items():
        assert hits == full.search(q, k), (q, k)
    # The shortcut was taken for most searches, so the comparison tested it.
    assert searches > len(got) / 2


def testtop_rows_shortcut_equals_a_full_sort() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(1, 3000))
        scores = np.round(rng.random(n) * rng.integers(1, 6), 1) * (rng.random(n) < 0.6)
        positive = int(np.count_nonzero(scores))
        if not positive:
            continue
        k = int(rng.integers(1, positive + 1))
        got = top_rows(scores, k, stride=int(rng.integers(1, 20)))
        assert len(set(got.tolist())) == k and (scores[got] > 0).all()
        assert sorted(scores[got]) == sorted(np.sort(scores[scores > 0])[-k:])


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
    original_get, original_rows = store.get, store.rows

    def get(ids=None, where=None):  # type: ignore[no-untyped-def]
        reads.append(where)
        return original_get(ids=ids, where=where)

    def rows(where):  # type: ignore[no-untyped-def]
        reads.append(("rows", where))
        return original_rows(where=where)

    monkeypatch.setattr(store, "get", get)
    monkeypatch.setattr(store, "rows", rows)
    report = ingester.run([settings.sources_dir])
    assert report.total("updated") == 1
    # Only the edited source was read back, never the whole store: once to renumber
    # its chunks, once for the chunk rows and the lexical index together.
    edited = {"source": "report-001.txt"}
    assert reads == [edited, ("rows", edited)]
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
