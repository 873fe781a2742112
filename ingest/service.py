"""Wiring for ingest: the real parts, built from settings."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.embeddings import Embeddings

from ingest.sync import Ingester, ProgressFn
from settings import Settings
from textkit.tokens import TokenCounter, get_encoding
from vectorstore.embeddings import default_embeddings
from vectorstore.sources import open_source_store, set_aside_damaged


def token_counter(settings: Settings) -> TokenCounter:
    return TokenCounter(get_encoding(settings.token_encoding, settings.tiktoken_cache_dir))


def open_ingester(
    settings: Settings,
    embeddings: Embeddings | None = None,
    progress: ProgressFn | None = None,
    stored: Callable[[str], None] | None = None,
) -> Ingester:
    """An ingester on the store ``settings`` point at; a ``StoreError`` now, before any
    work, if that store cannot be written."""
    embeddings = embeddings or default_embeddings(settings.embed_batch_size)
    store = open_source_store(settings, embeddings)
    return Ingester(store, token_counter(settings), settings, progress, stored)


def rebuild_damaged(settings: Settings) -> None:
    """Before a rebuild: set aside a record-manager database that cannot be opened."""
    set_aside_damaged(settings)
