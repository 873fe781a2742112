"""Starter questions for the empty chat, made from what is indexed."""

from __future__ import annotations

import re
from collections.abc import Sequence

# Headings that name a part of every document, not a topic anyone asks about.
GENERIC_HEADINGS = frozenset(
    """abstract acknowledgements acknowledgments appendix bibliography conclusion
    conclusions contents references notes summary introduction overview preface
    foreword index glossary""".split()
) | {"see also", "further reading", "external links", "table of contents"}
MAX_TOPIC_WORDS = 8


def _plain(heading: str) -> str:
    """A heading without Markdown marks, numbering or end punctuation.

    >>> _plain("## 2.1. Soil preparation:")
    'Soil preparation'
    """
    text = re.sub(r"^#{1,6}\s+|\s+#+\s*$", "", heading.strip())
    text = re.sub(r"^(\d+(\.\d+)*\.?|[IVXivx]+\.)\s+", "", text)
    return text.strip(" .:;-–—").strip()


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def topics(title: str, headings: Sequence[str]) -> list[str]:
    """The headings of one source that make sensible question topics.

    >>> topics("Gardening Handbook", ["# Gardening Handbook", "## Soil", "Introduction",
    ...                               "## Soil", "Watering in the Gardening Handbook"])
    ['Soil']
    """
    out: list[str] = []
    title_key = _key(title)
    for heading in headings:
        topic = _plain(heading)
        key = _key(topic)
        if (
            not key
            or key in GENERIC_HEADINGS
            or (title_key and (title_key in key or key in title_key))
            or len(topic.split()) > MAX_TOPIC_WORDS
            or key in map(_key, out)
        ):
            continue
        out.append(topic)
    return out


def example_questions(sources: Sequence[tuple[str, Sequence[str]]], n: int = 4) -> list[str]:
    """Up to ``n`` questions, taking turns between sources (``(title, headings)`` each).

    >>> for q in example_questions([("Gardening Handbook", ["# Gardening Handbook"]),
    ...                             ("Bees", ["# Bees", "## Hives", "## Swarming"])]):
    ...     print(q)
    What is Gardening Handbook about?
    What does Bees say about Hives?
    What does Bees say about Swarming?
    """
    per_source = []
    for title, headings in sources:
        found = topics(title, headings)
        per_source.append(
            [f"What does {title} say about {t}?" for t in found] or [f"What is {title} about?"]
        )
    questions: list[str] = []
    for round_ in range(max(map(len, per_source), default=0)):
        questions += [qs[round_] for qs in per_source if round_ < len(qs)]
    return questions[:n]
