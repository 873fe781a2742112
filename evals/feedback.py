"""Readers' feedback from the chat turned into an eval set.

A thumbs down that names the paragraph holding the answer becomes an answerable
case expecting that paragraph; "the sources do not answer this" becomes an
unanswerable case. A thumbs up confirms the answer: its cited paragraphs become
the expectation (or, for an abstention, an unanswerable case). A thumbs down
with no verdict says nothing to test and is skipped.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from chats.store import FeedbackItem

MAX_EARLIER_TURNS = 3  # a follow-up keeps the questions it leans on, not the whole chat


@dataclass
class FeedbackSet:
    cases: list[dict[str, Any]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    skipped: int = 0

    @property
    def answerable(self) -> int:
        return sum(c.get("answerable", True) for c in self.cases)


def case_for(item: FeedbackItem) -> dict[str, Any] | None:
    """The eval case one piece of feedback asks for, or None.

    >>> from chats.store import Feedback
    >>> item = FeedbackItem(Feedback("down", "paragraph", "a.txt", 6), "Why?", [], {}, 0.0)
    >>> case_for(item)
    {'question': 'Why?', 'expected': [{'source': 'a.txt', 'paragraph': 6}]}
    """
    fb, answer = item.feedback, item.answer
    turns = [*item.earlier_questions[-MAX_EARLIER_TURNS:], item.question]
    if answer.get("search_query", item.question) == item.question:
        turns = [item.question]  # the history did not shape this answer: a lone question
    case: dict[str, Any] = {"turns": turns} if len(turns) > 1 else {"question": item.question}
    if fb.verdict == "paragraph":
        case["expected"] = [{"source": fb.source, "paragraph": fb.paragraph}]
    elif fb.verdict == "unanswerable" or (fb.rating == "up" and answer.get("abstained")):
        case["answerable"] = False
    elif fb.rating == "up" and answer.get("citations"):
        cited = dict.fromkeys((c["source"], int(c["paragraph"])) for c in answer["citations"])
        case["expected"] = [{"source": s, "paragraph": p} for s, p in cited]
    else:
        return None
    return case


def _slug(text: str) -> str:
    """
    >>> _slug("Who signed the deal?")
    'who-signed-the-deal'
    """
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:6]) or "question"


def build(items: Sequence[FeedbackItem]) -> FeedbackSet:
    """Cases from feedback, oldest first; a later verdict on the same question wins."""
    by_question: dict[tuple[str, ...], tuple[dict[str, Any], str]] = {}
    out = FeedbackSet()
    for item in items:
        case = case_for(item)
        if case is None:
            out.skipped += 1
            continue
        key = tuple(case.get("turns") or [case["question"]])
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.created_at))
        thumb = "thumbs up" if item.feedback.rating == "up" else "thumbs down"
        note = " ".join(item.feedback.note.split())
        comment = f"{thumb}, {when}" + (f": {note}" if note else "")
        by_question.pop(key, None)
        by_question[key] = (case, comment)
    used: set[str] = set()
    for n, (key, (case, comment)) in enumerate(by_question.items(), start=1):
        case_id = f"feedback-{n}-{_slug(key[-1])}"
        while case_id in used:
            case_id += "-x"
        used.add(case_id)
        out.cases.append({"id": case_id, **case})
        out.comments.append(comment)
    return out


def to_yaml(feedback: FeedbackSet, name: str) -> str:
    """The set as YAML, each case preceded by a comment on where it came from."""
    lines = [
        "# Eval cases from readers' feedback in the chat (python -m evals from-feedback).",
        "# No 'sources': the set runs against the index the settings name, the one the",
        "# chat answered from; paragraph numbers are as ingested when the feedback was given.",
        yaml.safe_dump({"name": name}, allow_unicode=True).rstrip(),
        "questions:",
    ]
    for case, comment in zip(feedback.cases, feedback.comments):
        lines.append(f"  # {comment}")
        body = yaml.safe_dump([case], allow_unicode=True, sort_keys=False, width=100)
        lines += ["  " + line for line in body.rstrip().splitlines()]
    return "\n".join(lines) + "\n"
