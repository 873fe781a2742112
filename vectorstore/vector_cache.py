"""Vectors a reader computed, kept on disk for the next process.

Answering embeds more than the question: every sentence of the passages it
re-ranks, and single words to recognise paraphrases. A long-lived process keeps
those in memory; a one-shot command (``python -m qa "..."``) would compute them
all again on every start, which costs more than everything else it does. This
cache keeps them in a SQLite file beside the index, keyed by a hash of the model
and the text, so the text itself is never stored twice and a changed model never
reads another model's vectors.

It is a cache, never a source of truth: anything that goes wrong with it (a
read-only folder, a busy or damaged file) leaves the caller to compute the
vectors as if it were empty. Its size is bounded; the oldest rows go first.

New vectors are written behind the answer: kept in memory (and served from
there) and written by a background timer a moment later, or when many are
waiting, or when the process exits, so no question waits on a disk write.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import sqlite3
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

MAX_ROWS = 200_000  # about 300 MB of 384-d float32 vectors
_BATCH = 500  # keys per SELECT (SQLite's variable limit is far above)
WRITE_AFTER_S = 1.0  # new vectors wait this long in memory before they are written
WRITE_AT_ROWS = 2000  # ... or until this many are waiting

_open_caches: weakref.WeakSet[VectorCache] = weakref.WeakSet()


@atexit.register
def _write_all() -> None:
    """What is still waiting in memory is written as the process ends."""
    for cache in list(_open_caches):
        cache.flush()


def _key(model_id: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model_id}\0{text}".encode(), digest_size=16).digest()


class VectorCache:
    """A bounded on-disk map from (model, text) to a float32 vector."""

    def __init__(self, path: Path, model_id: str, max_rows: int = MAX_ROWS) -> None:
        self.path = path
        self.model_id = model_id
        self.max_rows = max_rows
        self._lock = threading.Lock()  # the maps below and the reading connection
        self._write_lock = threading.Lock()  # the writing connection
        self._conn: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._broken = False
        # key -> vector: waiting to be written, and being written (both still served).
        self._waiting: dict[bytes, bytes] = {}
        self._writing: dict[bytes, bytes] = {}
        self._timer: threading.Timer | None = None
        _open_caches.add(self)

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=0.2, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")  # a write never blocks the reader
        conn.execute("PRAGMA synchronous=OFF")  # a lost row is only recomputed
        conn.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB)")
        return conn

    def _connection(self) -> sqlite3.Connection | None:
        """The reading connection (used under ``_lock``)."""
        if self._conn is None and not self._broken:
            try:
                self._conn = self._open()
            except (sqlite3.Error, OSError) as exc:
                self._give_up(exc)
        return None if self._broken else self._conn

    def _give_up(self, exc: Exception) -> None:
        log.info("vector cache at %s not used: %s", self.path, exc)
        self._broken = True
        self._conn = self._writer = None
        self._waiting, self._writing = {}, {}

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors of those ``texts`` that have one."""
        keys = {_key(self.model_id, t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for pending in (self._waiting, self._writing):
                for key in [k for k in keys if k in pending]:
                    found[keys.pop(key)] = np.frombuffer(pending[key], dtype=np.float32)
            conn = self._connection() if keys else None
            if conn is None:
                return found
            wanted = list(keys)
            try:
                for start in range(0, len(wanted), _BATCH):
                    batch = wanted[start : start + _BATCH]
                    marks = ",".join("?" * len(batch))
                    rows = conn.execute(
                        f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch
                    ).fetchall()
                    for key, blob in rows:
                        found[keys[key]] = np.frombuffer(blob, dtype=np.float32)
            except sqlite3.Error as exc:
                self._give_up(exc)
        return found

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Keep ``vectors`` (one row per text): in memory now, on disk shortly."""
        with self._lock:
            if self._broken:
                return
            for t, v in zip(texts, vectors):
                key = _key(self.model_id, t)
                self._waiting[key] = np.ascontiguousarray(v, dtype=np.float32).tobytes()
            many = len(self._waiting) >= WRITE_AT_ROWS
            if not many and self._waiting and self._timer is None:
                self._timer = threading.Timer(WRITE_AFTER_S, self.flush)
                self._timer.daemon = True  # the exit hook writes what it leaves
                self._timer.start()
        if many:
            self.flush()

    def flush(self) -> None:
        """Write what waits in memory now (a busy or unwritable file is skipped). Readers
        go on meanwhile: the rows being written are served from memory until they are."""
        with self._write_lock:
            with self._lock:
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
                rows = list(self._waiting.items())
                self._writing.update(self._waiting)
                self._waiting = {}
            if not rows:
                return
            try:
                self._write(rows)
            finally:
                with self._lock:
                    for key, _ in rows:
                        self._writing.pop(key, None)

    def _write(self, rows: list[tuple[bytes, bytes]]) -> None:
        """Under ``_write_lock``, with its own connection."""
        try:
            if self._broken:
                return
            if self._writer is None:
                self._writer = self._open()
            conn = self._writer
            with conn:
                conn.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", rows)
                span = "SELECT max(rowid) - min(rowid) FROM vectors"
                (count,) = conn.execute(span).fetchone()
                if count is not None and count >= self.max_rows:
                    conn.execute(
                        "DELETE FROM vectors WHERE rowid < (SELECT max(rowid) FROM vectors) - ?",
                        (self.max_rows // 2,),
                    )
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return  # another process is writing: these are computed again next time
            with self._lock:
                self._give_up(exc)
        except (sqlite3.Error, OSError) as exc:
            with self._lock:
                self._give_up(exc)


class CachedEmbeddings(Embeddings):
    """``embeddings`` whose document vectors are looked up in a ``VectorCache`` first.

    Only ``embed_documents`` is cached (sentences and words, asked for again and
    again); questions go straight to the model.
    """

    def __init__(self, embeddings: Embeddings, cache: VectorCache) -> None:
        self.embeddings = embeddings
        self.cache = cache

    @property
    def model_id(self) -> str:
        return self.cache.model_id

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        found = self.cache.get(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            computed = np.asarray(self.embeddings.embed_documents(missing), dtype=np.float32)
            self.cache.put(missing, computed)
            found.update(zip(missing, computed))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def embed_query(self, text: str) -> list[float]:
        return self.embeddings.embed_query(text)


def cached(embeddings: Embeddings, folder: Path, writable: bool) -> Embeddings:
    """``embeddings`` with a vector cache in ``folder``, where one can be kept."""
    if not writable:
        return embeddings
    model_id = str(getattr(embeddings, "model_id", type(embeddings).__name__))
    return CachedEmbeddings(embeddings, VectorCache(folder / "vector-cache.sqlite", model_id))
