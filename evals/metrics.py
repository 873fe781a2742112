"""Scoring answers against a question set's expectations.

Every metric is computed from what the assistant returned (its retrieved
passages, its citations, its text, whether it abstained), never from the
expected data alone. Names match a set's ``thresholds`` keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# Metrics where smaller is better; every other one is a lower bound.
UPPER_BOUNDS = frozenset({"false_abstention_rate", "latency_p50_ms", "latency_p95_ms"})
# Machine-speed figures: a busy machine misses them without any change in quality.
SPEED_METRICS = frozenset({"latency_p50_ms", "latency_p95_ms"})
METRICS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "first_citation_accuracy",
    "citation_precision",
    "citation_recall",
    "keyword_recall",
    "abstention_accuracy",
    "false_abstention_rate",
    "coverage",
    "precision_at_coverage",
    "latency_p50_ms",
    "latency_p95_ms",
)

# What each metric means, in words a reader of the Evals page understands. A metric
# without an entry is shown by its name.
LABELS = {
    "hit@1": "Right paragraph ranked first",
    "hit@3": "Right paragraph in the top 3",
    "hit@5": "Right paragraph in the top 5",
    "mrr": "Rank of the right paragraph (MRR, 1 = always first)",
    "first_citation_accuracy": "Answers whose first citation is right",
    "citation_precision": "Citations that point at a right paragraph",
    "citation_recall": "Answers that cite a right paragraph",
    "keyword_recall": "Expected words found in the answers",
    "abstention_accuracy": "Unanswerable questions declined",
    "false_abstention_rate": "Answerable questions declined (lower is better)",
    "coverage": "Questions answered (not declined)",
    "precision_at_coverage": "Answers given that are right",
    "latency_p50_ms": "Typical answer time, ms (median)",
    "latency_p95_ms": "Slow answer time, ms (95th percentile)",
}


@dataclass(frozen=True)
class Case:
    """One question's expectations."""

    id: str
    turns: list[str]
    expected: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    answer_keywords: tuple[str, ...] = ()
    reference_answer: str | None = None
    answerable: bool = True

    @property
    def question(self) -> str:
        return self.turns[-1]


def first_hit_rank(case: Case, retrieved: Sequence[tuple[str, int]]) -> int | None:
    """1-based rank of the first expected paragraph among the retrieved, or None.

    >>> c = Case("x", ["q"], frozenset({("a", 2)}))
    >>> first_hit_rank(c, [("a", 1), ("a", 2)]), first_hit_rank(c, [("b", 2)])
    (2, None)
    """
    for rank, ref in enumerate(retrieved, start=1):
        if ref in case.expected:
            return rank
    return None


def score_answer(case: Case, answer: dict) -> dict:
    """Per-question scores from an answer object of the ``qa`` JSON contract."""
    retrieved = [(r["source"], int(r["paragraph"])) for r in answer.get("retrieved", [])]
    cited = list(dict.fromkeys((c["source"], int(c["paragraph"])) for c in answer["citations"]))
    abstained = bool(answer["abstained"])
    scores: dict = {"abstained": abstained, "answerable": case.answerable}
    if case.answerable:
        rank = first_hit_rank(case, retrieved)
        scores["rank"] = rank
        scores["cited_expected"] = bool(set(cited) & case.expected)
        scores["first_cited_right"] = bool(cited) and cited[0] in case.expected
        scores["cited_right"] = sum(ref in case.expected for ref in cited)
        scores["cited"] = len(cited)
        if case.answer_keywords:
            text = "" if abstained else answer["answer"].lower()
            found = [k for k in case.answer_keywords if k.lower() in text]
            scores["keyword_recall"] = len(found) / len(case.answer_keywords)
    else:
        scores["cited"] = len(cited)
        scores["cited_right"] = 0
    # An answered question is right when its first citation is an expected paragraph;
    # answering an unanswerable one is always wrong (for the risk-coverage curve).
    scores["right"] = not abstained and bool(scores.get("first_cited_right"))
    scores["confidence"] = float(answer.get("confidence", 0.0))
    scores["latency_ms"] = sum(answer.get("timings_ms", {}).values())
    scores["passed"] = _passed(case, scores)
    return scores


def _passed(case: Case, s: dict) -> bool:
    if not case.answerable:
        return s["abstained"]
    return not s["abstained"] and s["cited_expected"] and s.get("keyword_recall", 1.0) >= 0.5


def aggregate(scores: Sequence[dict]) -> dict[str, float | None]:
    """Set-level metrics from per-question scores.

    ``first_citation_accuracy`` is the share of answerable questions whose first
    citation is an expected paragraph; ``coverage`` the share of all questions
    answered, and ``precision_at_coverage`` the share of those answers that are right
    (an answer to an unanswerable question is wrong).

    ``citation_precision`` is over all cited paragraphs of answered questions (a
    citation on an unanswerable question is always wrong); ``citation_recall``
    is the share of answerable questions citing an expected paragraph.
    """
    answerable = [s for s in scores if s["answerable"]]
    unanswerable = [s for s in scores if not s["answerable"]]
    metrics: dict[str, float | None] = {}
    ranks = [s["rank"] for s in answerable]
    for k in (1, 3, 5):
        metrics[f"hit@{k}"] = _mean([r is not None and r <= k for r in ranks])
    metrics["mrr"] = _mean([1.0 / r if r else 0.0 for r in ranks])
    metrics["first_citation_accuracy"] = _mean([s["first_cited_right"] for s in answerable])
    cited = sum(s["cited"] for s in scores)
    metrics["citation_precision"] = sum(s["cited_right"] for s in scores) / cited if cited else None
    metrics["citation_recall"] = _mean([s["cited_expected"] for s in answerable])
    metrics["keyword_recall"] = _mean(
        [s["keyword_recall"] for s in answerable if "keyword_recall" in s]
    )
    metrics["abstention_accuracy"] = _mean([s["abstained"] for s in unanswerable])
    metrics["false_abstention_rate"] = _mean([s["abstained"] for s in answerable])
    answered = [s for s in scores if not s["abstained"]]
    metrics["coverage"] = _mean([not s["abstained"] for s in scores])
    metrics["precision_at_coverage"] = _mean([s["right"] for s in answered])
    latencies = [s["latency_ms"] for s in scores]
    metrics["latency_p50_ms"] = float(np.percentile(latencies, 50)) if latencies else None
    metrics["latency_p95_ms"] = float(np.percentile(latencies, 95)) if latencies else None
    return metrics


def risk_coverage(scores: Sequence[dict]) -> list[tuple[float, float]]:
    """Precision of the answered questions against the share answered, when questions
    are answered in order of confidence: one (coverage, precision) point per question.

    >>> s = [{"confidence": 0.9, "right": True}, {"confidence": 0.2, "right": False}]
    >>> risk_coverage(s)
    [(0.5, 1.0), (1.0, 0.5)]
    """
    ranked = sorted(scores, key=lambda s: -s.get("confidence", 0.0))
    points, right = [], 0
    for i, s in enumerate(ranked, start=1):
        right += bool(s.get("right"))
        points.append((i / len(ranked), right / i))
    return points


def _mean(values: Sequence[float | bool]) -> float | None:
    return float(np.mean([float(v) for v in values])) if values else None


def failed_thresholds(
    metrics: dict, thresholds: dict[str, float], gate_speed: bool = True
) -> list[str]:
    """Human lines for every threshold the metrics miss (unknown names are errors).

    ``gate_speed=False`` leaves machine-speed thresholds out (they stay reported).

    >>> failed_thresholds({"mrr": 0.5, "latency_p95_ms": 900}, {"mrr": 0.6, "latency_p95_ms": 1000})
    ['mrr = 0.500, below the threshold 0.600']
    >>> failed_thresholds({"latency_p95_ms": 900}, {"latency_p95_ms": 500}, gate_speed=False)
    []
    """
    problems = []
    for name, bound in thresholds.items():
        if name not in METRICS:
            problems.append(f"unknown metric {name!r} in thresholds (known: {', '.join(METRICS)})")
            continue
        if name in SPEED_METRICS and not gate_speed:
            continue
        value = metrics.get(name)
        if value is None:
            problems.append(f"{name} could not be computed for this set (threshold {bound})")
        elif name in UPPER_BOUNDS and value > bound:
            problems.append(f"{name} = {value:.3f}, above the threshold {bound:.3f}")
        elif name not in UPPER_BOUNDS and value < bound:
            problems.append(f"{name} = {value:.3f}, below the threshold {bound:.3f}")
    return problems
