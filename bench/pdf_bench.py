"""PDF reading speed and memory: ``python -m bench.pdf_bench [--pages 500]``.

Generates a report-like PDF (running header, page-number footer, a heading and
prose on every page; fpdf2, a test dependency) at 1/5, 1/2 and all of
``--pages``, and converts each into paragraphs the way the ingest does
(``ingest.formats.convert``: pypdf text layer, lines, paragraphs, headers and
footers dropped). Prints pages per second (untraced run) and the Python heap's
peak (a second run under tracemalloc) beside the file and text sizes, so one can
see what memory grows with. Results also go to bench/out/pdf_bench.json.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path

from ingest.formats import convert

OUT = Path(__file__).parent / "out"
WORDS = (
    "harbour nitrate railway desert copper merchants ledger cargo strike pampas engine "
    "smelter tariff warehouse caravan salt frontier treaty census foundry"
).split()


def make_pdf(pages: int) -> bytes:
    from tests.format_files import ReportPDF

    pdf = ReportPDF()
    pdf.set_auto_page_break(True, margin=20)
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 15)
        pdf.multi_cell(0, 9, f"Section {page + 1}: the {WORDS[page % len(WORDS)]} question")
        pdf.set_font("Helvetica", size=11)
        for para in range(5):
            words = [WORDS[(page * 7 + para * 3 + i) % len(WORDS)] for i in range(60)]
            pdf.ln(4)
            pdf.multi_cell(
                0, 6, f"Paragraph {para + 1} of page {page + 1}: " + " ".join(words) + "."
            )
    return bytes(pdf.output())


def measure(pages: int) -> dict:
    data = make_pdf(pages)
    started = time.perf_counter()
    done = convert("bench.pdf", "pdf", data, len(data) + 1)
    seconds = time.perf_counter() - started
    # A second run for memory: tracemalloc slows Python down too much to time with it.
    tracemalloc.start()
    convert("bench.pdf", "pdf", data, len(data) + 1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert done.meta["pages"] == pages, done.meta
    return {
        "pages": pages,
        "seconds": round(seconds, 2),
        "pages_per_s": round(pages / seconds, 1),
        "file_mb": round(len(data) / 1e6, 2),
        "text_mb": round(len(done.text.encode()) / 1e6, 2),
        "paragraphs": len(done.paragraphs),
        "peak_mb": round(peak / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=500)
    args = parser.parse_args()
    sizes = sorted({max(1, args.pages // 5), max(1, args.pages // 2), args.pages})
    rows = [measure(n) for n in sizes]
    print(f"{'pages':>6} {'s':>7} {'pages/s':>8} {'file MB':>8} {'text MB':>8} {'peak MB':>8}")
    for r in rows:
        print(
            f"{r['pages']:>6} {r['seconds']:>7} {r['pages_per_s']:>8} {r['file_mb']:>8} "
            f"{r['text_mb']:>8} {r['peak_mb']:>8}"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "pdf_bench.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
