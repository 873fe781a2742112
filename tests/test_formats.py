"""PDF, HTML and Word sources: converters on real generated files, and bad input.

Fast: no model, no store. The end-to-end path (CLI ingest, ``python -m qa``) is
in ``test_formats_cli.py``.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from errors import SourceError
from ingest.fetch import check_redirect
from ingest.formats import convert
from ingest.formats.pdf import read_pdf
from ingest.loader import SourceFile, read_source
from settings import PROJECT_ROOT
from tests import format_files as ff

ARTICLE_TEXT = (PROJECT_ROOT / "sources" / "iran-after-karabakh.txt").read_text(encoding="utf-8")
MB = 1_000_000


def test_pdf_paragraphs_rebuilt_from_layout() -> None:
    done = convert("report.pdf", "pdf", ff.report_pdf(), 50 * MB)
    body = [p for p in done.paragraphs if not p.is_heading]
    expected = [" ".join(t.split()).replace("extra- ordinary", "extraordinary")
                for _, texts in ff.PDF_TOPICS for t in texts]  # fmt: skip
    # Lines joined, hyphenation undone, headers, footers and page numbers gone.
    assert [p.text for p in body] == expected
    assert [p.page for p in body] == [1, 1, 2, 2, 3, 3]
    assert "Working Paper" not in done.text and "Page " not in done.text
    headings = [p for p in done.paragraphs if p.is_heading]
    assert [h.text for h in headings] == [t for t, _ in ff.PDF_TOPICS]
    assert body[2].section == "Railways in the desert"
    assert all(done.text[p.start : p.end] == p.text for p in done.paragraphs)


def test_pdf_paragraph_cut_by_a_page_break_is_joined_and_keeps_its_first_page() -> None:
    long = "The caravan road crossed the salt flats " + "and the dunes " * 400 + "at night."
    done = convert("long.pdf", "pdf", ff.report_pdf([("Roads", [long, "Short closing note."])]), MB)
    body = [p for p in done.paragraphs if not p.is_heading]
    assert done.meta["pages"] >= 2
    assert next(p.page for p in body) == 1
    assert body[0].text == " ".join(long.split())


def test_one_page_pdf_loses_only_its_page_number() -> None:
    # On one page a running header cannot be told from a first line: it is kept.
    done = convert("one.pdf", "pdf", ff.report_pdf(ff.PDF_TOPICS[:1]), MB)
    assert [p.text for p in done.paragraphs][:2] == [
        "Nitrate Age Review - Working Paper 12",
        "Harbour trade",
    ]
    assert len(done.paragraphs) == 4 and "Page 1" not in done.text


def test_docx_headings_lists_and_tables() -> None:
    done = convert("notes.docx", "docx", ff.notes_docx(), 50 * MB)
    by_text = {p.text: p for p in done.paragraphs}
    assert done.title == "Lighthouse keeping" and done.meta["author"] == "M. Keeper"
    lens = next(p for p in done.paragraphs if p.text.startswith("The brass"))
    assert lens.section == "Lighthouse keeping › Daily duties › Cleaning the lens"
    assert "• Check the wick every four hours" in by_text
    table = next(p for p in done.paragraphs if "Paraffin" in p.text)
    assert table.text.split("\n") == [
        "Item: Paraffin; Yearly amount: 4000 litres",
        "Item: Wicks; Yearly amount: 120 pieces",
    ]
    assert table.section == "Lighthouse keeping › Supplies"


def test_html_main_text_metadata_and_no_scripts() -> None:
    page = ff.article_html(ARTICLE_TEXT).encode()
    done = convert("article.html", "html", page, 50 * MB)
    assert done.title == "Iran after Karabakh"
    assert done.meta["author"] == "Ahmet Example" and done.meta["date"] == "2021-01-05"
    for boilerplate in ("cookies", "Related articles", "football", "Privacy", "alert",
                        "onclick", "onerror", "Markets rally", "World News Daily"):  # fmt: skip
        assert boilerplate not in done.text, boilerplate
    txt = [p.text for p in done.paragraphs if not p.is_heading]
    from ingest.paragraphs import split_paragraphs

    assert txt == [p.text for p in split_paragraphs(ARTICLE_TEXT) if not p.is_heading]
    sections = {p.section for p in done.paragraphs}
    assert "Iran after Karabakh › Iran’s Karabakh plans backfired" in sections


def _file(tmp_path, name: str, data: bytes) -> SourceFile:
    path = ff.write(tmp_path, name, data)
    return SourceFile(path, tmp_path, name)


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("locked.pdf", ff.encrypted_pdf, "is encrypted (password-protected)"),
        ("scan.pdf", ff.scanned_pdf, "OCR is not supported"),
        ("cut.pdf", lambda: _truncated(ff.report_pdf()), "is truncated or damaged"),
        (
            "garbled.pdf",
            lambda: b"%PDF-1.4\n" + b"\x93garbage" * 500 + b"\n%%EOF\n",
            "is damaged and cannot be read as a PDF",
        ),
        (
            "renamed.pdf",
            lambda: b"Meeting notes\n\nWe agreed.\n",
            "is not a PDF: it holds plain text",
        ),
        ("cut.docx", lambda: _truncated(ff.notes_docx()), "is damaged or truncated"),
        ("renamed.docx", lambda: b"plain words", "is not a Word .docx file"),
        ("old.docx", lambda: b"\xd0\xcf\x11\xe0" + b"\0" * 600, "old Word 97-2003"),
    ],
)
def test_bad_files_are_named_with_the_reason(tmp_path, name, make, reason) -> None:
    with pytest.raises(SourceError) as caught:
        read_source(_file(tmp_path, name, make()), 50 * MB)
    assert caught.value.source == name
    assert reason in str(caught.value)


def test_docx_bomb_refused_before_it_is_unpacked(tmp_path) -> None:
    bomb = ff.docx_bomb(1.0)
    assert len(bomb) < 5 * MB
    with pytest.raises(SourceError, match=r"would unpack to 1,07\d MB, over the 200 MB limit"):
        read_source(_file(tmp_path, "bomb.docx", bomb), 50 * MB)


def test_pdf_reader_gives_blocks_with_pages_only_from_the_text_layer() -> None:
    blocks = read_pdf("r.pdf", ff.report_pdf())
    assert {b.page for b in blocks} == {1, 2, 3}
    assert not any("Page" in b.text for b in blocks)


@pytest.mark.parametrize(
    ("target", "refused"),
    [
        ("ftp://example.org/x", "ftp:"),
        ("file:///etc/passwd", "file:"),
        ("http://127.0.0.1:9/", "loopback"),
        ("http://localhost:8000/admin", "loopback"),
        ("http://[::1]:8000/", "loopback"),
        ("https://example.org/elsewhere", None),
    ],
)
def test_redirects_are_checked(target: str, refused: str | None) -> None:
    reason = check_redirect("http://127.0.0.1:8000/page", target)
    assert (reason is None) if refused is None else (refused in reason)


def test_docx_zip_with_no_document_part(tmp_path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(SourceError, match="not a Word document"):
        read_source(_file(tmp_path, "zip.docx", buf.getvalue()), 50 * MB)
