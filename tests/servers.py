"""Real servers for tests, on 127.0.0.1 only, stopped when the test ends."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s}s")


class ChromaServer:
    """``chroma run`` on a free loopback port, restartable on the same data."""

    def __init__(self, path: Path, log: Path) -> None:
        self.path = path
        self.port = free_port()
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "chroma"), "run", "--path", str(self.path),
                 "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_http(f"{self.url}/api/v2/heartbeat")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@contextmanager
def chroma_server(path: Path, log: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(path, log)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port (run as the postgres user)."""

    def __init__(self) -> None:
        import glob
        import shutil
        import tempfile

        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed: run scripts/install-services")
        self.bin = Path(bins[-1])
        # Outside pytest's root-only temp folders: the postgres user must reach it.
        self.folder = Path(tempfile.mkdtemp(prefix="qa-pg-"))
        self.folder.chmod(0o755)
        shutil.chown(self.folder, "postgres")
        self.port = free_port()
        self.data = self.folder / "data"

    def _as_postgres(self, *args: str) -> None:
        import shlex

        command = " ".join(shlex.quote(a) for a in args)
        subprocess.run(["su", "postgres", "-c", command], check=True, capture_output=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                          "-l", str(self.folder / "log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        import shutil

        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
