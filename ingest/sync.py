"""Bring the index in line with the sources: the heart of ``python -m ingest``.

Per source file, LangChain's ``index()`` with the record manager decides what
to embed: a chunk whose text and hashed metadata are unchanged is skipped, a new
one is embedded, one no longer produced is deleted (``scoped_full`` cleanup, per
source, so ingesting one file never touches another).

Positions are not content. The hashed metadata (source, title, section, text
hash, occurrence) holds no paragraph number or character span; those are
attached when a chunk is written and updated in place afterwards, so inserting
a paragraph embeds one chunk and renumbers the rest without re-embedding them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.indexing import index as langchain_index
from langchain_core.vectorstores import VectorStore
from sqlalchemy.exc import SQLAlchemyError

from errors import QAError, SourceError, StoreError
from ingest.chunking import chunk_text
from ingest.fetch import FetchLimits, document_meta_key, is_url, read_url, validators_key
from ingest.loader import Loaded, SourceFile, discover, read_source
from ingest.paragraphs import Paragraph, document_title, split_paragraphs
from textkit.tokens import TokenCounter
from vectorstore.catalog import SourceRecord, database_problem
from vectorstore.index import Index

ProgressFn = Callable[[int, int, str], None]
INDEX_BATCH = 256
POSITION_KEYS = ("paragraph", "part", "parts", "start", "end", "tokens", "page")


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


@dataclass(frozen=True)
class Chunk:
    """A chunk to store: what identifies it (hashed) and where it sits (not hashed)."""

    text: str
    identity: dict[str, Any]
    position: dict[str, Any]

    @property
    def key(self) -> tuple[str, int]:
        return self.identity["chunk_hash"], self.identity["occurrence"]


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


class _PositionedStore(VectorStore):
    """Adds each chunk's position to its metadata as ``index()`` writes it."""

    def __init__(self, inner: VectorStore, positions: dict[tuple[str, int], dict]) -> None:
        self.inner = inner
        self.positions = positions

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        placed = [
            Document(
                id=d.id,
                page_content=d.page_content,
                metadata={
                    **d.metadata,
                    **self.positions[(d.metadata["chunk_hash"], d.metadata["occurrence"])],
                },
            )
            for d in documents
        ]
        return self.inner.add_documents(placed, **kwargs)

    def add_texts(self, texts: Iterable[str], metadatas: Any = None, **kwargs: Any) -> list[str]:
        raise NotImplementedError

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        return self.inner.delete(ids, **kwargs)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        raise NotImplementedError

    @classmethod
    def from_texts(cls, *args: Any, **kwargs: Any) -> VectorStore:
        raise NotImplementedError


class Ingester:
    """Synchronises an ``Index`` with source files."""

    def __init__(
        self,
        index: Index,
        counter: TokenCounter,
        progress: ProgressFn | None = None,
    ) -> None:
        self.index = index
        self.counter = counter
        self.progress = progress or (lambda done, total, source: None)
        self.settings = index.settings

    # -- entry point -----------------------------------------------------------
    def run(self, paths: list[Path], rebuild: bool = False) -> IngestReport:
        """Ingest ``paths``; a failing store or database stops the run with a ``StoreError``.

        What was written before the failure stays valid: the next run converges.
        """
        try:
            return self._run(paths, rebuild)
        except SQLAlchemyError as exc:
            raise StoreError(database_problem(exc, self.index.engine, "write")) from exc

    def _run(self, paths: list[Path], rebuild: bool) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        with self.index.writer_lock():
            previous = {r.source: r for r in self.index.catalog.sources()}
            model = self.index.store.model_id
            recorded = self.index.catalog.meta("embedding_model")
            if recorded and recorded != model:
                report.notices.append(
                    f"The embedding model changed ({recorded} -> {model}): "
                    "every source is re-embedded."
                )
                rebuild = True
            if rebuild:
                self._reset()
                # Sources ingested before stay in the index: their files are read again.
                paths = list(paths) + [
                    r.path if is_url(r.path) else Path(r.path) for r in previous.values()
                ]
                previous = {}
            self.index.catalog.set_meta("embedding_model", model)
            found = discover(paths, self.settings.sources_dir)
            report.errors += [str(e) for e in found.errors]
            report.warnings += found.warnings
            self._sync_files(found.files, previous, report)
            self._delete_missing(found.files, found.scanned_roots, previous, found.errors, report)
            if report.changed or rebuild:
                # The lexical index is built here, before readers learn of the new
                # generation, so no question waits for it.
                generation = self.index.catalog.generation() + 1
                self.index.build_lexical(generation)
                self.index.catalog.bump_generation(generation)
        report.seconds = time.perf_counter() - started
        return report

    def _reset(self) -> None:
        """Empty the index completely: vectors, record manager, catalog."""
        self.index.store.drop()
        manager = self.index.record_manager
        while keys := manager.list_keys(limit=5000):
            manager.delete_keys(keys)
        self.index.catalog.clear()

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
                if old and old.path != file.location and Path(old.path).exists():
                    raise SourceError(
                        file.source,
                        f"has the same name as {old.path}, already ingested; "
                        "rename one of them or ingest them from a common folder.",
                    )
                if old and self._unchanged(item, old):
                    count = item.meta.get("paragraph_count") or len(self._paragraphs(item))
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
            except SourceError as exc:
                report.errors.append(str(exc))
            except StoreError:
                raise  # the store itself is failing: every further file would fail too
            except QAError as exc:
                report.errors.append(f"{file.source}: {exc}")
            done += sizes[file.path]
            self.progress(done, total, file.source)

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
        kept = self.index.catalog.meta(validators_key(file.url)) if old and old.complete else None
        previous = json.loads(kept) if kept else None
        if previous and previous.get("sha256") != old.sha256:  # type: ignore[union-attr]
            previous = None  # kept for another version: ask for the page unconditionally
        return read_url(file, limits, previous)

    def _keep_validators(self, item: Loaded, paragraphs: int) -> None:
        """Remember a fetched page's ETag / Last-Modified for the next conditional request."""
        validators = item.meta.get("validators")
        if item.file.url and validators:
            value = {**validators, "paragraphs": paragraphs}
            self.index.catalog.set_meta(validators_key(item.file.url), json.dumps(value))

    def _keep_document_meta(self, item: Loaded) -> None:
        """Author, date, format and page count, for the viewer (not part of any chunk)."""
        meta = {k: v for k, v in item.meta.items() if k in ("author", "date", "format", "pages")}
        self.index.catalog.set_meta(document_meta_key(item.file.source), json.dumps(meta))

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
        # Marked incomplete first: a run killed from here on is redone next time.
        self.index.catalog.put(record)
        positions = {c.key: c.position for c in chunks}

        def documents() -> Iterator[Document]:
            for i, chunk in enumerate(chunks):
                if i % INDEX_BATCH == 0:
                    self.progress(done + size * i // max(len(chunks), 1), total, source)
                yield Document(page_content=chunk.text, metadata=chunk.identity)

        result = langchain_index(
            documents(),
            self.index.record_manager,
            _PositionedStore(self.index.store, positions),
            cleanup="scoped_full",
            source_id_key="source",
            key_encoder="sha256",
            batch_size=INDEX_BATCH,
        )
        orphans = self._place(source, positions)
        record = SourceRecord(**{**asdict(record), "complete": True})
        self.index.catalog.put(record)
        added = result["num_added"]
        deleted = result["num_deleted"] + orphans
        replaced = min(added, deleted) if old else 0
        return SourceReport(
            source,
            "updated" if old else "added",
            paragraphs=len(paragraphs),
            chunks=len(chunks),
            added=added - replaced,
            updated=replaced,
            skipped=result["num_skipped"],
            deleted=deleted - replaced,
        )

    def _place(self, source: str, positions: dict[tuple[str, int], dict]) -> int:
        """Renumber stored chunks in place and drop any Chroma has that the source lacks.

        Chunks without a record-manager entry can exist after a run was killed
        between writing Chroma and the record manager; deleting them here makes
        the next run converge to exactly the chunks of the sources.
        """
        store = self.index.store
        stored = store.get(where={"source": source})
        moved_ids, moved_meta, orphans = [], [], []
        for hit in stored:
            key = (hit.metadata.get("chunk_hash"), hit.metadata.get("occurrence"))
            position = positions.get(key)  # type: ignore[arg-type]
            if position is None:
                orphans.append(hit.id)
            elif any(hit.metadata.get(k) != position.get(k) for k in POSITION_KEYS):
                moved_ids.append(hit.id)
                moved_meta.append({**hit.metadata, **position})
        if moved_ids:
            store.update_metadata(moved_ids, moved_meta)
        if orphans:
            store.delete(orphans)
            self.index.record_manager.delete_keys(orphans)
        return len(orphans)

    # -- removed sources -------------------------------------------------------
    def _delete_missing(
        self,
        files: list[SourceFile],
        roots: list[Path],
        previous: dict[str, SourceRecord],
        errors: list[SourceError],
        report: IngestReport,
    ) -> None:
        present = {f.source for f in files} | {e.source for e in errors}
        for source, record in previous.items():
            path = Path(record.path)
            in_scope = any(path.is_relative_to(root) for root in roots)
            if source in present or not in_scope or path.exists():
                continue
            deleted = self.delete_source(source)
            report.sources.append(SourceReport(source, "deleted", deleted=deleted))

    def delete_source(self, source: str) -> int:
        """Remove every chunk of ``source`` from Chroma, the record manager and the catalog."""
        manager = self.index.record_manager
        keys = manager.list_keys(group_ids=[source])
        stored = [h.id for h in self.index.store.get(where={"source": source})]
        ids = sorted(set(keys) | set(stored))
        self.index.store.delete(ids)
        manager.delete_keys(keys)
        self.index.catalog.remove(source)
        return len(ids)
