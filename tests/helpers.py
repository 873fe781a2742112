"""Helpers shared by the tests: fakes, corpora, and what a store should hold.

Test modules import from here (and from ``tests.servers``), never from each other.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from ingest.loader import discover, read_source
from ingest.paragraphs import split_paragraphs
from ingest.service import token_counter
from ingest.sync import Ingester, build_chunks
from settings import PROJECT_ROOT, Settings
from tests.servers import free_port, wait_http

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

    from qa.retrieve import Retriever
from vectorstore.index import open_index
from vectorstore.sources import SourceStore

ARTICLE = PROJECT_ROOT / "sources" / "iran-after-karabakh.txt"


class HashEmbeddings(Embeddings):
    """Deterministic bag-of-words vectors: similar words, similar vectors. Fast."""

    def __init__(self, model_id: str = "test/hash-64", dim: int = 64) -> None:
        self.model_id = model_id
        self.dim = dim
        self.embedded: list[str] = []

    def _vector(self, text: str) -> list[float]:
        v = np.zeros(self.dim)
        for word in text.lower().split():
            h = int(hashlib.md5(word.strip(".,;:!?\"'()").encode()).hexdigest(), 16)
            v[h % self.dim] += 1.0
        norm = np.linalg.norm(v) or 1.0
        return (v / norm).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def chunks_embedded(self, titles: tuple[str, ...] = ("Iran after karabakh",)) -> list[str]:
        """Texts embedded, less the context lines (title — section) shared by many chunks."""
        return [t for t in self.embedded if " — " not in t and t not in titles]


def make_ingester(settings: Settings, embeddings: Embeddings) -> Ingester:
    return Ingester(
        SourceStore(open_index(settings, embeddings)), token_counter(settings), settings
    )


def write_corpus(folder: Path, files: int, paragraphs: int, tag: str = "") -> None:
    for f in range(files):
        body = "\n\n".join(
            f"Report {f} note {p}{tag}: the delegation from city {p % 7} discussed "
            f"border crossings, trade routes and energy prices on day {p}."
            for p in range(paragraphs)
        )
        (folder / f"report-{f:03d}.txt").write_text(body + "\n")


def expected_state(settings: Settings) -> set[tuple[str, int, str]]:
    """What the store must hold: (source, paragraph, text) of every chunk of the sources."""
    found = discover([settings.sources_dir], settings.sources_dir)
    counter = token_counter(settings)
    state = set()
    for file in found.files:
        loaded = read_source(file, 10**8)
        paragraphs = split_paragraphs(loaded.text, markdown=file.markdown)
        for chunk in build_chunks(file.source, "", paragraphs, counter, settings.chunk_tokens):
            state.add((file.source, chunk.position["paragraph"], chunk.text))
    return state


def actual_state(settings: Settings, embeddings) -> tuple[set, list, set]:
    index = open_index(settings, embeddings)
    hits = list(index.store.iter_all())
    state = [(h.metadata["source"], h.metadata["paragraph"], h.text) for h in hits]
    return set(state), state, set(index.record_manager.list_keys()) ^ {h.id for h in hits}


def rows_match_chroma(settings: Settings, embeddings: HashEmbeddings) -> int:
    """Assert that the rows hold exactly Chroma's chunks; return how many."""
    index = open_index(settings, embeddings)
    chroma = {
        chunk_id: (text, meta, vector)
        for record in index.catalog.sources()
        for chunk_id, text, meta, vector in index.store.rows(where={"source": record.source})
    }
    rows = index.chunk_rows.get(chroma)
    assert rows.keys() == chroma.keys()
    for chunk_id, (text, meta, vector) in chroma.items():
        assert (rows[chunk_id].text, rows[chunk_id].metadata) == (text, meta)
        np.testing.assert_array_equal(rows[chunk_id].vector, vector)
    # Nothing else is held: no row of a chunk or source Chroma no longer has.
    held = index.chunk_rows.held()
    assert held == {r.source: r.sha256 for r in index.catalog.sources()}
    return len(chroma)


def same_through_rows_and_chroma(
    retriever: Retriever, questions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Assert that retrieval reads candidates from the chunk rows alone (Chroma is asked
    for nearest ids only) and finds exactly what it finds through Chroma without them."""
    modes = ("hybrid", "fused", "dense", "lexical")
    through_rows = {(q, m): retriever.search(q, 5, mode=m) for q in questions for m in modes}
    assert all(through_rows[(q, "hybrid")] for q in questions)
    with monkeypatch.context() as patch:
        for name in ("get", "vectors", "rows"):
            patch.setattr(retriever.index.store, name, lambda *a, **k: pytest.fail("read Chroma"))
        assert {(q, m): retriever.search(q, 5, mode=m) for q, m in through_rows} == through_rows
    with monkeypatch.context() as patch:
        # A store written before the rows existed: Chroma answers, the same.
        patch.setattr(retriever.index.chunk_rows, "get", lambda ids, **_: {})
        assert {(q, m): retriever.search(q, 5, mode=m) for q, m in through_rows} == through_rows


def env_for(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "CHROMA_PATH": str(settings.chroma_path),
        "SOURCES_DIR": str(settings.sources_dir),
        "RECORD_MANAGER_URL": settings.record_manager_url,
        **({"CHROMA_URL": settings.chroma_url} if settings.chroma_url else {}),
    }


def kill_ingest_at_checkpoint(env: dict[str, str], stored: int, hang_guard_s: float = 600) -> list:
    """Run ``python -m ingest`` and SIGKILL it once ``stored`` sources are completely written.

    The ingest announces each stored source on its progress stream; the kill follows
    that event, however slow the machine. Returns the sources it announced. The
    timeout is only a hang guard: hitting it fails the test.
    """
    import json
    import queue
    import signal
    import subprocess
    import sys
    import threading

    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "--progress-jsonl"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    announced: list[str] = []
    try:
        while len(announced) < stored:
            try:
                line = lines.get(timeout=hang_guard_s)
            except queue.Empty:
                raise AssertionError(
                    f"no checkpoint in {hang_guard_s}s: the ingest hangs"
                ) from None
            if line is None:
                raise AssertionError(f"the ingest ended before {stored} checkpoints: {announced}")
            event = json.loads(line)
            if event.get("stored"):
                announced.append(event["source"])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    return announced


# The real page in a real browser: Debian's Chromium, the app on 127.0.0.1.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def start_app(settings: Settings, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, **settings.to_env()}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/_stcore/health")
    return proc, url


# A child run as root without the capabilities that let root read what it may not.
NO_BYPASS = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


# The real page through Streamlit's AppTest.
APP = str(PROJECT_ROOT / "app.py")


def use(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    from streamlit.testing.v1 import AppTest

    for name, value in settings.to_env().items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(APP, default_timeout=120)
    return at.run()


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)
