"""The storage verbs ingest uses: replace a source's chunks, delete a source, reset, publish.

``ingest/`` decides *what* to store (which sources, which chunks, where each sits);
this module decides *how*: LangChain's ``index()`` with the ``SQLRecordManager``
(incremental, ``scoped_full`` cleanup per source), positions written beside the
hashed metadata and updated in place, the catalog, the writer lock. Every database
failure leaves here as a ``StoreError`` with a message a user can act on.

A source is written in three steps, so that a run killed at any point leaves a
usable store and the next run converges exactly:

1. its catalog record is written marked *incomplete* (the next run redoes it);
2. ``index()`` embeds what is new and deletes what the source no longer has;
3. stored chunks are renumbered in place, chunks without a record-manager entry
   (written just before a kill) are removed, and the record is marked complete.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from sqlalchemy.exc import SQLAlchemyError

from errors import StoreError
from settings import Settings
from vectorstore.catalog import SourceRecord, database_problem, sqlite_path
from vectorstore.index import (
    LOCK_TIMEOUT_S,
    Index,
    WaitFn,
    open_index,
    read_only_message,
    read_only_reason,
)
from vectorstore.store import explain

INDEX_BATCH = 256
# Metadata that places a chunk in its source: written with it, never hashed.
POSITION_KEYS = ("paragraph", "part", "parts", "start", "end", "tokens", "page")

__all__ = [
    "INDEX_BATCH",
    "POSITION_KEYS",
    "Chunk",
    "Replaced",
    "SourceRecord",
    "SourceStore",
    "open_source_store",
    "set_aside_damaged",
]


@dataclass(frozen=True)
class Chunk:
    """A chunk to store: what identifies it (hashed) and where it sits (not hashed).

    ``identity`` holds ``source``, ``chunk_hash`` and ``occurrence`` at least;
    ``position`` holds the ``POSITION_KEYS``.
    """

    text: str
    identity: dict[str, Any]
    position: dict[str, Any]

    @property
    def key(self) -> tuple[str, int]:
        return self.identity["chunk_hash"], self.identity["occurrence"]


@dataclass(frozen=True)
class Replaced:
    """What replacing one source's chunks did."""

    added: int
    skipped: int
    deleted: int


class SourceStore:
    """One index (vectors, record manager, catalog) seen as a set of sources."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._reset_done = False  # the lexical index then starts empty too

    @contextmanager
    def _errors(self, doing: str, files: bool = True) -> Iterator[None]:
        """Database failures (and with ``files``, failures of the store's own files),
        as ``StoreError``s that say what to do. Chroma's own failures already are."""
        try:
            yield
        except (SQLAlchemyError, sqlite3.Error) as exc:
            # LangChain's record manager lets sqlite3's errors through unwrapped at times.
            raise StoreError(database_problem(exc, self.index.engine, doing)) from exc
        except OSError as exc:
            if not files:
                raise
            raise StoreError(explain(exc, self.index.where)) from exc

    # -- the writer ------------------------------------------------------------
    @contextmanager
    def writing(
        self, timeout_s: float = LOCK_TIMEOUT_S, on_wait: WaitFn | None = None
    ) -> Iterator[None]:
        """Hold the one-writer lock (waiting up to ``timeout_s``) for a whole ingest.

        A store that may only be read is refused here, before anything is done.
        """
        self.index.require_writable()
        with (
            self._errors("run the ingest", files=False),
            self.index.writer_lock(timeout_s, on_wait),
        ):
            yield
        self.index.after_writing()

    @property
    def model_id(self) -> str:
        """The embedding model new vectors are made with."""
        return self.index.store.model_id

    def recorded_model(self) -> str | None:
        """The embedding model the stored vectors were made with (None: nothing stored)."""
        with self._errors("read settings"):
            return self.index.catalog.meta("embedding_model")

    def record_model(self) -> None:
        with self._errors("write settings"):
            self.index.catalog.set_meta("embedding_model", self.model_id)

    def meta(self, key: str) -> str | None:
        """A fact kept with the index by the ingest (a web page's validators, say)."""
        with self._errors("read settings"):
            return self.index.catalog.meta(key)

    def set_meta(self, key: str, value: str) -> None:
        with self._errors("write settings"):
            self.index.catalog.set_meta(key, value)

    def sources(self) -> dict[str, SourceRecord]:
        """Every ingested source, by name (without paragraphs)."""
        with self._errors("list sources"):
            return {r.source: r for r in self.index.catalog.sources()}

    def paragraph_counts(self) -> dict[str, int]:
        """Each ingested source's paragraph count."""
        with self._errors("list sources"):
            return self.index.catalog.paragraph_counts()

    def reset(self) -> None:
        """Empty the index completely: vectors, record manager, catalog."""
        with self._errors("reset the index"):
            self.index.store.drop()
            manager = self.index.record_manager
            while keys := manager.list_keys(limit=5000):
                manager.delete_keys(keys)
            self.index.catalog.clear()
            self._reset_done = True

    def replace(
        self,
        record: SourceRecord,
        chunks: list[Chunk],
        progress: Callable[[int], None] | None = None,
    ) -> Replaced:
        """Make ``chunks`` the stored chunks of ``record.source``; embed only what is new.

        ``progress(i)`` is called as the ``i``-th chunk is about to be indexed.
        """
        from langchain_core.indexing import index as langchain_index

        source = record.source
        with self._errors("record a source"):
            self.index.catalog.put(dataclasses.replace(record, complete=False))
        positions = {c.key: c.position for c in chunks}

        def documents() -> Iterator[Document]:
            for i, chunk in enumerate(chunks):
                if progress and i % INDEX_BATCH == 0:
                    progress(i)
                yield Document(page_content=chunk.text, metadata=chunk.identity)

        def placement(metadata: dict[str, Any]) -> dict[str, Any]:
            return positions[(metadata["chunk_hash"], metadata["occurrence"])]

        with self._errors("index a source"):
            result = langchain_index(
                documents(),
                self.index.record_manager,
                self.index.store.placing(placement),
                cleanup="scoped_full",
                source_id_key="source",
                key_encoder="sha256",
                batch_size=INDEX_BATCH,
            )
            orphans = self._place(source, positions)
            self.index.catalog.put(dataclasses.replace(record, complete=True))
        return Replaced(
            added=result["num_added"],
            skipped=result["num_skipped"],
            deleted=result["num_deleted"] + orphans,
        )

    def _place(self, source: str, positions: dict[tuple[str, int], dict[str, Any]]) -> int:
        """Renumber stored chunks in place and drop any Chroma has that the source lacks.

        Chunks without a record-manager entry can exist after a run was killed
        between writing Chroma and the record manager; deleting them here makes
        the next run converge to exactly the chunks of the sources.
        """
        store = self.index.store
        moved_ids, moved_meta, orphans = [], [], []
        for hit in store.get(where={"source": source}):
            key = (hit.metadata.get("chunk_hash"), hit.metadata.get("occurrence"))
            position = positions.get(key)  # type: ignore[arg-type]
            if position is None:
                orphans.append(hit.id)
            elif any(hit.metadata.get(k) != position.get(k) for k in POSITION_KEYS):
                moved_ids.append(hit.id)
                moved_meta.append({**hit.metadata, **position})
        if moved_ids:
            store.update_metadata(moved_ids, moved_meta)
        if orphans:
            store.delete(orphans)
            self.index.record_manager.delete_keys(orphans)
        return len(orphans)

    def delete(self, source: str) -> int:
        """Remove every chunk of ``source`` and its catalog record; the chunks removed."""
        with self._errors("delete a source"):
            manager = self.index.record_manager
            keys = manager.list_keys(group_ids=[source])
            stored = [h.id for h in self.index.store.get(where={"source": source})]
            ids = sorted(set(keys) | set(stored))
            self.index.store.delete(ids)
            manager.delete_keys(keys)
            self.index.catalog.remove(source)
        return len(ids)

    def needs_publish(self) -> bool:
        """Whether readers lack something even when no source changed (chunk rows of a
        store written before they existed)."""
        with self._errors("check the index"):
            return self.index.needs_sync()

    def publish(self) -> int:
        """Announce a new generation to readers; the lexical index is brought up to
        date first (the sources that changed, only), so no question waits for it.
        Returns the new generation."""
        with self._errors("publish the new index"):
            generation = self.index.catalog.generation() + 1
            self.index.sync_lexical(generation, rebuild=self._reset_done)
            self.index.catalog.bump_generation(generation)
        return generation


def open_source_store(settings: Settings, embeddings: Embeddings) -> SourceStore:
    """The index ``settings`` point at, opened for writing.

    A store this process may only read is refused here, before anything is opened.
    """
    if read_only_reason(settings) is not None:
        raise StoreError(read_only_message(settings))
    store = SourceStore(open_index(settings, embeddings, read_only=False))
    with store._errors("open the record manager"):
        store.index.record_manager  # noqa: B018 - fail now, before any work, if unusable
    return store


def set_aside_damaged(settings: Settings) -> Path | None:
    """Before a rebuild: move a record-manager SQLite file that cannot be opened aside.

    The file is renamed, not deleted, so nothing is lost if it still matters.
    Returns where it went, or None when it was sound (or there is none).
    """
    if read_only_reason(settings) is not None:
        raise StoreError(read_only_message(settings))  # a rebuild writes everything anew
    path = sqlite_path(settings.record_manager_url)
    if path is None or not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
            if conn.execute("PRAGMA quick_check").fetchone()[0] == "ok":
                return None
    except sqlite3.DatabaseError:
        pass
    aside = path.with_name(f"{path.name}.damaged-{int(time.time())}")
    try:
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Could not move the damaged {path} aside: {exc.strerror or exc}"
        ) from None
    return aside
