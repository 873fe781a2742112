"""One writer at a time.

Chroma's embedded store is safe across threads, not across processes, and two
ingests interleaving their record-manager updates could each delete what the
other just wrote. Every ingest therefore holds an exclusive lock for its
whole run: a file lock beside an embedded store, a PostgreSQL advisory lock
when the record manager lives in PostgreSQL (ingests from several machines).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from errors import StoreError


@contextmanager
def file_lock(path: Path, timeout_s: float) -> Iterator[None]:
    """Hold an exclusive lock on ``path``; raise StoreError after ``timeout_s``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"Another ingest is running on this store (lock {path}). "
                        "Wait for it to finish, then run again."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock, also when the process dies


@contextmanager
def advisory_lock(engine: Engine, name: str, timeout_s: float) -> Iterator[None]:
    """A PostgreSQL session-level advisory lock named ``name``."""
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    deadline = time.monotonic() + timeout_s
    with engine.connect() as conn:
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"Another ingest holds the lock for {name!r}. Wait for it, then run again."
                )
            time.sleep(0.5)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
