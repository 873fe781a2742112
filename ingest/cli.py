"""Command line for ingest.

Usage::

    python -m ingest                  # sources/ (SOURCES_DIR)
    python -m ingest docs/ notes.md   # files and folders (.txt .md .pdf .html .docx)
    python -m ingest https://example.org/article   # web pages, PDFs and text by URL
    python -m ingest --manifest sources.yaml       # everything a manifest lists
    python -m ingest --json           # one JSON summary on stdout, for scripts
    python -m ingest --rebuild        # recreate the whole index from the sources
    python -m ingest --no-wait        # fail at once if another ingest is running
    python -m ingest --wait 30        # wait at most 30 s for it (default 600)

Exit status: 0 when every source was ingested, 1 when some were not (each is
named on stderr with the reason: a file or a folder that cannot be read, ...),
2 when the index itself cannot be used (read-only, full, locked too long).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from errors import QAError
from ingest.manifest import load_manifest
from ingest.service import open_ingester, rebuild_damaged
from ingest.sync import IngestReport
from settings import Settings
from vectorstore.index import LOCK_TIMEOUT_S


def _progress_lines(stream: TextIO):  # type: ignore[no-untyped-def]
    """Progress as JSON lines, for a parent process (the chat's re-ingest button).

    A line with ``"stored": true`` follows each source once it is completely
    written: a checkpoint a watcher can act on (a killed run keeps that source).
    """
    last = {"done": 0, "total": 0}

    def update(done: int, total: int, source: str) -> None:
        last.update(done=done, total=total)
        stream.write(json.dumps({"done": done, "total": total, "source": source}) + "\n")
        stream.flush()

    def stored(source: str) -> None:
        stream.write(json.dumps({**last, "source": source, "stored": True}) + "\n")
        stream.flush()

    return update, stored


def _progress_bar(stream: TextIO):  # type: ignore[no-untyped-def]
    if not stream.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="B", unit_scale=True, file=stream, leave=False)

    def update(done: int, total: int, source: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_description(source[-40:])
        bar.refresh()

    return update, None


def _say_waiting(holder: str) -> None:
    print(f"waiting for another ingest ({holder}) to finish…", file=sys.stderr, flush=True)


def render(report: IngestReport) -> str:
    """The human summary: one line per source, then totals and problems."""
    lines = [f"note: {n}" for n in report.notices]
    for s in report.sources:
        if s.status == "deleted":
            lines.append(f"deleted    {s.source}  ({s.deleted} chunks removed)")
            continue
        detail = f"{s.paragraphs} paragraphs, {s.chunks} chunks"
        if s.status != "unchanged":
            detail += (
                f"; +{s.added} new, {s.updated} updated, -{s.deleted} removed, {s.skipped} kept"
            )
        lines.append(f"{s.status:<10} {s.source}  ({detail})")
    lines.append(
        f"done in {report.seconds:.1f}s: {report.total('added')} added, "
        f"{report.total('updated')} updated, {report.total('skipped')} unchanged, "
        f"{report.total('deleted')} deleted"
    )
    lines += [f"warning: {w}" for w in report.warnings]
    lines += [f"error: {e}" for e in report.errors]
    return "\n".join(lines)


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.split("\n")[0])
    parser.add_argument(
        "paths", nargs="*", help="files, folders or http(s) URLs (default: sources/)"
    )
    parser.add_argument(
        "--manifest", type=Path, help="a YAML file listing paths, globs and URLs to ingest"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON summary")
    parser.add_argument("--rebuild", action="store_true", help="recreate the index from scratch")
    parser.add_argument(
        "--progress-jsonl", action="store_true", help="report progress as JSON lines on stderr"
    )
    wait = parser.add_mutually_exclusive_group()
    wait.add_argument(
        "--wait",
        type=float,
        default=LOCK_TIMEOUT_S,
        metavar="SECONDS",
        help=f"how long to wait for another ingest to finish (default {LOCK_TIMEOUT_S:g})",
    )
    wait.add_argument(
        "--no-wait", action="store_true", help="fail at once if another ingest is running"
    )
    args = parser.parse_args(argv)
    try:
        settings = settings or Settings.from_env()
        paths: list = [p if "://" in p else Path(p) for p in args.paths]
        warnings = []
        if args.manifest:
            manifest = load_manifest(args.manifest)
            paths += manifest.items
            warnings = manifest.warnings
        if not paths and not args.manifest:
            paths = [settings.sources_dir]
        if args.rebuild:
            rebuild_damaged(settings)
        progress = _progress_lines if args.progress_jsonl else _progress_bar
        update, stored = progress(sys.stderr)
        ingester = open_ingester(settings, progress=update, stored=stored)
        report = ingester.run(
            paths,
            rebuild=args.rebuild,
            wait_s=0.0 if args.no_wait else max(args.wait, 0.0),
            on_wait=_say_waiting,
        )
        report.warnings = warnings + report.warnings
    except (QAError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
        for e in report.errors:
            print(f"error: {e}", file=sys.stderr)
    else:
        print(render(report), file=sys.stderr if report.errors else sys.stdout)
    return 1 if report.errors else 0
