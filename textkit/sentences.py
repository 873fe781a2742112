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


# A list item's bullet or number, and the line that starts one ("- Adults may borrow ...",
# "• ...", "3) ..."): it starts a sentence too, whether or not the item before it ended
# with a full stop.
_MARKER = re.compile(r"(?:[-*•·–]|\d{1,3}[.)])[ \t]+(?=\S)")
_ITEM = re.compile(r"\n[ \t]*(?=" + _MARKER.pattern + ")")
_NUMBER_BEFORE = re.compile(r"(?:^|\n)[ \t]*(\d{1,3})[.)][ \t]+$")


def item_number(text: str, start: int) -> str | None:
    r"""The number of the list item a quoted span starting at ``start`` is, or None.

    >>> t = "Steps:\n1. Turn the water off.\n2. Fit the adapter."
    >>> item_number(t, t.index("Fit")), item_number(t, t.index("Turn")), item_number(t, 0)
    ('2', '1', None)
    """
    match = _NUMBER_BEFORE.search(text, max(0, start - 12), start)
    return match.group(1) if match else None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    r"""Split ``text`` into sentences; return ``(start, end)`` spans, stripped.

    The spans are in order, do not overlap, and cover every non-space character.

    >>> t = "It began on Sep. 27, 2020. Iran worried! Why?"
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['It began on Sep. 27, 2020.', 'Iran worried!', 'Why?']

    Each item of a list is a sentence of its own:

    >>> t = "You may borrow:\n- up to 12 items\n- for three weeks.\n- DVDs for one week"
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['You may borrow:', '- up to 12 items', '- for three weeks.', '- DVDs for one week']
    >>> t = "1. Turn the water off.\n2. Fit the adapter. Tighten it."
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['1. Turn the water off.', '2. Fit the adapter.', 'Tighten it.']
    """
    cuts = [m.end() for m in _ITEM.finditer(text)]
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group().startswith(".") and _is_abbreviation(_word_before(text, start, match)):
            continue
        line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        if line.strip().isdigit() and len(line.strip()) <= 3:
            continue  # "2. Fit the adapter": a step's number, not a sentence of its own
        cuts.append(match.end())
        start = match.end()
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(set(cuts)):
        _append_stripped(text, start, cut, spans)
        start = cut
    _append_stripped(text, start, len(text), spans)
    return spans


def quoted_spans(text: str) -> list[tuple[int, int]]:
    r"""``sentence_spans`` as they are quoted: a list item without its bullet or number
    (``item_number`` reads a step's number back).

    >>> t = "You may borrow:\n- up to 12 items\n2) DVDs for a week"
    >>> [t[a:b] for a, b in quoted_spans(t)]
    ['You may borrow:', 'up to 12 items', 'DVDs for a week']
    """
    spans = []
    for a, b in sentence_spans(text):
        marker = _MARKER.match(text, a, b)
        spans.append((marker.end(), b) if marker and marker.end() < b else (a, b))
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


# A sentence that opens with a pronoun ("It is written in Rust", "He retired in 1989")
# is about the subject of the sentence before: a subject ends at its first verb.
_PRONOUN = re.compile(r"(?:It|He|She|They)(?=\s+[a-z])")
_SUBJECT = re.compile(
    r"^((?:The\s+|An?\s+)?[\w’'.&-]+(?:\s+[\w’'.&-]+){0,4}?)\s+(?:is|was|are|were|has|had|"
    r"have|will|would|can|could|became|becomes|remains|remained)\b"
)


# A life's span after a name: "Margarethe Voss (12 March 1871 – 4 October 1948) was ...".
_YEAR = r"\b(?:1[0-9]{3}|20[0-9]{2})\b"
# (A sentence that opens with a name, as a biography does; not "The war (1992–1994)".)
_LIFESPAN = re.compile(
    r"^(?!The\b)((?:[A-Z][\w'’.-]*\s+){0,4}[A-Z][\w'’.-]*\s+)"
    r"\(\s*(?:born\s+|b\.\s*)?([^()–—]{0,20}?" + _YEAR + r")\s*[–—-]\s*"
    r"(?:died\s+|d\.\s*)?([^()–—]{0,20}?" + _YEAR + r")\s*\)"
)


def as_read(previous: str, sentence: str) -> str:
    """``sentence`` as a reader takes it after ``previous``: its opening pronoun read as
    the subject of ``previous`` (``resolved``), and a life's span in brackets as the
    birth and death it gives.

    >>> as_read("", "Voss (12 March 1871 – 4 October 1948) was a botanist.")
    'Voss (born 12 March 1871, died 4 October 1948) was a botanist.'
    >>> as_read("", "The war (1992–1994) ended."), as_read("", "Smith (1889) wrote it.")
    ('The war (1992–1994) ended.', 'Smith (1889) wrote it.')
    """
    sentence = _LIFESPAN.sub(r"\1(born \2, died \3)", sentence)
    return resolved(previous, sentence) if previous else sentence


def resolved(previous: str, sentence: str) -> str:
    """``sentence`` with its opening pronoun replaced by the subject of ``previous``, as
    the two are read together; ``sentence`` itself when either has no such part.

    >>> resolved("quickcsv is a command-line tool.", "It is written in Rust.")
    'quickcsv is written in Rust.'
    >>> resolved("Ruth Halden ran the firm.", "She retired in 1989.")
    'She retired in 1989.'
    >>> resolved("The Caspian seal is found nowhere else.", "Its numbers have fallen.")
    'Its numbers have fallen.'
    """
    pronoun = _PRONOUN.match(sentence)
    subject = _SUBJECT.match(previous.lstrip())
    if pronoun is None or subject is None:
        return sentence
    return subject.group(1) + sentence[pronoun.end() :]
