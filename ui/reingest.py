"""Re-ingest from the page: the same ``python -m ingest``, in a child process.

Running it as a process keeps the page's own store client read-only: the
chat process never writes Chroma, and it picks the new content up the way it
does after any command-line ingest (the catalog's generation changes). The child
is a ``ui.jobs.Job``: it outlives the script run that started it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from settings import Settings
from ui.jobs import Job, messages, start


def start_ingest(settings: Settings, paths: list[Path] | None = None) -> Job:
    command = [sys.executable, "-m", "ingest", "--json", "--progress-jsonl"]
    return start("ingest", command + [str(p) for p in paths or []], settings)


def summary(job: Job) -> dict:
    """A finished ingest's JSON summary (with ``exit_code``, and ``fatal`` if any)."""
    try:
        result = json.loads(job.stdout())
        if not isinstance(result, dict):
            raise ValueError("not an object")
    except ValueError:
        problems = messages(job.stderr())
        result = {"errors": [], "sources": [], "fatal": "\n".join(problems) or "ingest failed"}
    result["exit_code"] = job.exit_code
    return result
