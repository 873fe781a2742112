"""Saved chats in the real app (AppTest, real model and store): reopen, rename,
delete, owners kept apart, feedback turned into an eval set that runs, and the
notice on an answer whose source changed since."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from chats.export import to_markdown
from chats.store import ChatStore, new_token
from settings import PROJECT_ROOT, Settings
from tests.helpers import ARTICLE, make_ingester
from ui.conversations import MISSING

pytestmark = pytest.mark.slow
APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture
def chat_settings(article_store: Settings, tmp_path: Path) -> Settings:
    """The shared article store, with this test's own chat database."""
    return article_store.with_(chats_url=f"sqlite:///{tmp_path / 'chats.sqlite'}")


def open_app(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, owner: str, chat: str | None = None
) -> AppTest:
    """A fresh browser session (a reload): the owner's token, the URL's chat id."""
    for name, value in settings.to_env().items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["owner_token"] = owner
    if chat:
        at.query_params["chat"] = chat
    return at.run()


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    return at


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def chat_titles(at: AppTest) -> list[str]:
    return [b.label for b in at.sidebar.button if (b.key or "").startswith("open-")]


def test_a_reload_reopens_the_chat_with_its_citations(chat_settings, monkeypatch) -> None:
    owner = new_token()
    at = open_app(chat_settings, monkeypatch, owner)
    ask(at, "Who translated the article?")
    ask(at, "Who holds the copyright?")
    chat_id = at.query_params["chat"]
    assert len(chat_id) >= 43
    assert chat_titles(at) == ["Who translated the article?"]

    again = open_app(chat_settings, monkeypatch, owner, chat=chat_id)
    assert not again.exception
    assert [m.value for m in again.chat_message[0].children.values() if hasattr(m, "value")]
    text = markdown(again)
    assert "<sup>¶17</sup>" in text and "<mark>Translated by Can Atalay in Ankara</mark>" in text
    assert "<sup>¶19</sup>" in text
    records = [m["record"] for m in again.session_state["messages"] if "record" in m]
    assert [r["citations"][0]["paragraph"] for r in records] == [17, 19]
    assert records[0]["citations"][0]["paragraph_text"] == "Translated by Can Atalay in Ankara"
    assert "source changed since" not in text
    # A follow-up in the reopened chat leans on its history and is saved into it.
    ask(again, "Who holds the copyright?")
    chat = ChatStore.open(chat_settings.chats_url).get(owner, chat_id)
    assert chat is not None and len(chat.messages) == 6


def test_rename_export_and_delete(chat_settings, monkeypatch) -> None:
    owner = new_token()
    at = open_app(chat_settings, monkeypatch, owner)
    ask(at, "Who translated the article?")
    chat_id = at.query_params["chat"]
    at.sidebar.text_input(key=f"title-{chat_id}").set_value("The translator").run()
    at.sidebar.button(key="rename-chat").click().run()
    assert chat_titles(at) == ["The translator"]
    assert chat_titles(open_app(chat_settings, monkeypatch, owner)) == ["The translator"]
    assert at.sidebar.get("download_button"), "the open chat can be exported"

    at.feedback[0].set_value(1).run()
    store = ChatStore.open(chat_settings.chats_url)
    assert len(store.all_feedback()) == 1
    at.sidebar.button(key="delete-chat").click().run()
    at.sidebar.button(key="delete-chat-cancelled").click().run()  # changed their mind
    assert chat_titles(at) == ["The translator"]
    at.sidebar.button(key="delete-chat").click().run()
    at.sidebar.button(key="delete-chat-confirmed").click().run()
    assert not at.exception
    assert chat_titles(at) == [] and "chat" not in at.query_params
    assert at.session_state["messages"] == []
    assert store.chats(owner) == [] and store.all_feedback() == []
    reopened = open_app(chat_settings, monkeypatch, owner, chat=chat_id)
    assert MISSING in [i.value for i in reopened.info]


def test_a_browser_sees_only_its_own_chats(chat_settings, monkeypatch) -> None:
    alice, bob = new_token(), new_token()
    at = open_app(chat_settings, monkeypatch, alice)
    ask(at, "Who translated the article?")
    alices_chat = at.query_params["chat"]

    other = open_app(chat_settings, monkeypatch, bob, chat=alices_chat)
    assert MISSING in [i.value for i in other.info]
    assert other.session_state["messages"] == [] and chat_titles(other) == []
    assert "Can Atalay" not in markdown(other)
    ask(other, "Who holds the copyright?")
    assert other.query_params["chat"] != alices_chat
    assert chat_titles(other) == ["Who holds the copyright?"]
    assert chat_titles(open_app(chat_settings, monkeypatch, alice)) == [
        "Who translated the article?"
    ]


def test_thumbs_down_with_a_paragraph_becomes_an_eval_case_that_runs(
    chat_settings, monkeypatch, tmp_path: Path
) -> None:
    owner = new_token()
    at = open_app(chat_settings, monkeypatch, owner)
    ask(at, "Why did Iran fear the result of the war?")
    ask(at, "Who won the 2022 FIFA World Cup?")
    at.feedback[0].set_value(0).run()  # thumbs down on the first answer
    at.radio(key=at.radio[0].key).set_value("paragraph")
    at.number_input[0].set_value(6)
    next(b for b in at.button if b.label == "Send feedback").click().run()
    assert not at.exception
    assert any("noted that the answer is ¶6 of" in c.value for c in at.caption)
    (given,) = ChatStore.open(chat_settings.chats_url).all_feedback()
    assert (given.feedback.source, given.feedback.paragraph) == ("iran-after-karabakh.txt", 6)
    at.feedback[1].set_value(1).run()  # thumbs up on the abstention
    again = open_app(chat_settings, monkeypatch, owner, chat=at.query_params["chat"])
    assert [f.value for f in again.feedback] == [0, 1], "the thumbs come back with the chat"
    assert any("noted that the answer is ¶6 of" in c.value for c in again.caption)

    env = {**os.environ, **chat_settings.with_(evals_dir=tmp_path / "runs").to_env()}
    out = tmp_path / "from-feedback.yaml"
    made = subprocess.run(
        [sys.executable, "-m", "evals", "from-feedback", "--out", str(out)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "2 cases (1 answerable, 1 unanswerable)" in made.stdout
    cases = yaml.safe_load(out.read_text())["questions"]
    assert cases[0]["question"] == "Why did Iran fear the result of the war?"
    assert cases[0]["expected"] == [{"source": "iran-after-karabakh.txt", "paragraph": 6}]
    assert cases[1]["answerable"] is False

    ran = subprocess.run(
        [sys.executable, "-m", "evals", "run", str(out), "--out", str(tmp_path / "run")],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    rows = [json.loads(x) for x in (tmp_path / "run" / "results.jsonl").read_text().splitlines()]
    assert [r["question"] for r in rows] == [c["question"] for c in cases]
    assert rows[0]["expected"] == [["iran-after-karabakh.txt", 6]]
    assert rows[1]["scores"]["passed"] is True  # the abstention is still an abstention
    assert "from-feedback: hit@1=" in ran.stdout  # the run names the set and scores it


def test_from_feedback_without_feedback_says_what_to_do(chat_settings, tmp_path: Path) -> None:
    env = {**os.environ, **chat_settings.to_env()}
    made = subprocess.run(
        [sys.executable, "-m", "evals", "from-feedback", "--out", str(tmp_path / "x.yaml")],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert made.returncode == 1 and "thumbs down naming the paragraph" in made.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_an_answer_whose_source_changed_says_so(tmp_path: Path, minilm, monkeypatch) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(ARTICLE, sources / ARTICLE.name)
    settings = Settings(
        sources_dir=sources,
        chroma_path=tmp_path / "chroma",
        tiktoken_cache_dir=PROJECT_ROOT / ".cache" / "tiktoken",
    )
    make_ingester(settings, minilm).run([sources])
    owner = new_token()
    at = open_app(settings, monkeypatch, owner)
    ask(at, "Who translated the article?")
    ask(at, "Who holds the copyright?")
    chat_id = at.query_params["chat"]
    assert (tmp_path / "chroma" / "chats.sqlite").exists(), "chats live beside the store"

    text = (sources / ARTICLE.name).read_text()
    edited = text.replace("Translated by Can Atalay in Ankara", "Translated by Jane Roe in Izmir")
    assert edited != text
    (sources / ARTICLE.name).write_text(edited)
    make_ingester(settings, minilm).run([sources])

    again = open_app(settings, monkeypatch, owner, chat=chat_id)
    page = markdown(again)
    assert page.count("source changed since this answer") == 1  # ¶19 did not change
    assert "<mark>Translated by Can Atalay in Ankara</mark>" in page  # what it rested on
    exported = to_markdown("t", again.session_state["messages"], frozenset(
        {("iran-after-karabakh.txt", again.session_state["messages"][1]["record"]["citations"][0]["chunk_hash"])}
    ))  # fmt: skip
    assert "source changed since this answer" in exported


def test_export_has_every_citation(chat_settings, monkeypatch) -> None:
    at = open_app(chat_settings, monkeypatch, new_token())
    for question in (
        "Who translated the article?",
        "Who signed the peace deal that ended the fighting?",
    ):
        ask(at, question)
    messages = at.session_state["messages"]
    text = to_markdown("Chat", messages)
    cited = [c for m in messages for c in m.get("record", {}).get("citations", [])]
    assert len(cited) >= 2
    for c in cited:
        assert f"{c['source']}, ¶{c['paragraph']}" in text
        assert f"Supporting sentence: “{c['quote']}”" in text
        assert c["paragraph_text"].splitlines()[0] in text
    assert "## Who translated the article?" in text


def test_evals_page_charts_runs_and_compares_two(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    for name, created, passed, rank, mrr in (
        ("a", "2026-01-01T10:00:00", [True, False], [1, 3], 0.6),
        ("b", "2026-01-02T10:00:00", [False, True], [2, 1], 0.75),
    ):
        run = root / name
        run.mkdir(parents=True)
        report = {"set": "s", "created": created, "metrics": {"mrr": mrr, "hit@1": 0.5},
                  "failed_thresholds": []}  # fmt: skip
        (run / "report.json").write_text(json.dumps(report))
        rows = [{"id": f"q{i}", "question": f"Q{i}?", "scores": {"passed": p, "rank": r}}
                for i, (p, r) in enumerate(zip(passed, rank))]  # fmt: skip
        (run / "results.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
        (run / "report.md").write_text(f"# run {name}")
    (root / "broken").mkdir()
    (root / "broken" / "report.json").write_text("{not json")

    def page(root: str) -> None:
        from pathlib import Path

        from ui.evals_history import show_comparison, show_history

        runs = sorted(Path(root).iterdir(), reverse=True)
        show_history(runs, Path(root))
        show_comparison([r for r in runs if r.name != "broken"], Path(root))

    at = AppTest.from_function(page, args=(str(root),), default_timeout=60).run()
    assert not at.exception
    assert "1 better · 1 worse · 0 unchanged" in markdown(at)
    table = at.dataframe[0].value
    assert list(table["change"]) == ["worse", "better"]
    assert list(table["detail"]) == ["passed → failed", "failed → passed"]
    assert at.get("arrow_line_chart") or at.get("vega_lite_chart")

    # The Evals page itself shows both, under the report.
    shutil.rmtree(root / "broken")

    def evals(root: str) -> None:
        from pathlib import Path

        from settings import Settings
        from ui.evals_page import evals_page

        evals_page(Settings(evals_dir=Path(root)))

    at = AppTest.from_function(evals, args=(str(root),), default_timeout=60).run()
    assert not at.exception
    assert [s.value for s in at.subheader][-2:] == ["Across runs", "Compare two runs"]
    assert "1 better · 1 worse · 0 unchanged" in markdown(at)
    assert len(at.get("vega_lite_chart") or at.get("arrow_line_chart")) == 1  # no latency
