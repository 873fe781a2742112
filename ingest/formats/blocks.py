"""The paragraph model for structured formats (PDF, HTML, DOCX).

A converter turns a file into ``Block``s (a paragraph of text, whether it is a
heading and at which level, and the page it starts on); ``assemble`` lays them
out as the stored text (blocks separated by a blank line, like a text source)
and numbers them exactly as ``ingest.paragraphs.split_paragraphs`` numbers a
text file, so citations, spans and the viewer work the same for every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.paragraphs import Paragraph

SECTION_SEPARATOR = " › "
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Block:
    """One paragraph as a converter found it."""

    text: str
    level: int | None = None  # heading level (1 = top) or None for body text
    page: int | None = None  # 1-based page a PDF paragraph starts on


def clean(text: str) -> str:
    """One paragraph's text: spaces collapsed, no blank lines inside (they would split it).

    >>> clean("  Two\\u00a0 words\\n\\n  and more ")
    'Two words\\nand more'
    """
    text = _BLANK_LINES.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def assemble(blocks: list[Block]) -> tuple[str, list[Paragraph]]:
    """The stored text and its numbered paragraphs; a heading's path is the section.

    >>> text, ps = assemble([Block("Report", 1), Block("Intro text.", page=1),
    ...                      Block("Costs", 2), Block("It cost a lot.", page=2)])
    >>> [(p.number, p.section, p.page) for p in ps]  # doctest: +NORMALIZE_WHITESPACE
    [(1, 'Report', None), (2, 'Report', 1), (3, 'Report › Costs', None),
     (4, 'Report › Costs', 2)]
    >>> all(text[p.start:p.end] == p.text for p in ps)
    True
    """
    parts: list[str] = []
    paragraphs: list[Paragraph] = []
    path: list[tuple[int, str]] = []
    offset = 0
    for block in blocks:
        body = clean(block.text)
        if not body:
            continue
        if block.level is not None:
            path = [(lvl, name) for lvl, name in path if lvl < block.level]
            path.append((block.level, body.replace("\n", " ")))
        section = SECTION_SEPARATOR.join(name for _, name in path) or None
        if parts:
            offset += 2
        paragraphs.append(
            Paragraph(
                len(paragraphs) + 1,
                body,
                offset,
                offset + len(body),
                section,
                is_heading=block.level is not None,
                page=block.page,
            )
        )
        parts.append(body)
        offset += len(body)
    return "\n\n".join(parts), paragraphs
