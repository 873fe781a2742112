"""PDF text layers rebuilt into paragraphs (pypdf).

pypdf reports every piece of text with its position and font size. Pieces are
grouped into lines, lines into paragraphs (a paragraph ends at a wider gap than
the page's usual line pitch, or where the font size changes); words hyphenated
at a line end are joined; running headers and footers (the same line at the top
or bottom of most pages, page numbers aside) and page numbers are dropped; a
paragraph cut by a page break is joined again and keeps the page it starts on;
a short line in a larger font than the body is a heading.
"""

from __future__ import annotations

import io
import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from errors import SourceError
from ingest.formats.blocks import Block

MAGIC = b"%PDF-"
# A page-number line: "4", "- 4 -", "Page 4", "4 of 12", "iv".
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—]*(?:page\s+)?(?:\d{1,5}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,5})?[\s\-–—]*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[.!?:;\"”’)\]]$")
_HYPHENATED = re.compile(r"[^\W\d_]-$")
# Lines within this share of the page height from its top or bottom may be running text.
MARGIN_SHARE = 0.12
# A header or footer repeats on at least this share of the pages (and on two or more).
REPEAT_SHARE = 0.5
PARAGRAPH_GAP = 1.4  # a gap this many times the usual line pitch ends a paragraph
HEADING_SIZE = 1.15  # a heading's font is at least this much larger than the body's


@dataclass(slots=True)
class Line:
    text: str
    x: float
    y: float
    size: float
    page: int


@dataclass(frozen=True, slots=True)
class _Joined:
    """A paragraph of a page finished as soon as the page is read (lines let go)."""

    text: str
    size: float
    lines: int


# The first and last groups of a page keep their lines until running headers and
# footers are known (which takes every page); the groups between are joined at once,
# so memory holds about the extracted text, not every line of every page.
KEPT_GROUPS = 2


@dataclass
class _Page:
    number: int
    height: float
    bottom: float
    lines: list[Line] = field(default_factory=list)
    groups: list[list[Line] | _Joined] = field(default_factory=list)
    sizes: Counter[float] = field(default_factory=Counter)  # characters per font size

    def settle(self) -> None:
        """Group the page's lines into paragraphs and join the inner ones."""
        for line in self.lines:
            line.text = line.text.strip()
            self.sizes[round(line.size, 1)] += len(line.text)
        groups = _paragraph_lines([ln for ln in self.lines if ln.text])
        self.lines = []
        for i, group in enumerate(groups):
            inner = KEPT_GROUPS <= i < len(groups) - KEPT_GROUPS
            self.groups.append(_joined(group) if inner else group)

    def edge_candidates(self) -> list[Line]:
        return [ln for g in self.groups if isinstance(g, list) for ln in g]


def _joined(group: list[Line]) -> _Joined:
    return _Joined(join_lines([ln.text for ln in group]), max(ln.size for ln in group), len(group))


def check_magic(name: str, data: bytes) -> None:
    """A ``.pdf`` that is not a PDF is named as such, with a hint when it is text.

    >>> check_magic("a.pdf", b"%PDF-1.7 ...")
    >>> check_magic("a.pdf", b"Just some notes")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    errors.SourceError: a.pdf: is not a PDF: it holds plain text (starts with 'Just ...
    """
    if MAGIC in data[:1024]:
        return
    try:
        sample = data[:40].decode("utf-8", errors="strict").split("\n")[0].strip()
    except UnicodeDecodeError:
        sample = ""
    if sample and b"\x00" not in data[:1024]:
        raise SourceError(
            name,
            f"is not a PDF: it holds plain text (starts with {sample!r}). "
            "Rename it to .txt to ingest it as text.",
        )
    raise SourceError(name, "is not a PDF (it does not start with %PDF-); check the file")


def read_pdf(name: str, data: bytes) -> list[Block]:
    """The paragraphs of a PDF's text layer; ``SourceError`` for what cannot be read."""
    check_magic(name, data)
    if b"%%EOF" not in data[-2048:]:
        raise SourceError(
            name,
            "is truncated or damaged (no end-of-file marker): download or export it again",
        )
    pages = list(_pages(name, data))
    if not any(page.groups for page in pages):
        raise SourceError(
            name,
            "has no text layer (it looks scanned): OCR is not supported. "
            "Run it through an OCR tool (e.g. ocrmypdf) and ingest the result.",
        )
    _drop_running_lines(pages)
    sizes: Counter[float] = Counter()
    for page in pages:
        sizes.update(page.sizes)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    heading_sizes = sorted({round(z) for z in sizes if z >= body * HEADING_SIZE}, reverse=True)
    blocks: list[Block] = []
    for page in pages:
        for group in page.groups:
            joined = group if isinstance(group, _Joined) else _joined(group)
            text, size = joined.text, joined.size
            level = None
            if size >= body * HEADING_SIZE and joined.lines <= 3 and len(text) <= 200:
                level = heading_sizes.index(round(size)) + 1 if round(size) in heading_sizes else 1
            block = Block(text, level, page.number)
            if blocks and _continues(blocks[-1], block):
                prev = blocks.pop()
                block = Block(join_lines([prev.text, block.text]), None, prev.page)
            blocks.append(block)
    return blocks


def _pages(name: str, data: bytes):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("password required")
        count = len(reader.pages)
    except (FileNotDecryptedError, DependencyError):
        raise SourceError(
            name,
            "is encrypted (password-protected): save a copy without a password and ingest that",
        ) from None
    except SourceError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged input; all mean the same
        raise SourceError(
            name, f"is damaged and cannot be read as a PDF ({_reason(exc)})"
        ) from None
    for index in range(count):
        try:
            page = reader.pages[index]
            box = page.mediabox
            current = _Page(index + 1, float(box.height), float(box.bottom))
            page.extract_text(visitor_text=_collector(current))
            _forget(reader, index)
            current.settle()
        except Exception as exc:  # as above: one bad page makes the file unreadable
            raise SourceError(
                name, f"is damaged: page {index + 1} cannot be read ({_reason(exc)})"
            ) from None
        yield current


def _forget(reader, index: int) -> None:  # type: ignore[no-untyped-def]
    """Let a read page go: pypdf caches each page and its decoded content, which would
    make memory grow with the page count. Shared objects (fonts) stay cached."""
    page = reader.flattened_pages[index]
    contents = page.get("/Contents")
    refs = contents if isinstance(contents, list) else [contents]
    for ref in [page.indirect_reference, *refs]:
        if ref is not None and hasattr(ref, "idnum"):
            reader.resolved_objects.pop((ref.generation, ref.idnum), None)
    reader.flattened_pages[index] = None


def _reason(exc: Exception) -> str:
    return str(exc).strip().split("\n")[0][:120] or type(exc).__name__


def _collector(page: _Page):  # type: ignore[no-untyped-def]
    def visit(text: str, cm: list, tm: list, _font: object, font_size: float) -> None:
        piece = text.replace("\n", " ")
        if not piece.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
        size = float(font_size) * (scale or 1.0)
        last = page.lines[-1] if page.lines else None
        if last and abs(last.y - y) <= max(last.size, size) * 0.5:
            joiner = "" if last.text.endswith(" ") or piece.startswith(" ") else " "
            last.text += joiner + piece
            last.size = max(last.size, size)
        else:
            page.lines.append(Line(piece, x, y, size, page.number))

    return visit


def _running_key(text: str) -> str:
    """Headers differ only in their page number: compare them without digits.

    >>> _running_key("Annual report 2024 — page 7") == _running_key("Annual report 2025 — page 8")
    True
    """
    return _DIGITS.sub("#", " ".join(text.lower().split()))


def _drop_running_lines(pages: list[_Page]) -> None:
    """Drop page numbers and lines repeated in the top or bottom margin of most pages."""
    edge: Counter[tuple[str, str]] = Counter()
    for page in pages:
        edge.update({(zone, _running_key(ln.text)) for zone, ln in _edge_lines(page)})
    needed = max(2, REPEAT_SHARE * len(pages))
    repeated = {key for key, n in edge.items() if n >= needed}
    for page in pages:
        drop = {
            id(ln)
            for zone, ln in _edge_lines(page)
            if (zone, _running_key(ln.text)) in repeated or _PAGE_NUMBER.match(ln.text)
        }
        kept: list[list[Line] | _Joined] = []
        for group in page.groups:
            if isinstance(group, list):
                group = [ln for ln in group if id(ln) not in drop]
                if not group:
                    continue
            kept.append(group)
        page.groups = kept


def _edge_lines(page: _Page) -> list[tuple[str, Line]]:
    """The first two lines if in the top margin, the last two if in the bottom one.

    A header repeats at the top and a footer at the bottom: a line of body text
    that ends one page and starts the next is neither.
    """
    top = page.bottom + page.height * (1 - MARGIN_SHARE)
    low = page.bottom + page.height * MARGIN_SHARE
    lines = page.edge_candidates()
    heads = [("top", ln) for ln in lines[:2] if ln.y >= top]
    feet = [("bottom", ln) for ln in lines[-2:] if ln.y <= low]
    return heads + feet


def _paragraph_lines(lines: list[Line]) -> list[list[Line]]:
    """Group a page's lines into paragraphs by vertical gaps and font changes."""
    if not lines:
        return []
    pitches = [
        a.y - b.y
        for a, b in itertools.pairwise(lines)
        if 0 < a.y - b.y < 3 * max(a.size, b.size) and abs(a.size - b.size) < 0.5
    ]
    pitch = statistics.median(pitches) if pitches else lines[0].size * 1.2
    groups = [[lines[0]]]
    for prev, line in itertools.pairwise(lines):
        gap = prev.y - line.y
        new = (
            abs(prev.size - line.size) >= 0.5
            or gap > pitch * PARAGRAPH_GAP
            or (gap < 0 and _SENTENCE_END.search(prev.text) is not None)
        )
        if new:
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one line; a word hyphenated at a line end is rejoined.

    >>> join_lines(["The extra-", "ordinary compli-", "cated case of well-", "Known names"])
    'The extraordinary complicated case of well- Known names'
    """
    out = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if out and _HYPHENATED.search(out) and line[0].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}" if out else line
    return out


def _continues(prev: Block, block: Block) -> bool:
    """A paragraph cut by a page break: no sentence end before, lower case after."""
    return (
        prev.level is None
        and block.level is None
        and prev.page != block.page
        and _SENTENCE_END.search(prev.text) is None
        and block.text[:1].islower()
    )
