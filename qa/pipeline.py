"""One code path from a question to a cited answer, for the chat, the CLI and the evals."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Protocol

import numpy as np

from errors import QuestionError
from qa.cross import Scorer
from qa.extractive import OVERVIEW_TEXT, abstention, compose, join_parts
from qa.models import Answer, IndexStats, Passage, Turn
from qa.paraphrase import WordVectors
from qa.questions import (
    clean_question,
    complete,
    last_asked,
    overview_request,
    search_query,
    spell_out,
    split_compound,
    strip_markup,
)
from qa.retrieve import Retriever
from qa.scoring import (
    Candidate,
    ParagraphMatch,
    Question,
    ScoringConfig,
    alignment,
    choose,
    confidence,
    contested,
    lead,
    mix_focus,
    probability,
    quotable,
    reorder,
    sentence_features,
    typed_first,
    with_antecedent,
    years_found,
)
from settings import Settings
from textkit.cues import (
    AnswerType,
    Constraint,
    contradicts,
    credit_line,
    folded_words,
    full_name,
    mentions,
    same_name,
    satisfies,
    step_asked,
)
from textkit.roles import given_to_another
from textkit.sentences import as_read, item_number
from textkit.words import STOPWORDS, fold, stem, term_set, terms
from vectorstore.catalog import SourceRecord
from vectorstore.embeddings import TOKENIZER_PATH

# Sources whose whole text is kept for finding full names (see ``Assistant._document``).
DOCUMENTS_KEPT = 64

# Words that frame a question rather than name what it is about: a paragraph need not
# contain them to answer it.
_FRAME_WORDS = frozenset(
    stem(w)
    for w in """name named call called happen happened describe described mention mentioned
    kind type example main give given role part know known refer referred take place""".split()
)


@dataclass
class Draft:
    """What a backend produced, before the pipeline wraps it into an ``Answer``."""

    answer: str
    abstained: bool
    citations: list
    prompt_version: str | None = None
    notes: list[str] = field(default_factory=list)
    confidence: float = 0.0


class Backend(Protocol):
    """Writes the answer from the retrieved passages."""

    name: str

    def condense(self, question: str, history: Sequence[Turn]) -> str: ...

    def answer(self, question: str, evidence: Evidence) -> Iterator[str | Draft]:
        """Yield text as it is produced (may yield nothing), then one ``Draft``."""
        ...


@dataclass
class Evidence:
    """The retrieved passages and the scored candidate sentences for one question
    (for a compound question, one ``Evidence`` per part in ``parts``)."""

    question: str
    passages: list[Passage]
    vector: np.ndarray
    analysis: Question
    candidates: list[Candidate]
    config: ScoringConfig
    parts: list[Evidence] = field(default_factory=list)
    query: str = ""  # what was searched with (a follow-up carries its context)

    @property
    def chosen(self) -> list[Candidate]:
        chosen = choose(self.candidates, self.analysis.kind, self.config)
        step = step_asked(self.question) if self.config.numbered_steps else None
        if not chosen and step is not None:
            # "What is step 3?" shares no word with step 3 itself: its number is the match,
            # and the item numbered so is the answer however little else it shares.
            chosen = [
                c
                for c in sorted(self.candidates, key=lambda c: -c.probability)
                if item_number(self.passages[c.passage].text, c.start) == step
            ][:1]
        return with_antecedent(chosen, self.candidates, self.analysis)

    @property
    def answerable(self) -> bool:
        """The calibrated decision every backend follows: is anything here an answer?"""
        if overview_request(self.question):
            return False
        if self.parts:
            return any(part.answerable for part in self.parts)
        return bool(self.chosen)

    @property
    def confidence(self) -> float:
        if self.parts:
            return min(part.confidence for part in self.parts)
        return confidence(self.candidates, self.config)

    def extractive(self) -> Draft:
        """Quote what answers; abstain, naming what is missing, when nothing does."""
        if overview_request(self.question):
            # A copyright notice shares more words with "Summarize the article" than any
            # sentence that could stand for the whole.
            return Draft(OVERVIEW_TEXT, True, [], confidence=0.0)
        if self.parts:
            pieces = [(part.analysis, part.passages, part.chosen) for part in self.parts]
            text, citations, abstained = join_parts(pieces, self.passages)
            return Draft(text, abstained, citations, confidence=self.confidence)
        chosen = self.chosen
        if not chosen:
            return Draft(
                abstention(self.analysis, self.passages), True, [], confidence=self.confidence
            )
        text, citations = compose(chosen, self.passages, self.passages)
        return Draft(text, False, citations, confidence=self.confidence)


class Assistant:
    """Answers questions with citations; shared by every entry point."""

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        backend: Backend,
        config: ScoringConfig | None = None,
        cross: Scorer | None = None,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.backend = backend
        self.config = config or retriever.config
        self.cross = cross  # re-orders the most probable sentences (None: not used)
        self.words = WordVectors(retriever.text_embeddings)
        # Whole documents read for full names, by source: (generation, words, text).
        self._documents: OrderedDict[str, tuple[int | None, frozenset[str], str]] = OrderedDict()
        self._documents_lock = threading.Lock()

    def gather(self, question: str, k: int, query: str | None = None) -> Evidence:
        """Retrieve with ``query`` (the question, or the question with its context) and
        score every sentence of the top passages against ``question`` itself."""
        retriever, cfg = self.retriever, self.config
        query = query or question
        qvec = retriever.embed(question)
        vector = qvec if query == question else retriever.embed(query)
        passages = retriever.search(query, k, vector=vector)
        analysis = self._introduced(Question.read(question, terms(question)), passages)
        focus = retriever.lexical.focus(question, cfg.common_share)
        fvec = (
            retriever.embed(focus)
            if cfg.focus_weight and focus.strip() and focus != question
            else None
        )
        top = passages[: cfg.passages]
        found = self._within_reach(analysis, query, top, vector)
        if found:
            # Only a paragraph that names the asked-for role (or gives the contact detail
            # asked for) may be quoted: bring the best ones that do into reach.
            top = [*top, *found]
            passages = [*top, *[p for p in passages[cfg.passages :] if p not in found]]
        candidates = typed_first(self._candidates(analysis, question, top, qvec, fvec), cfg)
        best = contested(candidates, cfg) if self.cross is not None else []
        if best:
            logits = self.cross.score(question, [c.text for c in best])
            candidates = reorder(candidates, best, logits, cfg)
        if analysis.kind is AnswerType.REASON and candidates:
            # An argument that opens "On the other hand, ..." has its first half in the
            # paragraph before: a why-answer quotes both halves.
            first = lead(candidates)
            assert first is not None
            before = retriever.previous_paragraph(passages[first.passage])
            if before is not None and all(p.id != before.id for p in top):
                passages = [*[p for p in passages if p.id != before.id], before]
                extra = self._candidates(
                    analysis, question, [*top, before], qvec, fvec, only=len(top)
                )
                extra = [replace(c, passage=len(passages) - 1) for c in extra]
                candidates += [replace(c, continues=True) for c in extra]
        return Evidence(question, passages, vector, analysis, candidates, cfg, query=query)

    def _introduced(self, analysis: Question, passages: list[Passage]) -> Question:
        """The question with the full names (``full_name``) that a document of
        ``passages`` gives in full somewhere, so that its surname alone refers to them."""
        names = [c.text for c in analysis.constraints if c.kind == "name" and _personal(c.text)]
        if not names:
            return analysis
        found = set()
        for source in dict.fromkeys(p.source for p in passages):
            words, text = self._document(source)
            # Given whole: its words side by side, as ``mentions`` reads a name.
            found |= {n for n in names if mentions(words, Constraint(n, "name"), text)}
        return replace(analysis, introduced=frozenset(found)) if found else analysis

    def _document(self, source: str) -> tuple[frozenset[str], str]:
        """The folded words and text of ``source`` whole, read from the catalog once per
        ingest generation (the last ``DOCUMENTS_KEPT`` sources asked about are kept)."""
        generation = self.retriever.generation
        with self._documents_lock:
            kept = self._documents.get(source)
            if kept is not None and kept[0] == generation:
                self._documents.move_to_end(source)
                return kept[1], kept[2]
        record = self.retriever.index.catalog.get(source)
        text = "\n".join(str(p["text"]) for p in record.paragraphs) if record else ""
        words = folded_words(text)
        with self._documents_lock:
            self._documents[source] = (generation, words, text)
            self._documents.move_to_end(source)
            while len(self._documents) > DOCUMENTS_KEPT:
                self._documents.popitem(last=False)
        return words, text

    def _within_reach(
        self, analysis: Question, query: str, top: list[Passage], vector: np.ndarray
    ) -> list[Passage]:
        """Up to two more passages from the wider search that may be quoted, when the
        question lets only some be and none of ``top`` is one: those that name the role a
        who-question asks by ("the *producer*" named only in a paragraph ranked lower), or
        that give the contact detail asked for ("What number do I ring to book a court?")."""
        for fits in self._only_quotable(analysis):
            if any(fits(p) for p in top):
                continue
            wider = self.retriever.search(query, self.config.candidates, vector=vector)
            seen = {p.id for p in top}
            more = [p for p in wider if p.id not in seen and fits(p)][:2]
            if more:
                return more
        return []

    def _only_quotable(self, analysis: Question) -> list[Callable[[Passage], bool]]:
        """What a passage must do to be quoted for this question, beyond being found."""
        tests: list[Callable[[Passage], bool]] = []
        roles = [c for c in analysis.constraints if c.kind == "role"]
        if roles and self.config.role_required:
            tests.append(lambda p: all(mentions(folded_words(p.text), c, p.text) for c in roles))
        if analysis.kind is AnswerType.CONTACT and self.config.contact_required:
            tests.append(lambda p: satisfies(AnswerType.CONTACT, p.text, analysis.text))
        labels = [c for c in analysis.constraints if c.kind == "label"]
        if labels and self.config.label_required:
            tests.append(lambda p: all(mentions(folded_words(p.text), c) for c in labels))
        return tests

    def _candidates(
        self,
        analysis: Question,
        question: str,
        top: list[Passage],
        qvec: np.ndarray,
        fvec: np.ndarray | None,
        only: int = 0,
    ) -> list[Candidate]:
        """Every sentence of ``top[only:]`` scored against the question (features from the
        whole of ``top``)."""
        retriever, cfg = self.retriever, self.config
        sims = retriever.best_sentences(qvec, top)
        if fvec is not None:
            focused = retriever.best_sentences(fvec, top)
            sims = [
                [(a, b, mix_focus(s, f, cfg)) for (a, b, s), (_, _, f) in zip(x, y)]
                for x, y in zip(sims, focused)
            ]
        aligner = self._aligner(analysis, question, top)
        matches = [aligner.paragraph(rank) for rank in range(len(top))]
        if not years_found(analysis, matches, cfg):
            return []
        kind = analysis.kind
        # A sentence competes only with those that may be quoted.
        best = max(
            (s for per, m in zip(sims, matches) if quotable(m, kind, cfg) for _, _, s in per),
            default=0.0,
        )
        # A sentence that gives the asked-for role to someone else's ("the Iranian
        # Government Spokesperson" for the Turkish government's) is not quoted for it.
        owned = [
            c.role for c in analysis.constraints if c.kind == "role" and c.role and c.role.owner
        ]
        step = step_asked(question) if cfg.numbered_steps else None
        # Passages with numbered steps (only those answer "What is step 3?" by number).
        numbered = [
            step is not None and any(item_number(p.text, a) for a, _, _ in per)
            for p, per in zip(top, sims)
        ]
        candidates = []
        for rank, (passage, per) in enumerate(zip(top, sims)):
            match = matches[rank]
            if rank < only or not quotable(match, kind, cfg):
                continue
            previous = ""
            for a, b, sim in per:
                text = passage.text[a:b]
                # Scored as read after the sentence before ("It" is that one's subject).
                read, previous = as_read(previous, text), text
                if not any(ch.isalpha() for ch in text):
                    continue
                if cfg.role_required and any(given_to_another(r, text, same_name) for r in owned):
                    continue
                if cfg.exclusive_kinds and contradicts(question, read):
                    continue
                s_terms = term_set(read)
                cover = retriever.lexical.coverage(question, read)  # the re-ranking's share
                features = sentence_features(
                    analysis,
                    text,
                    s_terms,
                    sim,
                    best,
                    passage.dense,
                    cover,
                    match,
                    aligner.sentence(rank, read),
                )
                if kind is AnswerType.CONTACT and cfg.contact_required and features["type_missing"]:
                    continue  # no phone number, email or web address: it cannot be the one
                if step is not None and numbered[rank]:
                    # "What is step 3?" asks for the list item numbered 3.
                    features["type_missing"] = float(item_number(passage.text, a) != step)
                candidates.append(Candidate(rank, a, b, text, features, probability(features, cfg)))
        return candidates

    def _aligner(self, analysis: Question, question: str, passages: list[Passage]) -> Aligner:
        lexical = self.retriever.lexical
        wanted = [t for t in sorted(analysis.terms) if t not in _FRAME_WORDS]
        idf = {t: lexical.idf(t) for t in wanted}
        return Aligner(
            analysis, wanted, idf, _surface_words(question), passages, self.words, self.config
        )

    def evidence(
        self, question: str, history: Sequence[Turn] = (), k: int | None = None
    ) -> Evidence:
        """Everything the backends answer from, for a cleaned question."""
        k = k or self.settings.top_k
        question = spell_out(strip_markup(question))
        history = list(history)
        if not history and not terms(question) and self.retriever.chunk_count():
            # "Who?" or "Why? When?" alone: a follow-up has its last turn to lean on, this
            # has nothing, and any passage would do as well as any other. (An empty store
            # is the first thing to fix, and the search below says so.)
            raise QuestionError(
                "The question names nothing to look for: say what or whom it is about."
            )
        if history:
            # "Why?" after "When did the war break out?" asks why the war broke out: its
            # sentences are scored against that, not against the bare "Why?".
            question = complete(question, last_asked(history))
        query = self.backend.condense(question, history) if history else question
        if query == question:
            query = search_query(question, history)
        parts = split_compound(question)
        if len(parts) < 2:
            return self.gather(question, k, query)
        evidences = []
        for i, part in enumerate(parts):
            # Later parts lean on the first ("... and who was its last keeper?"); one that
            # names nothing asks the first's question again ("Who built it? When?").
            if i:
                part = complete(part, parts[0])
            part_query = part if i == 0 else f"{parts[0]} {part}"
            evidences.append(self.gather(part, k, part_query))
        merged = list({p.id: p for e in evidences for p in e.passages}.values())
        whole = evidences[0]
        return Evidence(
            question,
            merged,
            whole.vector,
            whole.analysis,
            [],
            self.config,
            parts=evidences,
            query=query,
        )

    def stream(
        self, question: str, history: Sequence[Turn] = (), k: int | None = None
    ) -> Iterator[str | Answer]:
        """Yield answer text as it is written, then the final, checked ``Answer``."""
        question = clean_question(question)
        started = time.perf_counter()
        evidence = self.evidence(question, history, k)
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
            search_query=evidence.query or question,
            confidence=draft.confidence,
        )

    def ask(self, question: str, history: Sequence[Turn] = (), k: int | None = None) -> Answer:
        answer = None
        for item in self.stream(question, history, k):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    # -- What the page and the evals ask of the index. They call these and never reach
    # -- through the retriever into the store or the catalog.
    def sources(self, with_paragraphs: bool = False) -> list[SourceRecord]:
        """Every ingested source (with its numbered paragraphs when asked), by name."""
        return self.retriever.index.catalog.sources(with_paragraphs=with_paragraphs)

    def paragraph(self, source: str, number: int) -> str | None:
        """The text of ¶``number`` of ``source`` as ingested, or None if there is none."""
        record = self.retriever.index.catalog.get(source)
        if record and 0 < number <= len(record.paragraphs):
            return str(record.paragraphs[number - 1]["text"])
        return None

    def locate(self, source: str, chunk_hash: str = "", text: str = "") -> int | None:
        """Where a cited text sits now (numbers shift on re-ingest): the paragraph of
        the chunk with ``chunk_hash``, else the first paragraph containing ``text``."""
        if chunk_hash:
            hits = self.retriever.index.store.get(where={"chunk_hash": chunk_hash})
            found = [h for h in hits if h.metadata.get("source") == source]
            if found:
                return int(found[0].metadata["paragraph"])
        record = self.retriever.index.catalog.get(source) if text else None
        for p in record.paragraphs if record else []:
            if text in p["text"]:
                return int(p["number"])
        return None

    def stats(self) -> IndexStats:
        catalog = self.retriever.index.catalog
        records = catalog.sources(with_paragraphs=True)
        last = catalog.meta("last_ingest")
        return IndexStats(
            sources=len(records),
            paragraphs=sum(len(r.paragraphs) for r in records),
            chunks=self.retriever.chunk_count(),
            last_ingest=float(last) if last else None,
        )

    def refresh(self) -> None:
        """Catch up with an ingest made in another process now, not at the next question."""
        self.retriever.refresh()

    def drop_collection(self) -> None:
        """Delete this assistant's whole collection (a temporary eval index on a server)."""
        self.retriever.index.store.drop()

    def cited_chunks_now(self, cited: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Where each cited chunk, as ``(source, chunk_hash)``, sits in the index now:
        its current paragraph number. A pair missing from the result is no longer
        indexed: its source was edited (or removed) since the answer."""
        wanted = {(source, h) for source, h in cited if h}
        if not wanted:
            return {}
        self.retriever.refresh()
        hits = self.retriever.index.store.get(
            where={"chunk_hash": {"$in": sorted({h for _, h in wanted})}}
        )
        found = {}
        for hit in hits:
            key = (str(hit.metadata.get("source")), str(hit.metadata.get("chunk_hash")))
            if key in wanted:
                found[key] = int(hit.metadata.get("paragraph", 0))
        return found

    def paragraph_counts(self) -> dict[str, int]:
        """Each ingested source and how many paragraphs it has (for pickers)."""
        return self.retriever.index.catalog.paragraph_counts()

    def index_meta(self, key: str) -> str | None:
        """A value the ingest kept beside the index (e.g. a document's author and date)."""
        return self.retriever.index.catalog.meta(key)

    def conversation(self) -> Conversation:
        """A conversation whose follow-ups are read against its earlier turns."""
        return Conversation(self)


class Conversation:
    """Asks questions in turn, each with the history of the ones before."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.turns: list[Turn] = []

    def ask(self, question: str, k: int | None = None) -> Answer:
        answer = self.assistant.ask(question, self.turns, k)
        self.turns.append(Turn(answer.question, answer.answer, answer.search_query))
        return answer


class ExtractiveBackend:
    """The default backend: quotes the sentences that answer (see ``qa.scoring``)."""

    name = "extractive"

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return question  # the pipeline carries the last turn's topic instead

    def answer(self, question: str, evidence: Evidence) -> Iterator[str | Draft]:
        yield evidence.extractive()


class Aligner:
    """How the question's words are met by each passage and sentence: 1 for a word
    present (same stem), else the best cosine of its word vector with the text's words."""

    def __init__(
        self,
        analysis: Question,
        wanted: list[str],
        idf: dict[str, float],
        surface: dict[str, str],
        passages: list[Passage],
        words: WordVectors,
        config: ScoringConfig,
    ) -> None:
        self.analysis, self.wanted, self.idf, self.passages = analysis, wanted, idf, passages
        self.role_required = config.role_required
        self.full = [f"{p.text} {p.title} {p.section or ''}" for p in passages]
        self.texts = [folded_words(t) for t in self.full]
        pool = sorted({w for ws in self.texts for w in ws if w.isalpha() and w not in STOPWORDS})
        self.column = {w: i for i, w in enumerate(pool)}
        self.rows: dict[str, int] = {}
        self.sims = np.zeros((0, len(pool)), dtype=np.float32)
        asked = [surface[t] for t in wanted if t in surface]
        if config.word_alignment and asked and pool:
            vectors = words.get([*asked, *pool])
            if all(w in vectors for w in [*asked, *pool]):
                self.rows = {t: i for i, t in enumerate(t for t in wanted if t in surface)}
                self.sims = (
                    np.stack([vectors[surface[t]] for t in self.rows])
                    @ np.stack([vectors[w] for w in pool]).T
                )

    def _best(self, words: frozenset[str]) -> dict[str, float]:
        stems = {stem(w.removesuffix("'s")) for w in words}
        cols = [self.column[w] for w in words if w in self.column]
        out = {}
        for t in self.wanted:
            if t in stems:
                out[t] = 1.0
            elif t in self.rows and cols:
                out[t] = float(self.sims[self.rows[t], cols].max())
            else:
                out[t] = 0.0
        return out

    def paragraph(self, index: int) -> ParagraphMatch:
        words = self.texts[index]
        # A defined term counts as a name: a definition must name what it defines.
        names = [c for c in self.analysis.constraints if c.kind in ("name", "term", "topic")]
        missing = [c for c in names if not self.analysis.named(c, words, self.full[index])]
        # The role a who-question asks by counts only when the paragraph lacks it: naming
        # a governor must not make "East Azerbaijan" count for less in a governor question.
        roles = [c for c in self.analysis.constraints if c.kind == "role" and self.role_required]
        # Nor when it names the role itself only as someone else's ("the Iranian Government
        # Spokesperson" for the Turkish government's), whatever WordNet word it also has.
        lacking = [
            c
            for c in roles
            if not mentions(words, c, self.full[index])
            or (c.role is not None and given_to_another(c.role, self.full[index], same_name))
        ]
        names += lacking
        labels = [c for c in self.analysis.constraints if c.kind == "label"]
        return ParagraphMatch(
            alignment(self._best(words), self.idf),
            tuple(c.text for c in missing + lacking),
            tuple(
                c.text
                for c in self.analysis.constraints
                if c.kind == "number" and not mentions(words, c)
            ),
            len(names),
            bool(lacking),
            not all(mentions(words, c) for c in labels),
            credit_line(self.passages[index].text),
        )

    def sentence(self, index: int, text: str) -> tuple[float, float]:
        return alignment(self._best(folded_words(text)), self.idf)


# Words that open a name without being a first name: "Princess Zelda" is not referred
# to as "Zelda" the way "Lena Markovic" is as "Markovic".
_TITLES = frozenset(
    """
    princess prince king queen lord lady sir dame saint st mount lake river cape fort port
    north south east west northern southern eastern western new old great united royal
    national foreign prime president minister general doctor dr mr mrs ms miss professor
    captain colonel mayor councillor senator governor judge bishop pope emperor empress
    """.split()
)


@cache
def _common_words() -> frozenset[str]:
    """Whole words of the embedding model's vocabulary (30,000 word pieces, English
    usage): a name ending in one ("Foreign *Ministry*", "Wagner *Group*") is not a
    surname, while "Markovic", "Pashinyan" or "Iwata" are not there."""
    vocab = json.loads(TOKENIZER_PATH.read_text(encoding="utf-8"))["model"]["vocab"]
    return frozenset(w for w in vocab if w.isalpha())


def _personal(name: str) -> bool:
    """Whether a name reads like a person's, first name then surname.

    >>> _personal("Lena Markovic"), _personal("Princess Zelda"), _personal("Foreign Ministry")
    (True, False, False)
    >>> _personal("Markovic"), _personal("Nikol Pashinyan")
    (False, True)
    """
    words = name.split()
    return (
        full_name(name)
        and len(words) <= 3
        and fold(words[0]) not in _TITLES
        and fold(words[-1]) not in _common_words()
    )


def _surface_words(question: str) -> dict[str, str]:
    """The question's content stems, each with the first word (in the question's order)
    it came from: the same word in every process, whatever order a set has there."""
    out: dict[str, str] = {}
    text = fold(question)
    for word in sorted(folded_words(question), key=lambda w: (text.find(w), w)):
        word = word.removesuffix("'s")
        if word.isalpha() and word not in STOPWORDS and len(word) > 1:
            out.setdefault(stem(fold(word)), word)
    return out
