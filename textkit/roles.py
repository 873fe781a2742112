"""The role a "who" question asks by, and whether a text names that role.

"Who is the mayor of Tehran?" asks for a person by an office. A paragraph that names a
governor, however close its words, does not answer it; one that names a "ruler" does
answer "Who is the sovereign of the Twilight Realm?". Which words may stand for a role
comes from WordNet (``textkit/build_roles.py``): the other words of each sense, the
senses one step more general or more specific than its most frequent one, and the
words derived from it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import takewhile
from pathlib import Path

from textkit.words import STOPWORDS, fold, stem

TABLE = Path(__file__).parent / "data" / "roles.json.gz"

# Words that say when or how surely someone holds a role, not which role it is.
_STATUS = frozenset(
    """current former present then new old late first last main real rightful actual
    original previous next future sitting incumbent acting principal true so-called
    official""".split()
)
# Words before a title that make it another office: a deputy foreign minister is not
# the foreign minister.
_RANKS = frozenset("deputy vice assistant associate under acting interim co".split())
# Words before a title that say its holder no longer holds it, and words in a question
# that ask for the holder now.
_PAST = frozenset("former ex late outgoing previous erstwhile".split())
_NOW = frozenset("current present incumbent sitting".split())
# Heads too general to be a role: "Who is the person who ...", "the main character".
_GENERIC = frozenset(
    """person people persons man men woman women individual individuals someone somebody
    one ones character characters figure figures guy guys member members human humans
    party parties name names""".split()
)
_NP = r"((?:[\w’'-]+\s+){0,4}?[\w’'-]+)"
_END = (
    r"(?=\s+(?:of|in|for|at|on|behind|during|who|whom|that|according|to|from|with|under|"
    r"between|when|before|after|by|and|or|did|does|do|is|was|were|are|has|had|have|"
    r"mentioned|named|cited|quoted|described|referred|discussed|listed|given)\b"
    r"|\s*[?,.;:]|\s*$)"
)
_ASKS = [
    re.compile(
        r"^\s*(?:who|whom)\s+(?:is|was|are|were|'s|’s|served\s+as|serves\s+as|acted\s+as|"
        r"became|becomes)\s+(?:the\s+|an?\s+)?" + _NP + _END,
        re.I,
    ),
    re.compile(r"^\s*what\s+(?:is|was)\s+the\s+name\s+of\s+(?:the\s+|an?\s+)?" + _NP + _END, re.I),
]
_POSSESSOR = re.compile(r"^(.*?)['’]s\s+")
# Whose role it is, after the role: "the governor *of East Azerbaijan*".
_OF = re.compile(r"^\s+of\s+(?:the\s+)?((?:[\w’'-]+\s+){0,3}?[\w’'-]+)" + _END, re.I)


@dataclass(frozen=True)
class Role:
    """A role a question asks by: its words, and the words that may name it in a text."""

    text: str  # as the question words it: "voice actress", "prime minister"
    head: str  # the role WordNet knows: "actress", "prime minister"
    modifiers: tuple[str, ...]  # words before the head the text must have too: ("voice",)
    kin: tuple[str, ...]  # WordNet's words for the head's role
    # Whose role it is, as the question names it: "Armenia's", "Iranian", "of Hyrule".
    owner: tuple[str, ...] = ()
    now: bool = False  # the question asks for the current holder ("the current governor")
    # As the question says it: "Azerbaijan's prime minister", "the mayor of Tehran".
    phrase: str = ""
    # The question asks for the holder ("Who is ..."), not about them ("What did Iran's
    # president say?"): only then must someone named hold it where it is quoted.
    holder: bool = True


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    with gzip.open(TABLE, "rt", encoding="utf-8") as f:
        return {word: tuple(kin) for word, kin in json.load(f).items()}


def singular(word: str, table: Collection[str]) -> str | None:
    """The form of a (plural) word that ``table`` has: "secretaries" → "secretary"."""
    forms = [word]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s"):
        forms.append(word[:-1])
    return next((f for f in forms if f in table), None)


def role(question: str) -> Role | None:
    """The role a who-question asks by ("Who is the *mayor* of ...?"), or None.

    >>> r = role("Who was the voice actress behind Midna?")
    >>> r.text, r.head, r.modifiers
    ('voice actress', 'actress', ('voice',))
    >>> role("Who is Armenia's prime minister according to the article?").head
    'prime minister'
    >>> role("Who won the war?"), role("Which country won?"), role("Who is the main character?")
    (None, None, None)
    >>> role("Which journalist criticized the controls?")  # a type, often left unsaid
    >>> "married" in role("Who was Voss's husband?").kin
    True

    """
    table = _table_if_needed(question)
    if table is not None:
        for pattern in _ASKS:
            match = pattern.match(question)
            if match:
                after = _OF.match(question[match.end() :])
                return _read(match.group(1).strip().split(), table, after.group(1) if after else "")
    return _owned(question)


# An office a question asks about, with its owner: "What did *Iran's president* say?",
# "When did *the governor of Ardabil* resign?".
_OWNED_BY = re.compile(r"((?:[A-Z][\w-]*\s+)*[A-Z][\w-]*['’]s)((?:\s+[a-z-]+){1,3})")
_OWNED_OF = re.compile(r"\bthe((?:\s+[a-z-]+){1,3}?)\s+of\s+(?:the\s+)?([A-Z][\w-]*)")


# The offices _owned reads: a question about "Iran's *neighbour*" or "Iran's *official*
# language" asks by no office.
_OFFICES = frozenset(
    """
    president premier chancellor minister secretary mayor governor king queen emperor
    empress sultan shah emir monarch sovereign ruler dictator leader ambassador envoy
    consul spokesperson spokesman spokeswoman senator congressman congresswoman chairman
    chairwoman chairperson ceo director commander general admiral ayatollah pope patriarch
    archbishop bishop mufti speaker founder editor publisher coach captain manager
    """.split()
)


def _owned(question: str) -> Role | None:
    """The office a question asks about that is someone's, or None.

    >>> r = role("What did Iran's president say about the ceasefire?")
    >>> r.head, r.owner, r.holder, r.phrase
    ('president', ('Iran',), False, "Iran's president")
    >>> role("When did the governor of Ardabil resign?").phrase
    'the governor of Ardabil'
    >>> role("What did Iran's government say?"), role("What is the capital of Armenia?")
    (None, None)
    >>> role("How did Iran's official language evolve?"), role("Where is the Caspian's neighbour?")
    (None, None)
    """
    if "'s " not in question and "’s " not in question and " of " not in question:
        return None
    table = _table()
    for match in _OWNED_BY.finditer(question):
        words = match.group(2).split()
        # The longest run of words after the owner that ends in an office: "supreme
        # leader" in "Iran's supreme leader said".
        for n in range(len(words), 0, -1):
            found = _read([match.group(1), *words[:n]], table)
            if _office(found):
                return replace(found, holder=False)
    for match in _OWNED_OF.finditer(question):
        found = _read(match.group(1).split(), table, match.group(2))
        if _office(found):
            return replace(found, holder=False)
    return None


def _office(found: Role | None) -> bool:
    """Whether a role read from a question is an office of its owner's (one holder)."""
    return (
        found is not None
        and bool(found.owner)
        and found.head.split()[-1] in _OFFICES
        and not found.text.endswith("s")  # "Iran's diplomats": a body, not an office
    )


# A noun phrase that has its own determiner: "her doctoral supervisor" is not "the her ...".
_DETERMINED = re.compile(
    r"(?:the|a|an|his|her|their|its|my|your|our|this|that|these|those)\s", re.I
)


def _read(phrase: list[str], table: dict[str, tuple[str, ...]], of: str = "") -> Role | None:
    """The role a noun phrase ends in, if WordNet knows its last word(s) as a person;
    ``of`` is what follows it as "of ...", its owner."""
    joined = " ".join(phrase)
    possessor = _POSSESSOR.match(joined)
    owner = possessor.group(1).split() if possessor else []
    if any(not w.islower() for w in owner):  # "the Turkish government's": Turkish
        owner = [w for w in owner if not w.islower()]
    phrase = joined[possessor.end() :].split() if possessor else phrase
    # The noun phrase is the last run of words without a stopword: "described as the
    # representatives" asks by "representatives".
    cut = max((i + 1 for i, w in enumerate(phrase) if fold(w) in STOPWORDS), default=0)
    words = phrase[cut:]
    # The longest run of final words WordNet knows as a person: "prime minister".
    for start in range(len(words)):
        tail = " ".join(fold(w) for w in words[start:])
        head = singular(tail, table)
        if head is None:
            continue
        if head in _GENERIC:
            return None
        before = words[:start]
        modifiers = tuple(fold(w) for w in before if w.islower() and fold(w) not in _STATUS)
        owner += [w for w in before if not w.islower()]  # "the *Iranian* foreign minister"
        # "of Hyrule" names an owner; "of this article" or "of the game" does not.
        owner += [w for w in of.split() if not w.islower()]
        now = any(fold(w) in _NOW for w in phrase)
        said = f"{joined} of {of}" if of else joined
        return Role(
            " ".join([*modifiers, tail]),
            head,
            modifiers,
            table[head] + _DONE_BY.get(head, ()),
            tuple(owner),
            now,
            said if possessor or _DETERMINED.match(said) else f"the {said}",
        )
    return None


# Roles a text gives by what their holder did, not by a noun: "Voss married the geologist
# Thomas Baird" names her husband.
_DONE_BY = {
    role: tuple(verbs.split())
    for roles, verbs in (
        ("husband wife spouse", "married marry marries wed weds wedded"),
        ("founder co-founder", "founded co-founded"),
    )
    for role in roles.split()
}


def _table_if_needed(question: str) -> dict[str, tuple[str, ...]] | None:
    # Only who- and what-is-the-name-of questions ask by a role.
    if not re.match(r"^\s*(?:who|whom|what\s+(?:is|was)\s+the\s+name)\b", question, re.I):
        return None
    return _table()


@lru_cache(maxsize=100_000)
def base_forms(word: str) -> frozenset[str]:
    """The forms ``word`` may be an inflection of; not a stemmer, which would make an
    "interpreter" of an "interpretation".

    >>> sorted(base_forms("conducted"))
    ['conduct', 'conducte', 'conducted']
    >>> "ruler" in base_forms("rulers"), "interpreter" in base_forms("interpretation")
    (True, False)
    """
    forms = {word}
    for suffix, back in (
        ("ies", "y"),
        ("ied", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("d", ""),
        ("ing", ""),
        ("ing", "e"),
    ):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            root = word[: -len(suffix)] + back
            forms.add(root)
            if not back and len(root) > 2 and root[-1] == root[-2]:
                forms.add(root[:-1])  # "planned" → "plan"
    return frozenset(forms)


def named(role: Role, text: str, same: Callable[[str, frozenset[str]], bool] | None = None) -> bool:
    """Whether ``text`` names the role: its head or a word WordNet gives for it, and
    each of its modifiers, in a place that does not make it another office.

    An occurrence does not count when a rank before it makes it another office ("Deputy
    Foreign Minister" for a foreign minister), when the question asks for the holder now
    and the text's is a former one, or when the text gives the role to an owner other
    than the question's ("Armenian Prime Minister" for Azerbaijan's prime minister; "the
    King of the Twilight" for the King of Hyrule). ``same(name, words)`` says whether
    a name of the question is among an owner's folded words (aliases allowed); without
    it, owners are not compared.

    >>> named(role("Who is the rightful sovereign of the Twilight Realm?"),
    ...       "Zant usurped the throne from Midna, the realm's true ruler.")
    True
    >>> named(role("Who is the mayor of Tehran?"), "He was the governor of Ardabil.")
    False
    >>> named(role("Who was the executive producer?"), "Aonuma was the producer.")
    False
    >>> named(role("Who is Iran's foreign minister?"), "Iran's Deputy Foreign Minister spoke.")
    False
    >>> named(role("Who is the current governor?"), "The former governor, Hakikatpur, said.")
    False
    >>> same = lambda name, words: fold(name) in words
    >>> pm = role("Who is Azerbaijan's prime minister?")
    >>> named(pm, "Russia punished Armenian Prime Minister Nikol Pashinyan.", same)
    False
    >>> named(pm, "Russia punished Prime Minister Ali Asadov.", same)
    True
    >>> fm = role("Who is Armenia's foreign minister?")
    >>> named(fm, "Russia punished Armenia's Prime Minister Nikol Pashinyan.", same)
    False
    >>> named(fm, "Armenia's Foreign Minister Ararat Mirzoyan spoke.", same), named(
    ...     fm, "The minister, Ararat Mirzoyan, spoke for Armenia.", same)
    (True, True)
    """
    tokens = _tokens(text)
    words = [w for w, _ in tokens]
    # "full-time" names "full time": a hyphenated word counts as its parts too.
    parts = {stem(p) for w in words for p in (w, *w.split("-"))}
    if not all(stem(m) in parts for m in role.modifiers):
        return False
    forms = [base_forms(w) for w in words]
    seen = frozenset().union(*forms)
    for kin in (role.head, *role.kin):
        kin_words = kin.split()
        if not all(k in seen for k in kin_words):
            continue
        if any(_holds(role, tokens, i, j, same) for i, j in _occurrences(kin_words, forms)):
            return True
    return False


_TOKEN = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*|[^\w\s]")


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[tuple[str, str], ...]:
    """Words and punctuation of ``text``: (folded word without a possessive, as written)."""
    return tuple((fold(t).removesuffix("'s").removesuffix("’s"), t) for t in _TOKEN.findall(text))


def _holds(
    role: Role,
    tokens: tuple[tuple[str, str], ...],
    start: int,
    end: int,
    same: Callable[[str, frozenset[str]], bool] | None,
) -> bool:
    """Whether the occurrence ``tokens[start:end]`` names the question's role itself,
    given to someone named near it."""
    before = _nearest_before(tokens, start, 4, _punctuation)  # back to a punctuation mark
    near = {w for w, _ in before[:3]}
    if (near & _RANKS) - set(role.modifiers) or _another_office(role, tokens, start, end):
        return False
    if role.now and near & _PAST:
        return False
    owner = _owner_at(role, tokens, start, end)
    if role.owner and same is not None and owner and not _askers(role, owner, same):
        return False
    return not HOLDER_WINDOW or not role.holder or _holder_near(role, tokens, start, end, same)


def _owner_at(role: Role, tokens: tuple[tuple[str, str], ...], start: int, end: int) -> set[str]:
    """Whose the occurrence ``tokens[start:end]`` is: the capitalised or possessive words
    right before it ("Iran's Deputy", "Armenian"), and the capitalised ones of an "of"
    after it ("of the Twilight")."""
    before = _nearest_before(tokens, start, 4, _punctuation)
    run = takewhile(lambda t: t[1][:1].isupper() or t[1].endswith(("'s", "’s")), before)
    owner = {w for w, _ in run if w not in STOPWORDS}
    if end + 1 < len(tokens) and tokens[end][0] == "of":
        after = tokens[end + 1 :]
        if after and after[0][0] == "the":
            after = after[1:]
        owner.update(w for w, _ in takewhile(lambda t: t[1][:1].isupper(), after[:3]))
    return owner - (set(role.head.split()) | set(role.modifiers) | _RANKS | _PAST)


def given_to_another(role: Role, text: str, same: Callable[[str, frozenset[str]], bool]) -> bool:
    """Whether ``text`` names the role itself (its own words, not WordNet's) only as
    someone else's: "the Iranian Government Spokesperson" is no answer to who the Turkish
    government's spokesperson is. False when the question names no owner, or the text
    does not name the role.

    >>> same = lambda name, words: fold(name) in words
    >>> r = role("Who is the Turkish government's spokesperson?")
    >>> given_to_another(r, "The Iranian Government Spokesperson Ali Rabiei reacted.", same)
    True
    >>> given_to_another(r, "The Turkish Government Spokesperson spoke.", same), given_to_another(
    ...     r, "The spokesperson, Omer Celik, spoke.", same)
    (False, False)
    >>> given_to_another(r, "Their representatives spoke.", same)
    False
    """
    if not role.owner:
        return False
    tokens = _tokens(text)
    found = False
    for i, j in _occurrences(role.head.split(), [base_forms(w) for w, _ in tokens]):
        owner = _owner_at(role, tokens, i, j)
        if not owner or _askers(role, owner, same):
            return False
        found = True
    return found


def _occurrences(words: list[str], forms: list[frozenset[str]]) -> Iterator[tuple[int, int]]:
    """The (start, end) token spans where ``words`` stand in a text, each word in one of
    its forms (``forms``: per token, ``base_forms`` of it)."""
    n = len(words)
    for i in range(len(forms) - n + 1):
        if all(k in f for k, f in zip(words, forms[i : i + n])):
            yield i, i + n


def _askers(role: Role, owner: set[str], same: Callable[[str, frozenset[str]], bool]) -> bool:
    """Whether ``owner`` (an occurrence's owner words) is the owner the question names."""
    return any(same(name, frozenset(owner)) for name in role.owner)


def _another_office(role: Role, tokens: tuple[tuple[str, str], ...], start: int, end: int) -> bool:
    """Whether the word before the occurrence ``tokens[start:end]`` makes it an office
    WordNet knows that is neither the question's nor one of its kin: "Prime Minister"
    names a minister, but not the foreign minister a question asks for."""
    if start == 0:
        return False
    office = singular(" ".join(w for w, _ in tokens[start - 1 : end]), _table())
    return office is not None and office != role.head and office not in role.kin


# A who-question asks for a name: the office must be given to someone named within this
# many words of it, in its sentence ("Prime Minister Nikol Pashinyan", "Midna is revealed
# to be the true ruler"), not only mentioned ("the representatives of the supreme leader
# of Iran" for Iran's supreme leader). 0: not checked.
HOLDER_WINDOW = 8
_SENTENCE_END = frozenset(".!?;")


def _holder_near(
    role: Role,
    tokens: tuple[tuple[str, str], ...],
    start: int,
    end: int,
    same: Callable[[str, frozenset[str]], bool] | None,
) -> bool:
    """Whether a name other than the office's own words and the question's owner stands
    near the occurrence ("Kondo conducted"; not "the supreme leader of Iran" for Iran's)."""
    left = _nearest_before(tokens, start, HOLDER_WINDOW, _SENTENCE_END.__contains__)
    right = takewhile(lambda t: t[0] not in _SENTENCE_END, tokens[end : end + HOLDER_WINDOW])
    own = set(role.head.split()) | set(role.modifiers) | set(role.kin) | _RANKS | _PAST
    for word, written in [*left, *right]:
        if not written[:1].isupper() or word in STOPWORDS or word in own:
            continue
        if same is not None and any(same(name, frozenset({word})) for name in role.owner):
            continue
        return True
    return False


def _punctuation(word: str) -> bool:
    return not word[:1].isalnum()


def _nearest_before(
    tokens: tuple[tuple[str, str], ...], start: int, n: int, stop: Callable[[str], bool]
) -> list[tuple[str, str]]:
    """Up to ``n`` tokens before ``tokens[start]``, nearest first, up to one that stops."""
    return list(takewhile(lambda t: not stop(t[0]), reversed(tokens[max(0, start - n) : start])))
