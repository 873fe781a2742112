"""Saved chats in a real browser (Debian's Chromium through Playwright) against
``streamlit run app.py``: reload, export, two browsers kept apart, an app restart,
and an app killed with SIGKILL leaving every database intact."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from settings import Settings
from tests.helpers import ARTIFACTS, start_app
from ui.conversations import MISSING

pytestmark = pytest.mark.slow
BOX = "Ask a question about the sources"


def ask(page, question: str, answers_before: int) -> None:
    box = page.get_by_placeholder(BOX)
    box.wait_for(timeout=60_000)
    box.fill(question)
    box.press("Enter")
    page.locator(".answer, .abstained").nth(answers_before).wait_for(timeout=60_000)


def own_store(article_store: Settings, tmp_path: Path) -> Settings:
    """A private copy of the article's store (these tests kill the app over it)."""
    shutil.copytree(
        article_store.chroma_path, tmp_path / "chroma", ignore=shutil.ignore_patterns("chats.*")
    )
    return article_store.with_(chroma_path=tmp_path / "chroma")


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_chats_come_back_export_and_stay_with_their_browser(
    browser,
    article_store: Settings,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    settings = own_store(article_store, tmp_path)
    proc, url = start_app(settings, tmp_path / "streamlit.log")
    try:
        alice_ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
        alice = alice_ctx.new_page()
        alice.goto(url)
        ask(alice, "Who translated the article?", 0)
        ask(alice, "Who signed the peace deal that ended the fighting?", 1)
        alice.wait_for_url("**chat=*", timeout=30_000)
        chat_url = alice.url
        chat_id = chat_url.split("chat=")[1].split("&")[0]
        assert len(chat_id) >= 43

        alice.reload()
        alice.locator("a.cite").first.wait_for(timeout=60_000)
        assert alice.locator("a.cite").first.inner_text() == "¶17"
        # The page draws the reopened answers one after the other: wait for the second
        # one's source card (a hang guard), then read them.
        alice.locator(".source-card mark").nth(1).wait_for(timeout=60_000)
        marks = alice.locator(".source-card mark").all_inner_texts()
        assert "Translated by Can Atalay in Ankara" in marks and len(marks) >= 2
        sidebar = alice.locator("[data-testid='stSidebar']")
        sidebar.get_by_role("button", name="Who translated the article?").wait_for()

        sidebar.get_by_text("This chat", exact=True).click()
        with alice.expect_download(timeout=30_000) as download:
            sidebar.get_by_role("button", name="Export as Markdown").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert "## Who translated the article?" in exported
        assert "iran-after-karabakh.txt, ¶17" in exported
        assert "Supporting sentence: “Translated by Can Atalay in Ankara”" in exported
        # Every citation on the page is in the export (and the page has drawn them all).
        expect(alice.locator(".source-card .where")).to_have_count(
            exported.count("Supporting sentence:"), timeout=60_000
        )
        alice.screenshot(path=str(ARTIFACTS / "chat-reopened.png"), full_page=True)

        bob = browser.new_context().new_page()
        bob.goto(chat_url)  # Alice's URL, typed into another browser
        bob.get_by_text(MISSING).wait_for(timeout=60_000)
        assert "Can Atalay" not in bob.content()
        bob_sidebar = bob.locator("[data-testid='stSidebar']")
        assert bob_sidebar.get_by_role("button", name="Who translated the article?").count() == 0
        ask(bob, "Who holds the copyright?", 0)
        bob_sidebar.get_by_role("button", name="Who holds the copyright?").wait_for()
        bob.screenshot(path=str(ARTIFACTS / "chat-other-browser.png"), full_page=True)
        alice.reload()
        alice.locator("a.cite").first.wait_for(timeout=60_000)
        assert sidebar.get_by_role("button", name="Who holds the copyright?").count() == 0

        # The app restarts: the chat is still there for its browser.
        proc.terminate()
        proc.wait(timeout=30)
        proc, url = start_app(settings, tmp_path / "streamlit-2.log")
        alice.goto(f"{url}/?chat={chat_id}")
        alice.locator(
            ".source-card mark", has_text="Translated by Can Atalay in Ankara"
        ).first.wait_for(timeout=60_000)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_killed_app_leaves_chats_and_store_intact(
    browser,
    article_store: Settings,
    tmp_path: Path,
) -> None:
    settings = own_store(article_store, tmp_path)
    proc, url = start_app(settings, tmp_path / "streamlit-0.log")
    page = browser.new_context().new_page()
    try:
        page.goto(url)
        ask(page, "Who translated the article?", 0)
        page.wait_for_url("**chat=*", timeout=30_000)
        chat_id = page.url.split("chat=")[1].split("&")[0]
        # Kill the app at several moments after a question is sent: before, during
        # and after the answer is written to the chat database.
        for round_, delay_s in enumerate((0.05, 0.3, 1.0), start=1):
            box = page.get_by_placeholder(BOX)
            box.fill(f"Who holds the copyright? ({round_})")
            box.press("Enter")
            time.sleep(delay_s)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            for db in ("chats.sqlite", "record_manager.sqlite", "chroma.sqlite3"):
                assert integrity(settings.chroma_path / db) == "ok", (round_, db)
            proc, url = start_app(settings, tmp_path / f"streamlit-{round_}.log")
            page.goto(f"{url}/?chat={chat_id}")
            page.locator("a.cite").first.wait_for(timeout=60_000)
            assert page.locator("a.cite").first.inner_text() == "¶17"
        answers = page.locator(".answer, .abstained").count()
        ask(page, "Which town did the Armenian army lose?", answers)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_reopened_chat_says_when_its_source_changed(
    browser,
    tmp_path: Path,
    minilm,
) -> None:
    from tests.helpers import ARTICLE, make_ingester

    (tmp_path / "sources").mkdir()
    shutil.copy(ARTICLE, tmp_path / "sources" / ARTICLE.name)
    settings = Settings(sources_dir=tmp_path / "sources", chroma_path=tmp_path / "chroma")
    assert make_ingester(settings, minilm).run([settings.sources_dir]).errors == []
    proc, url = start_app(settings, tmp_path / "streamlit.log")
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        page.goto(url)
        ask(page, "Who translated the article?", 0)
        page.wait_for_url("**chat=*", timeout=30_000)
        chat_url = page.url
        assert page.locator(".source-card .changed").count() == 0

        article = next((tmp_path / "sources").iterdir())
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace("Can Atalay in Ankara", "Jane Roe in Izmir"))
        page.get_by_role("button", name="Re-ingest sources").click()
        # The summary's header can arrive a moment before its lines: wait for the line
        # itself (a hang guard, not a timing condition).
        from playwright.sync_api import expect

        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar).to_contain_text("1 updated", timeout=120_000)
        page.goto(chat_url)
        notice = page.locator(".source-card .changed").first
        notice.wait_for(timeout=60_000)
        assert notice.inner_text() == "source changed since this answer: shown as it was"
        # What the answer rested on, not the source as it is now.
        page.locator(
            ".source-card mark", has_text="Translated by Can Atalay in Ankara"
        ).first.wait_for(timeout=60_000)
        assert "Jane Roe" not in " ".join(page.locator(".source-card mark").all_inner_texts())
        page.screenshot(path=str(ARTIFACTS / "chat-source-changed.png"), full_page=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
