"""What the answering pipeline passes around and returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything needed to cite and show it."""

    id: str
    text: str
    source: str
    paragraph: int
    section: str | None
    title: str
    chunk_hash: str
    score: float  # final retrieval score, higher is better
    dense: float = 0.0  # cosine similarity of the question and the chunk
    lexical: float = 0.0  # BM25 score
    start: int = 0
    end: int = 0
    page: int | None = None  # PDF sources: the page the paragraph starts on

    @classmethod
    def from_hit(cls, hit_id: str, text: str, meta: dict[str, Any], **scores: float) -> Passage:
        return cls(
            id=hit_id,
            text=text,
            source=str(meta.get("source", "")),
            paragraph=int(meta.get("paragraph", 0)),
            section=meta.get("section") or None,
            title=str(meta.get("title", "")),
            chunk_hash=str(meta.get("chunk_hash", "")),
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            page=int(meta["page"]) if meta.get("page") else None,
            score=scores.get("score", 0.0),
            dense=scores.get("dense", 0.0),
            lexical=scores.get("lexical", 0.0),
        )


@dataclass(frozen=True)
class Citation:
    source: str
    paragraph: int
    section: str | None
    quote: str
    chunk_hash: str = ""
    page: int | None = None

    def public(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "paragraph": self.paragraph,
            "page": self.page,
            "section": self.section,
            "quote": self.quote,
        }

    @property
    def where(self) -> str:
        """How a reader finds it: ``report.pdf · p. 4 · ¶27``.

        >>> Citation("report.pdf", 27, None, "q", page=4).where
        'report.pdf · p. 4 · ¶27'
        >>> Citation("a.txt", 3, None, "q").where
        'a.txt · ¶3'
        """
        page = f" · p. {self.page}" if self.page else ""
        return f"{self.source}{page} · ¶{self.paragraph}"


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[Passage]
    backend: str
    prompt_version: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    search_query: str = ""
    confidence: float = 0.0  # the best sentence's probability of answering (0..1)

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of ``python -m qa --json`` (see README)."""
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.public() for c in self.citations],
            "retrieved": [
                {"source": p.source, "paragraph": p.paragraph, "score": round(p.score, 4)}
                for p in self.retrieved
            ],
            "backend": self.backend,
            "prompt_version": self.prompt_version,
            "confidence": round(self.confidence, 4),
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }

    def to_record(self) -> dict[str, Any]:
        """Everything, for the chat history and eval results."""
        data = self.to_json()
        data["citations"] = [asdict(c) for c in self.citations]
        data["passages"] = [asdict(p) for p in self.retrieved]
        data["notes"] = self.notes
        data["search_query"] = self.search_query
        return data


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of the conversation."""

    question: str
    answer: str = ""
    search_query: str = ""


@dataclass(frozen=True)
class IndexStats:
    """What is indexed, as the page's sidebar shows it."""

    sources: int
    paragraphs: int
    chunks: int
    last_ingest: float | None  # epoch seconds of the last completed ingest

    @property
    def empty(self) -> bool:
        return self.chunks == 0
