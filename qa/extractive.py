"""The default answerer: no model, no network, deterministic.

It quotes the sentences of the retrieved passages that best answer the
question, each followed by the marker of its paragraph. A sentence's score is
its embedding similarity to the question plus the share of the question's rare
words it contains; the best sentence's score is the evidence strength, and
below ``min_evidence`` the answerer abstains instead of quoting something loosely
related.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.citations import is_multi_source, marker
from qa.models import Citation, Passage

ABSTAIN_TEXT = "The sources don't say. The closest passages are listed below."


@dataclass(frozen=True)
class ExtractiveConfig:
    passages: int = 3  # how many top passages may be quoted
    max_sentences: int = 2
    keep_within: float = 0.1  # further sentences must score this close to the best
    coverage_weight: float = 0.25
    top_passage_bonus: float = 0.05
    # Calibrated on the eval sets' answerable and unanswerable questions (README).
    min_evidence: float = 0.5


@dataclass(frozen=True)
class Scored:
    passage: Passage
    rank: int
    start: int
    end: int
    score: float

    @property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]


def score_sentences(
    passages: list[Passage],
    sentence_sims: list[list[tuple[int, int, float]]],
    coverage: list[list[float]],
    config: ExtractiveConfig,
) -> list[Scored]:
    """Every sentence of the top passages with its score, best first."""
    scored = []
    for rank, (passage, sims, covs) in enumerate(zip(passages, sentence_sims, coverage)):
        if rank >= config.passages:
            break
        bonus = config.top_passage_bonus if rank == 0 else 0.0
        for (start, end, sim), cov in zip(sims, covs):
            score = sim + config.coverage_weight * cov + bonus
            scored.append(Scored(passage, rank, start, end, score))
    return sorted(scored, key=lambda s: -s.score)


def choose(scored: list[Scored], config: ExtractiveConfig) -> list[Scored]:
    """The sentences to quote, in reading order (by passage rank, then position)."""
    if not scored:
        return []
    best = scored[0]
    chosen = [best]
    for candidate in scored[1:]:
        if len(chosen) >= config.max_sentences:
            break
        if candidate.score >= best.score - config.keep_within and candidate.text != best.text:
            chosen.append(candidate)
    return sorted(chosen, key=lambda s: (s.rank, s.start))


def compose(chosen: list[Scored], all_passages: list[Passage]) -> tuple[str, list[Citation]]:
    """The answer text (each sentence with its marker) and one citation per paragraph."""
    multi = is_multi_source(all_passages)
    sentences = [f"{c.text} {marker(c.passage, multi)}" for c in chosen]
    quotes: dict[tuple[str, int], list[Scored]] = {}
    for c in chosen:
        quotes.setdefault((c.passage.source, c.passage.paragraph), []).append(c)
    citations = [
        Citation(
            source=group[0].passage.source,
            paragraph=group[0].passage.paragraph,
            section=group[0].passage.section,
            quote=" ".join(s.text for s in sorted(group, key=lambda s: s.start)),
            chunk_hash=group[0].passage.chunk_hash,
        )
        for group in quotes.values()
    ]
    return " ".join(sentences), citations
