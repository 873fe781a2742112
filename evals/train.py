"""Fitting the answerability model on calibration sets.

Usage::

    python -m evals train evals/sets/article.yaml evals/sets/caspian.yaml \\
        evals/sets/unanswerable-calibration.yaml evals/sets/squad2-zelda.yaml \\
        [--out qa/answerability.json] [--max-false-abstention 0.04]

Every question of the given sets is asked through the real pipeline (real model,
real store); every candidate sentence becomes one example, labelled 1 when it sits
in an expected paragraph and contains an answer keyword, 0 otherwise (all 0 for an
unanswerable question). A logistic regression is fitted on those examples, then the
abstention threshold is chosen on the same questions: the highest one that keeps
false abstentions on answerable questions under ``--max-false-abstention``. Only
calibration sets may be given: a set whose ``purpose`` is ``test`` is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.runner import set_settings
from evals.sets_io import QuestionSet
from qa.models import Turn
from qa.pipeline import Assistant, Evidence
from qa.questions import clean_question
from qa.scoring import FEATURES, WEIGHTS_FILE, ScoringConfig
from qa.service import build_assistant
from settings import Settings


@dataclass
class QuestionExamples:
    set: str
    case: str
    answerable: bool
    parts: list[tuple[np.ndarray, np.ndarray]]  # per part: features (n x f), labels (n)


def labels(evidence: Evidence, expected: frozenset, keywords: Sequence[str]) -> np.ndarray:
    """1 for a candidate in an expected paragraph holding an answer keyword."""
    words = [k.lower() for k in keywords]
    out = []
    for c in evidence.candidates:
        p = evidence.passages[c.passage]
        hit = (p.source, p.paragraph) in expected and any(w in c.text.lower() for w in words)
        out.append(1.0 if hit else 0.0)
    return np.array(out)


def collect(
    qset: QuestionSet, settings: Settings, config: ScoringConfig | None = None
) -> list[QuestionExamples]:
    """Features and labels of every candidate sentence of every question of a set."""
    out = []
    with set_settings(qset, settings) as local:
        assistant = build_assistant(local, config=config)
        for case in qset.cases:
            history = _replay(assistant, case.turns[:-1])
            evidence = assistant.evidence(clean_question(case.question), history)
            parts = []
            for part in evidence.parts or [evidence]:
                x = np.array([[c.features[f] for f in FEATURES] for c in part.candidates])
                y = (
                    labels(part, case.expected, case.answer_keywords)
                    if case.answerable
                    else np.zeros(len(part.candidates))
                )
                parts.append((x.reshape(-1, len(FEATURES)), y))
            out.append(QuestionExamples(qset.name, case.id, case.answerable, parts))
    return out


def _replay(assistant: Assistant, turns: Sequence[str]) -> list[Turn]:
    history: list[Turn] = []
    for turn in turns:
        answer = assistant.ask(turn, history)
        history.append(Turn(answer.question, answer.answer, answer.search_query))
    return history


def training_matrix(examples: Sequence[QuestionExamples]) -> tuple[np.ndarray, np.ndarray]:
    """All examples; an answerable question with no labelled sentence is left out (its
    answer was not retrieved or not quotable, so its sentences teach nothing sure)."""
    xs, ys = [], []
    for q in examples:
        if q.answerable and not any(y.any() for _, y in q.parts):
            continue
        for x, y in q.parts:
            xs.append(x)
            ys.append(y)
    return np.vstack(xs), np.concatenate(ys)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = 1e-2,
    steps: int = 3000,
    sample_weight: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Logistic regression by gradient descent, classes weighted to equal mass.

    >>> x = np.array([[0.0], [0.2], [0.8], [1.0]]); y = np.array([0, 0, 1, 1.0])
    >>> b, w = fit_logistic(x, y)
    >>> bool(w[0] > 0 and b < 0)
    True
    """
    n, f = x.shape
    pos = max(y.sum(), 1.0)
    neg = max(n - y.sum(), 1.0)
    weight = np.where(y > 0, n / (2 * pos), n / (2 * neg))
    if sample_weight is not None:
        weight = weight * sample_weight * n / sample_weight.sum()
    w = np.zeros(f)
    b = 0.0
    rate = 0.5
    for _ in range(steps):
        z = np.clip(x @ w + b, -30, 30)
        p = 1 / (1 + np.exp(-z))
        g = weight * (p - y)
        w -= rate * (x.T @ g / n + l2 * w)
        b -= rate * g.mean()
    return float(b), w


ANSWER_FEATURES = (*FEATURES, "lead_p")
# The bound on false abstentions the threshold is chosen under, on the calibration sets.
# At 0.05 the threshold rose above the Minsk Group question of the issue (¶2 names the
# group in its words); at 0.04 that question is answered and every calibration set
# abstains as often or more, with no more false abstentions than the weights before it.
MAX_FALSE_ABSTENTION = 0.04
# Features that help choose the lead sentence but say nothing of whether to answer: a
# question copying the text's phrases is as often a near miss (same words, another fact)
# as a question the text answers, so the answerability model leaves them out.
SELECTION_ONLY = frozenset({"phrase"})


def lead_rows(examples: Sequence[QuestionExamples], bias: float, w: np.ndarray) -> np.ndarray:
    """Per question, the answerability model's input: the lead sentence's features and its
    selection probability (for a compound question, its most probable part's lead)."""
    rows = []
    for q in examples:
        best = np.zeros(len(ANSWER_FEATURES))
        for x, _ in q.parts:
            if not len(x):
                continue
            p = 1 / (1 + np.exp(-np.clip(x @ w + bias, -30, 30)))
            i = int(np.argmax(p))
            if p[i] >= best[-1]:
                best = np.concatenate([x[i], [p[i]]])
        rows.append(best)
    return np.array(rows)


def question_scores(
    examples: Sequence[QuestionExamples], rows: np.ndarray, bias: float, w: np.ndarray
) -> list[tuple[bool, float]]:
    """Per question: answerable?, and its probability of being answered."""
    p = 1 / (1 + np.exp(-np.clip(rows @ w + bias, -30, 30)))
    return [(q.answerable, float(v)) for q, v in zip(examples, p)]


def choose_threshold(scores: Sequence[tuple[bool, float]], max_false_abstention: float) -> float:
    """The highest threshold whose false-abstention rate stays within the bound.

    >>> choose_threshold([(True, 0.9), (True, 0.6), (False, 0.5), (False, 0.2)], 0.0)
    0.6
    """
    answerable = sorted(s for a, s in scores if a)
    if not answerable:
        return 0.5
    allowed = int(np.floor(max_false_abstention * len(answerable)))
    return float(answerable[allowed])


def rates(scores: Sequence[tuple[bool, float]], threshold: float) -> dict[str, float]:
    ans = [s for a, s in scores if a]
    una = [s for a, s in scores if not a]
    return {
        "false_abstention_rate": float(np.mean([s < threshold for s in ans])) if ans else 0.0,
        "abstention_accuracy": float(np.mean([s < threshold for s in una])) if una else 0.0,
    }


def train(
    sets: Sequence[QuestionSet],
    settings: Settings,
    max_false_abstention: float,
    config: ScoringConfig | None = None,
    disabled: frozenset[str] = frozenset(),
) -> dict:
    """Fit weights and threshold on ``sets``; returns the weights file's content."""
    for qset in sets:
        if qset.purpose in ("test", "pool"):
            raise ValueError(f"{qset.path}: a test set cannot be used for training")
    examples = [q for qset in sets for q in collect(qset, settings, config)]
    return fit(examples, max_false_abstention, disabled, [s.name for s in sets])


def fit(
    examples: Sequence[QuestionExamples],
    max_false_abstention: float,
    disabled: frozenset[str] = frozenset(),
    names: Sequence[str] = (),
    answer_disabled: frozenset[str] = SELECTION_ONLY,
) -> dict:
    """Both models and the threshold, from collected examples; ``answer_disabled``
    features help choose the lead but play no part in whether to answer."""
    x, y = training_matrix(examples)
    keep = np.array([f not in disabled for f in FEATURES], dtype=float)
    bias, w = fit_logistic(x * keep, y)
    w = w * keep
    rows = lead_rows(examples, bias, w)
    keep_q = np.array([f not in disabled | answer_disabled for f in ANSWER_FEATURES], dtype=float)
    labels_q = np.array([1.0 if q.answerable else 0.0 for q in examples])
    sets = [q.set for q in examples]
    # Every set counts the same, however many questions it has.
    balance = np.array([1.0 / sets.count(s) for s in sets])
    bias_q, w_q = fit_logistic(rows * keep_q, labels_q, l2=1e-3, steps=8000, sample_weight=balance)
    w_q = w_q * keep_q
    scores = question_scores(examples, rows, bias_q, w_q)
    threshold = choose_threshold(scores, max_false_abstention)
    by_set = {}
    for name in dict.fromkeys(sets):
        subset = [s for s, q in zip(scores, examples) if q.set == name]
        by_set[name] = rates(subset, threshold)
    return {
        "note": "fitted by python -m evals train on calibration sets only",
        "trained_on": list(names),
        "created": time.strftime("%Y-%m-%d"),
        "examples": len(y),
        "positives": int(y.sum()),
        "questions": len(examples),
        "max_false_abstention": max_false_abstention,
        "disabled": sorted(disabled),
        "selection_only": sorted(answer_disabled),
        "min_answer": round(threshold, 4),
        "min_support": 0.6,
        "calibration": {k: {m: round(v, 3) for m, v in r.items()} for k, r in by_set.items()},
        "weights": {"bias": round(bias, 4), **{f: round(float(v), 4) for f, v in zip(FEATURES, w)}},
        "answer_weights": {
            "bias": round(bias_q, 4),
            **{f: round(float(v), 4) for f, v in zip(ANSWER_FEATURES, w_q)},
        },
    }


def write(data: dict, out: Path = WEIGHTS_FILE) -> None:
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
