"""The catalog: what was ingested, kept beside LangChain's record manager.

One SQL database (``RECORD_MANAGER_URL``; by default a SQLite file inside
``CHROMA_PATH``, so one folder holds one whole index) holds three things:

* LangChain's ``SQLRecordManager`` table: which chunk ids are in Chroma, per source;
* ``qa_sources``: per source, the file it came from, its hash, its title and its
  numbered paragraphs (the source viewer shows these, never the file system);
* ``qa_meta``: the embedding model the vectors were made with, and a
  generation counter that every ingest bumps, so readers in other processes
  know when to reopen the store.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    cast,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from errors import StoreError

_metadata = MetaData()
_sources = Table(
    "qa_sources",
    _metadata,
    Column("collection", String(255), primary_key=True),
    Column("source", String(1024), primary_key=True),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("paragraphs", Text, nullable=False),
    Column("chunks", Integer, nullable=False),
    Column("ingested_at", Float, nullable=False),
    Column("complete", Boolean, nullable=False),
)
_meta = Table(
    "qa_meta",
    _metadata,
    Column("collection", String(255), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
)


@dataclass(frozen=True)
class SourceRecord:
    source: str
    path: str
    sha256: str
    title: str
    paragraphs: list[dict[str, Any]] = field(default_factory=list)
    chunks: int = 0
    ingested_at: float = 0.0
    complete: bool = False


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, else None.

    >>> sqlite_path("sqlite:////srv/index/record_manager.sqlite")
    PosixPath('/srv/index/record_manager.sqlite')
    >>> sqlite_path("postgresql+psycopg://db/qa") is None
    True
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _read_only_url(path: Path, immutable: bool) -> str:
    """A URL that opens ``path`` for reading only; ``immutable`` also skips SQLite's
    locks and shared-memory file, which cannot be created on a read-only mount.

    >>> _read_only_url(Path("/srv/a b.sqlite"), immutable=True)
    'sqlite:///file:/srv/a%20b.sqlite?mode=ro&immutable=1&uri=true'
    """
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    return f"sqlite:///file:{quote(str(path))}?{flags}&uri=true"


def make_engine(url: str, read_only: bool = False) -> Engine:
    """An engine for ``url``; SQLite waits for a busy writer instead of failing.

    ``read_only`` opens a SQLite database so that nothing is written, not even its
    journal settings: a store on a read-only mount can still be read.
    """
    database = sqlite_path(url)
    if read_only and database is not None:
        if not database.is_file():
            raise StoreError(
                f"There is no record-manager database at {database}, and it cannot be "
                "created there (read-only). Point CHROMA_PATH at a writable folder and "
                "run `python -m ingest`."
            )
        mounted_read_only = bool(os.statvfs(database).f_flag & os.ST_RDONLY)
        engine = create_engine(_read_only_url(database, mounted_read_only))
        if not mounted_read_only and not _can_read(engine):
            # Another user's store whose lock files this process may not create:
            # read it as it is on disk.
            engine = create_engine(_read_only_url(database, immutable=True))
        return engine
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets the chat read while an ingest writes.
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

        return engine
    return create_engine(url, pool_pre_ping=True)


def _can_read(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(select(_meta.c.key).limit(1)).all()
    except SQLAlchemyError:
        return False
    return True


class Catalog:
    """Sources and store-wide facts for one collection."""

    def __init__(self, engine: Engine, collection: str, create: bool = True) -> None:
        self.engine = engine
        self.collection = collection
        if create:
            with self._errors("open"):
                create_tables(lambda: _metadata.create_all(engine))

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise StoreError(database_problem(exc, self.engine, doing)) from exc

    # -- sources ---------------------------------------------------------------
    def get(self, source: str) -> SourceRecord | None:
        with self._errors("read a source"), self.engine.connect() as conn:
            row = conn.execute(
                select(_sources).where(
                    _sources.c.collection == self.collection, _sources.c.source == source
                )
            ).first()
        return _record(row) if row else None

    def sources(self, with_paragraphs: bool = False) -> list[SourceRecord]:
        columns = [c for c in _sources.c if with_paragraphs or c.name != "paragraphs"]
        with self._errors("list sources"), self.engine.connect() as conn:
            rows = conn.execute(
                select(*columns)
                .where(_sources.c.collection == self.collection)
                .order_by(_sources.c.source)
            ).all()
        return [_record(r) for r in rows]

    def paragraph_counts(self) -> dict[str, int]:
        """How many paragraphs each source has, counted by the database (no paragraph
        text crosses into Python: an ingest of unchanged sources reports their counts
        without splitting their files again)."""
        paragraphs = _sources.c.paragraphs
        if self.engine.dialect.name == "postgresql":
            paragraphs = cast(paragraphs, JSON)  # type: ignore[assignment]
        with self._errors("count paragraphs"), self.engine.connect() as conn:
            rows = conn.execute(
                select(_sources.c.source, func.json_array_length(paragraphs)).where(
                    _sources.c.collection == self.collection
                )
            ).all()
        return {source: int(count or 0) for source, count in rows}

    def put(self, record: SourceRecord) -> None:
        values = {
            "collection": self.collection,
            "source": record.source,
            "path": record.path,
            "sha256": record.sha256,
            "title": record.title,
            "paragraphs": json.dumps(record.paragraphs, ensure_ascii=False),
            "chunks": record.chunks,
            "ingested_at": record.ingested_at or time.time(),
            "complete": record.complete,
        }
        with self._errors("record a source"), self.engine.begin() as conn:
            conn.execute(
                delete(_sources).where(
                    _sources.c.collection == self.collection,
                    _sources.c.source == record.source,
                )
            )
            conn.execute(_sources.insert().values(**values))

    def remove(self, source: str) -> None:
        with self._errors("remove a source"), self.engine.begin() as conn:
            conn.execute(
                delete(_sources).where(
                    _sources.c.collection == self.collection, _sources.c.source == source
                )
            )

    # -- store-wide facts ------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self._errors("read settings"), self.engine.connect() as conn:
            return conn.execute(
                select(_meta.c.value).where(
                    _meta.c.collection == self.collection, _meta.c.key == key
                )
            ).scalar()

    def set_meta(self, key: str, value: str) -> None:
        with self._errors("write settings"), self.engine.begin() as conn:
            conn.execute(
                delete(_meta).where(_meta.c.collection == self.collection, _meta.c.key == key)
            )
            conn.execute(_meta.insert().values(collection=self.collection, key=key, value=value))

    def change_token(self) -> tuple | None:
        """A cheap fingerprint of a SQLite database's files: the same token means nothing
        was written since. None where no such shortcut exists (a server database)."""
        database = database_file(self.engine)
        if database is None:
            return None
        token = []
        for suffix in ("", "-wal"):
            try:
                stat = os.stat(database + suffix)
                token.append((stat.st_mtime_ns, stat.st_size))
            except FileNotFoundError:
                token.append(None)
        return tuple(token)

    def generation(self) -> int:
        """A number that changes whenever an ingest changed the store."""
        return int(self.meta("generation") or 0)

    def bump_generation(self, value: int | None = None) -> int:
        value = self.generation() + 1 if value is None else value
        self.set_meta("generation", str(value))
        self.set_meta("last_ingest", str(time.time()))
        return value

    def clear(self) -> None:
        """Forget every source and fact of this collection (a rebuild)."""
        with self._errors("clear"), self.engine.begin() as conn:
            conn.execute(delete(_sources).where(_sources.c.collection == self.collection))
            conn.execute(
                delete(_meta).where(
                    _meta.c.collection == self.collection, _meta.c.key != "generation"
                )
            )


def create_tables(create: Any, attempts: int = 5) -> None:
    """Run ``create`` (CREATE TABLE IF NOT EXISTS...), tolerating a racing process.

    Two processes opening a new PostgreSQL database at once both see no table and
    both create it; the loser fails on a duplicate type. The table is there then:
    trying again finds it.
    """
    for attempt in range(attempts):
        try:
            create()
            return
        except SQLAlchemyError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def database_problem(exc: Exception, engine: Engine, doing: str) -> str:
    """A message a user can act on for a failing record-manager database."""
    from vectorstore.store import explain, storage_problem

    path = database_file(engine)
    database = str(path) if path else None
    if database and storage_problem(os.path.dirname(database) or "."):
        return explain(exc, os.path.dirname(database))
    return (
        f"The record-manager database ({engine.url.render_as_string()}) failed to {doing}: "
        f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}. If it is damaged, "
        "`python -m ingest --rebuild` recreates the index from your sources."
    )


def database_file(engine: Engine) -> str | None:
    """The file of a SQLite engine, also when it was opened by a ``file:`` URI."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return unquote(database.removeprefix("file:")) if database.startswith("file:") else database


def _record(row: Any) -> SourceRecord:
    data = row._mapping
    paragraphs = json.loads(data["paragraphs"]) if "paragraphs" in data else []
    return SourceRecord(
        source=data["source"],
        path=data["path"],
        sha256=data["sha256"],
        title=data["title"],
        paragraphs=paragraphs,
        chunks=data["chunks"],
        ingested_at=data["ingested_at"],
        complete=bool(data["complete"]),
    )
