"""Paragraphs and sections of a source text.

A paragraph is a non-empty block of text separated from the next by a blank
line. Paragraphs are numbered from 1 in order of appearance, headings
included, so ``¶6`` in a citation is the sixth block a reader counts in the
file. Each paragraph knows its section: the nearest heading above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_SETEXT_RULE = re.compile(r"^(=+|-+)[ \t]*$")
_TITLE_END = re.compile(r"[.!?;:,…\"”’)]$")
_FIRST_TITLE_END = re.compile(r"[.!?;:,…\"”’]$")  # "Spectre (2015 film)" is a title

# A title line is short; its body paragraph is real prose.
TITLE_MAX_CHARS = 80
TITLE_MAX_WORDS = 12
BODY_MIN_CHARS = 150


@dataclass(frozen=True)
class Paragraph:
    number: int
    text: str
    start: int
    end: int
    section: str | None
    is_heading: bool = False
    page: int | None = None  # the page a paragraph starts on, for paged formats (PDF)


def normalize_newlines(text: str) -> str:
    r"""Unify line endings so spans are the same on every platform.

    >>> normalize_newlines("a\r\nb\rc")
    'a\nb\nc'
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def blocks(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty blocks of ``text``, stripped of surrounding space.

    >>> t = "One\\n\\n  \\nTwo\\nlines\\n"
    >>> [t[a:b] for a, b in blocks(t)]
    ['One', 'Two\\nlines']
    """
    spans = []
    start = 0
    for match in _BLANK_LINE.finditer(text):
        _add_block(text, start, match.start(), spans)
        start = match.end()
    _add_block(text, start, len(text), spans)
    return spans


def _add_block(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        left = start + (len(piece) - len(piece.lstrip()))
        spans.append((left, left + len(stripped)))


def heading_text(
    block: str, next_block: str | None, markdown: bool, first: bool = False
) -> str | None:
    """The heading a block stands for, or None if it is body text.

    A document's first block is its title when it is a short line and what follows
    is longer, however short the body (a title over two brief paragraphs is still a
    title, never an answer).

    >>> heading_text("## Iran's plans", None, markdown=True)
    "Iran's plans"
    >>> heading_text("Iran’s process management", "x" * 200, markdown=False)
    'Iran’s process management'
    >>> heading_text("Translated by A. B.", "Short note.", markdown=False) is None
    True
    >>> heading_text("The Lighthouse Keeper", "Tom kept the light for years.", False, first=True)
    'The Lighthouse Keeper'
    """
    lines = block.split("\n")
    if markdown:
        if len(lines) == 1 and (m := _MD_HEADING.match(lines[0])):
            return m.group(2).strip()
        if len(lines) == 2 and _SETEXT_RULE.match(lines[1]) and lines[0].strip():
            return lines[0].strip()
    if len(lines) != 1 or next_block is None:
        return None
    line = lines[0].strip()
    words = line.split()
    end = _FIRST_TITLE_END if first else _TITLE_END
    body = len(line) + 1 if first else max(BODY_MIN_CHARS, 2 * len(line))
    if (
        len(line) <= TITLE_MAX_CHARS
        and 1 <= len(words) <= TITLE_MAX_WORDS
        and line[0].isupper()
        and not end.search(line)
        and len(next_block) >= body
    ):
        return line
    return None


def split_paragraphs(text: str, markdown: bool = False) -> list[Paragraph]:
    """Number the paragraphs of ``text`` and attach each to its section.

    >>> ps = split_paragraphs("# Title\\n\\nBody one.\\n\\n## Part\\n\\nBody two.", markdown=True)
    >>> [(p.number, p.section, p.is_heading) for p in ps]
    [(1, 'Title', True), (2, 'Title', False), (3, 'Part', True), (4, 'Part', False)]
    """
    text = normalize_newlines(text)
    spans = blocks(text)
    paragraphs: list[Paragraph] = []
    section: str | None = None
    for i, (start, end) in enumerate(spans):
        block = text[start:end]
        following = text[spans[i + 1][0] : spans[i + 1][1]] if i + 1 < len(spans) else None
        heading = heading_text(block, following, markdown, first=i == 0)
        if heading is not None:
            section = heading
        paragraphs.append(
            Paragraph(i + 1, block, start, end, section, is_heading=heading is not None)
        )
    return paragraphs


def document_title(paragraphs: list[Paragraph], path: PurePath, markdown: bool) -> str:
    """A human title: the first Markdown H1, else the file name made readable.

    >>> document_title([], PurePath("iran-after-karabakh.txt"), markdown=False)
    'Iran after karabakh'
    """
    if markdown:
        for p in paragraphs:
            if p.is_heading and p.text.startswith("# "):
                return p.section or ""
    stem = re.sub(r"[-_]+", " ", path.stem).strip()
    return stem[:1].upper() + stem[1:] if stem else path.name
