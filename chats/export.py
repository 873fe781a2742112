"""A chat as a Markdown document: each question, its answer, and every cited
paragraph with its source, number (page when known) and supporting sentence."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any


def where(citation: dict[str, Any]) -> str:
    """Source, paragraph and (when known) page and section of one citation.

    >>> where({"source": "a.pdf", "paragraph": 4, "page": 2, "section": "Intro"})
    'a.pdf, ¶4, page 2 (Intro)'
    """
    text = f"{citation['source']}, ¶{citation['paragraph']}"
    if citation.get("page"):
        text += f", page {citation['page']}"
    if citation.get("section"):
        text += f" ({citation['section']})"
    return text


def quoted(text: str) -> str:
    """Text as a Markdown block quote, every line kept.

    >>> quoted("a\\n\\nb")
    '> a\\n>\\n> b'
    """
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines() or [""])


def to_markdown(
    title: str,
    messages: Sequence[dict[str, Any]],
    changed: frozenset[tuple[str, str]] = frozenset(),
    exported_at: float | None = None,
) -> str:
    """The chat as Markdown; ``changed`` holds the (source, chunk hash) pairs whose
    text is no longer in the index, so the reader knows which quotes are history.

    >>> md = to_markdown("T", [{"role": "user", "content": "Q?"}, {"role": "assistant",
    ...   "record": {"answer": "A [¶2].", "abstained": False, "citations": [{"source": "s.txt",
    ...   "paragraph": 2, "section": None, "quote": "A.", "paragraph_text": "B. A."}]}}])
    >>> "## Q?" in md and "s.txt, ¶2" in md and "Supporting sentence: “A.”" in md
    True
    """
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(exported_at or time.time()))
    lines = [f"# {title}", "", f"Exported {stamp}.", ""]
    for message in messages:
        if message["role"] == "user":
            lines += [f"## {' '.join(message['content'].split())}", ""]
        elif "error" in message:
            lines += [f"*Not answered: {message['error']}*", ""]
        elif "record" in message:
            lines += _answer(message["record"], changed)
    return "\n".join(lines).rstrip() + "\n"


def _answer(record: dict[str, Any], changed: frozenset[tuple[str, str]]) -> list[str]:
    lines = [record["answer"], ""]
    if record["abstained"]:
        passages = record.get("passages", [])[:3]
        if passages:
            lines += ["Closest passages:", ""]
        for p in passages:
            lines += [f"- {where(p)}", "", quoted(p["text"]), ""]
        return lines
    if record["citations"]:
        lines += ["Sources:", ""]
    for number, c in enumerate(record["citations"], start=1):
        note = ""
        if (c["source"], c.get("chunk_hash", "")) in changed:
            note = " (source changed since this answer; quoted as it was)"
        lines += [f"{number}. {where(c)}{note}", ""]
        lines += [quoted(c.get("paragraph_text") or c["quote"]), ""]
        lines += [f"   Supporting sentence: “{c['quote']}”", ""]
    return lines
