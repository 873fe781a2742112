"""Token-bounded chunks of paragraphs.

A paragraph that fits the budget is one chunk. A longer one is cut at sentence
boundaries into pieces that each fit, and a sentence longer than the budget is
cut at token boundaries. Every piece keeps its paragraph's number, and the
pieces of a paragraph cover all of its text, in order, without overlap.

Why the default budget (``CHUNK_TOKENS=200`` cl100k tokens): all-MiniLM-L6-v2
reads at most 256 word-pieces (including [CLS] and [SEP]) and silently drops
the rest. On the bundled article MiniLM's tokenizer makes 1.01 word-pieces per
cl100k token; names, numbers and rarer words push that up, so we allow 1.25:
200 x 1.25 + 2 = 252 <= 256. The model sees every word of every chunk, and
most paragraphs of ordinary prose stay whole (a test checks the article).
"""

from __future__ import annotations

from dataclasses import dataclass

from textkit.sentences import sentence_spans
from textkit.tokens import TokenCounter


@dataclass(frozen=True)
class Piece:
    """A chunk's text and its character span within the paragraph."""

    text: str
    start: int
    end: int
    tokens: int


def chunk_text(text: str, counter: TokenCounter, budget: int) -> list[Piece]:
    """Cut ``text`` into pieces of at most ``budget`` tokens.

    >>> from textkit.tokens import get_encoding, TokenCounter
    >>> from settings import Settings
    >>> c = TokenCounter(get_encoding("cl100k_base", Settings().tiktoken_cache_dir))
    >>> [p.text for p in chunk_text("One two. Three four five.", c, budget=4)]
    ['One two.', 'Three four five.']
    """
    if budget < 1:
        raise ValueError("budget must be positive")
    whole = counter.count(text)
    if whole <= budget:
        return [Piece(text, 0, len(text), whole)]
    pieces: list[Piece] = []
    current: tuple[int, int] | None = None
    for start, end in sentence_spans(text):
        if current is not None:
            merged = (current[0], end)
            merged_tokens = counter.count(text[merged[0] : merged[1]])
            if merged_tokens <= budget:
                current = merged
                continue
            pieces.append(_piece(text, current, counter))
            current = None
        if counter.count(text[start:end]) <= budget:
            current = (start, end)
        else:
            pieces.extend(_split_by_tokens(text, start, end, counter, budget))
    if current is not None:
        pieces.append(_piece(text, current, counter))
    return pieces


def _piece(text: str, span: tuple[int, int], counter: TokenCounter) -> Piece:
    body = text[span[0] : span[1]]
    return Piece(body, span[0], span[1], counter.count(body))


def _split_by_tokens(
    text: str, start: int, end: int, counter: TokenCounter, budget: int
) -> list[Piece]:
    """Cut one over-long sentence at token boundaries, keeping exact spans."""
    pieces = []
    tokens = counter.encode(text[start:end])
    offset = start
    for i in range(0, len(tokens), budget):
        body = counter.decode(tokens[i : i + budget])
        # A token boundary can fall inside a multi-byte character; decoding then
        # yields a replacement char, so locate the piece in the source instead.
        found = text.find(body.strip(), offset, end) if "\ufffd" not in body else -1
        piece_end = found + len(body.strip()) if found >= 0 else min(end, offset + len(body))
        if i + budget >= len(tokens):
            piece_end = end
        span = _strip_span(text, offset, piece_end)
        if span:
            pieces.append(_piece(text, span, counter))
        offset = piece_end
    return pieces


def _strip_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
