"""The on-disk cache of sentence and word vectors: reused across processes, never in the way."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from settings import PROJECT_ROOT, Settings
from tests.helpers import HashEmbeddings
from vectorstore import vector_cache
from vectorstore.vector_cache import CachedEmbeddings, VectorCache, cached


class Counting(Embeddings):
    """Hash vectors, counting the texts the model is asked to embed."""

    def __init__(self) -> None:
        self.inner = HashEmbeddings()
        self.model_id = self.inner.model_id
        self.asked: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.asked += texts
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_a_second_process_reads_the_vectors_the_first_computed(tmp_path: Path) -> None:
    texts = ["Iran feared separatism.", "Baku won.", "Iran feared separatism."]
    first = Counting()
    embeddings = cached(first, tmp_path, writable=True)
    a = embeddings.embed_documents(texts)
    assert first.asked == ["Iran feared separatism.", "Baku won."]  # each text once
    embeddings.cache.flush()  # what the end of the process does (see the one-shot test)

    again = Counting()  # a new process: nothing in memory, the file is still there
    b = cached(again, tmp_path, writable=True).embed_documents([*texts, "new"])
    assert again.asked == ["new"]
    np.testing.assert_allclose(np.array(b[:3]), np.array(a), rtol=0, atol=1e-7)


def test_another_model_never_reads_these_vectors(tmp_path: Path) -> None:
    cached(Counting(), tmp_path, writable=True).embed_documents(["Baku won."])
    other = Counting()
    other.model_id = "another/model"
    cached(other, tmp_path, writable=True).embed_documents(["Baku won."])
    assert other.asked == ["Baku won."]


def test_a_damaged_or_unwritable_cache_only_costs_the_vectors(tmp_path: Path) -> None:
    (tmp_path / "vector-cache.sqlite").write_bytes(b"not a database at all" * 100)
    model = Counting()
    embeddings = cached(model, tmp_path, writable=True)
    out = embeddings.embed_documents(["Baku won.", "Iran lost."])
    assert model.asked == ["Baku won.", "Iran lost."] and len(out) == 2
    embeddings.embed_documents(["Baku won."])  # still answered, from the model
    assert model.asked[-1] == "Baku won."

    if os.geteuid() != 0:  # root writes anywhere: the mode is not a test there
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        model = Counting()
        assert len(cached(model, locked, writable=True).embed_documents(["x"])) == 1
    # A store opened read-only keeps no cache at all.
    plain = Counting()
    assert cached(plain, tmp_path / "ro", writable=False) is plain
    assert not (tmp_path / "ro").exists()


def test_the_cache_stays_bounded(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path / "v.sqlite", "m", max_rows=100)
    embeddings = CachedEmbeddings(Counting(), cache)
    for start in range(0, 1000, 50):
        embeddings.embed_documents([f"text {i}" for i in range(start, start + 50)])
        cache.flush()
    assert cache._connection() is not None
    (rows,) = cache._connection().execute("SELECT count(*) FROM vectors").fetchone()
    assert 0 < rows <= 150
    assert "text 999" in cache.get(["text 999", "text 0"])  # the newest stay


def test_new_vectors_are_served_at_once_and_written_behind(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path / "v.sqlite", "m")
    cache.put(["Baku won."], np.ones((1, 4), dtype=np.float32))
    assert list(cache.get(["Baku won."])) == ["Baku won."]  # from memory
    other = VectorCache(tmp_path / "v.sqlite", "m")  # another process reads the file
    deadline = time.monotonic() + 60  # a hang guard: the timer writes within a second
    while not other.get(["Baku won."]):
        assert time.monotonic() < deadline, "the waiting vectors were never written"
        time.sleep(0.05)
    np.testing.assert_array_equal(other.get(["Baku won."])["Baku won."], np.ones(4))


def test_many_waiting_vectors_are_written_without_waiting_for_the_timer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector_cache, "WRITE_AFTER_S", 3600.0)
    cache = VectorCache(tmp_path / "v.sqlite", "m")
    texts = [f"text {i}" for i in range(vector_cache.WRITE_AT_ROWS)]
    cache.put(texts, np.ones((len(texts), 4), dtype=np.float32))
    assert len(VectorCache(tmp_path / "v.sqlite", "m").get(texts)) == len(texts)


@pytest.mark.slow
def test_a_one_shot_question_leaves_its_vectors_for_the_next(
    article_store: Settings, tmp_path: Path
) -> None:
    """`python -m qa` twice on a real store: the first leaves its vectors, the second
    answers the same from them."""
    shutil.copytree(article_store.chroma_path, tmp_path / "chroma")
    store = Settings(
        sources_dir=article_store.sources_dir,
        chroma_path=tmp_path / "chroma",
        tiktoken_cache_dir=article_store.tiktoken_cache_dir,
    )
    env = {**os.environ, **store.to_env()}
    runs = []
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-m", "qa", "--json", "Why did Iran fear the result of the war?"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout))
    with sqlite3.connect(store.chroma_path / "vector-cache.sqlite") as db:
        (rows,) = db.execute("SELECT count(*) FROM vectors").fetchone()
    assert rows > 20  # the re-ranked passages' sentences and the aligned words
    assert runs[0]["answer"] == runs[1]["answer"]
    assert runs[0]["citations"] == runs[1]["citations"]
