"""Word documents (.docx) through python-docx.

Paragraphs and tables are read in document order; "Title" and "Heading N"
styles are headings (their path is the section), list items keep a bullet,
tables become readable rows. A .docx is a zip: its declared unpacked sizes are
checked before anything is unpacked, so a zip bomb is refused, not inflated
(Python's zip reader never inflates an entry past its declared size).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from errors import SourceError
from ingest.formats.blocks import Block
from ingest.formats.tables import table_lines

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Word 97-2003 .doc
_HEADING = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


@dataclass(frozen=True)
class WordDocument:
    blocks: list[Block]
    title: str | None
    author: str | None


def check_archive(name: str, data: bytes, max_unpacked: int) -> None:
    """Refuse what is not a .docx, is damaged, or would unpack past ``max_unpacked`` bytes."""
    if data.startswith(OLE_MAGIC):
        raise SourceError(
            name, "is an old Word 97-2003 document, not .docx: save it as .docx in Word"
        )
    if not data.startswith(ZIP_MAGIC):
        raise SourceError(name, "is not a Word .docx file (it is not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {e.filename for e in entries}
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise SourceError(
            name, f"is damaged or truncated ({exc}): save or export it again"
        ) from None
    unpacked = sum(e.file_size for e in entries)
    if unpacked > max_unpacked:
        raise SourceError(
            name,
            f"would unpack to {unpacked / 1e6:,.0f} MB, over the {max_unpacked / 1e6:,.0f} MB "
            "limit for a Word file (a zip bomb?); not read",
        )
    if "word/document.xml" not in names:
        raise SourceError(name, "is a zip archive but not a Word document (no word/document.xml)")


def read_docx(name: str, data: bytes, max_unpacked: int) -> WordDocument:
    check_archive(name, data, max_unpacked)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_blocks(document))
        props = document.core_properties
        title, author = props.title or None, props.author or None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SourceError(name, f"is damaged ({exc}): save or export it again") from None
    except Exception as exc:  # lxml and python-docx raise their own types on broken XML
        raise SourceError(name, f"is damaged ({type(exc).__name__}: {exc})") from None
    if not any(b.text.strip() for b in blocks):
        raise SourceError(name, "is empty (no text to ingest)")
    return WordDocument(blocks, title, author)


def _blocks(document):  # type: ignore[no-untyped-def]
    from docx.table import Table

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in item.rows]
            rows = [_dedupe_merged(r) for r in rows]
            header = rows[0] if len(rows) > 1 and all(rows[0]) else None
            lines = table_lines(rows[1:] if header else rows, header)
            if lines:
                yield Block("\n".join(lines))
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        if style.lower() == "title":
            yield Block(text, 0)
        elif match := _HEADING.match(style):
            yield Block(text, int(match.group(1)))
        elif _is_list_item(item, style):
            yield Block(f"• {text}")
        else:
            yield Block(text)


def _is_list_item(paragraph, style: str) -> bool:  # type: ignore[no-untyped-def]
    if style.lower().startswith("list"):
        return True
    props = paragraph._p.pPr
    return props is not None and props.numPr is not None


def _dedupe_merged(row: list[str]) -> list[str]:
    """A merged cell is reported once per grid column it spans; keep it once.

    >>> _dedupe_merged(["Total", "Total", "12"])
    ['Total', '', '12']
    """
    out: list[str] = []
    for i, cell in enumerate(row):
        out.append("" if i and cell and cell == row[i - 1] else cell)
    return out
