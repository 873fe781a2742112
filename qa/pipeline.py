"""One code path from a question to a cited answer, for the chat, the CLI and the evals."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from qa.extractive import ABSTAIN_TEXT, ExtractiveConfig, choose, compose, score_sentences
from qa.models import Answer, Passage, Turn
from qa.questions import clean_question, search_query
from qa.retrieve import Retriever
from settings import Settings


@dataclass
class Draft:
    """What a backend produced, before the pipeline wraps it into an ``Answer``."""

    answer: str
    abstained: bool
    citations: list
    prompt_version: str | None = None
    notes: list[str] = field(default_factory=list)


class Backend(Protocol):
    """Writes the answer from the retrieved passages."""

    name: str

    def condense(self, question: str, history: Sequence[Turn]) -> str: ...

    def answer(self, question: str, evidence: Evidence) -> Iterator[str | Draft]:
        """Yield text as it is produced (may yield nothing), then one ``Draft``."""
        ...


@dataclass
class Evidence:
    """The retrieved passages and their sentence-level scores for one question."""

    question: str
    passages: list[Passage]
    vector: np.ndarray
    sentence_sims: list[list[tuple[int, int, float]]]
    coverage: list[list[float]]

    def extractive(self, config: ExtractiveConfig) -> Draft:
        scored = score_sentences(self.passages, self.sentence_sims, self.coverage, config)
        if not scored or scored[0].score < config.min_evidence:
            return Draft(ABSTAIN_TEXT, True, [])
        text, citations = compose(choose(scored, config), self.passages)
        return Draft(text, False, citations)


class Assistant:
    """Answers questions with citations; shared by every entry point."""

    def __init__(self, settings: Settings, retriever: Retriever, backend: Backend) -> None:
        self.settings = settings
        self.retriever = retriever
        self.backend = backend

    def gather(self, query: str, k: int) -> Evidence:
        retriever = self.retriever
        vector = retriever.embed(query)
        passages = retriever.search(query, k, vector=vector)
        sims = retriever.best_sentences(vector, passages)
        lexical = retriever.lexical
        weight = retriever.config.focus_weight
        focus = lexical.focus(query, retriever.config.common_share)
        if weight and focus.strip() and focus != query:
            focused = retriever.best_sentences(retriever.embed(focus), passages)
            sims = [
                [(a, b, (1 - weight) * s + weight * f) for (a, b, s), (_, _, f) in zip(x, y)]
                for x, y in zip(sims, focused)
            ]
        coverage = [
            [lexical.coverage(query, p.text[a:b]) for a, b, _ in s] for p, s in zip(passages, sims)
        ]
        return Evidence(query, passages, vector, sims, coverage)

    def stream(
        self, question: str, history: Sequence[Turn] = (), k: int | None = None
    ) -> Iterator[str | Answer]:
        """Yield answer text as it is written, then the final, checked ``Answer``."""
        question = clean_question(question)
        k = k or self.settings.top_k
        started = time.perf_counter()
        history = list(history)
        query = self.backend.condense(question, history) if history else question
        if query == question:
            query = search_query(question, history)
        evidence = self.gather(query, k)
        retrieved = time.perf_counter()
        draft: Draft | None = None
        for item in self.backend.answer(question, evidence):
            if isinstance(item, Draft):
                draft = item
            else:
                yield item
        assert draft is not None, "a backend must end with a Draft"
        done = time.perf_counter()
        yield Answer(
            question=question,
            answer=draft.answer,
            abstained=draft.abstained,
            citations=draft.citations,
            retrieved=evidence.passages,
            backend=self.backend.name,
            prompt_version=draft.prompt_version,
            timings_ms={
                "retrieve": (retrieved - started) * 1000,
                "answer": (done - retrieved) * 1000,
            },
            notes=draft.notes,
            search_query=query,
        )

    def ask(self, question: str, history: Sequence[Turn] = (), k: int | None = None) -> Answer:
        answer = None
        for item in self.stream(question, history, k):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer


class ExtractiveBackend:
    """The default backend: quotes the best sentences (see ``qa.extractive``)."""

    name = "extractive"

    def __init__(self, config: ExtractiveConfig | None = None) -> None:
        self.config = config or ExtractiveConfig()

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return question  # the pipeline carries the last turn's topic instead

    def answer(self, question: str, evidence: Evidence) -> Iterator[str | Draft]:
        yield evidence.extractive(self.config)
