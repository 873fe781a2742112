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
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from errors import StoreError

# Told once, when waiting for the lock starts, who holds it ("pid 4242").
WaitFn = Callable[[str], None]


def _timed_out(holder: str, where: str, timeout_s: float) -> StoreError:
    waited = "it was not waited for" if timeout_s <= 0 else f"waited {timeout_s:g} s"
    return StoreError(
        f"Another ingest ({holder}) is running on this store ({where}); {waited}. "
        "Run again when it has finished, or give --wait SECONDS."
    )


@contextmanager
def file_lock(path: Path, timeout_s: float, on_wait: WaitFn | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``path``; raise StoreError after ``timeout_s``.

    The holder's pid is written into the file, so a waiting process can name it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        holder = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if holder is None:
                    pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
                    holder = f"pid {pid}" if pid.isdigit() else "pid unknown"
                    if on_wait and timeout_s > 0:
                        on_wait(holder)
                if time.monotonic() >= deadline:
                    raise _timed_out(holder, f"lock {path}", timeout_s) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock, also when the process dies


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


# Who holds a bigint advisory lock: PostgreSQL shows its key as two 32-bit halves.
_HOLDER = text(
    "SELECT a.application_name, a.client_addr, a.pid FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.classid = :hi AND l.objid = :lo"
)


def _holder(conn: Connection, key: int) -> str:
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    row = conn.execute(_HOLDER, {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF}).first()
    if row is None:
        return "pid unknown"
    name, address, backend = row
    if name and name.startswith("qa-ingest "):
        return name.removeprefix("qa-ingest ")
    return f"database session {backend}" + (f" from {address}" if address else "")


@contextmanager
def advisory_lock(
    engine: Engine, name: str, timeout_s: float, on_wait: WaitFn | None = None
) -> Iterator[None]:
    """A PostgreSQL session-level advisory lock named ``name``.

    The session is named after this process and host, so a waiting process can
    say which ingest it waits for.
    """
    key = _key(name)
    deadline = time.monotonic() + timeout_s
    me = f"qa-ingest pid {os.getpid()} on {socket.gethostname()}"
    holder = None
    with engine.connect() as conn:
        conn.execute(text("SELECT set_config('application_name', :n, false)"), {"n": me[:63]})
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            if holder is None:
                holder = _holder(conn, key)
                if on_wait and timeout_s > 0:
                    on_wait(holder)
            if time.monotonic() >= deadline:
                raise _timed_out(holder, f"lock {name!r}", timeout_s)
            time.sleep(0.5)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
