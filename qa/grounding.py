"""Checking a written answer against the retrieved passages.

Every sentence must end with at least one citation whose paragraph supports
it. Support is measured, not assumed: the sentence's embedding against each
sentence of the cited passage, plus the share of its rare words the passage
contains. A citation that fails is pointed at the retrieved passage that does
support the sentence, if any; otherwise the sentence is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from qa.citations import is_multi_source, marker, read_markers, resolve, split_groups
from qa.models import Citation, Passage
from textkit.sentences import sentences

SUPPORT_THRESHOLD = 0.6
_TRAILING_MARKERS = re.compile(r"([.!?…])((?:\s*\[[^\[\]]*¶[^\[\]]*\])+)")


@dataclass
class Grounded:
    text: str
    citations: list[Citation]
    notes: list[str] = field(default_factory=list)


def attach_trailing_markers(text: str) -> str:
    """Move markers written after a full stop to before it, so they stay with their sentence.

    >>> attach_trailing_markers("Iran feared it. [¶6] Then more. [¶7][¶8]")
    'Iran feared it [¶6]. Then more [¶7][¶8].'
    """
    return _TRAILING_MARKERS.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", text)


@dataclass
class Support:
    """How well one answer sentence is supported by one passage."""

    passage: Passage
    score: float
    quote: str


def ground(
    answer: str,
    passages: list[Passage],
    sentence_vectors: Callable[[list[Passage]], list[tuple[list[tuple[int, int]], np.ndarray]]],
    embed: Callable[[list[str]], np.ndarray],
    coverage: Callable[[str, str], float],
    threshold: float = SUPPORT_THRESHOLD,
) -> Grounded:
    """Keep the supported sentences of ``answer``, each with verified citations."""
    text = attach_trailing_markers(split_groups(answer.strip()))
    claims = [read_markers(s) for s in sentences(text)]
    claims = [c for c in claims if c.text and any(ch.isalnum() for ch in c.text)]
    # A looping model repeats itself: judge (and keep) each sentence once.
    claims = list({c.text: c for c in reversed(claims)}.values())[::-1]
    result = Grounded("", [])
    if not claims or not passages:
        return result
    vectors = sentence_vectors(passages)
    claim_vectors = embed([c.text for c in claims])
    multi = is_multi_source(passages)
    kept: list[str] = []
    quotes: dict[str, tuple[Passage, list[str]]] = {}
    for claim, vector in zip(claims, claim_vectors):
        supports = []
        for passage, (spans, matrix) in zip(passages, vectors):
            sims = matrix @ vector if len(matrix) else np.zeros(1)
            best = int(np.argmax(sims))
            a, b = spans[best] if spans else (0, len(passage.text))
            quote = passage.text[a:b]
            score = 0.7 * float(sims[best]) + 0.3 * coverage(claim.text, quote)
            supports.append(Support(passage, score, quote))
        claimed = {p.id for ref in claim.refs for p in resolve(ref, passages)}
        valid = [s for s in supports if s.passage.id in claimed and s.score >= threshold]
        if not valid:
            best_support = max(supports, key=lambda s: s.score)
            if best_support.score < threshold:
                result.notes.append(f"dropped an unsupported sentence: {claim.text[:80]!r}")
                continue
            if claim.refs:
                result.notes.append(f"repaired a citation: {claim.text[:60]!r}")
            valid = [best_support]
        markers = []
        for support in sorted(valid, key=lambda s: -s.score)[:2]:
            markers.append(marker(support.passage, multi))
            key = f"{support.passage.source}\x00{support.passage.paragraph}"
            entry = quotes.setdefault(key, (support.passage, []))
            if support.quote not in entry[1]:
                entry[1].append(support.quote)
        body = claim.text.rstrip()
        end = body[-1] if body[-1] in ".!?…" else "."
        body = body[:-1] if body[-1] in ".!?…" else body
        kept.append(f"{body} {''.join(dict.fromkeys(markers))}{end}")
    result.text = " ".join(kept)
    result.notes = list(dict.fromkeys(result.notes))
    result.citations = [
        Citation(p.source, p.paragraph, p.section, " ".join(qs), p.chunk_hash, p.page)
        for p, qs in quotes.values()
    ]
    return result
