"""Words for lexical matching: lower-cased, accent-folded, stemmed, stopwords out."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_STEMMER = snowballstemmer.stemmer("english")

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself yourselves s t also did does doing us may might must shall upon whose
    according tell say said according many much one ones way ways often
    """.split()
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of a lower-case word.

    >>> stem("feared"), stem("fears")
    ('fear', 'fear')
    """
    return _STEMMER.stemWord(word)


def fold(text: str) -> str:
    """Lower-case and strip accents.

    >>> fold("Iran’s Café")
    "iran's cafe"
    """
    text = text.lower().replace("’", "'")
    if text.isascii():
        return text  # nothing to strip (most text): skip the per-character pass
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def terms(text: str) -> list[str]:
    """The content terms of ``text`` in order (stems, no stopwords, no possessives).

    >>> terms("Why did Iran fear the result of the war?")
    ['iran', 'fear', 'result', 'war']
    """
    out = []
    for word in _WORD.findall(fold(text)):
        word = word.removesuffix("'s")
        if word.isdigit():
            out.append(word)  # the stemmer leaves digits as they are: skip it
        elif word not in STOPWORDS and len(word) > 1:
            out.append(stem(word))
    return out


@lru_cache(maxsize=50_000)
def term_set(text: str) -> frozenset[str]:
    """``terms`` as a set, cached: the same sentences are scored for many questions.

    >>> sorted(term_set("Iran feared the war, the war."))
    ['fear', 'iran', 'war']
    """
    return frozenset(terms(text))
