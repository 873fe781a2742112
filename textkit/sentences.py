"""Sentence boundaries, as character spans, for chunking and quoting."""

from __future__ import annotations

import re

# Words that end with a period without ending the sentence ("Sep. 27", "Dr. No").
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st vs etc e.g i.e cf al no nos vol fig approx gen col
    lt sgt capt gov sen rep pres dept univ inc ltd co corp jan feb mar apr jun jul
    aug sep sept oct nov dec u.s u.k u.n p pp ed eds
    """.split()
)

# A candidate boundary: terminal punctuation, optional closing quotes/brackets,
# whitespace, then something that can start a sentence.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences; return ``(start, end)`` spans, stripped.

    The spans are in order, do not overlap, and cover every non-space character.

    >>> t = "It began on Sep. 27, 2020. Iran worried! Why?"
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['It began on Sep. 27, 2020.', 'Iran worried!', 'Why?']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group().startswith(".") and _is_abbreviation(_word_before(text, start, match)):
            continue
        _append_stripped(text, start, match.end(), spans)
        start = match.end()
    _append_stripped(text, start, len(text), spans)
    return spans


def _word_before(text: str, start: int, match: re.Match) -> str:
    """The run of word characters and dots just before a boundary (not before ``start``):
    read backwards, so a long sentence costs no more than a short one."""
    end = match.start()
    i = end
    while i > start and (text[i - 1].isalnum() or text[i - 1] in "._"):
        i -= 1
    return text[i:end]


def _is_abbreviation(word: str) -> bool:
    word = word.lower().rstrip(".")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _append_stripped(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    if right > left:
        spans.append((start + left, start + right))


def sentences(text: str) -> list[str]:
    """The sentences of ``text``.

    >>> sentences("One. Two.")
    ['One.', 'Two.']
    """
    return [text[a:b] for a, b in sentence_spans(text)]
