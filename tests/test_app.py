"""The Streamlit app through ``AppTest``: the real script, real model and store."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from settings import Settings
from tests.helpers import ARTICLE, markdown, use

pytestmark = pytest.mark.slow


def test_ask_a_question_and_get_a_cited_answer(article_store: Settings, monkeypatch) -> None:
    at = use(article_store, monkeypatch)
    assert not at.exception
    assert "New chat" in [b.label for b in at.button]
    assert any(b.label == "Why did Iran fear the result of the war?" for b in at.button)
    at.chat_input[0].set_value("Who translated the article?").run()
    assert not at.exception
    text = markdown(at)
    assert 'href="sources?source=iran-after-karabakh.txt&amp;p=17' in text
    assert "<sup>¶17</sup>" in text and "<mark>Translated by Can Atalay in Ankara</mark>" in text
    # A follow-up keeps the history; the session holds both answers with their sources.
    at.chat_input[0].set_value("Who holds the copyright?").run()
    records = [m["record"] for m in at.session_state["messages"] if "record" in m]
    assert len(records) == 2 and records[1]["citations"][0]["paragraph"] == 19
    assert records[0]["citations"][0]["paragraph_text"] == "Translated by Can Atalay in Ankara"
    # "New chat" clears it.
    next(b for b in at.button if b.label == "New chat").click().run()
    assert at.session_state["messages"] == []


def test_clicking_an_example_asks_it(article_store: Settings, monkeypatch) -> None:
    at = use(article_store, monkeypatch)
    next(b for b in at.button if b.label.startswith("Who signed the peace deal")).click().run()
    records = [m["record"] for m in at.session_state["messages"] if "record" in m]
    assert (
        records and records[0]["question"] == "Who signed the peace deal that ended the fighting?"
    )
    assert not any(b.label.startswith("Who signed") for b in at.main.button)  # examples gone


def test_abstention_looks_different_and_lists_closest_passages(article_store, monkeypatch) -> None:
    at = use(article_store, monkeypatch)
    at.chat_input[0].set_value("Who won the 2022 FIFA World Cup?").run()
    text = markdown(at)
    assert '<div class="abstained">The sources don' in text
    assert "**Closest passages**" in text and text.count('class="source-card"') == 3


def test_bad_question_shows_a_warning_not_a_crash(article_store, monkeypatch) -> None:
    at = use(article_store, monkeypatch)
    at.chat_input[0].set_value("?! …").run()
    assert not at.exception
    assert "no words" in at.warning[0].value


def test_the_length_limit_is_part_of_the_input(article_store, monkeypatch) -> None:
    """The input knows the limit (the browser stops typing there), so an over-long
    question is never sent and refused afterwards."""
    at = use(article_store, monkeypatch)
    assert at.chat_input[0].proto.max_chars == 2000
    at.chat_input[0].set_value("x" * 5000).run()
    assert not at.exception
    assert len(at.session_state["messages"][0]["content"]) == 2000


def counts(at: AppTest) -> list[str]:
    """The sidebar's index counts, as shown (whole numbers with separators)."""
    return re.findall(r'<span class="n">([\d,]+)</span>', markdown(at))


def wait_for_ingest(at: AppTest, timeout_s: float = 300) -> dict:
    """Rerun the page (as the progress fragment does in a browser) until the re-ingest
    child has finished and been reaped; a hang guard, not a timing condition."""
    deadline = time.monotonic() + timeout_s
    while at.session_state["ingest_job"] is not None:
        assert time.monotonic() < deadline, "the re-ingest never finished"
        time.sleep(0.5)
        at.run()
        assert not at.exception
    return at.session_state["last_ingest_summary"]


def reaped(pid: int) -> bool:
    """True when no process (zombie included) has this pid any more."""
    return not Path(f"/proc/{pid}").exists()


def test_first_run_ingest_then_reingest(tmp_path: Path, monkeypatch) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(ARTICLE, sources / ARTICLE.name)
    settings = Settings(sources_dir=sources, chroma_path=tmp_path / "chroma")
    at = use(settings, monkeypatch)
    assert "Nothing is indexed yet" in at.info[0].value
    next(b for b in at.button if b.label == "Ingest sources").click().run()
    assert not at.exception
    first = wait_for_ingest(at)
    assert first["added"] == 20 and first["exit_code"] == 0
    assert counts(at) == ["1", "19", "20"]
    assert at.chat_input, "the chat is open after the first ingest"

    (sources / "notes.md").write_text(
        "# Notes\n\nThe Aktau convention settled the Caspian's status.\n"
    )
    next(b for b in at.button if b.label == "Re-ingest sources").click().run()
    job = at.session_state["ingest_job"]
    assert job is not None and not any(b.label == "Re-ingest sources" for b in at.button)
    # A question sent while the child runs: the job, its progress and its summary survive.
    at.chat_input[0].set_value("Who translated the article?").run()
    assert not at.exception
    last = at.session_state["messages"][-1]
    assert "record" in last, last
    assert last["record"]["citations"][0]["paragraph"] == 17
    summary = wait_for_ingest(at)
    assert reaped(job.pid), "the finished re-ingest was waited for (no zombie)"
    assert counts(at) == ["2", "21", "21"]
    assert summary["added"] == 1 and summary["skipped"] == 20 and summary["exit_code"] == 0
    assert "Last re-ingest" in [e.label for e in at.expander]
    at.chat_input[0].set_value("What settled the Caspian's status?").run()
    records = [m["record"] for m in at.session_state["messages"] if "record" in m]
    assert records[-1]["citations"][0]["source"] == "notes.md"
