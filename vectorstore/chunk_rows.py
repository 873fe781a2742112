"""What a question needs of each candidate chunk, readable by id in one indexed read.

Retrieval asks Chroma for the nearest ids only; the candidates' texts, metadata
and (for the ones BM25 found and Chroma did not) vectors come from here: one
primary-key read in the catalog's database instead of two Chroma calls, each of
which costs about as much as the nearest-neighbour query itself.

The rows are a copy, written when the lexical index is (``Index.sync_lexical``,
just before a new generation is announced): per source, when its content hash
differs from the one the rows were last written for, all its rows are read again
from Chroma and replaced. So they hold what the lexical index holds, and a reader
sees the same snapshot through both. A chunk missing here (a store older than
this table, a source still being written) is read from Chroma as before: the
rows only ever save time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from sqlalchemy import (
    Column,
    Engine,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from vectorstore.catalog import create_tables
from vectorstore.lexical import stale_sources

_metadata = MetaData()
_rows = Table(
    "qa_chunk_rows",
    _metadata,
    Column("collection", String(255), primary_key=True),
    Column("id", String(255), primary_key=True),
    Column("source", String(1024), nullable=False),
    Column("text", Text, nullable=False),
    Column("metadata", Text, nullable=False),
    Column("vector", LargeBinary, nullable=False),  # float32, little-endian
    Index("qa_chunk_rows_source", "collection", "source"),
)
_held = Table(
    "qa_chunk_row_sources",
    _metadata,
    Column("collection", String(255), primary_key=True),
    Column("source", String(1024), primary_key=True),
    Column("sha256", String(64), nullable=False),  # "" while the source was incomplete
)
READ_BATCH = 500  # ids per IN (...): well under every database's parameter limit


@dataclass(frozen=True)
class ChunkRow:
    """One chunk as stored; metadata and vector are decoded when first asked for
    (a search reads every candidate but needs few of them decoded)."""

    id: str
    text: str
    metadata_json: str
    vector_bytes: bytes

    @cached_property
    def metadata(self) -> dict:
        return json.loads(self.metadata_json)

    @cached_property
    def vector(self) -> np.ndarray:
        return np.frombuffer(self.vector_bytes, dtype="<f4")


# (id, text, metadata, vector) of every chunk of one source, as Chroma holds them now.
FetchRows = Callable[[str], list[tuple[str, str, dict, np.ndarray]]]


def _record(chunk_id: str, text: str, meta: Mapping, vector: np.ndarray, collection: str) -> dict:
    return {
        "collection": collection,
        "id": chunk_id,
        "source": str(meta.get("source", "")),
        "text": text,
        "metadata": json.dumps(dict(meta), separators=(",", ":")),
        "vector": np.asarray(vector, dtype="<f4").tobytes(),
    }


class ChunkRows:
    """The rows of one collection, in the catalog's database."""

    def __init__(self, engine: Engine, collection: str, create: bool = True) -> None:
        self.engine = engine
        self.collection = collection
        if create:
            create_tables(lambda: _metadata.create_all(engine))

    # -- reading -----------------------------------------------------------------
    def get(
        self, ids: Iterable[str], text: bool = True, vector: bool = True
    ) -> dict[str, ChunkRow]:
        """The rows of ``ids`` that are here, with their text and metadata, their vector,
        or both (what is not asked for is left empty); any database failure returns none
        (the caller reads Chroma instead)."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, ChunkRow] = {}
        if not wanted:
            return out
        # Plain SQL on the driver: building and compiling the statement through the
        # ORM layer cost four times the read itself.
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        columns = ", ".join(
            [*(("text", "metadata") if text else ("''", "'{}'")), "vector" if vector else "''"]
        )
        try:
            with self.engine.connect() as conn:
                for start in range(0, len(wanted), READ_BATCH):
                    part = wanted[start : start + READ_BATCH]
                    rows = conn.exec_driver_sql(
                        f"SELECT id, {columns} FROM {_rows.name} "
                        f"WHERE collection = {mark} AND id IN ({', '.join([mark] * len(part))})",
                        (self.collection, *part),
                    ).fetchall()
                    for chunk_id, body, meta, blob in rows:
                        out[chunk_id] = ChunkRow(chunk_id, body, meta, blob)
        except SQLAlchemyError:
            return {}
        return out

    def held(self) -> dict[str, str]:
        """Per source, the content hash its rows were written for."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_held.c.source, _held.c.sha256).where(_held.c.collection == self.collection)
            )
            return {source: sha for source, sha in rows}

    # -- writing (under the writer lock) ---------------------------------------------
    def stale(self, wanted: Mapping[str, str | None]) -> bool:
        resync, drop = stale_sources(wanted, self.held())
        return bool(resync or drop)

    def sync(self, wanted: Mapping[str, str | None], fetch: FetchRows) -> int:
        """Rewrite the rows of every source whose hash changed, drop those of sources
        gone; ``wanted`` maps each catalogued source to its hash (None: incomplete).
        Returns the number of sources rewritten or dropped."""
        resync, drop = stale_sources(wanted, self.held())
        for source in drop:
            with self.engine.begin() as conn:
                self._delete_source(conn, source)
        for source in resync:
            self.put(source, wanted[source], fetch(source))
        return len(resync) + len(drop)

    def put(
        self, source: str, sha256: str | None, rows: Iterable[tuple[str, str, dict, np.ndarray]]
    ) -> None:
        """Replace one source's rows, in one transaction."""
        records = [_record(*row, self.collection) for row in rows]
        with self.engine.begin() as conn:
            self._delete_source(conn, source)
            if records:
                conn.execute(insert(_rows), records)
            conn.execute(
                insert(_held),
                [{"collection": self.collection, "source": source, "sha256": sha256 or ""}],
            )

    def clear(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(_rows).where(_rows.c.collection == self.collection))
            conn.execute(delete(_held).where(_held.c.collection == self.collection))

    def _delete_source(self, conn, source: str) -> None:  # type: ignore[no-untyped-def]
        for table in (_rows, _held):
            conn.execute(
                delete(table).where(table.c.collection == self.collection, table.c.source == source)
            )
