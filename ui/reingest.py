"""Re-ingest from the page: the same ``python -m ingest``, in a child process.

Running it as a process keeps the page's own store client read-only: the
chat process never writes Chroma, and it picks the new content up the way it
does after any command-line ingest (the catalog's generation changes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from settings import PROJECT_ROOT, Settings


def run_ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict:
    """Run the ingest; return its JSON summary (with ``exit_code``, and ``fatal`` if any)."""
    command = [sys.executable, "-m", "ingest", "--json", "--progress-jsonl"]
    command += [str(p) for p in paths or []]
    proc = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=settings.child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    problems = []
    assert proc.stderr is not None and proc.stdout is not None
    for line in proc.stderr:
        try:
            event = json.loads(line)
            if progress:
                progress(event["done"], event["total"], event["source"])
        except (ValueError, KeyError, TypeError):
            problems.append(line.rstrip())
    out = proc.stdout.read()
    code = proc.wait()
    try:
        summary = json.loads(out)
    except ValueError:
        summary = {"errors": [], "sources": [], "fatal": "\n".join(problems) or "ingest failed"}
    summary["exit_code"] = code
    return summary
