"""The page's rough edges in a real browser (Debian's Chromium through Playwright)
against ``streamlit run app.py``: no request leaves 127.0.0.1, long paragraphs and
bidi text, whole counts, hover previews, the copy button, and a re-ingest that
survives a question."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from settings import Settings
from tests.helpers import ARTICLE, ARTIFACTS, start_app

pytestmark = pytest.mark.slow
BOX = "Ask a question about the sources"


def ask(page, question: str, nth: int) -> None:
    box = page.get_by_placeholder(BOX)
    box.fill(question)
    box.press("Enter")
    page.locator("[data-testid='stChatMessage']").nth(2 * nth + 1).locator(
        ".answer, .abstained"
    ).wait_for(timeout=60_000)


def test_the_page_stays_local_and_holds_hard_sources(
    browser, page_store: Settings, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    proc, url = start_app(page_store, tmp_path / "streamlit.log")
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        requested: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        page.goto(url)
        box = page.get_by_placeholder(BOX)
        box.wait_for(timeout=60_000)
        # The limit is shown while typing, before anything is sent.
        box.fill("Where does")
        hint = page.locator(".stChatInputInstructions")
        hint.wait_for(timeout=10_000)
        assert "10/2000" in hint.inner_text().replace(",", "")
        box.fill("")

        # Counts of four and more digits are shown whole, not cut to "1…".
        numbers = page.locator(".index-counts .n")
        expect(numbers).to_have_count(3, timeout=30_000)  # the sidebar may draw after the box
        for i in range(3):
            cell = numbers.nth(i)
            assert cell.evaluate("e => e.scrollWidth <= e.clientWidth"), cell.inner_text()
        assert "," in numbers.nth(1).inner_text() and "…" not in numbers.nth(1).inner_text()

        # A 200 KB paragraph: an excerpt around the quote, in a card that collapses.
        ask(page, "Where does the blue heron nest?", 0)
        card = page.locator("details.source-card").filter(has_text="heron-survey.txt").first
        assert "The blue heron nests in the reed beds of Lake Tana." in card.inner_text()
        assert len(card.inner_text()) < 5_000
        assert card.get_by_text("show all (202,").is_visible()
        card.locator("summary").first.click(position={"x": 5, "y": 5})
        assert card.evaluate("e => e.open") is False
        # Hovering a marker previews the cited sentence (a title, as text).
        title = page.locator("a.cite").first.get_attribute("title")
        assert "Lake Tana" in title and title.startswith("heron-survey.txt ¶2: ")
        # The copy button puts the answer and its citations on the clipboard.
        button = page.frame_locator("iframe").first.get_by_role("button", name="Copy answer")
        button.click()
        page.frame_locator("iframe").first.get_by_text("Copied").wait_for(timeout=10_000)
        copied = page.evaluate("navigator.clipboard.readText()")
        assert "Lake Tana" in copied and "Sources:" in copied

        # Bidi controls in a source are shown as code points, not obeyed.
        ask(page, "What does the shipment code read at the customs office of Varna?", 1)
        answer = page.locator(".answer").nth(1).inner_text()
        assert "⟨U+202E⟩TXT.EXE⟨U+202C⟩" in answer and "\u202e" not in answer
        page.screenshot(path=str(ARTIFACTS / "page-hard-sources.png"), full_page=True)
        viewer = context.new_page()
        viewer.goto(f"{url}/sources?source=customs-log.txt&p=2")
        viewer.locator(".para.target").wait_for(timeout=30_000)
        assert "⟨U+202E⟩TXT.EXE⟨U+202C⟩" in viewer.locator(".para.target").inner_text()

        # Nothing was asked of any host but the app's own.
        icons = page.locator("link[rel*='icon']")
        assert icons.count() >= 1 and all(
            urlparse(icons.nth(i).get_attribute("href") or "").hostname in (None, "127.0.0.1")
            for i in range(icons.count())
        )
        outside = [
            u
            for u in requested
            if urlparse(u).scheme in ("http", "https", "ws", "wss")
            and urlparse(u).hostname != "127.0.0.1"
        ]
        assert requested and outside == []
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def zombies(parent: int) -> list[str]:
    """Children of ``parent`` that exited and were never waited for."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] == "Z":
            found.append(stat.parent.name)
    return found


def test_a_question_during_a_reingest_keeps_its_progress_and_summary(
    browser, tmp_path: Path, minilm
) -> None:
    from tests.helpers import make_ingester

    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(ARTICLE, sources / ARTICLE.name)
    settings = Settings(sources_dir=sources, chroma_path=tmp_path / "chroma")
    make_ingester(settings, minilm).run([sources])
    proc, url = start_app(settings, tmp_path / "streamlit.log")
    try:
        page = browser.new_page()
        page.goto(url)
        page.get_by_placeholder(BOX).wait_for(timeout=60_000)
        # Enough new text that the re-ingest is still embedding when the answer is back.
        (sources / "ledger.txt").write_text(
            "\n\n".join(f"Ledger line {n}: crate {n * 3} left the Aktau depot." for n in range(600))
        )
        page.get_by_role("button", name="Re-ingest sources").click()
        progress = page.locator("[data-testid='stProgress']")
        progress.wait_for(timeout=30_000)
        ask(page, "Who translated the article?", 0)
        assert page.locator("a.cite").first.inner_text() == "¶17"
        # Still embedding: the bar is there; already done: its summary is. Never neither.
        summary = page.get_by_text("Last re-ingest")
        assert progress.is_visible() or summary.is_visible(), "the re-ingest survives the question"
        summary.wait_for(timeout=300_000)
        # The summary's header can arrive a moment before its lines (a hang guard).
        from playwright.sync_api import expect

        expect(page.get_by_text("added: ledger.txt")).to_be_visible(timeout=120_000)
        assert zombies(proc.pid) == []  # the summary is kept only once the child is reaped
        page.screenshot(path=str(ARTIFACTS / "reingest-during-question.png"), full_page=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
