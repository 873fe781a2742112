"""Chats kept in one SQL database (``CHATS_URL``): SQLite beside the store by
default, or the record manager's PostgreSQL.

Three tables, prefixed ``chat_`` so they can share the record manager's database:

* ``chat_chats``: one row per chat, its unguessable id, its owner and its title;
* ``chat_messages``: the chat's messages in order, each the JSON the page shows
  (an answer keeps its citations, quotes and paragraph texts as they were);
* ``chat_feedback``: at most one verdict per answer.

Owners are browsers: the page hands in a secret token per browser and only its
SHA-256 is stored, so a copy of the database does not let anyone act as an owner.
Every read and write names the owner; another owner's chat is simply not there.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from errors import StoreError

TITLE_CHARS = 80
_metadata = MetaData()
_chats = Table(
    "chat_chats",
    _metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("chat_chats_owner", "owner", "updated_at"),
)
_messages = Table(
    "chat_messages",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", String(64), ForeignKey("chat_chats.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)
_feedback = Table(
    "chat_feedback",
    _metadata,
    Column("message_id", Integer, ForeignKey("chat_messages.id"), primary_key=True),
    Column("chat_id", String(64), ForeignKey("chat_chats.id"), nullable=False, index=True),
    Column("rating", String(8), nullable=False),
    Column("verdict", String(16)),
    Column("source", Text),
    Column("paragraph", Integer),
    Column("note", Text),
    Column("created_at", Float, nullable=False),
)
RATINGS = ("up", "down")
VERDICTS = ("paragraph", "unanswerable")


def owner_key(token: str) -> str:
    """What is stored for an owner: the hash of the browser's secret, never the secret.

    >>> owner_key("abc")[:12]
    'ba7816bf8f01'
    """
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """An unguessable id (256 bits) for a chat or an owner.

    >>> len(new_token()) >= 43 and new_token() != new_token()
    True
    """
    return secrets.token_urlsafe(32)


def title_of(question: str) -> str:
    """A chat's default title: its first question on one line, shortened.

    >>> title_of("  Why did\\nIran fear the war?  ")
    'Why did Iran fear the war?'
    >>> len(title_of("x" * 500))
    80
    """
    one_line = " ".join(question.split())
    return one_line if len(one_line) <= TITLE_CHARS else one_line[: TITLE_CHARS - 1] + "…"


@dataclass(frozen=True)
class Feedback:
    """A reader's verdict on one answer."""

    rating: str  # "up" or "down"
    verdict: str | None = None  # "paragraph" (answer is in source ¶paragraph), "unanswerable"
    source: str | None = None
    paragraph: int | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, got {self.rating!r}")
        if self.verdict not in (None, *VERDICTS):
            raise ValueError(f"verdict must be one of {VERDICTS} or None, got {self.verdict!r}")
        if self.verdict == "paragraph" and not (self.source and (self.paragraph or 0) > 0):
            raise ValueError("a 'paragraph' verdict needs a source and a paragraph number ≥ 1")


@dataclass(frozen=True)
class ChatSummary:
    id: str
    title: str
    created_at: float
    updated_at: float


@dataclass
class Chat:
    id: str
    title: str
    created_at: float
    updated_at: float
    # Each message is the page's dict ({"role", "content"} or {"role", "record"} or
    # {"role", "error"}) plus its database "id".
    messages: list[dict[str, Any]] = field(default_factory=list)
    feedback: dict[int, Feedback] = field(default_factory=dict)


@dataclass(frozen=True)
class FeedbackItem:
    """One piece of feedback with what it judged, for building eval sets."""

    feedback: Feedback
    question: str
    earlier_questions: list[str]
    answer: dict[str, Any]
    created_at: float


def make_engine(url: str) -> Engine:
    """An engine for ``url``. SQLite: WAL and full sync, so a killed app loses at
    most the write in flight and never corrupts the file; writers wait, not fail."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=FULL")

    return engine


class ChatStore:
    """The repository the page uses: chats of one owner at a time."""

    def __init__(self, engine: Engine, clock: Any = time.time) -> None:
        self.engine = engine
        self.clock = clock
        with self._errors("create the chat tables"):
            for attempt in range(5):
                try:
                    _metadata.create_all(engine)
                    break
                except (IntegrityError, OperationalError):
                    # Two processes creating the tables at once: the loser retries.
                    if attempt == 4:
                        raise
                    time.sleep(0.2 * (attempt + 1))

    @classmethod
    def open(cls, url: str) -> ChatStore:
        if url.startswith("sqlite:///"):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return cls(make_engine(url))

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            where = self.engine.url.render_as_string(hide_password=True)
            raise StoreError(
                f"Cannot {doing} in the chat database {where}: {exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0]}. Check that it is reachable and writable, "
                "or point CHATS_URL at another database."
            ) from exc

    # -- chats -----------------------------------------------------------------
    def create(self, owner: str, title: str) -> str:
        """A new, empty chat; returns its id."""
        chat_id, now = new_token(), self.clock()
        with self._errors("create a chat"), self.engine.begin() as conn:
            conn.execute(
                insert(_chats).values(
                    id=chat_id, owner=owner_key(owner), title=title_of(title) or "New chat",
                    created_at=now, updated_at=now,
                )
            )  # fmt: skip
        return chat_id

    def chats(self, owner: str) -> list[ChatSummary]:
        """The owner's chats, the most recently active first."""
        query = (
            select(_chats.c.id, _chats.c.title, _chats.c.created_at, _chats.c.updated_at)
            .where(_chats.c.owner == owner_key(owner))
            .order_by(_chats.c.updated_at.desc(), _chats.c.created_at.desc())
        )
        with self._errors("list chats"), self.engine.connect() as conn:
            return [ChatSummary(*row) for row in conn.execute(query)]

    def _owned(self, conn: Any, owner: str, chat_id: str) -> Any:
        query = select(_chats).where(
            and_(_chats.c.id == chat_id, _chats.c.owner == owner_key(owner))
        )
        return conn.execute(query).first()

    def get(self, owner: str, chat_id: str) -> Chat | None:
        """The chat with its messages and feedback, or None if the owner has no such chat."""
        with self._errors("read a chat"), self.engine.connect() as conn:
            row = self._owned(conn, owner, chat_id)
            if row is None:
                return None
            chat = Chat(row.id, row.title, row.created_at, row.updated_at)
            query = select(_messages).where(_messages.c.chat_id == chat_id)
            for message in conn.execute(query.order_by(_messages.c.position, _messages.c.id)):
                chat.messages.append({**json.loads(message.body), "id": message.id})
            query = select(_feedback).where(_feedback.c.chat_id == chat_id)
            for fb in conn.execute(query):
                chat.feedback[fb.message_id] = _feedback_of(fb)
        return chat

    def add_message(self, owner: str, chat_id: str, message: dict[str, Any]) -> int:
        """Append one message (the page's dict, without ``id``); returns its id."""
        body = json.dumps({k: v for k, v in message.items() if k != "id"}, ensure_ascii=False)
        with self._errors("save a message"), self.engine.begin() as conn:
            if self._owned(conn, owner, chat_id) is None:
                raise KeyError(chat_id)
            count = select(func.count()).where(_messages.c.chat_id == chat_id)
            position = conn.execute(count).scalar_one()
            now = self.clock()
            result = conn.execute(
                insert(_messages).values(
                    chat_id=chat_id, position=position, body=body, created_at=now
                )
            )
            conn.execute(update(_chats).where(_chats.c.id == chat_id).values(updated_at=now))
            return int(result.inserted_primary_key[0])

    def rename(self, owner: str, chat_id: str, title: str) -> bool:
        title = " ".join(title.split())[:200]
        if not title:
            return False
        with self._errors("rename a chat"), self.engine.begin() as conn:
            result = conn.execute(
                update(_chats)
                .where(and_(_chats.c.id == chat_id, _chats.c.owner == owner_key(owner)))
                .values(title=title)
            )
            return result.rowcount > 0

    def delete(self, owner: str, chat_id: str) -> bool:
        """Delete the chat, its messages and its feedback (one transaction)."""
        with self._errors("delete a chat"), self.engine.begin() as conn:
            if self._owned(conn, owner, chat_id) is None:
                return False
            conn.execute(delete(_feedback).where(_feedback.c.chat_id == chat_id))
            conn.execute(delete(_messages).where(_messages.c.chat_id == chat_id))
            conn.execute(delete(_chats).where(_chats.c.id == chat_id))
            return True

    # -- feedback --------------------------------------------------------------
    def set_feedback(self, owner: str, message_id: int, feedback: Feedback | None) -> bool:
        """Record (or replace, or with None withdraw) the owner's verdict on an answer."""
        with self._errors("save feedback"), self.engine.begin() as conn:
            query = (
                select(_messages.c.chat_id)
                .join(_chats, _chats.c.id == _messages.c.chat_id)
                .where(and_(_messages.c.id == message_id, _chats.c.owner == owner_key(owner)))
            )
            chat_id = conn.execute(query).scalar()
            if chat_id is None:
                return False
            conn.execute(delete(_feedback).where(_feedback.c.message_id == message_id))
            if feedback is None:
                return True
            conn.execute(
                insert(_feedback).values(
                    message_id=message_id, chat_id=chat_id, rating=feedback.rating,
                    verdict=feedback.verdict, source=feedback.source,
                    paragraph=feedback.paragraph, note=feedback.note or None,
                    created_at=self.clock(),
                )
            )  # fmt: skip
            return True

    def all_feedback(self) -> list[FeedbackItem]:
        """Every owner's feedback with the question and answer it judged, oldest first
        (for ``python -m evals from-feedback``, run by whoever holds the database)."""
        items = []
        with self._errors("read feedback"), self.engine.connect() as conn:
            rows = conn.execute(select(_feedback).order_by(_feedback.c.created_at)).all()
            for fb in rows:
                query = select(_messages.c.id, _messages.c.body).where(
                    _messages.c.chat_id == fb.chat_id
                )
                messages = conn.execute(query.order_by(_messages.c.position, _messages.c.id)).all()
                items.extend(_judged(messages, fb))
        return items


def _feedback_of(row: Any) -> Feedback:
    return Feedback(row.rating, row.verdict, row.source, row.paragraph, row.note or "")


def _judged(messages: list[Any], fb: Any) -> list[FeedbackItem]:
    questions: list[str] = []
    for message_id, body in messages:
        data = json.loads(body)
        if data.get("role") == "user":
            questions.append(data["content"])
        elif message_id == fb.message_id and "record" in data:
            record = data["record"]
            earlier = questions[:-1]  # the last question asked is the one answered
            return [
                FeedbackItem(_feedback_of(fb), record["question"], earlier, record, fb.created_at)
            ]
    return []
