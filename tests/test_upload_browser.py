"""Upload in a real browser: a PDF added in the sidebar, ingested with the progress bar,
asked about, its citation read with the page, and opened in the viewer at that page.
Also the upload module's rules (safe names, types, sizes) without a browser."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from ingest.loader import SUPPORTED_SUFFIXES
from settings import Settings
from tests import format_files as ff
from tests.helpers import ARTIFACTS, start_app
from ui.upload import ACCEPTED, UploadRefused, safe_name, store_upload


def test_the_page_accepts_what_the_ingest_reads() -> None:
    assert tuple(SUPPORTED_SUFFIXES) == ACCEPTED


def test_the_viewer_reads_the_metadata_key_the_ingest_writes() -> None:
    from ingest.fetch import document_meta_key
    from ui.sources import document_meta_key as viewer_key

    for name in ("uploads/report.pdf", "https://example.org/a?b=1", "ü.md"):
        assert viewer_key(name) == document_meta_key(name)


def test_uploads_are_stored_under_safe_names_within_limits(tmp_path: Path) -> None:
    kept = store_upload("../../evil/.hidden report.PDF", b"%PDF-1.4", tmp_path, 100)
    assert kept.path == tmp_path / "uploads" / "hidden-report.pdf"
    assert kept.path.read_bytes() == b"%PDF-1.4" and not kept.replaced
    assert store_upload("hidden report.pdf", b"%PDF-1.5", tmp_path, 100).replaced
    with pytest.raises(UploadRefused, match="not a supported type"):
        store_upload("tool.exe", b"MZ", tmp_path, 100)
    with pytest.raises(UploadRefused, match=r"over the 0\.0001 MB upload limit"):
        store_upload("big.txt", b"x" * 101, tmp_path, 100)
    assert safe_name("a/b/c.md") == "c.md"
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["hidden-report.pdf"]


@pytest.mark.slow
def test_upload_a_pdf_then_ask_and_open_it_at_the_cited_page(
    browser,
    tmp_path: Path,
    minilm,
) -> None:
    from tests.helpers import make_ingester

    sources = tmp_path / "sources"
    ff.write(
        sources, "bees.md", "# Bees\n\nHoney bees store honey in the upper boxes of the hive.\n"
    )
    settings = Settings(sources_dir=sources, chroma_path=tmp_path / "chroma")
    assert make_ingester(settings, minilm).run([sources]).errors == []
    pdf = ff.write(tmp_path / "desk", "Nitrate report (final).pdf", ff.report_pdf())
    proc, url = start_app(settings, tmp_path / "streamlit.log")
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        box = page.get_by_placeholder("Ask a question about the sources")
        box.wait_for(timeout=30_000)
        # A question first, as a user would. (Without one, the embedded Chroma client
        # fails to read chunks another process added: "Error finding id". That is a
        # store-refresh problem of its own, also seen with the Re-ingest button.)
        box.fill("Where do honey bees store honey?")
        box.press("Enter")
        page.locator(".source-card .where").first.wait_for(timeout=60_000)
        page.locator("[data-testid='stSidebar'] input[type=file]").set_input_files(str(pdf))
        page.locator("[data-testid=stFileChipName]").wait_for(timeout=30_000)
        page.get_by_role("button", name="Add and ingest").click()
        page.get_by_text("added: uploads/Nitrate-report-final.pdf").wait_for(timeout=120_000)
        assert (sources / "uploads" / "Nitrate-report-final.pdf").read_bytes() == pdf.read_bytes()
        page.screenshot(path=str(ARTIFACTS / "upload-summary.png"), full_page=True)

        box = page.get_by_placeholder("Ask a question about the sources")
        box.fill("Why did the nitrate boom end after the First World War?")
        box.press("Enter")
        card = page.locator("[data-testid='stChatMessage']").nth(3).locator(".source-card .where")
        card.first.wait_for(timeout=60_000)
        card = card.first
        assert card.inner_text().startswith("uploads/Nitrate-report-final.pdf · p. 3 · ¶8")
        page.screenshot(path=str(ARTIFACTS / "upload-answer.png"), full_page=True)

        with page.context.expect_page() as opened:
            page.locator("[data-testid='stChatMessage']").nth(3).locator(
                ".source-card a"
            ).first.click()
        viewer = opened.value
        viewer.locator("#p8.target").wait_for(timeout=30_000)
        assert "Haber process" in viewer.locator("#p8").inner_text()
        viewer.get_by_text("¶8 is on page 3.").wait_for(timeout=30_000)
        link = viewer.get_by_role("link", name="Open Nitrate-report-final.pdf at page 3")
        href = link.get_attribute("href")
        assert href and href.endswith(".pdf#page=3")
        viewer.screenshot(path=str(ARTIFACTS / "upload-viewer.png"), full_page=True)
        served = urllib.request.urlopen(f"{url}/{href.split('#')[0]}", timeout=30)
        assert served.headers["Content-Type"] == "application/pdf"
        assert served.read() == pdf.read_bytes()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
