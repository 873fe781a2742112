"""The real page in a real browser: headless Chromium (Debian's) driven by Playwright,
against ``streamlit run app.py`` on 127.0.0.1. Screenshots go to test-artifacts/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import Settings
from tests.helpers import ARTIFACTS, start_app

pytestmark = pytest.mark.slow


@pytest.fixture
def app(article_store: Settings, tmp_path: Path) -> Iterator[str]:
    proc, url = start_app(article_store, tmp_path / "streamlit.log")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_ask_read_the_citation_and_open_it(browser, app: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    started = time.monotonic()
    page.goto(app)
    box = page.get_by_placeholder("Ask a question about the sources")
    box.wait_for(timeout=30_000)
    load_s = time.monotonic() - started
    box.fill("Who translated the article?")
    box.press("Enter")
    citation = page.locator("a.cite").first
    citation.wait_for(timeout=30_000)
    assert citation.inner_text() == "¶17"
    assert (
        page.locator(".source-card mark").first.inner_text() == "Translated by Can Atalay in Ankara"
    )
    page.screenshot(path=str(ARTIFACTS / "chat-answer.png"), full_page=True)
    with context.expect_page() as opened:
        citation.click()
    viewer = opened.value
    target = viewer.locator(".para.target")
    target.wait_for(timeout=30_000)
    assert target.get_attribute("id") == "p17"
    assert "Translated by Can Atalay in Ankara" in target.inner_text()
    assert viewer.locator(".para").count() == 19
    viewer.screenshot(path=str(ARTIFACTS / "source-viewer.png"))
    print(f"page usable after {load_s:.2f}s")


def test_html_in_a_source_is_shown_as_text(browser, tmp_path: Path, minilm) -> None:
    from tests.helpers import make_ingester

    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "hostile.txt").write_text(
        "The archive note says <script>window.pwned=1</script> and "
        '<img src=x onerror="window.pwned=2"> about the Caspian treaty.\n'
    )
    settings = Settings(sources_dir=sources, chroma_path=tmp_path / "chroma")
    make_ingester(settings, minilm).run([sources])
    proc, url = start_app(settings, tmp_path / "streamlit.log")
    try:
        page = browser.new_page()
        page.goto(url)
        box = page.get_by_placeholder("Ask a question about the sources")
        box.wait_for(timeout=30_000)
        box.fill("What does the archive note say about the Caspian treaty?")
        box.press("Enter")
        page.locator(".source-card").first.wait_for(timeout=30_000)
        card = page.locator(".source-card").first.inner_text()
        assert "<script>window.pwned=1</script>" in card
        assert "<img src=x onerror=" in card
        assert page.evaluate("window.pwned") is None
        assert page.locator(".source-card img, .source-card script").count() == 0
        page.screenshot(path=str(ARTIFACTS / "hostile-source.png"), full_page=True)
        viewer = browser.new_page()
        viewer.goto(f"{url}/sources?source=../../../../etc/passwd&p=1")
        viewer.get_by_text("No ingested source has that name").wait_for(timeout=30_000)
        assert "root:" not in viewer.content()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_two_sessions_keep_their_own_history_while_one_reingests(browser, app: str) -> None:
    first = browser.new_context().new_page()
    second = browser.new_context().new_page()
    for page in (first, second):
        page.goto(app)
        page.get_by_placeholder("Ask a question about the sources").wait_for(timeout=30_000)

    def ask(page, question: str, nth: int) -> None:
        box = page.get_by_placeholder("Ask a question about the sources")
        box.fill(question)
        box.press("Enter")
        page.locator("[data-testid='stChatMessage']").nth(2 * nth + 1).locator(
            ".answer, .abstained"
        ).wait_for(timeout=60_000)

    ask(first, "Who translated the article?", 0)
    first.get_by_role("button", name="Re-ingest sources").click()  # runs while the other asks
    ask(second, "Who holds the copyright?", 0)
    ask(second, "Which town did the Armenian army lose?", 1)
    first.get_by_text("Last re-ingest").wait_for(timeout=60_000)
    ask(first, "Who holds the copyright?", 1)
    first_text = first.locator("[data-testid='stChatMessage']").all_inner_texts()
    second_text = second.locator("[data-testid='stChatMessage']").all_inner_texts()
    assert len(first_text) == 4 and len(second_text) == 4
    assert "Who translated the article?" in first_text[0]
    assert not any("Who translated the article?" in t for t in second_text)
    assert not any("Armenian army" in t for t in first_text)
    first.screenshot(path=str(ARTIFACTS / "session-one.png"), full_page=True)
    second.screenshot(path=str(ARTIFACTS / "session-two.png"), full_page=True)
