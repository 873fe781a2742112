"""Every weight and threshold of answering, and the pure functions that apply them.

One config object (``ScoringConfig``) holds the retrieval fusion, the re-ranking,
the sentence features and the answerability model; an ablation is a one-line
``replace(config, ...)``. The stages, in the order a question meets them:

1. **Fusion** (``rrf``): the dense and lexical rankings merged by reciprocal rank.
2. **Re-ranking** (``rerank_score``): a passage's cosine, its best sentence's cosine
   and its share of the question's rare words.
3. **Sentence features** (``sentence_features``): for each sentence of the top
   passages, how close it is to the question, whether it supplies the kind of answer
   asked for (a quantity for "how many", a date for "when", a name for "who", a place
   for "where", a reason for "why"), whether its paragraph names the question's
   specific constraints (numbers, years, names; aliases and paraphrases allowed), and
   how much it adds beyond the question's own words.
4. **Selection** (``probability``): a logistic model over those features gives each
   sentence its probability of being the answer; the most probable one leads, unless
   it lacks the kind of answer asked for and one that has it is nearly as probable
   (``typed_first``), or the cross-encoder prefers the runner-up (``contested``).
5. **Answerability** (``answer_probability``): a second logistic model, over the lead
   sentence's features and its selection probability, gives the probability that the
   question is answered at all; below ``min_answer`` the answer abstains.
6. **Choosing** (``choose``): supporting sentences from up to ``max_paragraphs``
   paragraphs follow the lead when they are nearly as probable; a lead that points back
   ("He is ...") comes after the sentence it points to (``with_antecedent``).

Both models are fitted on calibration questions only (``python -m evals train``;
weights in ``qa/answerability.json``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

from textkit.cues import (
    AnswerType,
    Constraint,
    answer_type,
    by_surname,
    constraints,
    mentions,
    reason_cue,
    satisfies,
)
from textkit.words import terms

WEIGHTS_FILE = Path(__file__).with_name("answerability.json")

FEATURES = (
    "sim",  # the sentence's cosine with the question (mixed with the focused question)
    "sim_gap",  # that cosine minus the best one among all candidates (<= 0)
    "dense",  # the passage's cosine with the question
    "cover",  # share of the question's rare-word weight found in the sentence
    "align_para",  # how well the paragraph's words match the question's, weighted by rarity
    "align_para_min",  # the worst-matched question word's best match in the paragraph
    "align_sent",  # the same two within the sentence
    "align_sent_min",
    "miss_name",  # share of the question's proper names (and defined term) its paragraph lacks
    "miss_number",  # 1 when a number or year of the question is not in the paragraph
    "type_missing",  # 1 when the sentence lacks the kind of answer asked for
    "novelty",  # share of the sentence's words the question does not already use
    "why_cue",  # a why-question and a sentence stating a reason or cause
    "short",  # the sentence has fewer than six words
    "phrase",  # share of the question's two-word phrases the sentence has as phrases
)


@dataclass(frozen=True)
class ScoringConfig:
    # Retrieval: candidates from each ranker, fused by reciprocal rank (k = rrf_k).
    candidates: int = 30
    rerank: int = 12  # fused candidates scored sentence by sentence
    rrf_k: int = 60
    # Re-ranking: chunk cosine + sentence_weight * best sentence cosine
    #             + coverage_weight * share of the question's rare words in the chunk.
    sentence_weight: float = 0.75
    coverage_weight: float = 0.25
    # Sentence cosine = (1 - focus_weight) * cosine with the question
    #                 + focus_weight * cosine with the question minus its topic words
    # (words in over common_share of the chunks).
    focus_weight: float = 0.3
    common_share: float = 0.25
    # Word alignment: a question word absent from a text scores the best cosine of its
    # MiniLM word vector with the text's words (fear ~ worrying), a present one 1.
    word_alignment: bool = True
    # Answering.
    passages: int = 5  # top passages whose sentences are candidates
    min_answer: float = 0.5  # abstain when no sentence is this likely to answer
    max_sentences: int = 2
    max_reason_sentences: int = 3  # why/how questions gather more of the argument
    max_paragraphs: int = 3
    # A supporting sentence is this close to the lead (selection probability) in the
    # lead's paragraph, or the tighter other_paragraph margin elsewhere; why/how
    # questions gather more widely.
    keep_within: float = 0.15
    other_paragraph: float = 0.05
    other_paragraph_reason: float = 0.05
    # The paragraph a why-answer's lead continues ("On the other hand, ...") is quoted
    # for the first half of the argument when its best sentence reaches this.
    continuation_floor: float = 0.3
    min_support: float = 0.6  # a supporting sentence's own selection probability
    # A why-answer does not lead with a sentence that only restates the question (at most
    # this share of its words new, and no reason given) when a sentence of its paragraph
    # that gives a reason is a plausible support (min_support): that one leads, the
    # restatement follows.
    restate_novelty: float = 0.7
    # The cross-encoder (qa/cross.py) reads the question with each of the
    # cross_candidates most probable sentences and re-orders them by
    # logit(selection probability) + cross_weight * its logit; 0 candidates: off.
    cross_candidates: int = 2
    cross_weight: float = 0.3
    # ... unless the most probable leads the next by more than this (in logit): on the
    # calibration sets no lead that far ahead was overturned at cross_weight 0.3, and a
    # third of the questions skip the model.
    cross_gap: float = 1.0
    # A sentence giving the kind of answer asked for ("It has three decks") trades places
    # with a more probable one that does not ("The deck oven was installed in 2019") when
    # their selection probabilities are at most this far apart (0: never).
    typed_margin: float = 0.05
    # ... or whatever the gap, when the one giving it is itself this probable: an unrelated
    # paragraph added to a store had moved "It has three decks" 0.06 behind and the answer
    # to "How many decks ...?" was judged on a sentence with no count in it. (0.7 also
    # answered a calibration question it had refused, wrongly; 0.8 changed none.)
    typed_floor: float = 0.8
    # A who-question's role ("the *mayor* of Tehran") must be named where it is quoted.
    role_required: bool = True
    # A credit line ("Translated by ... in Ankara") answers only who made the piece, or where.
    credit_lines: bool = True
    # A year the question names ("at their 2024 summit") must be in a passage found.
    year_required: bool = True
    # A contact detail asked for ("What is the clinic's phone number?") is quoted only
    # from a sentence that gives one in its form (digits, an address with @, a web address).
    contact_required: bool = True
    # A number that picks one of a series ("version 5.0", "Route 7") must be in the
    # paragraph quoted: version 4.0's release date does not answer when 5.0 comes out.
    label_required: bool = True
    # A sentence that gives its fact for the other of a pair the question picks one of
    # ("£9.00 a child" for "How much ... for an adult?", the inlet for the outlet, "with"
    # for "without") is not quoted for it.
    exclusive_kinds: bool = True
    # A step asked for by its number ("What is step 3?", "the first step") is answered by
    # the list item numbered so, even when little else of the question matches it.
    numbered_steps: bool = True
    # The two models: weights per feature name, plus "bias" (answer_weights also
    # weigh "lead_p", the lead sentence's selection probability).
    weights: dict[str, float] = field(default_factory=dict)
    answer_weights: dict[str, float] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()  # features held at 0 (ablations)

    @classmethod
    def trained(cls, path: Path = WEIGHTS_FILE) -> ScoringConfig:
        """The config with the fitted weights and threshold of ``path``."""
        return cls.from_weights(_read_weights(path))

    @classmethod
    def from_weights(cls, data: dict, **overrides: object) -> ScoringConfig:
        """The config for a weights file's content (as ``python -m evals train`` writes)."""
        return cls(
            weights=dict(data["weights"]),
            answer_weights=dict(data["answer_weights"]),
            min_answer=float(data["min_answer"]),
            min_support=float(data.get("min_support", 0.5)),
            disabled=frozenset(data.get("disabled", ())),
            **overrides,  # type: ignore[arg-type]
        )

    def without(self, *features: str) -> ScoringConfig:
        """The same config with ``features`` switched off (for ablations)."""
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}; known: {FEATURES}")
        return replace(self, disabled=self.disabled | frozenset(features))


@cache
def _read_weights(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def rrf(rankings: Iterable[Sequence[str]], k: int) -> dict[str, float]:
    """Reciprocal rank fusion: each list adds ``1 / (k + rank)`` to its items.

    >>> fused = rrf([["a", "b"], ["b", "c"]], k=60)
    >>> sorted(fused, key=lambda i: -fused[i])
    ['b', 'a', 'c']
    """
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return fused


def rerank_score(dense: float, best_sentence: float, coverage: float, cfg: ScoringConfig) -> float:
    """A passage's re-ranking score.

    >>> round(rerank_score(0.5, 0.6, 1.0, ScoringConfig()), 3)
    1.2
    """
    return dense + cfg.sentence_weight * best_sentence + cfg.coverage_weight * coverage


def mix_focus(similarity: float, focused: float, cfg: ScoringConfig) -> float:
    """A sentence's cosine, mixing the whole question and its focused form.

    >>> mix_focus(0.5, 0.8, ScoringConfig(focus_weight=0.5))
    0.65
    """
    return (1 - cfg.focus_weight) * similarity + cfg.focus_weight * focused


@dataclass(frozen=True)
class Question:
    """What the scoring needs to know about a question, worked out once."""

    text: str
    kind: AnswerType
    constraints: tuple[Constraint, ...]
    terms: frozenset[str]  # content stems
    # Names of several words that a searched document gives in full: "Lena Markovic",
    # introduced once, is "Councillor Markovic" after that (see ``textkit.cues.by_surname``).
    introduced: frozenset[str] = frozenset()

    @classmethod
    def read(cls, text: str, terms: Iterable[str]) -> Question:
        return cls(text, answer_type(text), tuple(constraints(text)), frozenset(terms))

    def named(self, constraint: Constraint, words: frozenset[str] | set[str], text: str) -> bool:
        """Whether ``text`` (folded words ``words``) names the constraint, by itself or,
        for a name the document introduced in full, by its last word."""
        if mentions(words, constraint, text):
            return True
        return constraint.text in self.introduced and by_surname(constraint.text, text)


@dataclass(frozen=True)
class ParagraphMatch:
    """How a candidate's paragraph (with its headings) meets the question."""

    align: tuple[float, float]  # (rarity-weighted mean, minimum) word alignment
    missing_names: tuple[str, ...]
    missing_numbers: tuple[str, ...]
    names: int  # how many names the question has
    lacks_role: bool = False  # the paragraph never names the role a who-question asks by
    lacks_label: bool = False  # nor the series number the question names ("version 5.0")
    credit: bool = False  # the paragraph is a credit line ("Translated by ... in Ankara")


# What a credit line can answer: who made the piece, where and when.
CREDITED = frozenset({AnswerType.NAMED, AnswerType.PLACE, AnswerType.DATE, AnswerType.YEAR})


def quotable(paragraph: ParagraphMatch, kind: AnswerType, cfg: ScoringConfig) -> bool:
    """Whether a paragraph's sentences may be quoted at all: not when the question asks
    for someone by a role ("Who is the mayor of Tehran?") that the paragraph never names,
    in the role's own words or WordNet's (``textkit.roles``), and not a credit line for
    anything but who made the piece or where, and not without the number the question
    picks one of a series by ("version 5.0").

    >>> m = ParagraphMatch((1.0, 1.0), ("mayor",), (), 2, lacks_role=True)
    >>> quotable(m, AnswerType.NAMED, ScoringConfig())
    False
    >>> quotable(m, AnswerType.NAMED, ScoringConfig(role_required=False))
    True
    >>> other = ParagraphMatch((1.0, 1.0), (), ("5.0",), 0, lacks_label=True)
    >>> quotable(other, AnswerType.DATE, ScoringConfig()), quotable(other, AnswerType.DATE,
    ...     ScoringConfig(label_required=False))
    (False, True)
    >>> credit = ParagraphMatch((1.0, 1.0), (), (), 0, credit=True)
    >>> quotable(credit, AnswerType.NAMED, ScoringConfig()), quotable(credit, AnswerType.OTHER,
    ...     ScoringConfig()), quotable(credit, AnswerType.OTHER, ScoringConfig(credit_lines=False))
    (True, False, True)
    """
    if cfg.role_required and paragraph.lacks_role:
        return False
    if cfg.label_required and paragraph.lacks_label:
        return False
    return not (cfg.credit_lines and paragraph.credit and kind not in CREDITED)


_YEAR = re.compile(r"1[5-9]\d\d|20\d\d")


def _decade(year: str, question: str) -> bool:
    """Whether the question writes ``year`` as a decade ("the 1990s", "the 2000's").

    >>> _decade("1990", "Why not its approach from the 1990s?"), _decade("1998", "In 1998?")
    (True, False)
    """
    return bool(re.search(rf"\b{year}['’]?s\b", question))


def years_found(
    question: Question, paragraphs: Sequence[ParagraphMatch], cfg: ScoringConfig
) -> bool:
    """Whether every year the question names is in one of the passages found: a question
    about "their 2024 summit" is not answered from passages that never reach 2024.

    >>> q = Question.read("What did they agree at the 2024 summit?", [])
    >>> found = ParagraphMatch((1.0, 1.0), (), (), 0)
    >>> lacking = ParagraphMatch((1.0, 1.0), (), ("2024",), 0)
    >>> cfg = ScoringConfig()
    >>> years_found(q, [lacking, found], cfg), years_found(q, [lacking], cfg)
    (True, False)
    >>> years_found(q, [lacking], ScoringConfig(year_required=False))
    True
    """
    years = [
        c.text
        for c in question.constraints
        if c.kind == "number" and _YEAR.fullmatch(c.text) and not _decade(c.text, question.text)
    ]
    return not cfg.year_required or all(
        any(y not in m.missing_numbers for m in paragraphs) for y in years
    )


def alignment(best: dict[str, float], idf: dict[str, float]) -> tuple[float, float]:
    """Rarity-weighted mean and minimum of each question word's best match in a text.

    >>> alignment({"fear": 0.5, "iran": 1.0}, {"fear": 3.0, "iran": 1.0})
    (0.625, 0.5)
    >>> alignment({}, {})
    (1.0, 1.0)
    """
    if not best:
        return 1.0, 1.0
    total = sum(idf.get(t, 1.0) for t in best)
    mean = sum(idf.get(t, 1.0) * v for t, v in best.items()) / total if total else 1.0
    return mean, min(best.values())


def sentence_features(
    question: Question,
    sentence: str,
    sentence_terms: frozenset[str],
    similarity: float,
    best_similarity: float,
    dense: float,
    cover: float,
    paragraph: ParagraphMatch,
    sentence_align: tuple[float, float] = (1.0, 1.0),
) -> dict[str, float]:
    """The features of one candidate sentence (see ``FEATURES``).

    >>> q = Question.read("How many tanks did Armenia lose?", ["tank", "armenia", "lose"])
    >>> m = ParagraphMatch((1.0, 1.0), (), (), 1)
    >>> f = sentence_features(q, "Armenia lost Shusha.", frozenset({"armenia", "lost", "shusha"}),
    ...                       0.6, 0.7, 0.5, 0.3, m)
    >>> f["type_missing"], round(f["sim_gap"], 2), round(f["novelty"], 2)
    (1.0, -0.1, 0.67)
    """
    novel = len(sentence_terms - question.terms) / len(sentence_terms) if sentence_terms else 0.0
    return {
        "sim": similarity,
        "sim_gap": similarity - best_similarity,
        "dense": dense,
        "cover": cover,
        "align_para": paragraph.align[0],
        "align_para_min": paragraph.align[1],
        "align_sent": sentence_align[0],
        "align_sent_min": sentence_align[1],
        "miss_name": len(paragraph.missing_names) / paragraph.names if paragraph.names else 0.0,
        "miss_number": 1.0 if paragraph.missing_numbers else 0.0,
        "type_missing": 0.0 if satisfies(question.kind, sentence, question.text) else 1.0,
        "novelty": novel,
        "why_cue": 1.0 if question.kind is AnswerType.REASON and reason_cue(sentence) else 0.0,
        "short": 1.0 if len(sentence.split()) < 6 else 0.0,
        "phrase": phrase_share(question.text, sentence),
    }


@lru_cache(maxsize=50_000)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    words = terms(text)
    return frozenset(pairwise(words))


def phrase_share(question: str, sentence: str) -> float:
    """The share of the question's two-word phrases (content words next to each other once
    stopwords are out) that the sentence has as phrases too: "senior expert" found as one
    phrase is stronger evidence than "senior" and "expert" found apart.

    >>> phrase_share("Which think tank employs the author as a senior expert?",
    ...              "He is a senior expert at the Center for Iranian Studies.")
    0.2
    >>> phrase_share("Who won?", "Azerbaijan won.")
    0.0
    """
    asked = _pairs(question)
    return len(asked & _pairs(sentence)) / len(asked) if asked else 0.0


def _logistic(features: dict[str, float], weights: dict[str, float], cfg: ScoringConfig) -> float:
    z = weights.get("bias", 0.0)
    for name, value in features.items():
        if name not in cfg.disabled:
            z += weights.get(name, 0.0) * value
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def probability(features: dict[str, float], cfg: ScoringConfig) -> float:
    """The selection model: how likely a sentence is the answer to the question.

    >>> cfg = ScoringConfig(weights={"bias": -1.0, "sim": 4.0})
    >>> round(probability({"sim": 0.5}, cfg), 3), probability({"sim": 0.5}, cfg.without("sim"))
    (0.731, 0.2689414213699951)
    """
    return _logistic(features, cfg.weights, cfg)


def answer_probability(lead: Candidate | None, cfg: ScoringConfig) -> float:
    """The answerability model: how likely the question is answered by its lead sentence.

    >>> cfg = ScoringConfig(answer_weights={"bias": -2.0, "lead_p": 4.0})
    >>> round(answer_probability(Candidate(0, 0, 1, "a", {}, 0.9), cfg), 3)
    0.832
    >>> answer_probability(None, cfg)
    0.0
    """
    if lead is None:
        return 0.0
    return _logistic({**lead.features, "lead_p": lead.probability}, cfg.answer_weights, cfg)


@dataclass(frozen=True)
class Candidate:
    """A sentence that might be quoted, with where it is and how likely it answers."""

    passage: int  # index into the retrieved passages
    start: int
    end: int
    text: str
    features: dict[str, float]
    probability: float
    continues: bool = False  # from the paragraph the lead's paragraph continues
    # Its place among the candidates when the cross-encoder re-ordered it (else None:
    # ranked by ``probability``); see ``standing``.
    order: float | None = None


def standing(candidate: Candidate) -> float:
    """What candidates are ranked by: their selection probability, as re-ordered by the
    cross-encoder among the most probable ones (``reorder``)."""
    return candidate.probability if candidate.order is None else candidate.order


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def typed_first(candidates: Sequence[Candidate], cfg: ScoringConfig) -> list[Candidate]:
    """``candidates`` with the most probable one that gives the kind of answer asked for
    swapped (in probability) with the most probable of all, when that one does not and
    leads by at most ``typed_margin`` (or the typed one reaches ``typed_floor``, or
    ``min_support`` in the same paragraph: "She was born in Debrecen on 3 March 1921"
    after "Elena Varga was a Hungarian-born chemist" for when she was born). (A
    question asking for no particular kind, or for a reason, has no sentence lacking it:
    ``type_missing`` is 0 throughout.)

    >>> c = lambda p, missing: Candidate(0, 0, 1, str(p), {"type_missing": missing}, p)
    >>> [x.probability for x in typed_first([c(0.9, 1.0), c(0.87, 0.0)], ScoringConfig())]
    [0.87, 0.9]
    >>> [x.probability for x in typed_first([c(0.9, 1.0), c(0.5, 0.0)], ScoringConfig())]
    [0.9, 0.5]
    >>> [x.probability for x in typed_first([c(0.95, 1.0), c(0.85, 0.0)], ScoringConfig())]
    [0.85, 0.95]
    >>> other = Candidate(1, 0, 1, "", {"type_missing": 0.0}, 0.7)
    >>> [x.probability for x in typed_first([c(0.95, 1.0), c(0.7, 0.0)], ScoringConfig())]
    [0.7, 0.95]
    >>> [x.probability for x in typed_first([c(0.95, 1.0), other], ScoringConfig())]
    [0.95, 0.7]
    """
    if not candidates or cfg.typed_margin <= 0:
        return list(candidates)
    best = max(candidates, key=lambda c: c.probability)
    if not best.features.get("type_missing"):
        return list(candidates)
    typed = [
        c
        for c in candidates
        if not c.features.get("type_missing")
        and (
            c.probability >= best.probability - cfg.typed_margin
            or c.probability >= cfg.typed_floor
            or (c.passage == best.passage and c.probability >= cfg.min_support)
        )
    ]
    if not typed:
        return list(candidates)
    alt = max(typed, key=lambda c: c.probability)
    swapped = {id(best): alt.probability, id(alt): best.probability}
    return [replace(c, probability=swapped[id(c)]) if id(c) in swapped else c for c in candidates]


def contested(candidates: Sequence[Candidate], cfg: ScoringConfig) -> list[Candidate]:
    """The most probable candidates the cross-encoder should read (``cross_candidates``
    of them), or none when the first leads the second by more than ``cross_gap``.

    >>> c = lambda p: Candidate(0, 0, 1, str(p), {}, p)
    >>> [x.probability for x in contested([c(0.5), c(0.9), c(0.8)], ScoringConfig())]
    [0.9, 0.8]
    >>> contested([c(0.95), c(0.5)], ScoringConfig()), contested([c(0.9)], ScoringConfig())
    ([], [])

    A sentence that lacks the kind of answer asked for does not contest one that has it
    (the cross-encoder reads relevance, not whether a count or a date is there).

    >>> typed = Candidate(0, 0, 1, "a", {"type_missing": 0.0}, 0.9)
    >>> contested([typed, Candidate(0, 0, 1, "b", {"type_missing": 1.0}, 0.85)], ScoringConfig())
    []
    """
    best = sorted(candidates, key=lambda x: -x.probability)[: cfg.cross_candidates]
    if best and not best[0].features.get("type_missing"):
        best = [best[0], *[c for c in best[1:] if not c.features.get("type_missing")]]
    if len(best) < 2 or logit(best[0].probability) - logit(best[1].probability) > cfg.cross_gap:
        return []
    return best


def reorder(
    candidates: Sequence[Candidate],
    scored: Sequence[Candidate],
    logits: Sequence[float],
    cfg: ScoringConfig,
) -> list[Candidate]:
    """``candidates`` with ``scored`` (the most probable of them, as ``contested`` gives
    them, read by the cross-encoder as ``logits``) re-ordered by logit(probability) +
    cross_weight * the cross-encoder's logit. They keep their probabilities and take the
    places (``order``) of the best ones among them, so they still rank above the rest.

    >>> c = lambda text, p: Candidate(0, 0, 1, text, {}, p)
    >>> cands = [c("restates", 0.9), c("answers", 0.8), c("other", 0.3)]
    >>> [x.text for x in sorted(reorder(cands, cands[:2], [-4.0, 6.0], ScoringConfig()),
    ...                          key=standing, reverse=True)]
    ['answers', 'restates', 'other']
    >>> [x.text for x in sorted(reorder(cands, cands[:2], [1.0, 0.0], ScoringConfig()),
    ...                          key=standing, reverse=True)]
    ['restates', 'answers', 'other']
    """
    ranked = sorted(
        zip(scored, logits), key=lambda t: -(logit(t[0].probability) + cfg.cross_weight * t[1])
    )
    places = sorted((x.probability for x in scored), reverse=True)
    placed = {id(x): replace(x, order=place) for (x, _), place in zip(ranked, places)}
    return [placed.get(id(x), x) for x in candidates]


def lead(candidates: Sequence[Candidate]) -> Candidate | None:
    """The most probable sentence.

    >>> lead([]) is None
    True
    """
    return max(candidates, key=standing, default=None)


def choose(
    candidates: Sequence[Candidate], kind: AnswerType, cfg: ScoringConfig
) -> list[Candidate]:
    """The sentences to quote, lead first; empty when the question is judged unanswered.

    >>> c = lambda p, x, s: Candidate(p, 0, 1, s, {}, x)
    >>> cfg = ScoringConfig(answer_weights={"lead_p": 8, "bias": -4}, min_support=0.5)
    >>> [x.text for x in choose([c(0, 0.9, "a"), c(0, 0.8, "b"), c(2, 0.2, "c")],
    ...                         AnswerType.OTHER, cfg)]
    ['a', 'b']
    >>> choose([c(0, 0.4, "a")], AnswerType.OTHER, cfg)
    []
    """
    ranked = sorted(candidates, key=lambda c: -standing(c))
    # Whether to answer is judged on the most probable sentence, as the answerability
    # model was fitted; the cross-encoder only chooses which of the best leads.
    if not ranked or confidence(candidates, cfg) < cfg.min_answer:
        return []
    reason = kind is AnswerType.REASON
    limit = cfg.max_reason_sentences if reason else cfg.max_sentences
    if reason and restates(ranked[0], cfg):
        # The reason is looked for beside the restatement, in its paragraph.
        giving = [
            c
            for c in ranked
            if c.passage == ranked[0].passage
            and c.features.get("why_cue")
            and c.probability >= cfg.min_support
        ]
        if giving:
            ranked = [giving[0], *[c for c in ranked if c is not giving[0]]]
    top = ranked[0]
    elsewhere = cfg.other_paragraph_reason if reason else cfg.other_paragraph
    chosen = [top]
    # The first half of the lead's argument comes right after it.
    ranked = [
        top,
        *[c for c in ranked[1:] if c.continues],
        *[c for c in ranked[1:] if not c.continues],
    ]
    for candidate in ranked[1:]:
        if len(chosen) >= limit:
            break
        same = candidate.passage == top.passage
        margin = cfg.keep_within if same else elsewhere
        floor = max(cfg.min_support, top.probability - margin)
        if candidate.continues:
            # The first half of the lead's argument: its best sentence, if plausible.
            best_there = max(
                (c.probability for c in ranked if c.passage == candidate.passage), default=0.0
            )
            floor = cfg.continuation_floor if candidate.probability >= best_there else 2.0
        if candidate.probability < floor:
            continue
        paragraphs = {c.passage for c in chosen}
        if candidate.passage not in paragraphs and len(paragraphs) >= cfg.max_paragraphs:
            continue
        if any(candidate.text == c.text for c in chosen):
            continue
        chosen.append(candidate)
    return chosen


def restates(candidate: Candidate, cfg: ScoringConfig) -> bool:
    """Whether a why-question's sentence only says again what the question says ("The
    wall was rebuilt in 1988." for "Why was the wall rebuilt?"): few words of its own and
    no reason given.

    >>> c = lambda novelty, cue: Candidate(0, 0, 1, "", {"novelty": novelty, "why_cue": cue}, 0.9)
    >>> restates(c(0.25, 0.0), ScoringConfig()), restates(c(0.25, 1.0), ScoringConfig())
    (True, False)
    >>> restates(c(0.8, 0.0), ScoringConfig())
    False
    """
    features = candidate.features
    return not features.get("why_cue") and features.get("novelty", 1.0) <= cfg.restate_novelty


def confidence(candidates: Sequence[Candidate], cfg: ScoringConfig) -> float:
    """The answer's confidence: the answerability model's probability for the most
    probable sentence (0 when none), whichever sentence leads.

    >>> confidence([], ScoringConfig())
    0.0
    """
    return answer_probability(max(candidates, key=lambda c: c.probability, default=None), cfg)


# A lead that points back ("*He* is a senior expert at ...", "*This* raised the expected
# cost ...") names its subject in the sentence before: that one is quoted first. "It" and
# "That" open as many sentences that point nowhere ("It seems clear that", "That there are
# ties ... is a claim"). Asked what something is, a lead that only calls it "this trump
# card" points back too.
# "It was his first goal": whose goal the sentence before says.
_POINTS_BACK = re.compile(
    r"^\W*(?:this|these|those|such|he|she|they|it\s+(?:was|is)\s+(?:his|her|their))\b", re.I
)
# "Russia, for sure, is among the winners of this war as well.": who else is, asked who
# won, the sentence before says.
_AS_WELL = re.compile(r"\b(?:as\s+well|too)\W*$", re.I)
_DEMONSTRATIVE = re.compile(r"\b(?:this|these|those|such)\s+([\w’'-]+(?:\s+[\w’'-]+)?)", re.I)
_WHAT_IS = re.compile(r"^\W*what\s+(?:is|was|are|were)\b", re.I)


def points_back(sentence: str, question: Question) -> bool:
    """Whether ``sentence`` refers to the one before it: it opens with a demonstrative or
    a pronoun, or, asked what something is, it calls that thing "this ...".

    >>> q = Question.read("What was Iran's trump card?", ["iran", "trump", "card"])
    >>> points_back("Iran would not want to lose this trump card.", q)
    True
    >>> points_back("This raised the cost.", q), points_back("It seems so.", q)
    (True, False)
    >>> points_back("It was his first goal since January.", q)
    True
    >>> won = Question.read("Who won the war?", ["won", "war"])
    >>> points_back("Russia, for sure, is among the winners of this war as well.", won)
    True
    >>> why = Question.read("Why was Russia a winner of the war?", ["russia", "winner", "war"])
    >>> points_back("Russia is among the winners of this war.", why)
    False
    """
    if _POINTS_BACK.match(sentence):
        return True
    if question.kind is AnswerType.NAMED and _AS_WELL.search(sentence):
        return True  # who else: the sentence before names them
    if not _WHAT_IS.match(question.text):
        return False
    return any(
        (found := set(terms(m.group(1)))) and found <= question.terms
        for m in _DEMONSTRATIVE.finditer(sentence)
    )


def with_antecedent(
    chosen: Sequence[Candidate], candidates: Sequence[Candidate], question: Question
) -> list[Candidate]:
    """``chosen`` with the sentence before the lead quoted first when the lead points back
    to it (``points_back``); as they were otherwise.

    >>> c = lambda start, text: Candidate(0, start, start + len(text), text, {}, 0.5)
    >>> before, lead = c(0, "Azerbaijan must cross Iran."), c(28, "He values it.")
    >>> q = Question.read("Who values it?", ["valu"])
    >>> [x.text for x in with_antecedent([lead], [lead, before], q)]
    ['Azerbaijan must cross Iran.', 'He values it.']
    >>> [x.text for x in with_antecedent([before], [lead, before], q)]
    ['Azerbaijan must cross Iran.']
    """
    if not chosen or not points_back(chosen[0].text, question):
        return list(chosen)
    first = chosen[0]
    earlier = [c for c in candidates if c.passage == first.passage and c.end <= first.start]
    if not earlier:
        return list(chosen)
    before = max(earlier, key=lambda c: c.start)
    return [before, first, *[c for c in chosen[1:] if c.text != before.text]]
