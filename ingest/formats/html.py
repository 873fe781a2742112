"""Web pages (saved or fetched): the main text, through trafilatura.

trafilatura drops navigation, cookie banners, ads, related-article lists and
comments, and returns the article as XML (headings, paragraphs, lists, tables)
with the page's title, author and date. Scripts and event handlers never reach
the stored text: only element text is read, and the viewer shows it as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from errors import SourceError
from ingest.formats.blocks import Block
from ingest.formats.tables import table_lines


@dataclass(frozen=True)
class Page:
    blocks: list[Block]
    title: str | None
    author: str | None
    date: str | None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(data: bytes, charset: str | None = None) -> str:
    """The page as text: the server's charset, else the page's own ``<meta charset>``,
    else UTF-8, else Windows-1252 (a superset of Latin-1; never fails).

    >>> decode_html("café".encode("latin-1"), "iso-8859-1")
    'café'
    >>> decode_html('<meta charset="windows-1252"><p>café'.encode("cp1252"))[-4:]
    'café'
    >>> decode_html("café".encode())
    'café'
    """
    declared = _META_CHARSET.search(data[:4096])
    page_charset = declared.group(1).decode("ascii") if declared else None
    for encoding in (charset, page_charset, "utf-8", "cp1252"):
        if encoding:
            try:
                return data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode("latin-1")


def read_html(name: str, data: bytes, charset: str | None = None) -> Page:
    """Main-text blocks and metadata of a web page; ``SourceError`` if it has none."""
    import trafilatura
    from lxml import etree

    markup = decode_html(data, charset)
    if "\x00" in markup[:8192]:
        raise SourceError(name, "is not a web page (it contains NUL bytes)")
    xml = trafilatura.extract(
        markup,
        output_format="xml",
        with_metadata=True,
        include_tables=True,
        include_comments=False,
        include_images=False,
        favor_precision=True,
        deduplicate=False,
    )
    if not xml:
        raise SourceError(
            name, "has no main text that could be found (an empty page, or one built by scripts)"
        )
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    blocks = list(_blocks(main)) if main is not None else []
    if not blocks:
        raise SourceError(name, "has no main text that could be found")
    return Page(
        blocks,
        root.get("title") or None,
        root.get("author") or None,
        root.get("date") or None,
    )


def _text(element) -> str:  # type: ignore[no-untyped-def]
    return " ".join("".join(element.itertext()).split())


def _blocks(main):  # type: ignore[no-untyped-def]
    for element in main:
        tag = element.tag
        if tag == "head":
            rend = element.get("rend") or "h2"
            level = int(rend[1]) if rend[:1] == "h" and rend[1:].isdigit() else 2
            yield Block(_text(element), level)
        elif tag == "list":
            for item in element.iter("item"):
                text = _text(item)
                if text:
                    yield Block(f"• {text}")
        elif tag == "table":
            rows = [[_text(c) for c in row.iter("cell")] for row in element.iter("row")]
            heads = [
                [c.get("role") == "head" for c in row.iter("cell")] for row in element.iter("row")
            ]
            header = rows[0] if rows and heads and all(heads[0]) else None
            lines = table_lines(rows[1:] if header else rows, header)
            if lines:
                yield Block("\n".join(lines))
        else:
            text = _text(element)
            if text:
                yield Block(text)
