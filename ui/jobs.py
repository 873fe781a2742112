"""Child processes the page starts (a re-ingest, an eval run) and follows across reruns.

A Streamlit script run ends whenever the user does something else (sends a
question, say): a child followed by a loop inside one run would lose its progress
bar and its summary, and, its pipes no longer read, block and never be waited
for. So the child writes to files, not pipes; the page keeps the job in the
session and polls it (``poll`` also reaps the finished child), on every rerun and
from a timed fragment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from settings import PROJECT_ROOT, Settings


def last_event(text: str) -> dict | None:
    """The last complete JSON line of a progress stream (others are messages).

    >>> last_event('{"done": 1, "total": 3}\\nwarning\\n{"done": 2, "total": 3}\\n{"do')
    {'done': 2, 'total': 3}
    """
    for line in reversed(text.splitlines()):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            return event
    return None


def messages(text: str) -> list[str]:
    """The lines of a progress stream that are not progress events.

    >>> messages('{"done": 1}\\nerror: the store is read-only\\n')
    ['error: the store is read-only']
    """
    out = []
    for line in text.splitlines():
        try:
            if isinstance(json.loads(line), dict):
                continue
        except ValueError:
            pass
        if line.strip():
            out.append(line.rstrip())
    return out


@dataclass
class Job:
    """One child process, its output in files under ``folder``."""

    kind: str
    proc: subprocess.Popen
    folder: Path
    started: float = field(default_factory=time.time)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def finished(self) -> bool:
        return self.proc.poll() is not None  # poll() reaps the child: no zombie is left

    @property
    def exit_code(self) -> int | None:
        return self.proc.returncode

    def stdout(self) -> str:
        return _read(self.folder / "stdout")

    def stderr(self) -> str:
        return _read(self.folder / "stderr")

    def progress(self) -> dict | None:
        return last_event(self.stderr())

    def close(self) -> None:
        """Forget the output files (the job must have finished)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def start(kind: str, command: list[str], settings: Settings) -> Job:
    folder = Path(tempfile.mkdtemp(prefix=f"qa-{kind}-"))
    with open(folder / "stdout", "wb") as out, open(folder / "stderr", "wb") as err:
        proc = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=settings.child_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    return Job(kind, proc, folder)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
