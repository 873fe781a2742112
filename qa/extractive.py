"""The default answer's words: quoted sentences with markers, or an honest abstention.

Which sentences to quote is decided in ``qa.scoring``; this module writes them out,
one marker per sentence and one citation per paragraph, and words an abstention so
that it names what the sources lack where the question makes that clear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.citations import is_multi_source, marker
from qa.models import Citation, Passage
from qa.scoring import Candidate, Question
from textkit.cues import (
    MEASURE_NOUNS,
    AnswerType,
    Constraint,
    counted_phrase,
    defined_name,
    measure_name,
)

ABSTAIN_TEXT = "The sources don't say. The closest passages are listed below."
CLOSEST = "The closest passages are listed below."
OVERVIEW_TEXT = (
    "A summary of a whole document is not something a quoted sentence can give: ask about "
    f"one thing it says (who, what, when, where, why, how). {CLOSEST}"
)


def compose(
    chosen: Sequence[Candidate], passages: Sequence[Passage], all_passages: Sequence[Passage]
) -> tuple[str, list[Citation]]:
    """The answer text (each sentence with its marker) and one citation per paragraph.

    ``chosen[i].passage`` indexes ``passages``; markers name the source when
    ``all_passages`` come from more than one.
    """
    multi = is_multi_source(list(all_passages))
    sentences = [f"{c.text} {marker(passages[c.passage], multi)}" for c in chosen]
    quotes: dict[tuple[str, int], list[Candidate]] = {}
    for c in chosen:
        p = passages[c.passage]
        quotes.setdefault((p.source, p.paragraph), []).append(c)
    citations = []
    for group in quotes.values():
        p = passages[group[0].passage]
        quote = " ".join(c.text for c in sorted(group, key=lambda c: c.start))
        citations.append(Citation(p.source, p.paragraph, p.section, quote, p.chunk_hash, p.page))
    return " ".join(sentences), citations


_OF_PHRASE = re.compile(
    r"^\s*(?:what|which)\s+(?:is|was|are|were)\s+(the\s+[\w\s’'-]+?\s+of\s+[\w\s’'-]+?)\s*\??$",
    re.I,
)
# "What is the clinic's phone number?" asks for the clinic's phone number.
_WHAT_IS = re.compile(r"^\s*what\s+(?:is|was|are|were)\s+(.+?)\s*\??$", re.I)
# "How deep is the southern basin?" asks for the depth of the southern basin.
_HOW_MEASURE = re.compile(
    rf"^\s*how\s+({'|'.join(MEASURE_NOUNS)})\s+(?:is|was|are|were)\s+([\w\s’'-]+?)\s*\??$", re.I
)


def missing_phrase(question: Question, passages: Sequence[Passage]) -> str:
    """What the sources lack, as the end of "The sources don't ...".

    >>> from qa.scoring import Question
    >>> missing_phrase(Question.read("What is the population of Baku?", []), [])
    'give the population of Baku'
    >>> missing_phrase(Question.read("How many tanks did Armenia lose?", []), [])
    'give the number of tanks'
    >>> missing_phrase(Question.read("How many Iranian soldiers were deployed?", []), [])
    'give the number of Iranian soldiers'
    >>> p = Passage("i", "Iran spoke in 2020.", "a.txt", 1, None, "", "", 0.0)
    >>> missing_phrase(Question.read("What did Iran say at the UN in 2023?", []), [p])
    'mention UN or 2023'
    >>> missing_phrase(Question.read("When will version 5.0 be released?", []), [p])
    'mention version 5.0'
    >>> missing_phrase(Question.read("How old is the author?", []), [])
    'give the age of the author'
    >>> missing_phrase(Question.read("How long was the pool closed?", []), [])
    'say how long'
    >>> missing_phrase(Question.read("What is the University of Leeds?", []), [])
    'say what the University of Leeds is'
    >>> missing_phrase(Question.read("What does PSQI stand for?", []), [])
    'say what PSQI stands for'
    >>> missing_phrase(Question.read("What are Poes?", []), [])
    'say what Poes are'
    >>> missing_phrase(Question.read("How often did the group walk?", []), [])
    'say how often'
    >>> missing_phrase(Question.read("What is the clinic's email address?", []), [])
    "give the clinic's email address"
    >>> missing_phrase(Question.read("What is the kettle's power rating in watts?", []), [])
    "give the kettle's power rating in watts"
    """
    from textkit.cues import folded_words

    text = "\n".join(f"{p.text} {p.title} {p.section or ''}" for p in passages)
    text_words = folded_words(text)
    absent = [c for c in question.constraints if not question.named(c, text_words, text)]
    # "version 5.0" says what "5.0" is.
    labelled = {c.text.split()[-1] for c in absent if c.kind == "label"}
    absent = [c for c in absent if not (c.kind == "number" and c.text in labelled)]
    if absent and passages:
        named = [c.text for c in absent if c.kind != "role"]
        said = ["mention " + " or ".join(named)] if named else []
        said += [f"name {_role_phrase(c)}" for c in absent if c.kind == "role"]
        return " or ".join(said)
    defined = defined_name(question.text) if question.kind is AnswerType.OTHER else None
    if defined is not None:
        verb = re.match(r"\s*what\s+(is|are|was|were)\b", question.text, re.I)
        asked = verb.group(1).lower() if verb else "stands for"
        asked = "means" if re.search(r"\bmean\W*$", question.text, re.I) else asked
        the = "the " if re.search(rf"\bthe\s+{re.escape(defined)}", question.text, re.I) else ""
        return f"say what {the}{defined} {asked}"
    match = _OF_PHRASE.match(question.text)
    if match and question.kind in (AnswerType.QUANTITY, AnswerType.OTHER, AnswerType.NAMED):
        return f"give {match.group(1).strip()}"
    if question.kind is AnswerType.QUANTITY and measure_name(question.text) == "often":
        return "say how often"
    match = _HOW_MEASURE.match(question.text)
    if match and question.kind is AnswerType.QUANTITY:
        if match.group(1).lower() == "long" and re.search(r"\w{3}ed\b", match.group(2)):
            return "say how long"  # "How long was the pool closed?" asks for a time
        return f"give the {MEASURE_NOUNS[match.group(1).lower()]} of {match.group(2).strip()}"
    match = _WHAT_IS.match(question.text)
    if match and question.kind in (AnswerType.CONTACT, AnswerType.QUANTITY):
        return f"give {match.group(1).strip()}"
    counted = counted_phrase(question.text)
    if counted and question.kind is AnswerType.QUANTITY:
        noun = "number" if counted[0] == "many" else "amount"
        return f"give the {noun} of {counted[1]}"
    return {
        AnswerType.QUANTITY: "give that number",
        AnswerType.YEAR: "give that date",
        AnswerType.DATE: "say when",
        AnswerType.NAMED: "say who",
        AnswerType.PLACE: "say where",
        AnswerType.REASON: "say why",
        AnswerType.CONTACT: "give that contact detail",
    }.get(question.kind, "say")


def _role_phrase(role: Constraint) -> str:
    """How an abstention names a role: as the question did.

    >>> from textkit.cues import constraints
    >>> _role_phrase(constraints("Who is Azerbaijan's prime minister?")[-1])
    "Azerbaijan's prime minister"
    >>> _role_phrase(constraints("Who was the Russian president in 2018?")[-1])
    'the Russian president'
    >>> _role_phrase(constraints("Who was her doctoral supervisor?")[-1])
    'her doctoral supervisor'
    """
    return role.role.phrase if role.role else f"the {role.text}"


def abstention(question: Question, passages: Sequence[Passage]) -> str:
    """The abstention, naming what is missing where it can.

    >>> from qa.scoring import Question
    >>> abstention(Question.read("What is the population of Baku?", []), [])
    "The sources don't give the population of Baku. The closest passages are listed below."
    """
    return f"The sources don't {missing_phrase(question, passages)}. {CLOSEST}"


def join_parts(
    parts: Sequence[tuple[Question, Sequence[Passage], Sequence[Candidate]]],
    all_passages: Sequence[Passage],
) -> tuple[str, list[Citation], bool]:
    """One answer for a compound question: each part answered with its own citations, or
    named as what the sources do not answer. Abstains only when no part is answered."""
    texts: list[str] = []
    citations: dict[tuple[str, int], Citation] = {}
    answered = 0
    quoted: set[str] = set()
    for question, passages, chosen in parts:
        if not chosen:
            texts.append(
                f"The sources don't {missing_phrase(question, passages)} ({question.text})."
            )
            continue
        answered += 1
        # A sentence that answers two parts ("When did it break out? Why?") is quoted once.
        fresh = [c for c in chosen if c.text not in quoted]
        quoted |= {c.text for c in chosen}
        if not fresh:
            continue
        text, cited = compose(fresh, passages, all_passages)
        texts.append(text)
        for c in cited:
            key = (c.source, c.paragraph)
            if key in citations and c.quote not in citations[key].quote:
                old = citations[key]
                c = Citation(
                    old.source,
                    old.paragraph,
                    old.section,
                    f"{old.quote} {c.quote}",
                    old.chunk_hash,
                    old.page,
                )
            citations[key] = c
    if not answered:
        return f"{' '.join(texts)} {CLOSEST}", [], True
    return " ".join(texts), list(citations.values()), False
