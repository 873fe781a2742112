"""Wiring for ingest: the real parts, built from settings."""

from __future__ import annotations

import time
from pathlib import Path

from langchain_core.embeddings import Embeddings

from errors import StoreError
from ingest.sync import Ingester, ProgressFn
from settings import Settings
from textkit.tokens import TokenCounter, get_encoding
from vectorstore.embeddings import default_embeddings
from vectorstore.index import open_index


def token_counter(settings: Settings) -> TokenCounter:
    return TokenCounter(get_encoding(settings.token_encoding, settings.tiktoken_cache_dir))


def open_ingester(
    settings: Settings,
    embeddings: Embeddings | None = None,
    progress: ProgressFn | None = None,
) -> Ingester:
    embeddings = embeddings or default_embeddings(settings.embed_batch_size)
    index = open_index(settings, embeddings)
    index.record_manager  # noqa: B018 - fail now, before any work, if it is unusable
    return Ingester(index, token_counter(settings), progress)


def rebuild_damaged(settings: Settings) -> None:
    """Before a rebuild: set aside a record-manager SQLite file that cannot be opened.

    The file is renamed, not deleted, so nothing is lost if it still matters.
    """
    url = settings.record_manager_url
    if not url.startswith("sqlite:///"):
        return
    path = Path(url.removeprefix("sqlite:///"))
    if not path.exists():
        return
    import sqlite3

    try:
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
            if conn.execute("PRAGMA quick_check").fetchone()[0] == "ok":
                return
    except sqlite3.DatabaseError:
        pass
    aside = path.with_name(f"{path.name}.damaged-{int(time.time())}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not aside.exists():
        raise StoreError(f"Could not move the damaged {path} aside")
