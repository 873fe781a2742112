"""An index: the Chroma collection, the record manager and the catalog, opened together.

A store the user may only read (a shared index on a read-only mount, a folder
owned by someone else) is opened read-only: questions are answered from it, and
an ingest into it is refused up front with a message that says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from errors import StoreError
from settings import Settings
from vectorstore.catalog import Catalog, create_tables, database_problem, make_engine, sqlite_path
from vectorstore.chunk_rows import ChunkRows
from vectorstore.lexical import LexicalIndex, Scoring
from vectorstore.lock import WaitFn, advisory_lock, file_lock
from vectorstore.store import ChunkStore, ensure_folder, folder_read_only, open_store

if TYPE_CHECKING:
    from langchain_classic.indexes import SQLRecordManager

LOCK_TIMEOUT_S = 600.0
READ_AHEAD_CHUNKS = 20_000

__all__ = [
    "LOCK_TIMEOUT_S",
    "Index",
    "WaitFn",
    "open_index",
    "read_only_message",
    "read_only_reason",
]


@dataclass
class Index:
    settings: Settings
    store: ChunkStore
    catalog: Catalog
    engine: Engine
    read_only: bool = False
    vacuum_due: bool = False  # a large lexical write waits for the writer to let go

    def after_writing(self) -> None:
        """Maintenance that must wait until the ingest holds nothing open."""
        if self.vacuum_due and self.lexical_in_database:
            from vectorstore import lexical_pg

            lexical_pg.vacuum(self.engine)
        self.vacuum_due = False

    @cached_property
    def record_manager(self) -> SQLRecordManager:
        """LangChain's record manager, on the catalog's database (opened on first use:
        readers never need it, and importing it costs half a second)."""
        from langchain_classic.indexes import SQLRecordManager

        manager = SQLRecordManager(f"chroma/{self.settings.chroma_collection}", engine=self.engine)
        try:
            create_tables(manager.create_schema)
        except Exception as exc:
            raise StoreError(
                f"The record-manager database ({self.settings.record_manager_url}) cannot be "
                f"used: {exc}. `python -m ingest --rebuild` recreates the index from your sources."
            ) from exc
        return manager

    @cached_property
    def chunk_rows(self) -> ChunkRows:
        """Texts, metadata and vectors of the chunks, readable by id (``chunk_rows``)."""
        return ChunkRows(self.engine, self.settings.chroma_collection, create=not self.read_only)

    @property
    def lexical_path(self) -> Path:
        return self.settings.chroma_path / f"lexical-{self.settings.chroma_collection}.npz"

    @property
    def lexical_in_database(self) -> bool:
        """PostgreSQL holds the lexical index itself; elsewhere it is a local file."""
        return self.engine.dialect.name == "postgresql"

    def build_lexical(self, generation: int) -> LexicalIndex:
        """Build the BM25 index of every stored chunk and save it for ``generation``
        (kept in memory only when the store folder is read-only).

        The slow path, for a store whose index file is missing (nothing is known of
        its sources then, so the next ingest re-reads each source once).
        """
        lexical = LexicalIndex.build(
            ((h.id, h.text, str(h.metadata.get("source", ""))) for h in self.store.iter_all()),
            generation,
        )
        if not self.read_only:
            self.settings.chroma_path.mkdir(parents=True, exist_ok=True)
            lexical.save(self.lexical_path)
        return lexical

    def sync_lexical(self, generation: int, rebuild: bool = False) -> None:
        """Bring the lexical index and the chunk rows in line with the catalog before
        ``generation`` is announced.

        Only sources whose content hash changed since they were last read are read
        again (once, for both), and only their new or vanished chunks are written: an
        edit costs its own chunks, not the corpus.
        """
        wanted = self._wanted()
        # Texts read for the rows are handed to the lexical index, up to a bound (a
        # first ingest of a large corpus reads its texts twice rather than hold them).
        read: dict[str, list[tuple[str, str]]] = {}
        room = READ_AHEAD_CHUNKS

        def fetch_rows(source: str) -> list:  # type: ignore[type-arg]
            nonlocal room
            rows = self.store.rows(where={"source": source})
            if len(rows) <= room:
                read[source] = [(chunk_id, text) for chunk_id, text, _, _ in rows]
                room -= len(rows)
            return rows

        def fetch(source: str) -> list[tuple[str, str]]:
            if source in read:
                return read.pop(source)
            return [(h.id, h.text) for h in self.store.get(where={"source": source})]

        if rebuild:
            self.chunk_rows.clear()
        self.chunk_rows.sync(wanted, fetch_rows)
        if self.lexical_in_database:
            from vectorstore import lexical_pg

            changed = lexical_pg.sync(
                self.engine, self.settings.chroma_collection, wanted, fetch, rebuild
            )
            self.vacuum_due = self.vacuum_due or lexical_pg.needs_vacuum(changed)
            return
        current = None if rebuild else LexicalIndex.load(self.lexical_path)
        updated = (current or LexicalIndex.empty()).synced(wanted, fetch, generation)
        self.settings.chroma_path.mkdir(parents=True, exist_ok=True)
        updated.save(self.lexical_path)

    def needs_sync(self) -> bool:
        """Whether some source's chunk rows are missing or out of date (a store written
        before they existed): the next ingest writes them even when nothing changed."""
        return self.chunk_rows.stale(self._wanted())

    def _wanted(self) -> dict[str, str | None]:
        """Each catalogued source's content hash; None while its ingest is incomplete
        (what the lexical index and the chunk rows are brought in line with)."""
        return {r.source: (r.sha256 if r.complete else None) for r in self.catalog.sources()}

    def load_lexical(self, generation: int) -> Scoring:
        """The lexical index of ``generation``: PostgreSQL's tables, or the saved local
        file (built now if it is missing or older)."""
        if self.lexical_in_database:
            from vectorstore.lexical_pg import PostgresLexicalIndex

            return PostgresLexicalIndex(self.engine, self.settings.chroma_collection, generation)
        return LexicalIndex.load(self.lexical_path, generation) or self.build_lexical(generation)

    @property
    def where(self) -> str:
        return self.settings.chroma_url or str(self.settings.chroma_path)

    def require_writable(self) -> None:
        if self.read_only:
            raise StoreError(read_only_message(self.settings))

    @contextmanager
    def writer_lock(
        self, timeout_s: float = LOCK_TIMEOUT_S, on_wait: WaitFn | None = None
    ) -> Iterator[None]:
        if self.engine.dialect.name == "postgresql":
            name = f"ingest:{self.settings.chroma_collection}"
            with advisory_lock(self.engine, name, timeout_s, on_wait):
                yield
        else:
            with file_lock(self.settings.chroma_path / ".ingest.lock", timeout_s, on_wait):
                yield


def read_only_reason(settings: Settings) -> str | None:
    """Why this process may only read the store ``settings`` point at, or None.

    The embedded Chroma folder and a SQLite record manager are checked; a Chroma
    server and a PostgreSQL record manager say so themselves when a write fails.
    """
    folders = [] if settings.chroma_url else [settings.chroma_path]
    database = sqlite_path(settings.record_manager_url)
    if database is not None:
        folders.append(database.parent)
    for folder in folders:
        if reason := folder_read_only(folder):
            return f"{folder} {reason}"
    if database is not None and folder_read_only(database) is not None:
        return f"{database} is not writable"
    return None


def read_only_message(settings: Settings) -> str:
    reason = read_only_reason(settings) or f"{settings.chroma_path} is read-only"
    return (
        f"The index is read-only here ({reason}): an ingest needs to write to it. "
        "Questions are still answered from it. To ingest, make it writable, or point "
        "CHROMA_PATH at a writable folder (a copy of this one keeps what is indexed)."
    )


def open_engine(settings: Settings, read_only: bool = False) -> Engine:
    if not read_only and sqlite_path(settings.record_manager_url) is not None:
        ensure_folder(settings.chroma_path, "CHROMA_PATH")
    try:
        return make_engine(settings.record_manager_url, read_only=read_only)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(
            f"RECORD_MANAGER_URL={settings.record_manager_url!r} cannot be used: {exc}"
        ) from exc


def open_index(
    settings: Settings,
    embeddings: Embeddings,
    fresh: bool = False,
    read_only: bool | None = None,
) -> Index:
    """Open (creating if needed) the index that ``settings`` point at.

    ``read_only=None`` opens it read-only exactly when this process may not write it.
    """
    if read_only is None:
        read_only = read_only_reason(settings) is not None
    engine = open_engine(settings, read_only)
    catalog = Catalog(engine, settings.chroma_collection, create=not read_only)
    if engine.dialect.name == "postgresql" and not read_only:
        from vectorstore.lexical_pg import create_schema

        try:
            create_tables(lambda: create_schema(engine))
        except SQLAlchemyError as exc:
            raise StoreError(database_problem(exc, engine, "create the lexical index")) from exc
    store = open_store(settings, embeddings, fresh=fresh, read_only=read_only)
    return Index(settings, store, catalog, engine, read_only)
