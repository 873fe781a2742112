"""A throwaway PostgreSQL cluster for benchmarks (loopback only, removed afterwards).

Needs the PostgreSQL server binaries (``scripts/install-services``) and root, to run
them as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _as_postgres(*args: str) -> None:
    command = " ".join(shlex.quote(a) for a in args)
    subprocess.run(["su", "postgres", "-c", command], check=True, capture_output=True)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a cluster; yield its SQLAlchemy URL; stop and delete it."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        raise RuntimeError("PostgreSQL is not installed: run scripts/install-services")
    folder = Path(tempfile.mkdtemp(prefix="qa-bench-pg-"))
    folder.chmod(0o755)
    shutil.chown(folder, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = str(folder / "data")
    _as_postgres(f"{bins[-1]}/initdb", "-D", data, "-A", "trust", "-U", "postgres")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    _as_postgres(f"{bins[-1]}/pg_ctl", "-D", data, "-o", options, "-l", f"{folder}/log", "-w",
                 "start")  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        _as_postgres(f"{bins[-1]}/pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)
