"""An index: the Chroma collection, the record manager and the catalog, opened together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings
from sqlalchemy import Engine

from errors import StoreError
from settings import Settings
from vectorstore.catalog import Catalog, create_tables, make_engine
from vectorstore.lexical import LexicalIndex
from vectorstore.lock import advisory_lock, file_lock
from vectorstore.store import ChunkStore, open_store

if TYPE_CHECKING:
    from langchain_classic.indexes import SQLRecordManager

LOCK_TIMEOUT_S = 600.0


@dataclass
class Index:
    settings: Settings
    store: ChunkStore
    catalog: Catalog
    engine: Engine

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

    @property
    def lexical_path(self) -> Path:
        return self.settings.chroma_path / f"lexical-{self.settings.chroma_collection}.npz"

    def build_lexical(self, generation: int) -> LexicalIndex:
        """Build the BM25 index of every stored chunk and save it for ``generation``."""
        lexical = LexicalIndex.build(((h.id, h.text) for h in self.store.iter_all()), generation)
        self.settings.chroma_path.mkdir(parents=True, exist_ok=True)
        lexical.save(self.lexical_path)
        return lexical

    def load_lexical(self, generation: int) -> LexicalIndex:
        """The saved BM25 index of ``generation``, built now if it is missing or older."""
        return LexicalIndex.load(self.lexical_path, generation) or self.build_lexical(generation)

    @property
    def where(self) -> str:
        return self.settings.chroma_url or str(self.settings.chroma_path)

    @contextmanager
    def writer_lock(self, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
        if self.engine.dialect.name == "postgresql":
            with advisory_lock(self.engine, f"ingest:{self.settings.chroma_collection}", timeout_s):
                yield
        else:
            with file_lock(self.settings.chroma_path / ".ingest.lock", timeout_s):
                yield


def open_engine(settings: Settings) -> Engine:
    if settings.record_manager_url.startswith("sqlite:///"):
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
    try:
        return make_engine(settings.record_manager_url)
    except Exception as exc:
        raise StoreError(
            f"RECORD_MANAGER_URL={settings.record_manager_url!r} cannot be used: {exc}"
        ) from exc


def open_index(settings: Settings, embeddings: Embeddings, fresh: bool = False) -> Index:
    """Open (creating if needed) the index that ``settings`` point at."""
    engine = open_engine(settings)
    catalog = Catalog(engine, settings.chroma_collection)
    store = open_store(settings, embeddings, fresh=fresh)
    return Index(settings, store, catalog, engine)
