"""Checking questions and reading follow-ups."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from errors import QuestionError
from qa.models import Turn
from textkit.words import terms

MAX_QUESTION_CHARS = 2000
_FOLLOW_UP_WORDS = re.compile(
    r"\b(he|him|his|she|her|hers|it|its|they|them|their|theirs|this|that|these|those|"
    r"there|then|such|former|latter|same|else|other)\b",
    re.IGNORECASE,
)
_FOLLOW_UP_START = re.compile(r"^\s*(and|but|so|also|what about|how about)\b", re.I)


def clean_question(raw: str) -> str:
    """A question fit to answer, or ``QuestionError`` saying why it is not.

    Control characters are removed and runs of space collapsed.

    >>> clean_question("  Why\\x00 did Iran\\n fear it? ")
    'Why did Iran fear it?'
    """
    if not isinstance(raw, str):
        raise QuestionError("The question must be text.")
    text = "".join(
        " " if ch in "\t\n\r" else ch
        for ch in raw
        if unicodedata.category(ch) != "Cc" or ch in "\t\n\r"
    )
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QuestionError("The question is empty: type a question about your documents.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"The question is {len(text):,} characters long; keep it under "
            f"{MAX_QUESTION_CHARS:,} (ask about one thing at a time)."
        )
    if not any(ch.isalnum() for ch in text):
        raise QuestionError("The question has no words in it: type a question.")
    return text


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the previous turn (pronouns, "and ...", very short).

    >>> is_follow_up("How was his plan received?"), is_follow_up("Who is Abbas Arakchi?")
    (True, False)
    """
    return bool(
        _FOLLOW_UP_WORDS.search(question)
        or _FOLLOW_UP_START.match(question)
        or len(terms(question)) <= 1
    )


_COMPOUND = re.compile(
    r"^(?P<first>.*?\b(?:who|whom|whose|what|when|where|which|why|how)\b.+?)[,;]?\s+and\s+"
    r"(?P<second>(?:(?:by|in|on|at|for|from|to|with|since|until)\s+)?"
    r"(?:who|whom|whose|what|when|where|which|why|how)\b.+)$",
    re.I,
)


# A sentence that asks: a wh-word or an auxiliary first ("Can I ...?", "Is it ...?").
_ASKS = re.compile(
    r"^(?:who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|"
    r"could|will|would|should|has|have|had|may|might|must)\b",
    re.I,
)
MAX_PARTS = 3


def split_compound(question: str) -> list[str]:
    """A question that asks two things, as two questions (else the question alone):
    joined by "and", or typed one after the other ("Who built it? When was it
    automated?"), up to ``MAX_PARTS``.

    >>> split_compound("Who built the lighthouse and who was its last keeper?")
    ['Who built the lighthouse?', 'who was its last keeper?']
    >>> split_compound("Who put the budget forward, and by how many votes did it pass?")
    ['Who put the budget forward?', 'by how many votes did it pass?']
    >>> split_compound("Who signed the deal between Russia and Armenia?")
    ['Who signed the deal between Russia and Armenia?']
    >>> split_compound("Can I reuse this record? What licence is it under?")
    ['Can I reuse this record?', 'What licence is it under?']
    >>> split_compound("I read the article. Why did Iran fear the war?")
    ['I read the article. Why did Iran fear the war?']
    """
    text = question.strip()
    pieces = re.findall(r"[^?]+\?", text)
    asked = [q.strip() for q in pieces]
    whole = "".join(pieces) == text
    if whole and 1 < len(asked) <= MAX_PARTS and all(_ASKS.match(q) for q in asked):
        return asked
    match = _COMPOUND.match(text)
    if not match:
        return [question]
    first = match.group("first").strip().rstrip(",;")
    return [first if first.endswith("?") else f"{first}?", match.group("second").strip()]


# The asking words that open a question: "Why", "How many", "In which year" ...
_WH_PHRASE = re.compile(
    r"^\s*(?:(?:and|but|so|then|ok|okay)\b[\s,]*)?(?P<wh>(?:(?:in|on|at|from|by|for|since|"
    r"until|to|with)\s+)?(?:how\s+(?:many|much|long|far|old|often|big|large|high|deep)|"
    r"what\s+(?:year|date|time|day|month)|which\s+year|who|whom|whose|what|when|where|"
    r"which|why|how))\b(?P<rest>.*)$",
    re.I,
)


def complete(question: str, previous: str) -> str:
    """A question that is only its asking words ("Why?", "And when?", "How long?") asked
    of what ``previous`` asked about; any other question as it is.

    >>> complete("Why?", "When did the war break out?")
    'Why did the war break out?'
    >>> complete("and how many?", "Which ships sank in the storm?")
    'how many ships sank in the storm?'
    >>> complete("When?", "Did Iran sign the deal?")
    'When did Iran sign the deal?'
    >>> complete("And how long?", "Did the siege of Shusha last?")
    'how long did the siege of Shusha last?'
    >>> complete("Why did Iran fear it?", "When did the war break out?")
    'Why did Iran fear it?'
    >>> complete("Why not?", "Did Iran back Azerbaijan openly?")
    'Why did Iran not back Azerbaijan openly?'
    """
    previous = split_compound(previous)[-1]  # "Who built it? When?": the last one asked
    asked = _WH_PHRASE.match(question)
    if not asked or terms(asked.group("rest")):
        return question
    wh = asked.group("wh").strip()
    before = _WH_PHRASE.match(previous)
    if before:
        rest = before.group("rest").strip()
    else:
        rest = previous.strip()
        rest = rest[:1].lower() + rest[1:]
    if _NEGATION.search(asked.group("rest")):
        rest = negate(rest)
    return f"{wh} {rest}".strip()


_NEGATION = re.compile(r"\b(?:not|never)\b|n['’]t\b", re.I)
_AUXILIARY = re.compile(
    r"\b(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would|should|may|might|"
    r"must)\b",
    re.I,
)
_SUBJECT_WORDS = frozenset("i you he she it we they".split())


def negate(clause: str) -> str:
    """``clause`` with "not" after its auxiliary, and after a subject that is a pronoun or a
    name ("did Iran not back ..."); "not" in front when it has no auxiliary. For "Why
    not?" after a question.

    >>> negate("did Iran back Azerbaijan openly?")
    'did Iran not back Azerbaijan openly?'
    >>> negate("did they sign?"), negate("was the harbour wall rebuilt?")
    ('did they not sign?', 'was not the harbour wall rebuilt?')
    >>> negate("Iran backed Armenia?"), negate("did Iran not back Baku?")
    ('not Iran backed Armenia?', 'did Iran not back Baku?')
    """
    if _NEGATION.search(clause):
        return clause  # already negative
    aux = _AUXILIARY.search(clause)
    if aux is None:
        return f"not {clause}"
    words = clause[aux.end() :].split()
    subject = 0
    if words and words[0].lower() in _SUBJECT_WORDS:
        subject = 1
    else:
        while subject < len(words) - 1 and words[subject][:1].isupper():
            subject += 1
    return " ".join([clause[: aux.end()], *words[:subject], "not", *words[subject:]])


def last_asked(history: Sequence[Turn]) -> str:
    """What the conversation last asked about, with its own "Why?"s completed.

    >>> last_asked([Turn("When did the war break out?"), Turn("Why?")])
    'Why did the war break out?'
    """
    asked = ""
    for turn in history:
        asked = complete(turn.question, asked) if asked else turn.question
    return asked


_WH_CONTRACTION = re.compile(r"\b(what|who|where|when|why|how|which)['’](s|re)\b", re.I)


def spell_out(question: str) -> str:
    """The question with its wh-word's contraction written out, as the rules that read
    a question expect: "What's the population of Baku?" asks for a quantity, as "What
    is ..." does, and "Who's the mayor?" for an office's holder.

    >>> spell_out("What's the population of Baku? Who’re its mayors?")
    'What is the population of Baku? Who are its mayors?'
    >>> spell_out("Why was Baku's mayor there?")
    "Why was Baku's mayor there?"
    """
    return _WH_CONTRACTION.sub(
        lambda m: f"{m.group(1)} {'is' if m.group(2).lower() == 's' else 'are'}", question
    )


def strip_markup(question: str) -> str:
    """The question without HTML/XML tags, which only add noise to a search.

    >>> strip_markup("<script>alert(1)</script> what is compost?")
    'what is compost?'
    """
    text = re.sub(r"<(script|style)\b[^>]*>.*?</\1\s*>", " ", question, flags=re.I | re.S)
    text = re.sub(r"</?[A-Za-z][^<>]*>", " ", text)
    return re.sub(r"\s+", " ", text).strip() or question


def search_query(question: str, history: list[Turn]) -> str:
    """What to retrieve with: the question, plus the last turn's topic for a follow-up.

    >>> search_query("How was his plan received?", [Turn("Who is Abbas Arakchi?")])
    'Who is Abbas Arakchi? How was his plan received?'
    """
    if not history or not is_follow_up(question):
        return question
    previous = history[-1]
    return f"{previous.question} {question}"


_DOCUMENT = (
    r"(?:article|document|text|piece|report|paper|source|sources|file|book|essay|story|page)"
)
_OVERVIEW = re.compile(
    r"^\W*(?:please\s+)?(?:(?:can|could|would)\s+you\s+)?(?:"
    r"summari[sz]e|sum\s+up|tl;?\s*dr|give\s+(?:me\s+)?(?:a|an|the)\s+(?:short\s+|brief\s+)?"
    r"(?:summary|overview|gist)|"
    rf"what\s+(?:is|are)\s+(?:this|these|the|that)\s+{_DOCUMENT}\s+about|"
    r"what\s+(?:is|are)\s+the\s+(?:main|key|central)\s+(?:points?|ideas?|arguments?|messages?|"
    rf"thesis|takeaways?)\s+(?:of|in)\s+(?:this|these|the|that)\s+{_DOCUMENT}|"
    rf"what\s+is\s+the\s+gist\s+of\s+(?:this|these|the|that)\s+{_DOCUMENT})\b",
    re.I,
)


def overview_request(question: str) -> bool:
    """Whether ``question`` asks for a summary of a whole document rather than for
    something the document says, which no quoted sentence can give.

    >>> overview_request("Summarize the article."), overview_request("What is the article about?")
    (True, True)
    >>> overview_request("What is the main argument of the article?")
    True
    >>> overview_request("What is the article's view of Russia?"), overview_request("Who won?")
    (False, False)
    """
    return bool(_OVERVIEW.search(question))
