"""Real files of every format, generated for the tests (fpdf2, pypdf, python-docx)."""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path

from fpdf import FPDF

from ingest.paragraphs import split_paragraphs

# Paragraphs of the generated PDF, by page: each page has a heading and two paragraphs.
PDF_TOPICS = [
    (
        "Harbour trade",
        [
            "The harbour of Valparaiso exported copper and nitrate to Europe during the long "
            "boom of the nineteenth century, and its warehouses were the largest on the coast.",
            "Shipping agents in the harbour kept ledgers of every cargo, which historians now "
            "use to reconstruct the extra-\nordinary growth of the nitrate trade.",
        ],
    ),
    (
        "Railways in the desert",
        [
            "A narrow-gauge railway carried nitrate from the Atacama desert to the ports; its "
            "locomotives were built in Leeds and shipped in pieces around Cape Horn.",
            "The railway company paid its workers in tokens that could only be spent in company "
            "stores, a practice that caused the great strike of the pampas.",
        ],
    ),
    (
        "Decline of nitrate",
        [
            "Synthetic ammonia from the Haber process ended the nitrate boom after the First World "
            "War, and most mining towns of the pampas were abandoned within twenty years.",
            "Humberstone, one of the abandoned nitrate towns, became a World Heritage site in "
            "2005 and now receives thousands of visitors every year.",
        ],
    ),
]


class ReportPDF(FPDF):
    """A report page: running header and page-number footer (shared with bench/pdf_bench)."""

    def header(self) -> None:
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, "Nitrate Age Review - Working Paper 12", align="C")
        self.ln(12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(0, 10, f"Page {self.page_no()}", align="C")


def report_pdf(topics: list[tuple[str, list[str]]] = PDF_TOPICS) -> bytes:
    """One page per topic: running header, page-number footer, a heading, paragraphs."""
    pdf = ReportPDF()
    pdf.set_auto_page_break(True, margin=20)
    for heading, paragraphs in topics:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 9, heading)
        pdf.ln(3)
        pdf.set_font("Helvetica", size=11)
        for text in paragraphs:
            pdf.multi_cell(0, 6, text)
            pdf.ln(5)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """Pages with drawings only: what a scan without OCR looks like to a reader."""
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 170, 250, style="F")
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(report_pdf())))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def notes_docx() -> bytes:
    """Title, heading path, list items and a table."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Lighthouse keeping"
    document.core_properties.author = "M. Keeper"
    document.add_paragraph("Lighthouse keeping", style="Title")
    document.add_heading("Daily duties", level=1)
    document.add_paragraph(
        "Every evening at sunset the keeper climbed the tower to light the paraffin lamp "
        "and wind the clockwork that turned the great Fresnel lens."
    )
    document.add_heading("Cleaning the lens", level=2)
    document.add_paragraph(
        "The brass and the prisms of the lens were polished each morning with rouge and "
        "soft chamois leather, so that no soot dimmed the beam."
    )
    document.add_paragraph("Check the wick every four hours", style="List Bullet")
    document.add_paragraph("Record the weather in the logbook", style="List Bullet")
    document.add_heading("Supplies", level=1)
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("Item", "Yearly amount"), ("Paraffin", "4000 litres"),
                                        ("Wicks", "120 pieces")]):  # fmt: skip
        row.cells[0].text, row.cells[1].text = cells
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_bomb(gigabytes: float = 1.0) -> bytes:
    """A real .docx plus one entry of zeros that unpacks to ``gigabytes`` GB."""
    buf = io.BytesIO(notes_docx())
    with (
        zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("word/media/padding.bin", "w", force_zip64=True) as entry,
    ):
        chunk = b"\0" * (16 << 20)
        for _ in range(int(gigabytes * 1024 / 16)):
            entry.write(chunk)
    return buf.getvalue()


def article_html(text: str, title: str = "Iran after Karabakh") -> str:
    """The article as a news site would serve it: navigation, cookie banner, scripts,
    inline event handlers, a related-articles list and a footer around the text."""
    body = []
    for p in split_paragraphs(text):
        escaped = html.escape(p.text)
        body.append(f"<h2>{escaped}</h2>" if p.is_heading else f"<p>{escaped}</p>")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)} | World News Daily</title>
<meta name="author" content="Ahmet Example">
<meta property="article:published_time" content="2021-01-05T10:00:00Z">
<script>document.cookie = "tracked=1"; alert("hello from a script");</script>
</head><body onload="track()">
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/markets">Markets</a></li></ul></nav>
<div class="cookie-banner" id="cookies">We use cookies to improve your experience.
<button onclick="acceptCookies()">Accept all cookies</button></div>
<main><article><h1>{html.escape(title)}</h1>
{chr(10).join(body)}
</article></main>
<aside class="related"><h3>Related articles</h3><ul>
<li><a href="/a">Ten things you never knew about football</a></li>
<li><a href="/b">Markets rally for a third day</a></li></ul></aside>
<footer>© 2021 World News Daily. All rights reserved. <a href="/privacy">Privacy policy</a>
<img src="x.png" onerror="steal()"></footer>
</body></html>"""


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path
