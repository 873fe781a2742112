"""Source formats other than plain text: PDF, web pages and Word documents.

Each converter reads a file's bytes and returns ``Block``s; ``convert`` lays
them out in the paragraph model every source shares (numbered paragraphs,
sections, exact spans into the stored text) plus the page of each PDF
paragraph. The libraries, and why:

* PDF: pypdf -- pure Python (no native build), maintained, reports each text
  run's position and font size (enough to rebuild paragraphs), and detects
  encryption.
* HTML: trafilatura -- the best-scoring open main-text extractor in published
  benchmarks; drops navigation and boilerplate and reads title/author/date.
* DOCX: python-docx -- the standard reader; styles give headings and lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from errors import SourceError
from ingest.formats.blocks import Block, assemble
from ingest.paragraphs import Paragraph

SUFFIX_KINDS = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".docx": "docx",
}
CONTENT_TYPE_KINDS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "text/plain": "text",
    "text/markdown": "markdown",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
# A Word file may unpack to this many times the file size limit, no more.
DOCX_UNPACK_FACTOR = 4


@dataclass(frozen=True)
class Converted:
    """A source in the shared paragraph model."""

    text: str
    paragraphs: list[Paragraph]
    title: str | None
    meta: dict[str, Any] = field(default_factory=dict)


def kind_of_content_type(content_type: str) -> str | None:
    """The kind of source a server's ``Content-Type`` announces.

    >>> kind_of_content_type("text/html; charset=utf-8")
    'html'
    >>> kind_of_content_type("image/png") is None
    True
    """
    return CONTENT_TYPE_KINDS.get(content_type.split(";")[0].strip().lower())


def convert(
    name: str, kind: str, data: bytes, max_bytes: int, charset: str | None = None
) -> Converted:
    """Read ``data`` as ``kind`` (pdf, html, docx); ``SourceError`` names what is wrong."""
    meta: dict[str, Any] = {"format": kind}
    title: str | None = None
    if kind == "pdf":
        from ingest.formats.pdf import read_pdf

        blocks = read_pdf(name, data)
        meta["pages"] = max((b.page or 0 for b in blocks), default=0)
    elif kind == "html":
        from ingest.formats.html import read_html

        page = read_html(name, data, charset)
        blocks, title = page.blocks, page.title
        meta.update(author=page.author, date=page.date)
    elif kind == "docx":
        from ingest.formats.docx import read_docx

        word = read_docx(name, data, max_bytes * DOCX_UNPACK_FACTOR)
        blocks, title = word.blocks, word.title
        meta["author"] = word.author
    else:
        raise SourceError(name, f"has an unsupported format ({kind})")
    text, paragraphs = assemble(blocks)
    if not paragraphs:
        raise SourceError(name, "is empty (no text to ingest)")
    if title is None:
        title = _first_heading(blocks)
    return Converted(text, paragraphs, title, {k: v for k, v in meta.items() if v})


def _first_heading(blocks: list[Block]) -> str | None:
    top = [b for b in blocks if b.level is not None]
    return min(top, key=lambda b: b.level or 0).text if top else None
