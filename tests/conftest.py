"""Shared fixtures: an isolated environment, real and fake embeddings, temp stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from settings import ENV_VARIABLES, PROJECT_ROOT, Settings
from tests.helpers import ARTICLE, make_ingester

_ENV_PREFIXES = (
    "CHROMA_",
    "RECORD_MANAGER",
    "QA_",
    "CHUNK_",
    "EMBED_",
    "EVALS_",
    "INGEST_",
    "CHATS_",
    "UPLOAD_",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--llm-server",
        action="store_true",
        help="run the tests that need llama.cpp's server (scripts/setup --llm installs it)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--llm-server"):
        return  # opted in: a missing llama.cpp then fails these tests, loudly
    skip = pytest.mark.skip(reason="opt-in: TEST_LLM_SERVER=1 scripts/test (builds llama.cpp)")
    for item in items:
        if "llm_server" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's settings: every variable the project reads is cleared
    (and anything under its prefixes, for variables added later)."""
    import os

    for name in list(os.environ):
        if name in ENV_VARIABLES or name.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def minilm():
    from vectorstore.embeddings import MiniLMEmbeddings

    return MiniLMEmbeddings()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    sources = tmp_path / "sources"
    sources.mkdir()
    return Settings(
        sources_dir=sources,
        chroma_path=tmp_path / "chroma",
        tiktoken_cache_dir=PROJECT_ROOT / ".cache" / "tiktoken",
    )


@pytest.fixture
def article_settings(settings: Settings) -> Settings:
    shutil.copy(ARTICLE, settings.sources_dir / ARTICLE.name)
    return settings


@pytest.fixture(scope="session")
def article_store(tmp_path_factory: pytest.TempPathFactory, minilm) -> Settings:
    """A real store of the article, built once per test session (do not write to it)."""
    root = tmp_path_factory.mktemp("article-store")
    (root / "sources").mkdir()
    shutil.copy(ARTICLE, root / "sources" / ARTICLE.name)
    settings = Settings(
        sources_dir=root / "sources",
        chroma_path=root / "chroma",
        tiktoken_cache_dir=PROJECT_ROOT / ".cache" / "tiktoken",
    )
    report = make_ingester(settings, minilm).run([settings.sources_dir])
    assert report.errors == []
    return settings


@pytest.fixture(scope="session")
def assistant(article_store: Settings, minilm):
    from qa.service import build_assistant

    return build_assistant(article_store, embeddings=minilm)
