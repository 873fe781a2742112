"""Everything against a real ``chroma run`` on 127.0.0.1: ingest, qa, evals, the chat,
and what happens when the server dies and comes back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from errors import StoreError
from qa.service import build_assistant
from settings import PROJECT_ROOT, Settings
from tests.helpers import ARTICLE
from tests.servers import ChromaServer

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path):
    server = ChromaServer(tmp_path / "server-data", tmp_path / "chroma.log")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def remote(server: ChromaServer, tmp_path: Path) -> Settings:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    return Settings(sources_dir=sources, chroma_path=tmp_path / "local", chroma_url=server.url)


def run(module: list[str], settings: Settings, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *module],
        cwd=PROJECT_ROOT, env={**os.environ, **settings.to_env()},
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def test_ingest_qa_evals_and_chat_all_use_the_server(remote: Settings, server, monkeypatch) -> None:
    ingest = run(["ingest", "--json"], remote)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["added"] == 20
    assert (server.path / "chroma.sqlite3").exists()
    assert not (remote.chroma_path / "chroma.sqlite3").exists()  # no embedded store was made

    answer = run(["qa", "--json", "Who translated the article?"], remote)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["citations"][0]["paragraph"] == 17

    evals = run(
        ["evals", "run", "evals/sets/article.yaml", "--out", str(remote.chroma_path / "ev"),
         "--quality-only"],
        remote,
    )  # fmt: skip
    assert evals.returncode == 0, evals.stderr
    # The set's temporary collection was dropped from the server afterwards.
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=server.port)
    assert [c.name for c in client.list_collections()] == ["documents"]

    for name, value in remote.to_env().items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120).run()
    at.chat_input[0].set_value("Who translated the article?").run()
    records = [m["record"] for m in at.session_state["messages"] if "record" in m]
    assert records[0]["citations"][0]["paragraph"] == 17


def test_the_chat_survives_a_server_restart(remote: Settings, server, monkeypatch, minilm) -> None:
    assert run(["ingest"], remote).returncode == 0
    bot = build_assistant(remote, embeddings=minilm)
    assert bot.ask("Who translated the article?").citations[0].paragraph == 17
    for name, value in remote.to_env().items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120).run()

    server.kill()
    with pytest.raises(StoreError, match=r"Chroma server at .* cannot be reached"):
        bot.ask("Who holds the copyright?")
    at.chat_input[0].set_value("Who holds the copyright?").run()
    assert not at.exception
    assert "cannot be reached" in at.error[0].value

    server.start()  # same port, same data
    assert bot.ask("Who holds the copyright?").citations[0].paragraph == 19
    at.chat_input[0].set_value("Who holds the copyright?").run()
    records = [m["record"] for m in at.session_state["messages"] if "record" in m]
    assert records[-1]["citations"][0]["paragraph"] == 19


def test_an_ingest_killed_against_the_server_converges(remote: Settings, minilm) -> None:
    from tests.helpers import (
        actual_state,
        expected_state,
        kill_ingest_at_checkpoint,
        write_corpus,
    )

    write_corpus(remote.sources_dir, files=20, paragraphs=30)
    kill_ingest_at_checkpoint({**os.environ, **remote.to_env()}, stored=3)
    partial, _, _ = actual_state(remote, minilm)
    assert 0 < len(partial) < len(expected_state(remote))
    assert run(["ingest"], remote).returncode == 0
    state, rows, keys = actual_state(remote, minilm)
    assert state == expected_state(remote) and len(rows) == len(state) and keys == set()
