"""Bring the index in line with the sources: the heart of ``python -m ingest``.

Per source file, LangChain's ``index()`` with the record manager decides what
to embed: a chunk whose text and hashed metadata are unchanged is skipped, a new
one is embedded, one no longer produced is deleted (``scoped_full`` cleanup, per
source, so ingesting one file never touches another).

Positions are not content. The hashed metadata (source, title, section, text
hash, occurrence) holds no paragraph number or character span; those are
attached when a chunk is written and updated in place afterwards, so inserting
a paragraph embeds one chunk and renumbers the rest without re-embedding them.

This module decides *what* the index should hold; ``vectorstore.sources`` does the
storing (``SourceStore``: replace a source's chunks, delete a source, reset, publish).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from errors import QAError, SourceError, StoreError
from ingest.chunking import chunk_text
from ingest.fetch import FetchLimits, document_meta_key, is_url, read_url, validators_key
from ingest.loader import Discovery, Loaded, SourceFile, discover, read_source
from ingest.paragraphs import Paragraph, document_title, split_paragraphs
from settings import Settings
from textkit.tokens import TokenCounter
from vectorstore.index import LOCK_TIMEOUT_S, WaitFn
from vectorstore.sources import Chunk, SourceRecord, SourceStore

ProgressFn = Callable[[int, int, str], None]


@dataclass
class SourceReport:
    source: str
    status: str  # added | updated | unchanged | deleted
    paragraphs: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    skipped: int = 0
    deleted: int = 0


@dataclass
class IngestReport:
    sources: list[SourceReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.sources)

    @property
    def changed(self) -> bool:
        return any(s.status != "unchanged" for s in self.sources)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.total("added"),
            "updated": self.total("updated"),
            "skipped": self.total("skipped"),
            "deleted": self.total("deleted"),
            "sources": [asdict(s) for s in self.sources],
            "errors": self.errors,
            "warnings": self.warnings,
            "notices": self.notices,
            "seconds": round(self.seconds, 3),
        }


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def text_hash(text: str) -> str:
    """The stable id of a chunk's text, kept in every citation.

    >>> text_hash("Iran feared separatism.")
    'cb798776c12c7371'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def build_chunks(
    source: str, title: str, paragraphs: list[Paragraph], counter: TokenCounter, budget: int
) -> list[Chunk]:
    """Chunks of every body paragraph; headings only give context to their section."""
    chunks: list[Chunk] = []
    seen: Counter[str] = Counter()
    for paragraph in paragraphs:
        if paragraph.is_heading:
            continue
        pieces = chunk_text(paragraph.text, counter, budget)
        for part, piece in enumerate(pieces):
            digest = text_hash(piece.text)
            identity = {
                "source": source,
                "title": title,
                "section": paragraph.section or "",
                "chunk_hash": digest,
                "occurrence": seen[digest],  # identical texts in one source stay distinct
            }
            seen[digest] += 1
            position = {
                "paragraph": paragraph.number,
                "part": part,
                "parts": len(pieces),
                "start": paragraph.start + piece.start,
                "end": paragraph.start + piece.end,
                "tokens": piece.tokens,
            }
            if paragraph.page is not None:
                position["page"] = paragraph.page  # PDF paragraphs: cited as "p. 4"
            chunks.append(Chunk(piece.text, identity, position))
    return chunks


class Ingester:
    """Decides what the store should hold for the given sources, and asks it to."""

    def __init__(
        self,
        store: SourceStore,
        counter: TokenCounter,
        settings: Settings,
        progress: ProgressFn | None = None,
        stored: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.counter = counter
        self.settings = settings
        self.progress = progress or (lambda done, total, source: None)
        # Told each time a source is completely written: a point a run may stop at.
        self.stored = stored or (lambda source: None)
        self._counts: dict[str, int] | None = None

    # -- entry point -----------------------------------------------------------
    def run(
        self,
        paths: list[Path],
        rebuild: bool = False,
        wait_s: float = LOCK_TIMEOUT_S,
        on_wait: WaitFn | None = None,
    ) -> IngestReport:
        """Ingest ``paths``; a failing store or database stops the run with a ``StoreError``.

        What was written before the failure stays valid: the next run converges.
        Another ingest holding the lock is waited for up to ``wait_s`` seconds
        (``on_wait`` is told once, when waiting starts).
        """
        started = time.perf_counter()
        report = IngestReport()
        with self.store.writing(wait_s, on_wait):
            previous = self.store.sources()
            model = self.store.model_id
            recorded = self.store.recorded_model()
            if recorded and recorded != model:
                report.notices.append(
                    f"The embedding model changed ({recorded} -> {model}): "
                    "every source is re-embedded."
                )
                rebuild = True
            if rebuild:
                self.store.reset()
                # Sources ingested before stay in the index: their files are read again.
                paths = list(paths) + [
                    r.path if is_url(r.path) else Path(r.path) for r in previous.values()
                ]
                previous = {}
            self.store.record_model()
            found = discover(paths, self.settings.sources_dir)
            report.errors += [str(e) for e in found.errors]
            report.warnings += found.warnings
            self._counts = None
            self._sync_files(found.files, previous, report)
            self._delete_missing(found, previous, report)
            if report.changed or rebuild or self.store.needs_publish():
                self.store.publish()
        report.seconds = time.perf_counter() - started
        return report

    # -- per source ------------------------------------------------------------
    def _sync_files(
        self, files: list[SourceFile], previous: dict[str, SourceRecord], report: IngestReport
    ) -> None:
        """One file at a time: memory stays bounded by the largest file, not the corpus.

        Progress is counted in bytes of source text, the one total known up front.
        """
        sizes = {f.path: 0 if f.url else _size(f.path) for f in files}
        total = sum(sizes.values())
        done = 0
        for file in files:
            try:
                old = previous.get(file.source)
                item = self._read(file, old)
                if old and old.path != file.location and _exists(Path(old.path)):
                    raise SourceError(
                        file.source,
                        f"has the same name as {old.path}, already ingested; "
                        "rename one of them or ingest them from a common folder.",
                    )
                if old and self._unchanged(item, old):
                    count = self._paragraph_count(item)
                    self._keep_validators(item, count)
                    report.sources.append(
                        SourceReport(
                            file.source,
                            "unchanged",
                            paragraphs=count,
                            chunks=old.chunks,
                            skipped=old.chunks,
                        )
                    )
                else:
                    plan = self._prepare(item)
                    report.sources.append(
                        self._sync_one(item, plan, old, done, sizes[file.path], total)
                    )
                    self._keep_validators(item, len(plan[0]))
                    self._keep_document_meta(item)
                    self.stored(file.source)
            except SourceError as exc:
                report.errors.append(str(exc))
            except StoreError:
                raise  # the store itself is failing: every further file would fail too
            except QAError as exc:
                report.errors.append(f"{file.source}: {exc}")
            done += sizes[file.path]
            self.progress(done, total, file.source)

    def _paragraph_count(self, item: Loaded) -> int:
        """An unchanged source's paragraph count, as recorded (not split again)."""
        if self._counts is None:
            self._counts = self.store.paragraph_counts()
        count = self._counts.get(item.file.source) or item.meta.get("paragraph_count")
        return count if count is not None else len(self._paragraphs(item))

    def _unchanged(self, item: Loaded, old: SourceRecord | None) -> bool:
        return bool(old and old.complete and old.sha256 == item.sha256)

    def _read(self, file: SourceFile, old: SourceRecord | None) -> Loaded:
        """A file's content, or a web source's (conditionally, when it was ingested)."""
        max_bytes = self.settings.max_file_mb * 1_000_000
        if file.url is None:
            return read_source(file, max_bytes)
        limits = FetchLimits(
            int(file.options.get("max_mb", self.settings.fetch_max_mb) * 1_000_000),
            float(file.options.get("timeout_s", self.settings.fetch_timeout_s)),
        )
        kept = self.store.meta(validators_key(file.url)) if old and old.complete else None
        previous = json.loads(kept) if kept else None
        if previous and previous.get("sha256") != old.sha256:  # type: ignore[union-attr]
            previous = None  # kept for another version: ask for the page unconditionally
        return read_url(file, limits, previous)

    def _keep_validators(self, item: Loaded, paragraphs: int) -> None:
        """Remember a fetched page's ETag / Last-Modified for the next conditional request."""
        validators = item.meta.get("validators")
        if item.file.url and validators:
            value = {**validators, "paragraphs": paragraphs}
            self.store.set_meta(validators_key(item.file.url), json.dumps(value))

    def _keep_document_meta(self, item: Loaded) -> None:
        """Author, date, format and page count, for the viewer (not part of any chunk)."""
        meta = {k: v for k, v in item.meta.items() if k in ("author", "date", "format", "pages")}
        self.store.set_meta(document_meta_key(item.file.source), json.dumps(meta))

    def _paragraphs(self, item: Loaded) -> list[Paragraph]:
        if item.paragraphs is not None:
            return item.paragraphs
        return split_paragraphs(item.text, markdown=item.file.markdown)

    def _prepare(self, item: Loaded) -> tuple[list[Paragraph], list[Chunk], str]:
        paragraphs = self._paragraphs(item)
        title = item.title or document_title(paragraphs, item.file.path, item.file.markdown)
        chunks = build_chunks(
            item.file.source, title, paragraphs, self.counter, self.settings.chunk_tokens
        )
        return paragraphs, chunks, title

    def _sync_one(
        self,
        item: Loaded,
        plan: tuple[list[Paragraph], list[Chunk], str],
        old: SourceRecord | None,
        done: int,
        size: int,
        total: int,
    ) -> SourceReport:
        paragraphs, chunks, title = plan
        source = item.file.source
        record = SourceRecord(
            source=source,
            path=item.file.location,
            sha256=item.sha256,
            title=title,
            paragraphs=[
                {
                    "number": p.number,
                    "text": p.text,
                    "section": p.section,
                    "is_heading": p.is_heading,
                    **({"page": p.page} if p.page is not None else {}),
                }
                for p in paragraphs
            ],
            chunks=len(chunks),
        )
        result = self.store.replace(
            record,
            chunks,
            progress=lambda i: self.progress(done + size * i // max(len(chunks), 1), total, source),
        )
        replaced = min(result.added, result.deleted) if old else 0
        return SourceReport(
            source,
            "updated" if old else "added",
            paragraphs=len(paragraphs),
            chunks=len(chunks),
            added=result.added - replaced,
            updated=replaced,
            skipped=result.skipped,
            deleted=result.deleted - replaced,
        )

    # -- removed sources -------------------------------------------------------
    def _delete_missing(
        self, found: Discovery, previous: dict[str, SourceRecord], report: IngestReport
    ) -> None:
        """Delete sources whose files are gone from a folder ingested whole.

        A source under a folder that could not be read is kept: it may still be
        there, and what cannot be read is not known to be gone.
        """
        present = {f.source for f in found.files} | {e.source for e in found.errors}
        for source, record in previous.items():
            path = Path(record.path)
            in_scope = any(path.is_relative_to(root) for root in found.scanned_roots)
            unreadable = any(path.is_relative_to(d) for d in found.unreadable)
            if source in present or not in_scope or unreadable or _exists(path):
                continue
            deleted = self.store.delete(source)
            report.sources.append(SourceReport(source, "deleted", deleted=deleted))

    def delete_source(self, source: str) -> int:
        """Remove every chunk of ``source`` from the index; the number of chunks removed."""
        return self.store.delete(source)


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; a path that cannot even be checked counts as present."""
    try:
        path.stat()
    except FileNotFoundError:
        return False
    except OSError:
        return True  # e.g. a folder on the way became unreadable: not known to be gone
    return True
