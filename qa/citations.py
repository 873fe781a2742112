"""Citation markers: how they are written, read back and checked.

A marker is ``[¶6]``; when the retrieved passages come from more than one
source it names the source too, ``[notes.md ¶3]``. A model's answer is never
trusted: every marker must point at a retrieved passage whose text supports
the sentence it ends, or it is repaired (pointed at the passage that does) or
dropped with its sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.models import Passage

MARKER = re.compile(r"\[\s*(?:([^\[\]¶]*?)\s*)?¶\s*(\d+)\s*\]")
_GROUP = re.compile(r"\[([^\[\]]*¶[^\[\]]*)\]")


def marker(passage: Passage, multi_source: bool) -> str:
    """The marker that cites ``passage``.

    >>> p = Passage("id", "t", "a.txt", 6, None, "A", "h", 1.0)
    >>> marker(p, False), marker(p, True)
    ('[¶6]', '[a.txt ¶6]')
    """
    return f"[{passage.source} ¶{passage.paragraph}]" if multi_source else f"[¶{passage.paragraph}]"


def is_multi_source(passages: list[Passage]) -> bool:
    return len({p.source for p in passages}) > 1


def split_groups(text: str) -> str:
    """Turn ``[¶6, ¶7]`` or ``[¶6; a.md ¶2]`` into one marker each.

    >>> split_groups("Yes [¶6, ¶7].")
    'Yes [¶6][¶7].'
    """

    def expand(match: re.Match[str]) -> str:
        parts = [p.strip() for p in re.split(r"[;,]", match.group(1)) if p.strip()]
        if len(parts) < 2 or not all("¶" in p for p in parts):
            return match.group(0)
        return "".join(f"[{p}]" for p in parts)

    return _GROUP.sub(expand, text)


@dataclass(frozen=True)
class Cited:
    """A sentence of an answer and the (source, paragraph) pairs it claims."""

    text: str
    refs: list[tuple[str | None, int]]


def read_markers(sentence: str) -> Cited:
    """Separate a sentence from its markers.

    >>> read_markers("Iran feared separatism [¶6][a.md ¶2].")
    Cited(text='Iran feared separatism.', refs=[(None, 6), ('a.md', 2)])
    """
    refs = [(m.group(1) or None, int(m.group(2))) for m in MARKER.finditer(sentence)]
    text = MARKER.sub("", sentence)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return Cited(re.sub(r"\s{2,}", " ", text).strip(), refs)


def resolve(ref: tuple[str | None, int], passages: list[Passage]) -> list[Passage]:
    """The retrieved passages a reference can mean (none if it was not retrieved)."""
    source, paragraph = ref
    return [
        p
        for p in passages
        if p.paragraph == paragraph and (source is None or _same_source(source, p.source))
    ]


def _same_source(named: str, source: str) -> bool:
    named = named.strip().strip("\"'`")
    return named == source or source.endswith("/" + named) or named == source.rsplit(".", 1)[0]
