"""Chroma, embedded or server, behind LangChain's ``VectorStore`` interface.

We always hand Chroma our own vectors (Chroma's default embedding function
would try to download a model) and keep its telemetry off. A chunk's vector
mixes the vector of its text with that of its context line (document title
and section), so headings help retrieval without being stored or cited.
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.client import SharedSystemClient
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from errors import ConfigError, StoreError
from settings import Settings

# Chroma caps how many records one call may carry; stay well under it.
WRITE_BATCH = 1000
_open_lock = threading.Lock()
# Metadata added to a chunk as it is written, computed from the metadata it came with.
Placement = Callable[[dict[str, Any]], dict[str, Any]]


# How much a chunk's context (title, section) weighs in its vector. Prefixing the
# context to the text let it dominate short chunks: a one-line copyright notice
# under "Iran's Karabakh plans backfired" matched every question about Karabakh.
# Mixing the two vectors keeps headings helpful without letting them win alone.
CONTEXT_WEIGHT = 0.3


def context_line(title: str | None, section: str | None) -> str:
    """The context a chunk is embedded with: its document title and section.

    >>> context_line("Iran after karabakh", "Iran’s process management")
    'Iran after karabakh — Iran’s process management'
    >>> context_line(None, None)
    ''
    """
    return " — ".join(part for part in (title, section) if part)


def mix_context(text_vectors: np.ndarray, context_vectors: np.ndarray) -> np.ndarray:
    """Unit vectors of ``text + CONTEXT_WEIGHT * context`` (rows with no context stay as they are).

    >>> mix_context(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])).round(3).tolist()
    [[0.958, 0.287]]
    """
    mixed = text_vectors + CONTEXT_WEIGHT * context_vectors
    return mixed / np.clip(np.linalg.norm(mixed, axis=1, keepdims=True), 1e-12, None)


def open_client(settings: Settings, fresh: bool = False, path: Path | None = None) -> ClientAPI:
    """A Chroma client: the server at ``CHROMA_URL``, else the folder ``path``
    (default ``CHROMA_PATH``).

    ``fresh`` drops Chroma's per-process system for that folder first. The embedded
    client keeps its vector index in memory and does not see what another process
    wrote since; reopening is how a reader catches up after an ingest. A reader
    always opens fresh: the system an ingest in the same process wrote through
    sometimes answers queries without a chunk it holds (9 of 110 fresh eval stores
    built under load; a fresh system read from the folder has it).
    """
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    path = path or settings.chroma_path
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ConfigError(
                    f"CHROMA_URL={settings.chroma_url!r} is not an http(s) URL "
                    "such as http://127.0.0.1:8000"
                )
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        ensure_folder(path, "CHROMA_PATH")
        with _open_lock:
            if fresh:
                # Only this folder's system: clients of other folders keep theirs.
                SharedSystemClient._identifier_to_system.pop(str(path), None)
                SharedSystemClient._identifier_to_refcount.pop(str(path), None)
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except (ConfigError, StoreError):
        raise
    except Exception as exc:  # chromadb raises many types; the user needs one message
        where = settings.chroma_url or str(settings.chroma_path)
        raise StoreError(f"Cannot open the Chroma store at {where}: {exc}") from exc


def ensure_folder(path: Path, variable: str) -> None:
    """Create the store folder ``path`` if needed; a one-line ``StoreError`` if it cannot be."""
    if path.exists() and not path.is_dir():
        raise StoreError(
            f"{variable}={path} is a file, not a folder. Point {variable} at a folder "
            "(it is created if missing)."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = folder_read_only(path) or (exc.strerror or str(exc)).lower()
        parent = _existing(path)
        raise StoreError(
            f"{variable}={path} cannot be created: {parent} {reason}. "
            f"Point {variable} at a folder you can write to."
        ) from None


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def folder_read_only(path: Path) -> str | None:
    """Why this process cannot write at ``path`` (or where it would be created), or None.

    >>> folder_read_only(Path(tempfile.gettempdir()) / "not" / "yet" / "made") is None
    True
    """
    existing = _existing(path)
    try:
        if os.statvfs(existing).f_flag & os.ST_RDONLY:
            return "is on a read-only file system"
    except OSError:
        return None
    if not os.access(existing, os.W_OK):
        return "is not writable by this user"
    return None


def read_only_snapshot(folder: Path) -> Path:
    """A private copy of the Chroma files of a store folder this process may only read.

    Chroma's embedded client writes to its database as it opens it, even to read,
    and has no read-only mode. Copying its files (its database and vector segments,
    not the record manager) to a temporary folder lets a read-only store be
    queried; the copy is removed when the process ends or the store is reopened.
    """
    database = folder / "chroma.sqlite3"
    if not database.is_file():
        raise StoreError(
            f"There is no index at {folder}, and it cannot be created there "
            f"({folder_read_only(folder) or 'read-only'}). Point CHROMA_PATH at a "
            "writable folder and run `python -m ingest`."
        )
    target = Path(tempfile.mkdtemp(prefix="qa-read-only-store-"))
    try:
        # Contents only, not permission bits: the copy must be writable.
        shutil.copyfile(database, target / database.name)
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.is_symlink() and _is_segment(entry.name):
                (target / entry.name).mkdir()
                for file in entry.iterdir():
                    shutil.copyfile(file, target / entry.name / file.name)
    except OSError as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise StoreError(
            f"The read-only store at {folder} could not be copied to {target.parent} "
            f"to be read ({exc.strerror or exc}). Free some space there (TMPDIR)."
        ) from None
    return target


def _is_segment(name: str) -> bool:
    """Chroma keeps each vector segment in a folder named by its UUID.

    >>> _is_segment("8b9196e9-6b7e-463a-896b-1fa629410e1b"), _is_segment("cache")
    (True, False)
    """
    try:
        uuid.UUID(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Hit:
    """One stored chunk returned by a query."""

    id: str
    text: str
    metadata: dict[str, Any]
    distance: float


class ChunkStore(VectorStore):
    """A Chroma collection of chunks with our own embeddings."""

    def __init__(
        self, client: ClientAPI, name: str, embeddings: Embeddings, where: str = ""
    ) -> None:
        self.client = client
        self.name = name
        self.where = where
        self._embeddings = embeddings
        self._collection: Collection | None = None
        self._context_cache: dict[str, list[float]] = {}
        self._placement: Placement | None = None

    def placing(self, placement: Placement) -> ChunkStore:
        """This store, writing every chunk with ``placement(metadata)`` added to its metadata.

        LangChain's ``index()`` hashes the metadata it is given; positions (paragraph
        number, span) must not be hashed, or inserting a paragraph would re-embed every
        chunk after it. So ``index()`` gets the hashed part and this view adds the rest
        as it writes. The view shares the client and collection of this store.
        """
        view = copy.copy(self)
        view._placement = placement
        return view

    @property
    def embeddings(self) -> Embeddings:
        return self._embeddings

    @property
    def model_id(self) -> str:
        return str(getattr(self._embeddings, "model_id", type(self._embeddings).__name__))

    @property
    def collection(self) -> Collection:
        if self._collection is None:
            self._collection = self._call(
                self.client.get_or_create_collection,
                self.name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )
        return self._collection

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise StoreError(explain(exc, self.where)) from exc

    # -- writing ---------------------------------------------------------------
    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        ids = kwargs.get("ids") or [d.id for d in documents]
        if any(i is None for i in ids):
            raise ValueError("every chunk needs an id")
        if self._placement is not None:
            documents = [
                Document(
                    id=d.id,
                    page_content=d.page_content,
                    metadata={**d.metadata, **self._placement(d.metadata)},
                )
                for d in documents
            ]
        vectors = self.embed_chunks(documents)
        for start in range(0, len(documents), WRITE_BATCH):
            end = start + WRITE_BATCH
            # upsert, not add: a run killed after writing Chroma but before the
            # record manager re-sends the same ids, which must not duplicate.
            self._call(
                self.collection.upsert,
                ids=list(ids[start:end]),
                embeddings=vectors[start:end],
                documents=[d.page_content for d in documents[start:end]],
                metadatas=[_clean(d.metadata) for d in documents[start:end]],
            )
        return list(ids)

    def embed_chunks(self, documents: Sequence[Document]) -> list[list[float]]:
        """Vectors for chunks: the text's, nudged toward its context's."""
        texts = self._embeddings.embed_documents([d.page_content for d in documents])
        contexts = [
            context_line(d.metadata.get("title"), d.metadata.get("section")) for d in documents
        ]
        missing = sorted({c for c in contexts if c and c not in self._context_cache})
        if missing:
            self._context_cache.update(zip(missing, self._embeddings.embed_documents(missing)))
        zero = [0.0] * len(texts[0]) if texts else []
        context_vectors = np.array([self._context_cache[c] if c else zero for c in contexts])
        return mix_context(np.array(texts), context_vectors).tolist()

    def add_texts(
        self, texts: Iterable[str], metadatas: list[dict] | None = None, **kwargs: Any
    ) -> list[str]:
        texts = list(texts)
        metadatas = metadatas or [{} for _ in texts]
        docs = [Document(page_content=t, metadata=m) for t, m in zip(texts, metadatas)]
        return self.add_documents(docs, **kwargs)

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool:
        for start in range(0, len(ids or []), WRITE_BATCH):
            self._call(self.collection.delete, ids=list(ids[start : start + WRITE_BATCH]))
        return True

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        """Change metadata in place (no re-embedding)."""
        for start in range(0, len(ids), WRITE_BATCH):
            end = start + WRITE_BATCH
            self._call(
                self.collection.update,
                ids=list(ids[start:end]),
                metadatas=[_clean(m) for m in metadatas[start:end]],
            )

    def drop(self) -> None:
        """Delete the whole collection (used by a rebuild and a model change)."""
        with contextlib.suppress(Exception):  # absent already: nothing to drop
            self.client.delete_collection(self.name)
        self._collection = None

    # -- reading ---------------------------------------------------------------
    def count(self) -> int:
        return int(self._call(self.collection.count))

    def get(self, ids: Sequence[str] | None = None, where: dict | None = None) -> list[Hit]:
        result = self._call(
            self.collection.get,
            ids=list(ids) if ids is not None else None,
            where=where,
            include=["documents", "metadatas"],
        )
        return [
            Hit(i, doc or "", dict(meta or {}), 0.0)
            for i, doc, meta in zip(result["ids"], result["documents"], result["metadatas"])
        ]

    def rows(self, where: dict) -> list[tuple[str, str, dict, np.ndarray]]:
        """(id, text, metadata, vector) of every chunk that ``where`` selects."""
        result = self._call(
            self.collection.get, where=where, include=["documents", "metadatas", "embeddings"]
        )
        return [
            (i, doc or "", dict(meta or {}), np.asarray(v, dtype=np.float32))
            for i, doc, meta, v in zip(
                result["ids"], result["documents"], result["metadatas"], result["embeddings"]
            )
        ]

    def iter_all(self, batch: int = 5000) -> Iterator[Hit]:
        """Every stored chunk, a page at a time (bounded memory)."""
        offset = 0
        while True:
            result = self._call(
                self.collection.get,
                limit=batch,
                offset=offset,
                include=["documents", "metadatas"],
            )
            if not result["ids"]:
                return
            for i, doc, meta in zip(result["ids"], result["documents"], result["metadatas"]):
                yield Hit(i, doc or "", dict(meta or {}), 0.0)
            offset += len(result["ids"])

    def query_vector(
        self, vector: Sequence[float], k: int, where: dict | None = None, total: int | None = None
    ) -> list[Hit]:
        """The ``k`` nearest chunks to ``vector`` (cosine distance, smaller is closer).

        ``total``, the number of stored chunks when the caller knows it, saves a count.
        """
        result = self._query(vector, k, total, ["documents", "metadatas", "distances"], where)
        if result is None:
            return []
        return [
            Hit(i, doc or "", dict(meta or {}), float(dist))
            for i, doc, meta, dist in zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
            )
        ]

    def query_ids(
        self, vector: Sequence[float], k: int, total: int | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest chunk ids with their cosine distances, nothing else read."""
        result = self._query(vector, k, total, ["distances"])
        if result is None:
            return []
        return [(i, float(d)) for i, d in zip(result["ids"][0], result["distances"][0])]

    def _query(
        self,
        vector: Sequence[float],
        k: int,
        total: int | None,
        include: list[str],
        where: dict | None = None,
    ) -> Any:
        """Chroma's answer for the ``k`` nearest chunks, or None when the store is empty."""
        n = min(k, self.count() if total is None else total)
        if n == 0:
            return None
        return self._call(
            self.collection.query,
            query_embeddings=[list(vector)],
            n_results=n,
            where=where,
            include=include,
        )

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of ``ids`` (those that exist), nothing else read."""
        if not ids:
            return {}
        result = self._call(self.collection.get, ids=list(ids), include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32) for i, v in zip(result["ids"], result["embeddings"])
        }

    def similarity_search_with_score(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        vector = self._embeddings.embed_query(query)
        return [
            (Document(id=h.id, page_content=h.text, metadata=h.metadata), h.distance)
            for h in self.query_vector(vector, k, kwargs.get("filter"))
        ]

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k, **kwargs)]

    @classmethod
    def from_texts(cls, *args: Any, **kwargs: Any) -> ChunkStore:
        raise NotImplementedError("build a ChunkStore with open_store()")


def _clean(metadata: dict[str, Any]) -> dict[str, Any]:
    """Chroma accepts only str/int/float/bool values and rejects None."""
    return {k: v for k, v in metadata.items() if isinstance(v, (str, int, float, bool))}


def open_store(
    settings: Settings, embeddings: Embeddings, fresh: bool = False, read_only: bool = False
) -> ChunkStore:
    where = settings.chroma_url or str(settings.chroma_path)
    if read_only and not settings.chroma_url:
        copy = read_only_snapshot(settings.chroma_path)
        client = open_client(settings, fresh=fresh, path=copy)
        store = ChunkStore(client, settings.chroma_collection, embeddings, where)
        weakref.finalize(store, shutil.rmtree, copy, True)
        return store
    client = open_client(settings, fresh=fresh)
    return ChunkStore(client, settings.chroma_collection, embeddings, where)


def storage_problem(folder: str) -> str | None:
    """``"read-only"`` or ``"full"`` when the file system holding ``folder`` is."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        stats = os.statvfs(path)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY:
        return "read-only"
    if stats.f_bavail * stats.f_frsize < 1_000_000:
        return "full"
    return None


def explain(exc: Exception, where: str) -> str:
    """A message a user can act on for a failure inside Chroma or its SQLite files."""
    text = f"{type(exc).__name__}: {exc}".lower()
    if not where.startswith("http"):
        problem = storage_problem(where)
        if problem == "read-only":
            text += " read-only"
        elif problem == "full":
            text += " no space"
    if where.startswith("http") and any(
        s in text for s in ("connect", "refused", "timed out", "timeout", "unreachable")
    ):
        return (
            f"The Chroma server at {where} cannot be reached ({type(exc).__name__}). "
            "Start it (`chroma run --path DIR --port PORT`) or fix CHROMA_URL; "
            "nothing was changed."
        )
    if "readonly" in text or "read-only" in text or "read only" in text:
        return (
            f"The store folder {where} is read-only: an ingest needs to write there. "
            "Questions are still answered from it. To ingest, make it writable, or copy "
            "the folder somewhere writable and point CHROMA_PATH at it."
        )
    if "full" in text or "no space" in text:
        return (
            f"The disk holding {where} is full. Free some space (or point CHROMA_PATH "
            "elsewhere), then run the ingest again: it picks up where it stopped."
        )
    return f"Chroma failed at {where} ({type(exc).__name__}): {exc}"
