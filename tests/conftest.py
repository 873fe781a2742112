"""Shared fixtures: an isolated environment, real and fake embeddings, temp stores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import ENV_VARIABLES, PROJECT_ROOT, Settings
from tests.helpers import ARTICLE, CHROMIUM, CHROMIUM_ARGS, make_ingester

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
    return _session_store(
        tmp_path_factory, minilm, "article-store", lambda d: shutil.copy(ARTICLE, d / ARTICLE.name)
    )


def _session_store(tmp_path_factory, minilm, name: str, fill) -> Settings:  # type: ignore[no-untyped-def]
    """Sources written by ``fill`` into a fresh folder, ingested into a real store."""
    root = tmp_path_factory.mktemp(name)
    (root / "sources").mkdir()
    fill(root / "sources")
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


HERON = "The blue heron nests in the reed beds of Lake Tana."
SHIPMENT = "The shipment code reads \u202eTXT.EXE\u202c at the customs office of Varna."


def write_page_corpus(folder: Path) -> None:
    """Sources that are hard on the page: a 200 KB paragraph, bidi controls, over a
    thousand paragraphs, and a Markdown handbook whose H1 repeats its title."""
    filler = " ".join(f"survey{i} counted wading birds along transect{i % 97}" for i in range(45))
    sentences = [f"Observers logged {filler} in season {n}." for n in range(95)]
    sentences.insert(47, HERON)
    (folder / "heron-survey.txt").write_text(
        "Heron survey\n\n" + " ".join(sentences) + "\n", encoding="utf-8"
    )
    (folder / "customs-log.txt").write_text(
        f"Customs log\n\n{SHIPMENT} The clerk stamped it twice.\n", encoding="utf-8"
    )
    (folder / "inventory.txt").write_text(
        "\n\n".join(f"Shelf {n} holds jar {n * 7} of pickled plums." for n in range(1, 1101))
        + "\n",
        encoding="utf-8",
    )
    (folder / "gardening.md").write_text(
        "# Gardening Handbook\n\n## Soil\n\nLoam holds water and air in balance.\n\n"
        "## Watering\n\nWater tomatoes at the root in the early morning.\n\n"
        "## Introduction\n\nThis handbook is for allotment holders.\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="session")
def page_store(tmp_path_factory: pytest.TempPathFactory, minilm) -> Settings:
    """A real store of ``write_page_corpus`` (built once per session; do not write to it)."""
    return _session_store(tmp_path_factory, minilm, "page-store", write_page_corpus)


@pytest.fixture
def browser() -> Iterator:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run scripts/install-browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
