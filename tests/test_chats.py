"""The chat repository on a real SQLite file: owners, order, rename, delete, feedback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from chats.store import ChatStore, Feedback, FeedbackItem, owner_key
from errors import StoreError
from settings import Settings
from tests.servers import PostgresServer, postgres_server


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ChatStore:
    """The repository on SQLite, and on a real PostgreSQL (a fresh database per test)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chats.sqlite'}"
    else:
        server = request.getfixturevalue("postgres")
        name = f"chats_{abs(hash(request.node.name)) % 10**9}"
        admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = server.url.rsplit("/", 1)[0] + f"/{name}"
    return ChatStore(ChatStore.open(url).engine, Clock())


def answer(question: str, source: str = "a.txt", paragraph: int = 2) -> dict:
    citation = {"source": source, "paragraph": paragraph, "section": None, "quote": "Q.",
                "chunk_hash": "h1", "paragraph_text": "P. Q."}  # fmt: skip
    return {"role": "assistant", "record": {"question": question, "answer": "Q. [¶2]",
            "abstained": False, "citations": [citation], "passages": []}}  # fmt: skip


def ask(store: ChatStore, owner: str, chat_id: str, question: str) -> int:
    store.add_message(owner, chat_id, {"role": "user", "content": question})
    return store.add_message(owner, chat_id, answer(question))


def test_chats_are_listed_newest_first_and_only_to_their_owner(store: ChatStore) -> None:
    first = store.create("alice", "  What is\nthe first question?")
    second = store.create("alice", "Second")
    bobs = store.create("bob", "Bob's")
    assert [c.id for c in store.chats("alice")] == [second, first]
    assert store.chats("alice")[1].title == "What is the first question?"
    ask(store, "alice", first, "Again?")  # activity moves a chat to the top
    assert [c.id for c in store.chats("alice")] == [first, second]
    assert [c.id for c in store.chats("bob")] == [bobs]
    assert store.get("bob", first) is None and store.get("alice", bobs) is None
    with pytest.raises(KeyError):
        store.add_message("bob", first, {"role": "user", "content": "sneak"})
    assert not store.rename("bob", first, "mine") and not store.delete("bob", first)
    assert len(first) >= 43 and first != second


def test_messages_keep_their_citations_as_answered(store: ChatStore) -> None:
    chat_id = store.create("alice", "Q1")
    message_id = ask(store, "alice", chat_id, "Q1")
    chat = store.get("alice", chat_id)
    assert chat is not None and [m["role"] for m in chat.messages] == ["user", "assistant"]
    assert chat.messages[1]["id"] == message_id
    assert chat.messages[1]["record"]["citations"][0]["paragraph_text"] == "P. Q."


def test_rename_and_delete_with_feedback(store: ChatStore) -> None:
    chat_id = store.create("alice", "Q1")
    message_id = ask(store, "alice", chat_id, "Q1")
    assert store.rename("alice", chat_id, "  Renamed  chat ")
    assert store.get("alice", chat_id).title == "Renamed chat"  # type: ignore[union-attr]
    assert not store.set_feedback("bob", message_id, Feedback("up"))
    assert store.set_feedback("alice", message_id, Feedback("down", "paragraph", "a.txt", 6))
    assert store.get("alice", chat_id).feedback[message_id].paragraph == 6  # type: ignore[union-attr]
    assert len(store.all_feedback()) == 1
    assert store.delete("alice", chat_id)
    assert store.get("alice", chat_id) is None and store.all_feedback() == []
    with store.engine.connect() as conn:
        counts = [conn.execute(text(f"select count(*) from {t}")).scalar()
                  for t in ("chat_chats", "chat_messages", "chat_feedback")]  # fmt: skip
    assert counts == [0, 0, 0]


def test_owner_tokens_are_stored_only_as_hashes(tmp_path: Path) -> None:
    store = ChatStore.open(f"sqlite:///{tmp_path / 'chats.sqlite'}")
    store.create("secret-token-of-alice", "Q")
    raw = (tmp_path / "chats.sqlite").read_bytes() + (tmp_path / "chats.sqlite-wal").read_bytes()
    assert b"secret-token-of-alice" not in raw
    assert owner_key("secret-token-of-alice").encode() in raw


def test_feedback_items_carry_the_question_and_earlier_turns(store: ChatStore) -> None:
    chat_id = store.create("alice", "Who signed it?")
    ask(store, "alice", chat_id, "Who signed it?")
    second = ask(store, "alice", chat_id, "And when?")
    store.set_feedback("alice", second, Feedback("down", "unanswerable", note="not there"))
    (item,) = store.all_feedback()
    assert item.question == "And when?" and item.earlier_questions == ["Who signed it?"]
    assert item.feedback.verdict == "unanswerable" and item.feedback.note == "not there"
    store.set_feedback("alice", second, None)
    assert store.all_feedback() == []


@pytest.mark.parametrize(
    "args",
    [("meh",), ("down", "paragraph", None, 3), ("down", "paragraph", "a.txt", 0), ("up", "wrong")],
)
def test_bad_feedback_is_refused(args: tuple) -> None:
    with pytest.raises(ValueError):
        Feedback(*args)


def test_an_unusable_database_is_named(tmp_path: Path) -> None:
    (tmp_path / "chats.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="CHATS_URL"):
        ChatStore.open(f"sqlite:///{tmp_path / 'chats.sqlite'}")


def test_chats_live_beside_the_store_or_with_a_postgres_record_manager() -> None:
    assert Settings(chroma_path=Path("/s")).chats_url == "sqlite:////s/chats.sqlite"
    moved = Settings(chroma_path=Path("/s")).with_(chroma_path=Path("/t"))
    assert moved.chats_url == "sqlite:////t/chats.sqlite"
    pinned = Settings(chats_url="sqlite:////x.db").with_(chroma_path=Path("/t"))
    assert pinned.chats_url == "sqlite:////x.db"
    pg = Settings.from_env({"RECORD_MANAGER_URL": "postgresql+psycopg://h/qa"})
    assert pg.chats_url == "postgresql+psycopg://h/qa"
    assert Settings.from_env({"CHATS_URL": "sqlite:////c.db"}).chats_url == "sqlite:////c.db"
    assert Settings.from_env(Settings(chroma_path=Path("/s")).to_env()).chats_url.endswith(
        "/s/chats.sqlite"
    )


def test_feedback_becomes_cases_and_follow_ups_keep_their_turns() -> None:
    from evals.feedback import build, to_yaml

    def item(rating, verdict=None, q="Q?", earlier=(), search=None, **answer):
        fb = Feedback(rating, verdict, "a.txt" if verdict == "paragraph" else None,
                      4 if verdict == "paragraph" else None)  # fmt: skip
        record = {"question": q, "search_query": search or q, **answer}
        return FeedbackItem(fb, q, list(earlier), record, 0.0)

    found = build([
        item("down", "paragraph", "And then?", ["First?"], search="First? And then?"),
        item("down", "unanswerable", "Lone?", ["First?"]),
        item("up", q="Right?", abstained=False, citations=[{"source": "b.txt", "paragraph": 2}]),
        item("down", q="No verdict?"),
        item("up", q="Lone?", abstained=True),  # a later verdict on the same question wins
    ])  # fmt: skip
    assert found.skipped == 1 and len(found.cases) == 3
    by_q = {tuple(c.get("turns") or [c["question"]]): c for c in found.cases}
    assert by_q[("First?", "And then?")]["expected"] == [{"source": "a.txt", "paragraph": 4}]
    assert by_q[("Lone?",)]["answerable"] is False
    assert by_q[("Right?",)]["expected"] == [{"source": "b.txt", "paragraph": 2}]
    assert len({c["id"] for c in found.cases}) == 3
    assert yaml.safe_load(to_yaml(found, "fb"))["questions"] == found.cases


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("from qa.pipeline import Assistant\n", True),
        ("from vectorstore.catalog import make_engine\n", True),
        ("import streamlit\n", True),
        ("import sqlite3\n", True),
        ("import chromadb\n", True),
        ("from errors import StoreError\nfrom settings import Settings\n", False),
        ("from sqlalchemy import select\n", False),
    ],
)
def test_chats_imports_only_settings_and_errors(source: str, refused: bool) -> None:
    import subprocess

    from settings import PROJECT_ROOT

    run = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "ruff"), "check", "--select", "TID251",
         "--stdin-filename", "chats/x.py", "-"],
        input=source, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ("TID251" in run.stdout) is refused
