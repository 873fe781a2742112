"""Paragraphs, sections, sentences and chunks: pure functions and their invariants."""

from __future__ import annotations

import itertools
import random

import pytest

from ingest.chunking import chunk_text
from ingest.paragraphs import document_title, split_paragraphs
from settings import Settings
from tests.helpers import ARTICLE
from textkit.sentences import sentence_spans
from textkit.tokens import TokenCounter, get_encoding


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    return TokenCounter(get_encoding("cl100k_base", Settings().tiktoken_cache_dir))


def test_article_paragraph_numbers_and_sections() -> None:
    paragraphs = split_paragraphs(ARTICLE.read_text(encoding="utf-8"))
    assert len(paragraphs) == 19
    assert paragraphs[0].text.startswith("The writer received his Ph.D.")
    headings = [(p.number, p.text) for p in paragraphs if p.is_heading]
    assert headings == [(4, "Iran’s process management"), (11, "Iran’s Karabakh plans backfired")]
    assert paragraphs[5].number == 6 and paragraphs[5].text.startswith("On the other hand, it must")
    assert paragraphs[5].section == "Iran’s process management"
    assert paragraphs[1].section is None
    # Attribution lines are short but not headings: no body paragraph follows them.
    assert not paragraphs[16].is_heading and paragraphs[16].text.startswith("Translated by")


def test_spans_point_into_the_text() -> None:
    text = "Title line\n\nFirst body paragraph that is long enough. " * 3 + "\n\n\n\nLast one."
    for p in split_paragraphs(text):
        assert text[p.start : p.end] == p.text


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_do_not_change_paragraphs(newline: str) -> None:
    text = newline.join(["One line", "continues", "", "  ", "Two", "", "", "Three"])
    assert [p.text for p in split_paragraphs(text)] == ["One line\ncontinues", "Two", "Three"]


def test_markdown_headings_give_sections() -> None:
    md = "# Guide\n\nIntro text.\n\nSetup\n-----\n\nRun it.\n\n### Deep *dive* ###\n\nMore."
    ps = split_paragraphs(md, markdown=True)
    assert [(p.number, p.section, p.is_heading) for p in ps] == [
        (1, "Guide", True),
        (2, "Guide", False),
        (3, "Setup", True),
        (4, "Setup", False),
        (5, "Deep *dive*", True),
        (6, "Deep *dive*", False),
    ]
    assert document_title(ps, ARTICLE, markdown=True) == "Guide"


def test_sentences_keep_abbreviations_and_dates() -> None:
    text = "It began on Sep. 27, 2020. Dr. Aliyev spoke. The U.S. left! “Why?” he asked."
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == [
        "It began on Sep. 27, 2020.",
        "Dr. Aliyev spoke.",
        "The U.S. left!",
        "“Why?” he asked.",
    ]
    # The word before a period is read backwards from it, however long the sentence.
    text = (
        "A long opening sentence with many words runs on and on until it names Gov. Rahimi. "
        "Rivers (e.g. the Volga) feed it. Costs rose (about 5 %). Next came St. Petersburg... "
        "Then it ended. See No. 5 and vol. 2. Done."
    )
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "A long opening sentence with many words runs on and on until it names Gov. Rahimi.",
        "Rivers (e.g. the Volga) feed it.",
        "Costs rose (about 5 %).",
        "Next came St. Petersburg...",
        "Then it ended.",
        "See No. 5 and vol. 2.",
        "Done.",
    ]


def _random_text(seed: int) -> str:
    rng = random.Random(seed)
    words = ["Iran", "war", "Karabakh", "ünïcödé", "x" * 40, "1994", "peace", "—", "数据", "a"]
    sentences = []
    for _ in range(rng.randint(1, 40)):
        n = rng.randint(1, 80)
        sentences.append(
            " ".join(rng.choice(words) for _ in range(n)) + rng.choice([".", "!", "?", ""])
        )
    return " ".join(sentences)


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("budget", [8, 50, 200])
def test_chunk_invariants(counter: TokenCounter, seed: int, budget: int) -> None:
    text = _random_text(seed)
    pieces = chunk_text(text, counter, budget)
    # Every chunk within budget.
    assert all(p.tokens <= budget and counter.count(p.text) == p.tokens for p in pieces)
    # Spans are exact, in order, non-overlapping, and cover every non-space character.
    assert all(text[p.start : p.end] == p.text for p in pieces)
    assert all(a.end <= b.start for a, b in itertools.pairwise(pieces))
    covered = "".join(p.text for p in pieces).replace(" ", "")
    assert covered == text.replace(" ", "")
    # Deterministic.
    assert chunk_text(text, counter, budget) == pieces


def test_short_paragraph_is_one_chunk(counter: TokenCounter) -> None:
    (piece,) = chunk_text("Iran feared the result.", counter, 200)
    assert (piece.start, piece.end, piece.text) == (0, 23, "Iran feared the result.")


def test_every_article_chunk_fits_what_minilm_reads(counter: TokenCounter, minilm) -> None:
    """The chunk budget's reason: the model must read every word of a chunk."""
    from ingest.sync import build_chunks
    from vectorstore.embeddings import MAX_WORD_PIECES

    paragraphs = split_paragraphs(ARTICLE.read_text(encoding="utf-8"))
    chunks = build_chunks(
        "a.txt", "Iran after karabakh", paragraphs, counter, Settings().chunk_tokens
    )
    for chunk in chunks:
        assert minilm.count_word_pieces(chunk.text) <= MAX_WORD_PIECES
