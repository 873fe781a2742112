"""What a question asks for, and whether a sentence could supply it.

Pure text rules, no model: the answer type a question wants ("how many" wants a
quantity, "when" a date or time, "who" a named person or body, "where" a place,
"why" a reason), the specific constraints it names (numbers, years, proper
names) and the cues in a sentence that could satisfy them. The answerer turns
these into features (``qa.scoring``); nothing here decides on its own.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from pathlib import Path

from textkit.roles import Role, named, role, singular
from textkit.words import STOPWORDS, fold, stem, terms


class AnswerType(Enum):
    QUANTITY = "quantity"
    DATE = "date"
    YEAR = "year"  # a date that must be explicit (what year, which date)
    NAMED = "named"  # who / whom / which person, body, country
    PLACE = "place"
    REASON = "reason"
    CONTACT = "contact"  # a phone number, an email address, a website, a postcode
    OTHER = "other"


# Sums of money asked for by name ("What *salary* does the treasurer get?"): a quantity.
_MONEY = (
    r"salary|salaries|wages?|fees?|fares?|fines?|income|revenue|profits?|rent|pension|"
    r"debt|deficit|surplus|turnover"
)

# A contact detail asked for by name: "What is the clinic's *phone number*?", "Which
# *email address* do I write to?", "What number do I call ...?". The detail is the thing
# asked for, not a word before another ("What is the email policy?"), and "Which website
# published it?" asks for a name. ("Can I book by email?" asks for no detail at all.)
_CONTACT_END = (
    r"(?=\s+(?:of|for|at|to|on|in|is|was|are|were|do|does|did|should|can|could|would|must|"
    r"I|we|you|they|and|or|if|when|listed|given)\b|\s*[?,.;:!]|\s*$)"
)
_CONTACT_KINDS = {
    "phone": r"(?:(?:tele)?phone|mobile|cell|fax|contact|helpline|hotline|emergency|support|"
    r"enquiries|inquiries|booking)\s+(?:numbers?|nos?\.?)|numbers?(?=\s+(?:to|do|should|can|"
    r"must)\s+(?:I\s+|we\s+|you\s+)?(?:call|ring|phone|dial|text)\b)",
    "email": r"e-?mail(?:\s+address(?:es)?)?",
    "web": r"(?<!which )web\s?sites?(?:\s+address(?:es)?)?|web\s+(?:address|page)(?:es|s)?|"
    r"urls?|home\s?page",
    "postcode": r"post\s?codes?|postal\s+codes?|zip\s?codes?",
    # An address said without "email" or "web" (those kinds come first); an IP or MAC
    # address is no contact detail.
    "address": r"(?<!\bip )(?<!\bmac )(?:postal\s+|street\s+|home\s+|office\s+)?address(?:es)?",
}
_CONTACT_QUESTION = re.compile(
    r"\b(?:what|which)\b(?:\s+[\w’'-]+){0,6}?\s+(?:"
    + "|".join(f"(?P<{k}>{v})" for k, v in _CONTACT_KINDS.items())
    + r")"
    + _CONTACT_END,
    re.I,
)
# A year as texts write one (1500-2099).
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
# What each detail looks like where a text gives it.
_CONTACT_FORMS = {
    # Digits in groups, not a year range ("1894-1897") or a date ("2020-11-09", "9/11/2020").
    "phone": re.compile(
        rf"(?<![\w./-])(?!{_YEAR}\s*[-–/]\s*(?:{_YEAR}|\d\d)\b)"
        r"(?!\d{4}-\d\d-\d\d\b|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b)"
        r"\+?\(?\d[\d ()./-]{5,}\d(?![\w.]*\d)"
        # A short number to call: "dial 999", "ring 111 for advice".
        r"|\b(?:call|dial|ring|phone|text)(?:ing|s|ed)?\b[^.;]{0,30}?"
        rf"(?<![\w.,:])(?!{_YEAR}\b)\d{{3,5}}\b(?![.,:]\d)",
        re.I,
    ),
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # A web address as written: "www." or "https://" in any case, or in lower case a dot
    # before a top-level domain of letters ("millbrook-leisure.ie"; not "e.g." or "a.m.",
    # nor the domain of an email address).
    "web": re.compile(
        r"(?i:\bhttps?://\S+|\bwww\.\S+)|(?<![@\w.-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*"
        r"\.[a-z]{2,6}\b(?!@)(?:/\S*)?"
    ),
    # A postcode as the post writes it: British ("EX4 4QJ"), Canadian ("K1A 0B1"), Dutch
    # ("1012 AB") or five digits ("75001", "02139-4307").
    "postcode": re.compile(
        r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{4}\s?[A-Z]{2}|"
        r"\d{5}(?:-\d{4})?)\b"
    ),
}
# An address, said without "email": a street's name ("12 Quay Street", "Shore Road"), a
# postcode, or, in a manual, the web or network address to open ("http://192.168.4.1").
_CONTACT_FORMS["address"] = re.compile(
    r"\b(?:[A-Z][\w'’-]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Way|Drive|Dr|"
    r"Place|Pl|Square|Sq|Close|Court|Crescent|Terrace|Boulevard|Blvd|Parade|Row|Quay|"
    r"Wharf|Walk|Gardens|Mews|Hill|Park|Green)\b\.?(?!\s+(?:[A-Z]|of\b))|"
    r"\b\d{1,3}(?:\.\d{1,3}){3}\b|"
    + _CONTACT_FORMS["postcode"].pattern
    + "|"
    + _CONTACT_FORMS["web"].pattern
)


@lru_cache(maxsize=1024)
def contact_form(question: str) -> re.Pattern[str] | None:
    """What the contact detail a question asks for looks like, or None when it asks for
    none.

    >>> bool(contact_form("What is the clinic's phone number?").search("Call 0800 555 0199."))
    True
    >>> contact_form("What is the clinic's phone number?").search("It opens at 9 a.m.") is None
    True
    >>> bool(contact_form("What email address do I write to?").search("Write to a@b.org."))
    True
    >>> bool(contact_form("What number should I call for urgent care?").search("Dial 111 000 2."))
    True
    >>> phone = contact_form("What is its phone number?")
    >>> [bool(phone.search(t)) for t in ("Built 1894-1897.", "Opened on 2020-11-09.",
    ...  "Since 9/11/2020.", "Ring +44 (0)20 7946 0958.")]
    [False, False, False, True]
    >>> [bool(phone.search(t)) for t in ("In an emergency, dial 999.", "Call us after 2020.",
    ...  "Call at 9:30.", "It opened in 1998.", "Phone between 8 and 10.")]
    [True, False, False, False, False]
    >>> web = contact_form("What is the centre's website?")
    >>> [bool(web.search(t)) for t in ("See millbrook-leisure.ie/swim.", "Open 8 a.m. to 6 p.m.",
    ...  "Book through the website, e.g. on a phone.", "Visit WWW.CLINIC.ORG.",
    ...  "Email membership@leisure.org.uk.", "Email info.desk@leisure.org.uk.")]
    [True, False, False, True, False, False]
    >>> post = contact_form("What is the postcode?")
    >>> [bool(post.search(t)) for t in ("Shore Road, Eldersby EX4 4QJ.", "Shore Road, Eldersby.",
    ...  "Open since 2019.", "Boston, MA 02139.")]
    [True, False, False, True]
    >>> addr = contact_form("What is Brightwater Logistics' address?")
    >>> [bool(addr.search(t)) for t in ("It is at 12 Quay Street, Hull.", "It moved to Hull.",
    ...  "Write to Brightwater Logistics Ltd.", "Write to us at Unit 4, Shore Road, Hull.",
    ...  "Open 192.168.4.1 in a browser.", "See brightwater.com/contact.")]
    [True, False, False, True, True, True]
    >>> contact_form("What is the email address?") is contact_form("What is the email?")
    True
    >>> [contact_form(q) for q in ("What is the email policy?", "Which website published it?",
    ...  "Can I book by email?", "How many phone numbers are there?")]
    [None, None, None, None]
    """
    match = _CONTACT_QUESTION.search(question)
    return _CONTACT_FORMS[match.lastgroup] if match and match.lastgroup else None


# (pattern, type): the first match in the question decides, so "In 2005, how many..."
# is a quantity question, not a date one.
_TYPE_PATTERNS: list[tuple[re.Pattern[str], AnswerType]] = [
    (_CONTACT_QUESTION, AnswerType.CONTACT),
    (
        re.compile(
            r"\b(how (many|much|long|far|old|big|large|tall|high|deep|wide|often|fast|heavy|"
            r"expensive|small|short)|what (?:[a-z]+ )?(?:percentage|percent|proportion)|"
            r"what (percentage|percent|proportion|share|number|amount|"
            r"fraction|size|length|area|volume|depth|height|width|distance|population|wattage|voltage|"
            r"budget|cost|price|rate|speed|temperature|capacity|age|" + _MONEY + r")|by how much|"
            r"what (is|was|are|were) (the |its |their |his |her )?([\w-]+['’]s )?"
            r"((average|total|mean|maximum|minimum|approximate|"
            r"estimated|current|annual|overall|typical|combined|surface|greatest) ([a-z]+ )?)?"
            r"(population|size|area|length|height|depth|width|salinity|age|"
            r"distance|budget|cost|price|number|amount|total|rate|speed|temperature|capacity|"
            r"weight|volume|percentage|share|wattage|voltage|power (?:rating|output|consumption)|"
            + _MONEY
            + r")|"
            r"at what (age|speed|rate|temperature|cost|price))\b",
            re.I,
        ),
        AnswerType.QUANTITY,
    ),
    (
        re.compile(
            r"\b((what|which|in what|in which) (year|years|date|day|month|century|decade)|"
            r"since what year|how long ago)\b",
            re.I,
        ),
        AnswerType.YEAR,
    ),
    (
        # "What is her date of birth?", "What was the release date?": a date, as written.
        re.compile(
            r"\bwhat (?:is|was|are|were) (?:the |its |their |his |her |"
            r"(?:[\w-]+ ){0,2}[\w-]+['’]s )?(?:[a-z]+ ){0,2}(?:dates?|birthday|date of birth)\b"
            r"(?! (?:range|format|line|stamp)\b)",
            re.I,
        ),
        AnswerType.YEAR,
    ),
    (re.compile(r"\b(when|(what|which) (time|period|season|era))\b", re.I), AnswerType.DATE),
    (
        # "What is the deadline?", "What is the closing time on Saturdays?"
        re.compile(
            r"\bwhat (?:is|was|are|were) (?:the |its |their |his |her |[\w-]+['’]s )?"
            r"(?:deadlines?|(?:opening|closing|start|starting|finishing|end|departure|arrival|"
            r"launch|release|due|expiry|expiration|check-in|check-out) (?:times?|hours?|days?))\b",
            re.I,
        ),
        AnswerType.DATE,
    ),
    (
        re.compile(
            r"\b(who|whom|whose|(what|which) (person|man|woman|people|leader|president|"
            r"king|queen|author|writer|company|companies|organi[sz]ation|group|body|team|"
            r"country|countries|nation|nations|state|states|party|parties|firm|agency|"
            r"institution|university|studio|band|actor|actress|director|official|minister)|"
            r"what (is|was|are|were) the names? of|what (is|was|are|were) [\w ]+['’]s names?)\b",
            re.I,
        ),
        AnswerType.NAMED,
    ),
    (
        re.compile(
            r"\b(where|(what|which|in what|in which) (city|cities|town|country|region|place|"
            r"area|province|state|island|river|continent|location|village|street|building))\b",
            re.I,
        ),
        AnswerType.PLACE,
    ),
    (
        re.compile(
            r"\b(why|for what (reason|purpose)|what (was|is|were|are) the (reason|motive|"
            r"cause|purpose)s?|what (caused|made|led|drove|prompted|motivated)|how come)\b",
            re.I,
        ),
        AnswerType.REASON,
    ),
]


_WH_WORD = re.compile(r"\b(who|whom|whose|what|which|when|where|why|how)\b", re.I)


@lru_cache(maxsize=4096)
def answer_type(question: str) -> AnswerType:
    """The kind of answer a question wants.

    >>> answer_type("What is the population of Baku?").value
    'quantity'
    >>> [answer_type(q).value for q in ("In 2005, how many extras were hired?",
    ...  "What year did it open?", "When did the war start?", "Who won the war?",
    ...  "Where is Baku?", "Why did Iran fear the result?", "What is a status quo?")]
    ['quantity', 'year', 'date', 'named', 'place', 'reason', 'other']
    >>> answer_type("What is the owner's salary?").value, answer_type("What is Baku's area?").value
    ('quantity', 'quantity')
    >>> answer_type("What hydration percentage is the dough?").value
    'quantity'
    >>> [answer_type(q).value for q in ("What is her date of birth?",
    ...  "What was the first release date?", "What is the deadline for applications?",
    ...  "What is the closing time on Saturdays?", "What is the date format?")]
    ['year', 'year', 'date', 'date', 'other']

    The question's own wh-word decides: a typed phrase after it belongs to a clause
    inside the question ("about how long", "when he enters", "the man who built it").

    >>> [answer_type(q).value for q in ("What did Iran get wrong about how long it lasted?",
    ...  "What does Link say when attacking?", "What did the man who built it say?")]
    ['other', 'other', 'other']
    """
    best: tuple[int, AnswerType] | None = None
    for pattern, kind in _TYPE_PATTERNS:
        match = pattern.search(question)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), kind)
    if best is None:
        return AnswerType.OTHER
    wh = _WH_WORD.search(question)
    if wh is not None and wh.start() < best[0]:
        return AnswerType.OTHER
    return best[1]


_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions trillion dozen "
    "dozens half quarter twice double triple percent"
)
_NUMBER = re.compile(r"\d|\b(" + "|".join(_NUMBER_WORDS.split()) + r")\b", re.I)
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"


def _as_written(words: str) -> str:
    """Alternatives matching each word capitalised or in capitals: "May", "MAY", not the
    modal "may" (nor "march" the verb, "august" the adjective, "an ad")."""
    return "|".join(f"{w.capitalize()}|{w.upper()}" for w in words.split())


_EXPLICIT_DATE = re.compile(
    r"\b(?i:(1[0-9]{3}|20[0-9]{2})s?)\b|\b(" + _as_written(_MONTHS) + r")\b|"
    r"\b(" + _as_written(_DAYS) + r")(?:s|S)?\b|"  # "on Saturdays"
    r"\b(?i:century|centuries|decade|decades)\b|\b(BC|AD|BCE|CE)\b|\b\d{1,2}(?i:st|nd|rd|th)\b"
)
# A day of a month, either way round: "Nov. 9", "9 March".
_MONTH_DAY = re.compile(
    r"\b("
    + _as_written(_MONTHS)
    + r")\.?\s+\d{1,2}\b|\b\d{1,2}\s+("
    + _as_written(_MONTHS)
    + r")\b"
)
# A time of day: "at 6:30", "by 4pm", "at noon".
_CLOCK = re.compile(
    r"\b(?:[01]?\d|2[0-3]):[0-5]\d\b|\b\d{1,2}(?:[.:][0-5]\d)?\s*(?:am|pm|a\.m\.|p\.m\.)"
    r"(?!\w)|\b(?:noon|midday|midnight|o['’]clock)\b",
    re.I,
)
# "After" in "named after", "looked after" or "after all" is not a time.
_TIME_PHRASE = re.compile(
    r"\b(yesterday|today|tomorrow|ago|week|weeks|month|months|"
    r"(?<!or )later|(?<!or )earlier|"  # "Windows 10 or later" is a version, not a time
    r"years?(?![- ]olds?\b)|"  # "the 19-year-old winger" gives an age, not a time
    r"days|hours|spring|summer|autumn|fall|winter|morning|evening|night|before|"
    r"(?<!named )(?<!name )(?<!called )(?<!look )(?<!looks )(?<!looked )(?<!looking )"
    r"(?<!take )(?<!takes )(?<!took )after(?! all\b)|"
    r"during|until|since|once|when|outset|initially|finally|eventually|"
    r"soon|meantime|meanwhile|era|period|age)\b",
    re.I,
)
_PLACE_WORDS = re.compile(
    r"\b(in|at|near|from|into|across|inside|outside|north|south|east|west|northern|southern|"
    r"eastern|western|border|borders|region|city|town|country|territory|territories|island|"
    r"coast|shore|river|sea|mountain|mountains|valley|province|capital|village|abroad|"
    # Where on a site or in a building: "beside the jetty", "the overflow car park".
    r"beside|behind|opposite|underneath|beneath|alongside|upstairs|downstairs|nearby|"
    r"next to|entrance|car park|room|hall|floor|building|site|field|beach|road|street|"
    r"lobby|reception|corridor|yard|garden|park)\b",
    re.I,
)
_PERSON_WORDS = re.compile(
    r"\b(president|minister|leader|leaders|author|writer|king|queen|government|administration|"
    r"army|officials|official|company|group|people|soldiers|members|team|committee|council|"
    r"ministry|agency|court|parliament|police|engineer|engineers|staff|director|manager|"
    r"inspector|operator|operators|contractor|crew|residents|citizens|workers)\b",
    re.I,
)
_REASON = re.compile(
    r"\b(because|since|as a result|due to|owing to|thanks to|so that|in order to|so as to|"
    r"therefore|thus|hence|consequently|result|results|resulting|resulted|lead to|leads to|"
    r"led to|leading to|cause|caused|causes|causing|would mean|meant|means that|reason|"
    r"reasons|motive|motives|aim|aimed|goal|purpose|fear|feared|fears|worry|worried|"
    r"worrying|concern|concerned|threat|threatened|risk|dependence|depend|depended|"
    r"for the sake of|in the hope|prevent|avoid|ensure|allow|allowed|enable|enabled|"
    r"effect|effects|impact|why)\b"
    # "for" ("..., for the status quo would mean ..."), but not "for sure" or "for example":
    # a sentence saying "Russia, for sure, is among the winners" gives no reason.
    r"|\bfor\b(?!\s+(?:sure|certain|example|instance|now|ever|good|once)\b)",
    re.I,
)
_CAPITALISED = re.compile(r"\b[A-Z][\w’'.-]*[A-Za-z0-9]|\b[A-Z]\b")
_YEAR_OR_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


# An amount without a number: "by several metres", "a few degrees".
_VAGUE_AMOUNT = re.compile(
    r"\b(?:several|a few|a couple of|many|some)\s+(?:(?:kilo|centi|milli)?met(?:er|re)s|"
    r"miles|feet|inches|degrees|percent|per cent|percentage points|tonnes|tons|lit(?:er|re)s|"
    r"(?:kilo)?grams|pounds|dollars|euros|years|months|weeks|days|hours|minutes|seconds)\b",
    re.I,
)


# How often: "every six months", "twice a year", "weekly", "on five days a week".
_FREQUENCY = (
    r"\b(?:every|each|once|twice|thrice|times|per|daily|weekly|fortnightly|monthly|quarterly|"
    r"yearly|annually|hourly|nightly|biweekly|always|never|rarely|seldom|sometimes|occasionally|"
    r"regularly|constantly|continuously)\b|\ba (?:day|week|fortnight|month|year|night|season|"
    r"hour|minute|decade|century)\b"
)


def has_quantity(text: str) -> bool:
    """Whether ``text`` states a number or amount.

    >>> has_quantity("It lost 150 tanks."), has_quantity("Two sides fought."), has_quantity("War.")
    (True, True, False)
    >>> has_quantity("It rose by several metres."), has_quantity("Several people spoke.")
    (True, False)
    """
    return bool(_NUMBER.search(text) or _VAGUE_AMOUNT.search(text))


def has_date(text: str, strict: bool = False) -> bool:
    """Whether ``text`` states a date or time (``strict``: an explicit calendar date).

    >>> has_date("It began on Sep. 27, 2020."), has_date("It ended after six weeks.")
    (True, True)
    >>> has_date("It ended after six weeks.", strict=True)
    False
    >>> has_date("It opened in May.", strict=True), has_date("It may not be copied.", strict=True)
    (True, False)
    >>> has_date("It opens at 8:00 on Saturdays."), has_date("It opens at 8:00.", strict=True)
    (True, False)
    >>> has_date("The shop opens at 9am."), has_date("It opens on Saturdays.", strict=True)
    (True, True)
    >>> has_date("It is named after its engineer."), has_date("It was looked after by the city.")
    (False, False)
    >>> has_date("It reopened after the war.")
    True
    >>> has_date("He brought on the 19-year-old winger."), has_date("She is 40 years old.")
    (False, False)
    >>> has_date("From the eighth day, a fit note is required.")
    True
    >>> has_date("It was added in version 2.1."), has_date("It runs on Windows 10 or later.")
    (True, False)
    """
    if _EXPLICIT_DATE.search(text):
        return True
    return not strict and bool(
        _TIME_PHRASE.search(text)
        or _CLOCK.search(text)
        or _NTH_DAY.search(text)
        or _IN_VERSION.search(text)
    )


# A software release says when: "Parquet output was added in version 2.1".
_IN_VERSION = re.compile(
    r"\b(?:in|since|from|as of|until|before|after|with)\s+(?:version|release|v)\s?\d", re.I
)
# "From the eighth day", "in the first week": a time counted from a start.
_NTH_DAY = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
    r"twelfth|\d{1,3}(?:st|nd|rd|th))\s+(?:day|week|month|year|night|morning|hour)\b",
    re.I,
)


# A name made into an adjective ("Syria-based", "Iran-backed", "US-led") names the place
# or body before the hyphen: a text says "groups from Syria". Not a letter ("X-ray").
_COMPOUND_TAIL = re.compile(r"(?<=\w\w)-[a-z]{3,}(?:-[a-z]+)*$")


def names(text: str, first_words: bool = False) -> list[str]:
    """Capitalised words that are not a sentence's first word (proper names, roughly).

    With ``first_words``, a sentence's first word counts too unless it looks like an
    ordinary word (a function word, an adverb, a participle).

    >>> names("Who won the war between Azerbaijan and Armenia in the OSCE era?")
    ['Azerbaijan', 'Armenia', 'OSCE']
    >>> names("Azerbaijan won. However, Having lost, Armenia left.", first_words=True)
    ['Azerbaijan', 'Armenia']
    >>> names("What did the US say?"), names("WHAT DID IT SAY?")
    (['US'], [])
    >>> names("Clawshot Princess uses which controls?"), names("Bringing Midna, Link left.")
    (['Clawshot Princess'], ['Midna', 'Link'])
    >>> names("Explain Iran's position."), names("Describe Shusha Castle.")
    (["Iran's"], ['Shusha Castle'])
    >>> names("Did Syria-based and Iran-backed groups fight in Nagorno-Karabakh with X-rays?")
    ['Syria', 'Iran', 'Nagorno-Karabakh', 'X-rays']
    """
    out: list[str] = []
    end_of_last = -1
    for match in _CAPITALISED.finditer(text):
        before = text[: match.start()].rstrip()
        word = _COMPOUND_TAIL.sub("", match.group().strip(".'’"))
        starts = not before or before[-1] in '.!?:;"“('
        # A sentence's first word is capitalised anyway, unless a name goes on after it
        # ("Clawshot Princess uses ...", "Zelda: Australia Twilight").
        if (
            starts
            and (not first_words or _ordinary(word))
            and (_ordinary(word) or not _NAME_GOES_ON.match(text, match.end()))
        ):
            continue
        # An acronym that spells a function word is still a name ("the US"), unless the
        # whole text shouts.
        acronym = len(word) > 1 and word.isupper() and not text.isupper()
        if (fold(word) in STOPWORDS and not acronym) or fold(word) in _WH:
            continue
        gap = text[end_of_last : match.start()]
        if out and gap in (" ", " of "):
            out[-1] = f"{out[-1]}{gap}{word}"  # "United Nations", "Ocarina of Time"
        else:
            out.append(word)
        end_of_last = match.end()
    return out


_WH = frozenset("what which who whom whose when where why how".split())
_NAME_GOES_ON = re.compile(r" [A-Z]")
_STARTERS = frozenset(
    """
    however moreover therefore although though even after before when while since thus
    hence yet still also then meanwhile instead indeed undoubtedly furthermore besides
    nevertheless nonetheless finally first second third today yesterday later earlier
    let such many most some several each every another one two three in on at as
    explain describe summarize summarise list tell give show define compare outline
    discuss identify find provide please mention
    """.split()
)


def _ordinary(word: str) -> bool:
    low = fold(word)
    return low in STOPWORDS or low in _STARTERS or low.endswith(("ly", "ing", "ed"))


def satisfies(kind: AnswerType, sentence: str, question: str) -> bool:
    """Whether ``sentence`` holds something of the kind the question asks for,
    beyond what the question itself already says.

    >>> q = "How many tanks did Armenia lose in 2020?"
    >>> satisfies(answer_type(q), "Armenia lost Shusha in 2020.", q)
    False
    >>> satisfies(answer_type(q), "Armenia lost 150 tanks in 2020.", q)
    True
    >>> satisfies(answer_type(q), "Armenia lost Shusha on Nov. 9, 2020.", q)
    False
    >>> satisfies(answer_type(q), "Armenia left three regions in 2020.", q)
    False
    >>> q = "How much rain fell?"
    >>> satisfies(answer_type(q), "Rain fell on 9 March.", q), satisfies(
    ...     answer_type(q), "About 120 mm of rain fell.", q)
    (False, True)
    >>> q = "How many Caspian seals are left today?"
    >>> satisfies(answer_type(q), "Seal numbers fell over the last hundred years.", q)
    False
    >>> satisfies(answer_type(q), "About 100,000 seals live there, fewer than 50 years ago.", q)
    True
    >>> q = "How much compassionate leave can I take?"
    >>> satisfies(answer_type(q), "You may take up to five days of paid compassionate leave.", q)
    True
    >>> satisfies(answer_type(q), "Compassionate leave was granted 12 years ago.", q)
    False
    >>> q = "How many years did the siege last?"
    >>> satisfies(answer_type(q), "The siege lasted two years.", q)
    True
    >>> q = "Who won the war?"
    >>> satisfies(answer_type(q), "Azerbaijan won the war.", q)
    True
    >>> q = "Who must Link fight at the end of a dungeon?"
    >>> satisfies(answer_type(q), "Each dungeon ends with a boss.", q)
    True
    >>> satisfies(answer_type(q), "Each dungeon ends with a puzzle.", q)
    False
    >>> q = "Where is the library?"
    >>> satisfies(answer_type(q), "It is open 9:00 to 19:00 Monday to Friday and on Saturdays.", q)
    False
    >>> satisfies(answer_type(q), "It stopped charging fines in April 2024.", q), satisfies(
    ...     answer_type(q), "It is in the old town hall.", q)
    (False, True)
    >>> q = "What is the name of the restaurant on the second level?"
    >>> satisfies(answer_type(q), "It has restaurants for visitors on the second level.", q)
    False
    >>> satisfies(answer_type(q), "The second level's restaurant is Le Jules Verne.", q)
    True
    >>> q = "Where does a second car go?"
    >>> satisfies(answer_type(q), "A second car must use the overflow car park.", q)
    True
    >>> q = "How many dogs can I bring?"
    >>> satisfies(answer_type(q), "Visitors pay £3.00 and may not bring dogs.", q)
    False
    >>> satisfies(answer_type(q), "Up to two dogs per pitch are allowed.", q)
    True
    >>> q = "How many times can I renew a book?"
    >>> satisfies(answer_type(q), "Items can be renewed twice.", q)
    True
    >>> q = "How old is the deck oven?"
    >>> satisfies(answer_type(q), "It was installed in 2019.", q)
    True
    >>> satisfies(answer_type(q), "It has three decks.", q)
    False
    >>> q = "How long did the First Karabakh War last?"
    >>> satisfies(answer_type(q), "The First Karabakh War took place between 1992 and 1994.", q)
    True
    >>> satisfies(answer_type(q), "The First Karabakh War began in 1992.", q)
    False
    >>> q = "How often should the filter be cleaned?"
    >>> satisfies(answer_type(q), "Clean the filter every two weeks.", q), satisfies(
    ...     answer_type(q), "The filter takes 10 minutes to clean.", q)
    (True, False)
    >>> satisfies(answer_type(q), "Wash it weekly.", q)
    True
    >>> q = "How long was the pool closed?"
    >>> satisfies(answer_type(q), "It was closed from 3 March to 28 April 2024.", q)
    True
    >>> q = "How wide are the labels?"
    >>> satisfies(answer_type(q), "Labels can be up to 1 metre long.", q), satisfies(
    ...     answer_type(q), "It comes with 62 mm labels, 30 m long and 62 mm wide.", q)
    (False, True)
    >>> q = "How old was Voss when she married?"
    >>> satisfies(answer_type(q), "Voss was born in Lübeck, the youngest of five children.", q)
    False
    >>> satisfies(answer_type(q), "She died at the age of 77.", q), satisfies(
    ...     answer_type(q), "Voss (12 March 1871 – 4 October 1948) was a botanist.", q)
    (True, True)
    >>> q = "How old is Mayor Helen Brackwater?"
    >>> satisfies(answer_type(q), "Mayor Helen Brackwater has chaired it since May 2025.", q)
    False
    """
    if kind is AnswerType.OTHER and (named := defined_name(question)) is not None:
        return defines(named, sentence)
    if kind in (AnswerType.OTHER, AnswerType.REASON):
        return True
    if kind is AnswerType.CONTACT:
        form = contact_form(question)
        return form is None or bool(form.search(sentence))
    asked = set(_YEAR_OR_NUMBER.findall(question)) | {fold(w) for w in names(question)}
    rest = _strip_words(sentence, asked)
    if kind is AnswerType.QUANTITY:
        name = measure_name(question)
        if name == "age":
            if _MADE_IN.search(rest):
                return True
            # An age as texts give one; "born in Lübeck, the youngest of five" gives none.
            return bool(_AGE_STATED.search(rest)) and not age_of_another(sentence, question)
        if _YEAR_SPAN.search(rest) and name == "long":
            return True
        if name == "often":
            return bool(re.search(_FREQUENCY, rest, re.I))
        counted = counted_words(question)
        if counted and not counted & _TIME_UNITS:
            # "How many seals ...": "over the last hundred years" counts years, not seals;
            # but "five days of compassionate leave" is how much leave.
            rest = _TIME_SPAN.sub(lambda m: _time_of(m, counted), rest)
        if counted and _HOW_MANY.search(question) and not counted & _MONEY_WORDS:
            # "How many dogs ...": "£3.00 per adult" is a price, not a count of dogs.
            rest = _SUM.sub(" ", rest)
        if not has_quantity(_CLOCK.sub(" ", _EXPLICIT_DATE.sub(" ", _MONTH_DAY.sub(" ", rest)))):
            return False
        # "How many tanks ...": the count must be of tanks, so the sentence names them.
        # A hyphenated word counts as its parts too: "a 50-person orchestra".
        if counted and not counted & {
            stem(p) for w in folded_words(sentence) for p in (w, *w.split("-"))
        }:
            # "How many times ...": "twice" counts times without naming them.
            return stem("times") in counted and bool(_ONCE.search(rest))
        # "How wide ...": "up to 1 metre long" measures another side.
        side = _SIDES.get(name or "")
        if side is not None and _LENGTHWISE.search(sentence) and not side.search(sentence):
            return False
        # "What is the area of ...": a number of that measure (a unit or the measure's word).
        measure = measured(question)
        return measure is None or bool(measure.search(sentence))
    if kind is AnswerType.YEAR:
        return has_date(rest, strict=True)
    if kind is AnswerType.DATE:
        return has_date(rest)
    found = [n for n in names(sentence, first_words=True) if fold(n) not in asked]
    if kind is AnswerType.NAMED:
        if _NAME_ASKED.search(question):
            # "What is the name of ...": a name, not "visitors"; and where the sentence
            # names the thing itself, a name given to it ("educated by a governess and at
            # the Edinburgh Ladies' College" names no governess).
            head = named_noun(question)
            if head and stem(head) in {stem(w) for w in folded_words(sentence)}:
                return any(_bound(head, name, sentence) for name in found)
            return bool(found)
        return bool(found or _PERSON_WORDS.search(rest) or person_noun(rest, question))
    # A month or a weekday is capitalised but is nowhere ("Monday to Friday"), and "in
    # April 2024", "at 9:00" or "on Saturdays" say when, not where.
    places = [n for n in found if fold(n).rstrip(".") not in _CALENDAR]
    return bool(places or _PLACE_WORDS.search(_AT_A_TIME.sub(" ", rest)))


_MONTH_OR_DAY = frozenset([*_MONTHS.split(), *_DAYS.split()])
_CALENDAR = _MONTH_OR_DAY | {f"{d}s" for d in _DAYS.split()}  # "on Saturdays"
_NAME_ASKED = re.compile(r"\bnames? of\b|\bwhat(?:'s| is| was)? (?:\w+ ){1,4}called\b", re.I)
_DETERMINER = r"(?:(?:the|a|an|his|her|its|their|this|that|your|our|my)\s+)?"
_NAMED_NOUN = re.compile(
    r"\bnames?\s+of\s+" + _DETERMINER + r"((?:[\w-]+\s+){0,3}?[\w-]+?)"
    r"(?=\s+(?:of|on|in|at|that|which|who|whom|where|for|from|with|by|used|is|was|did|does|"
    r"do)\b|\s*[?.!]|\s*$)|\bwhat(?:'s|\s+is|\s+was)\s+"
    + _DETERMINER
    + r"((?:[\w-]+\s+){0,3}?[\w-]+)\s+called\b",
    re.I,
)


def named_noun(question: str) -> str | None:
    """The thing whose name a question asks for.

    >>> named_noun("What was the name of her governess?"), named_noun("What's the ship called?")
    ('governess', 'ship')
    >>> named_noun("What is the name of the restaurant on the second level?")
    'restaurant'
    """
    match = _NAMED_NOUN.search(question)
    if match is None:
        return None
    phrase = match.group(1) or match.group(2)
    return fold(phrase.split()[-1])


def _bound(head: str, name: str, sentence: str) -> bool:
    """Whether ``sentence`` gives ``name`` to the ``head`` noun: "the restaurant is Le
    Jules Verne", "a shade known as 'Eiffel Tower Brown'", "Midna, an imp", "its
    governess, Miss Reid".

    >>> _bound("governess", "Edinburgh", "taught by a governess and at Edinburgh")
    False
    >>> _bound("restaurant", "Le Jules Verne", "The restaurant is Le Jules Verne.")
    True
    >>> _bound("shade", "Eiffel Tower Brown", 'a shade of brown known as "Eiffel Tower Brown"')
    True
    """
    # The noun may carry its complement: "a shade of brown known as ...".
    noun = rf"\b{re.escape(head)}\w*(?:\s+of\s+[\w-]+)?"
    named = re.escape(name)
    gap = r"[\s,:\"'“”‘’(]+"
    link = rf"(?:{gap}(?:called|named|known\s+as|is|was|were|the|a|an)){{0,3}}{gap}"
    after = re.search(noun + link + named, sentence, re.I)
    before = re.search(
        named + r"[\s,]+(?:(?:is|was|were)\s+)?(?:the|a|an|its|their|his|her)\s+"
        r"(?:[\w-]+\s+){0,2}" + re.escape(head),
        sentence,
        re.I,
    )
    return bool(after or before)


_ONCE = re.compile(r"\b(?:once|twice|thrice)\b", re.I)
_AT_A_TIME = re.compile(
    r"\b(?:in|at|from|on|near)\s+(?:(?:early|late|mid|the)[\s-]+)?(?:\d|(?:"
    + _as_written(f"{_MONTHS} {_DAYS}")
    + r")s?\b)",
)


def person_noun(text: str, question: str = "") -> bool:
    """Whether ``text`` names a kind of person (a boss, a critic, a blacksmith: WordNet's
    one-word roles used chiefly as nouns) that ``question`` does not.

    >>> person_noun("He must defeat the boss of each dungeon."), person_noun("It rained.")
    (True, False)
    >>> person_noun("The critics praised it.", "Which critics praised it?")
    False
    >>> person_noun("They have a territorial claim and sensitive, familiar concerns.")
    False
    """
    words = _people()
    asked = {singular(w, words) for w in _PLAIN_WORD.findall(fold(question))}
    return any(
        (found := singular(w, words)) is not None and found not in asked
        for w in _PLAIN_WORD.findall(fold(text))
    )


_PLAIN_WORD = re.compile(r"[a-z][a-z-]+")
PEOPLE = Path(__file__).parent / "data" / "people.txt.gz"


@lru_cache(maxsize=1)
def _people() -> frozenset[str]:
    with gzip.open(PEOPLE, "rt", encoding="utf-8") as f:
        return frozenset(f.read().split())


_TIME_UNITS = frozenset("year month week day hour minut second decad centuri".split())
_TIME_SPAN = re.compile(
    r"(?:\b(?:\d[\d,.]*|" + "|".join(_NUMBER_WORDS.split()) + r")[\s-]+)+"
    r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|century|centuries)\b",
    re.I,
)


# What a measure is stated in: its own words and its units. A question asking for one
# ("What is the *area* of ...?", "How *deep* is ...?") is not answered by another number
# ("three regions").
_LENGTH = (
    r"long|length|lengths|km|kms|kilomet(?:er|re)s?|met(?:er|re)s?|m|cm|mm|miles?|"
    r"feet|ft|foot|yards?|inch(?:es)?"
)
_TIME = (
    r"years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|century|centuries|"
    r"hrs?|mins?|secs?|overnight|fortnight"
)
_SPEED = r"speed|speeds|fast|km/h|kph|mph|knots?|per hour|per second|an hour|a second"
# The sides of a thing, each not the other: a length given is no width, height or depth.
_SIDE_WORDS = {
    "depth": "depth|deep|deeper|deepest",
    "height": "height|high|higher|highest|tall|taller|tallest|altitude|elevation",
    "width": "width|wide|wider|widest|breadth|across",
}
_MEASURES: dict[str, str] = {
    "area": r"area|square|sq|km²|km2|m²|m2|hectares?|ha|acres?",
    "length": _LENGTH,
    "distance": rf"distance|far|away|apart|{_LENGTH}",
    "depth": rf"{_SIDE_WORDS['depth']}|fathoms?|{_LENGTH}",
    "height": rf"{_SIDE_WORDS['height']}|{_LENGTH}",
    "width": rf"{_SIDE_WORDS['width']}|{_LENGTH}",
    "population": r"population|populated|people|inhabitants|residents|citizens|persons|"
    r"lives|live|living|home",
    "age": r"age|aged|old|older|oldest|born|years?",
    "temperature": r"temperature|temperatures|degrees?|°|°c|°f|celsius|fahrenheit|kelvin",
    "weight": r"weight|weighs?|weighed|heavy|kg|kilo(?:gram)?s?|tonnes?|tons?|pounds?|lbs?|"
    r"grams?|g",
    "speed": _SPEED,
    "volume": r"volume|cubic|km³|km3|m³|m3|lit(?:er|re)s?|gallons?|barrels?",
    "salinity": r"salinity|salt|salty|saltier|saline|‰|ppt|per ?cent|%|grams? per",
    "power": r"power|wattage|watts?|W|kW|kilowatts?|megawatts?|MW|gigawatts?|GW|horsepower|hp|bhp",
    "voltage": r"voltage|volts?|V|kV|kilovolts?",
    # "How long" and "how fast" ask for a length or a speed, or for a time.
    "long": rf"{_LENGTH}|{_TIME}",
    "fast": rf"{_SPEED}|{_TIME}",
    # "How often" asks how many times in a while, or for a rate in words ("weekly").
    "often": _FREQUENCY,
}
MEASURE_NOUNS = {
    "deep": "depth",
    "high": "height",
    "tall": "height",
    "wide": "width",
    "far": "distance",
    "old": "age",
    "heavy": "weight",
    "salty": "salinity",
    "long": "length",
    "fast": "speed",
    "often": "frequency",
}
_MEASURE_QUESTION = re.compile(
    r"\b(?:(?:what|which) (?:is|was|are|were) (?:the|its|their|his|her) (?:[\w-]+['’]s )?"
    r"(?:[a-z]+ ){0,2}|(?:at )?what )("
    + "|".join(_MEASURES)
    + r")\b|\bhow (deep|high|tall|wide|far|old|heavy|salty|long|fast|often)\b",
    re.I,
)


@lru_cache(maxsize=1024)
def measured(question: str) -> re.Pattern[str] | None:
    """The words and units a quantity must come with when the question asks for a
    measure, or None when it asks for no particular one.

    >>> m = measured("What is the area of Nagorno-Karabakh?")
    >>> bool(m.search("It covers 4,400 km2.")), bool(m.search("Armenia left three regions."))
    (True, False)
    >>> bool(measured("How deep is the southern basin?").search("It reaches 1,025 metres."))
    True
    >>> measured("How many tanks did Armenia lose?") is None
    True

    A share is a part of a whole: a percentage or a fraction, not any number.

    >>> m = measured("What share of the water flowing in comes from the Ural?")
    >>> bool(m.search("The Volga supplies around four fifths of the water.")), bool(
    ...     m.search("The sea covers 371,000 square kilometres."))
    (True, False)
    >>> bool(measured("What percentage of voters backed it?").search("It won 52% of the vote."))
    True

    A sum of money is stated in money, not in hours or loaves.

    >>> m = measured("What is the salary of a baker?")
    >>> bool(m.search("Bakers earn £24,500.")), bool(m.search("The baker arrives at 4:00."))
    (True, False)
    >>> measured("How many people pay the fee?") is None
    True
    >>> measured("How long did the staff spend fighting the fire?") is _MONEY_UNITS
    False
    """
    if _SHARE_QUESTION.search(question):
        return _SHARE
    if _MONEY_QUESTION.search(question) and not _HOW_MANY.search(question):
        return _MONEY_UNITS
    name = measure_name(question)
    if name is None:
        return None
    units = _MEASURES[name]
    # A unit may follow its number directly ("4,400km2", "30°C").
    return re.compile(rf"(?<![\w'’])(?:{units})(?!\w)|(?<=\d)(?:{units})(?!\w)", re.I)


# A sum of money asked for ("What is the *salary* ...", "How much did it *cost*?"); a verb
# of paying asks for one only after "how much" ("how long did they spend" asks for a time).
_MONEY_QUESTION = re.compile(
    r"\b(?:" + _MONEY + r"|costs?|costing|price|prices|priced|budgets?)\b|"
    r"\bhow much\b.*\b(?:spend|spent|paid|pay|pays|earn|earns|earned|charge|charges|charged|"
    r"worth)\b",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow many\b", re.I)
# A sum of money as written: "£3.00", "$2.5 million", "40 euros", "50p".
_SUM = re.compile(
    r"[£$€¥₹]\s?\d[\d,.]*(?:\s*(?:million|billion|bn|m|k)\b)?|"
    r"\b\d[\d,.]*\s*(?:pounds?|dollars?|euros?|cents?|pence|p)\b",
    re.I,
)
_MONEY_WORDS = frozenset(
    stem(w) for w in "pound dollar euro cent penny pence coin note yen".split()
)
_MONEY_UNITS = re.compile(
    r"[£$€¥₹]|\b(?:pounds?|dollars?|euros?|cents?|pence|yen|yuan|rupees?|francs?|roubles?|"
    r"rubles?|lira|manat|rials?|dirhams?|krona|kronor|kroner|pesos?|GBP|USD|EUR|free)\b|"
    r"(?<=\d)p\b",
    re.I,
)


# A measure asked for by its unit: "What is its power rating *in watts*?", "What
# *voltage* ...?".
_UNIT_ASKED = {
    "power": r"wattage|(?<=in )(?:watts|kilowatts|horsepower)",
    "voltage": r"voltage|(?<=in )volts",
    "length": r"(?<=in )(?:met(?:er|re)s|kilomet(?:er|re)s|miles|feet|inches|yards)",
    "weight": r"(?<=in )(?:kilo(?:gram)?s|grams|tonnes|tons)",
    "volume": r"(?<=in )(?:lit(?:er|re)s|gallons|cubic met(?:er|re)s)",
    "temperature": r"(?<=in )(?:degrees|celsius|fahrenheit)",
}
_UNIT_QUESTION = re.compile(
    r"\b(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _UNIT_ASKED.items()) + r")\b", re.I
)


def measure_name(question: str) -> str | None:
    """The measure a question asks for by name ("area", "age") or by unit, or None.

    >>> measure_name("How old is the deck oven?"), measure_name("What is the area of Baku?")
    ('age', 'area')
    >>> measure_name("What is the kettle's power rating?"), measure_name("How big is it in litres?")
    ('power', 'volume')
    >>> measure_name("What temperature should the oven be?"), measure_name("At what age?")
    ('temperature', 'age')
    """
    match = _MEASURE_QUESTION.search(question)
    if not match:
        unit = _UNIT_QUESTION.search(question)
        return unit.lastgroup if unit else None
    asked = (match.group(2) or "").lower()
    return (match.group(1) or (asked if asked in _MEASURES else MEASURE_NOUNS[asked])).lower()


# A thing's age is also given by the year it was made: "installed in 2019", "built in 1871".
# Passive only: "Marta Quill founded the bakery in 1998" gives the bakery's age, not hers,
# and "has chaired the council since May 2025" no one's.
_MADE_IN = re.compile(
    r"\b(?:(?:was|were|been|is|are)\s+(?:\w+\s+)?(?:built|installed|founded|established|"
    r"constructed|completed|made|erected|laid)|dat(?:es|ing) from)\b[^.;]{0,40}?"
    r"\b(?:1[0-9]{3}|20[0-9]{2})\b",
    re.I,
)


_OF_WHAT = re.compile(r"(?:['’]s?|\s+of)((?:\s+[\w’'-]+){1,4})")


def _time_of(span: re.Match[str], counted: set[str]) -> str:
    """A span of time kept when it measures what is counted ("five days of paid
    compassionate leave", "four weeks' notice"), else blanked."""
    after = _OF_WHAT.match(span.string, span.end())
    if after and counted & {stem(fold(w)) for w in after.group(1).split()}:
        return span.group(0)
    return " "


_SIDES = {name: re.compile(rf"\b(?:{words})\b", re.I) for name, words in _SIDE_WORDS.items()}
_LENGTHWISE = re.compile(r"\b(?:long|longer|longest|length|lengths)\b", re.I)
# An age stated: "77 years old", "the 19-year-old", "aged 30", "at the age of 77", "Josh
# Breen, 19,", a birth year or a life's span ("(1871 – 1948)"), "5 million years ago", "dates
# back to the 12th century".
_AGE_STATED = re.compile(
    r"\b[\w.-]+[- ]years?[- ]olds?\b|\b(?:centuries|century|decades?)\s+old\b|"
    r"\baged?\s+(?:of\s+)?\d{1,3}\b|\bages?\s+of\s+\w+|\b\d{1,3}\s+years\s+of\s+age\b|"
    r",\s+\d{1,3},|\bborn\b[^.;]{0,40}?\b" + _YEAR + r"\b|"
    r"\b" + _YEAR + r"\s*[–-]\s*(?:\d{1,2}\s+\w+\s+)?" + _YEAR + r"\b|"
    r"\byears?\s+ago\b|\bdat(?:es|ed|ing)\s+(?:back\s+)?(?:to|from)\b",
    re.I,
)
# An age given to someone by name: "the 19-year-old winger Josh Breen", "Josh Breen, 19,".
_NAMED = r"((?:[A-Z][\w'’-]+\s+){0,3}[A-Z][\w'’-]+)"
_AGE_GIVEN = [
    re.compile(r"\b[\w-]+[- ]years?[- ]old(?:\s+[a-z][\w-]*){0,3}\s+" + _NAMED),
    re.compile(_NAMED + r",\s+(?:aged\s+)?\d{1,3},"),
]
_AGE = re.compile(r"[- ]years?[- ]old\b|\baged\s+\d|,\s+\d{1,3},")


def age_of_another(sentence: str, question: str) -> bool:
    """Whether every age ``sentence`` gives belongs to someone the question does not name.

    >>> q = "How old is Daniel Okafor?"
    >>> age_of_another("He brought on Okafor and the 19-year-old winger Josh Breen.", q)
    True
    >>> age_of_another("Daniel Okafor, 24, scored.", q), age_of_another("Okafor is 24.", q)
    (False, False)
    >>> age_of_another("The 24-year-old striker Daniel Okafor came on.", q)
    False
    """
    asked = {fold(w) for n in names(question) for w in n.split()}
    if not asked or not _AGE.search(sentence):
        return False
    owners = [m.group(1) for p in _AGE_GIVEN for m in p.finditer(sentence)]
    if len(owners) < len(_AGE.findall(sentence)):
        return False  # an age given to no name: it may be theirs
    return not any(asked & {fold(w) for w in owner.split()} for owner in owners)


# How long something lasted is also given by the years or days it began and ended: "the
# war, which took place between 1992 and 1994", "in office from 1971 to 1982", "closed
# from 3 March to 28 April".
_DAY_OF_MONTH = (
    rf"(?:\d{{1,2}}\s+(?:{_as_written(_MONTHS)})\.?|(?:{_as_written(_MONTHS)})\.?\s+\d{{1,2}})"
    rf"(?:,?\s+{_YEAR})?"
)
_YEAR_SPAN = re.compile(
    rf"\b(?:between\s+{_YEAR}\s+and|from\s+{_YEAR}\s+(?:to|until|till))\s+{_YEAR}\b|"
    rf"\b{_YEAR}\s*[–-]\s*(?:{_YEAR}|\d\d)\b|"
    rf"\b(?:between\s+{_DAY_OF_MONTH}\s+and|from\s+{_DAY_OF_MONTH}\s+(?:to|until|till))\s+{_DAY_OF_MONTH}"
)


_SHARE_QUESTION = re.compile(
    r"\b(?:what|which) (?:(?:is|was|are|were) (?:the|its|their|his|her) )?(?:[a-z]+ )?"
    r"(?:percentage|percent|proportion|share|fraction)\b",
    re.I,
)
_SHARE = re.compile(
    r"%|\b(?:percent|per cent|percentage|proportion|share|fraction|half|halves|thirds?|"
    r"quarters?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?|majority|"
    r"minority|out of)\b",
    re.I,
)
_COUNTED = re.compile(r"\bhow (many|much)\s+((?:[\w’'-]+\s+){0,2}[\w’'-]+)", re.I)
_IRREGULAR_PLURALS = frozenset("people men women children police staff cattle sheep deer".split())
_SINGULAR = {"people": "person", "men": "man", "women": "woman", "children": "child"}


def _plural(word: str) -> bool:
    return word in _IRREGULAR_PLURALS or (
        len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))
    )


# Verbs that may follow an amount's noun without an auxiliary ("how much rain *fell*").
_AUXILIARIES = frozenset(
    "can could do does did is are was were will would should must may might has have had".split()
)
_VERBS = frozenset(
    """fell fall came come went go got get gave give took take made make cost spent spend paid
    pay grew grow rose rise ran run left leave brought bring held hold kept keep lost lose sold
    sell bought buy flow flowed remain remained""".split()
)


_COMPARATIVES = frozenset(
    """longer shorter fewer less more higher lower bigger smaller larger greater faster slower
    further farther older younger heavier lighter cheaper dearer earlier later wider narrower
    deeper shallower taller stronger weaker warmer colder hotter cooler better worse""".split()
)


def counted_phrase(question: str) -> tuple[str, str] | None:
    """What a "how many / how much" question counts, as written, and which of the two
    it is. A count's noun phrase ends at its plural noun ("how many Iranian soldiers
    were ..."); an amount's at the verb after it ("how much water flows ...").

    >>> counted_phrase("How many Iranian soldiers were deployed to the border?")
    ('many', 'Iranian soldiers')
    >>> counted_phrase("How many sturgeon species live there?")
    ('many', 'sturgeon species')
    >>> counted_phrase("How much gas does Iran sell?"), counted_phrase("How much water flows in?")
    (('much', 'gas'), ('much', 'water'))
    >>> counted_phrase("How much rain fell?"), counted_phrase("How much emergency funding arrived?")
    (('much', 'rain'), ('much', 'emergency funding'))
    >>> counted_phrase("How much compassionate leave can I take?")
    ('much', 'compassionate leave')
    >>> counted_phrase("How many did it lose?"), counted_phrase("How long is it?")
    (None, None)

    "How much longer", "how many fewer": a difference, counted by the rest of the question.

    >>> counted_phrase("How much longer did the walking group sleep?")
    """
    match = _COUNTED.search(question)
    if not match:
        return None
    which = match.group(1).lower()
    words: list[str] = []
    split = match.group(2).split()
    after = question[match.end() :].split()[:1]
    for i, word in enumerate(split):
        low = fold(word)
        # "How much compassionate leave can I take?": a word before an auxiliary is the
        # noun, whatever verb it also spells.
        following = fold(split[i + 1] if i + 1 < len(split) else after[0] if after else "")
        noun = following in _AUXILIARIES
        if (
            low in _COMPARATIVES
            or low in STOPWORDS
            or (
                which == "much"
                and words
                and not noun
                and (_plural(low) or low.endswith("ed") or low in _VERBS)
            )
        ):
            break
        words.append(word)
        if which == "many" and _plural(low):
            break
    return (which, " ".join(words)) if words else None


def counted_words(question: str) -> set[str]:
    """The stems of what a "how many / how much" question counts.

    >>> sorted(counted_words("How many tanks did Armenia lose?"))
    ['tank']
    >>> sorted(counted_words("How many sturgeon species live there?"))
    ['speci', 'sturgeon']
    >>> counted_words("How long is it?")
    set()
    >>> {"signatur", "home"} <= counted_words("How many people signed?") | counted_words(
    ...     "How many houses flooded?")
    True
    >>> counted_words("How many units of the Wii version were sold?")
    set()
    """
    counted = counted_phrase(question)
    if not counted:
        return set()
    words = [fold(word) for word in counted[1].split()]
    if words and words[-1] in _ANY_COUNTED:
        return set()  # "how many units were sold": copies, cars or consoles all count
    stems = {stem(_SINGULAR.get(w, w)) for w in words} | {stem(w) for w in words}
    return stems | {k for s in stems for k in _COUNTED_AS.get(s, ())}


# Words that count whatever is counted: the count may be of anything.
_ANY_COUNTED = frozenset("unit units item items piece pieces".split())

# Things counted under another name: "how many people signed" is answered by "1,162
# signatures", "how many houses flooded" by "43 homes" (stems).
_PEOPLE = (
    "resid inhabit citizen member voter signatur signatori passeng visitor child children "
    "adult pupil student worker employe staff volunt soldier troop victim patient user "
    "custom spectat particip deleg famili household refuge migrant tourist"
).split()
_DWELLINGS = "home hous dwell properti household".split()
_GROUPS: list[tuple[list[str], list[str]]] = [
    (["person", "peopl", "individu"], _PEOPLE),
    (_DWELLINGS, _DWELLINGS),
    (["car", "vehicl"], ["car", "vehicl"]),
    (["firm", "compani", "busi"], ["firm", "compani", "busi"]),
    # "How many staff ...": "it employed 230 people".
    (["staff", "employe", "worker"], ["staff", "employe", "worker", "peopl", "person"]),
    (["ship", "vessel", "boat"], ["ship", "vessel", "boat"]),
]
_COUNTED_AS: dict[str, frozenset[str]] = {
    key: frozenset(kinds) for keys, kinds in _GROUPS for key in keys
}


def _strip_words(text: str, words: set[str]) -> str:
    if not words:
        return text
    pattern = r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b"
    return re.sub(pattern, " ", text, flags=re.I)


# A credit line says who made the piece ("Translated by Can Atalay in Ankara", "Reporting
# by ...; editing by ...", "Recipe by ..., first published in March 2023"): it answers who
# made it, where and when, and nothing about the subject.
_CREDIT = re.compile(
    r"^\W*(?:(?:additional\s+)?reporting|translated|written|edited|editing|compiled|"
    r"reported|photos?|photographs?|illustrations?|interview|recipe|words|text|story|"
    r"article|review|design|graphics|video|research)"
    r"(?:\s+from\s+(?:the\s+)?[\w-]+)?\s+by\b",  # "Translated from Turkish by"
    re.I,
)


def credit_line(text: str) -> bool:
    """Whether a paragraph is a credit line.

    >>> credit_line("Translated by Can Atalay in Ankara"), credit_line("Reporting by Jo Li")
    (True, True)
    >>> credit_line("Translated into six languages by volunteers, the report reached millions.")
    False
    >>> credit_line("Recipe by Marta Kowalczyk, first published on the Flour & Field blog in 2023.")
    True
    """
    return len(text.split()) <= 20 and bool(_CREDIT.match(text))


# Words that pick one of a few kinds that exclude each other: a price "a child" is not
# the price for an adult, and the inlet tube is not the outlet.
def _kinds(*groups: str) -> list[list[frozenset[str]]]:
    """Groups of kinds that exclude each other, each kind's words in a set."""
    return [[frozenset(kind.split()) for kind in group.split("|")] for group in groups]


_EXCLUSIVE = _kinds(
    "adult adults|child children kid kids",
    "man men|woman women",
    "male|female",
    "boy boys|girl girls",
    "inlet|outlet",
    "input|output",
    "upstairs|downstairs",
    "indoor indoors|outdoor outdoors",
    "north northern|south southern",
    "east eastern|west western",
    "weekday weekdays|weekend weekends",
    "morning mornings|afternoon afternoons|evening evenings",
    "summer|winter",
    "spring|autumn",
    "minimum|maximum",
    "lowest|highest",
    "lower|upper",
    "smallest|largest biggest",
    "single|double",
    "domestic|international",
    "junior|senior",
    "public|private",
    "hot|cold",
    "wet|dry",
    "revenue revenues turnover|profit profits",
)
# Events that are each other's opposite, for a question asking when: the opening time
# does not say when it closes. (Not otherwise: "Is it open on Sundays?" is answered by
# "closed on Sundays", and "Who voted to keep it open?" by who moved that it close.)
_EVENTS = _kinds(
    "open opens opened opening|close closes closed closing",
    "born birth|died die dies death",
    "launch launches launched|discontinue discontinued withdrawn",
)

# "with the electric", "without a booking": which of the two, and the thing.
_WITH = re.compile(r"\b(with|without)\s+(?:(?:the|a|an|any|its|their|your)\s+)?([a-z]+)")


def contradicts(question: str, sentence: str) -> bool:
    """Whether ``sentence`` gives its fact for the other of a pair the question picks
    one of ("for an adult" and "a child", "the outlet" and "the inlet"), never naming
    the one asked about; or "with" the thing the question asks "without".

    >>> contradicts("How much does archery cost for an adult?", "It costs £9.00 a child.")
    True
    >>> contradicts("How much does archery cost for a child?", "It costs £9.00 a child.")
    False
    >>> contradicts("What do adults and children pay?", "Children pay £4.00.")
    False
    >>> contradicts("How much is a pitch without the electric?",
    ...             "A pitch with electric hook-up costs £27.50.")
    True
    >>> contradicts("Can I come without a booking?", "Come with a friend.")
    False
    >>> contradicts("When does the pool close?", "The pool opens at 7am."), contradicts(
    ...     "Is the pool open on Sundays?", "The pool is closed on Sundays.")
    (True, False)
    >>> contradicts("Who voted to keep the library open?", "Coyle moved that it close.")
    False
    >>> contradicts("What was the profit in 2023?", "Its revenue in 2023 was £118 million.")
    True
    """
    asked, said = folded_words(question), folded_words(sentence)
    when = answer_type(question) in (AnswerType.DATE, AnswerType.YEAR)
    groups = _EXCLUSIVE + _EVENTS if when else _EXCLUSIVE
    for group in groups:
        for i, kind in enumerate(group):
            if kind & asked and not kind & said:
                others = frozenset().union(*(k for j, k in enumerate(group) if j != i))
                if others & said and not others & asked:
                    return True
    without = {stem(m.group(2)) for m in _WITH.finditer(fold(question)) if m.group(1) == "without"}
    if without:
        given = {(m.group(1), stem(m.group(2))) for m in _WITH.finditer(fold(sentence))}
        return any(("with", t) in given and ("without", t) not in given for t in without)
    return False


def reason_cue(sentence: str) -> bool:
    """Whether a sentence states a reason, cause, aim or consequence.

    >>> reason_cue("Tehran feared separatism, resulting in unrest."), reason_cue("Iran waited.")
    (True, False)
    >>> reason_cue("Russia, for sure, is a winner."), reason_cue("It is prized for its roe.")
    (False, True)
    """
    return bool(_REASON.search(sentence))


@dataclass(frozen=True)
class Constraint:
    """Something specific a question names, which the evidence must also name."""

    text: str
    # "number", "name", "term" (the common noun a definition question defines), "role"
    # (the office or relation a who-question asks by: "mayor", "voice actress"), "label"
    # (a number that picks one of a series: "version 5.0", "Route 7") or "topic" (what
    # someone is asked to have said something about: "the flooding")
    kind: str
    role: Role | None = field(default=None, repr=False)  # a role's kin, owner and tense


# "What did Mark Ellery say about the flooding?": what was said must be about it.
_SPOKEN_ABOUT = re.compile(
    r"\b(?:say|said|says|think|thought|thinks|write|wrote|writes|claim|claimed|claims|"
    r"believe|believed|believes|argue|argued|argues|warn|warned|warns|comment|commented|"
    r"complain|complained|feel|felt|feels)\b[^?]*?\babout\s+"
    r"(?:(?:the|a|an|his|her|its|their|this|that)\s+)?([a-z][\w’'-]*(?:\s+[a-z][\w’'-]*){0,2}?)"
    r"(?=\s*[?.,!]|\s+(?:in|on|at|during|after|before|when|and|or)\b|\s*$)"
)


def spoken_about(question: str) -> str | None:
    """What a question asks someone's words about, when it is a common noun phrase.

    >>> spoken_about("What did Mark Ellery say about the flooding?")
    'flooding'
    >>> spoken_about("What did Paul Fenn say about the referee's decision?")
    "referee's decision"
    >>> spoken_about("What did Ali Rabiei say about Armenia?"), spoken_about("What did he say?")
    (None, None)
    """
    match = _SPOKEN_ABOUT.search(question)
    return match.group(1) if match else None


# "What is compost?", "What are seiches?", "What does 'thalweg' mean?", "Define brine.":
# a definition names what it defines, so the evidence must name the subject too.
_SUBJECT = r"(?:an?\s+)?[\"'‘“]?([a-z][\w’'-]*(?:\s+[a-z][\w’'-]*){0,2})[\"'’”]?"
_DEFINITION = re.compile(
    r"^\s*(?:(?:what|who)\s+(?:is|are)\s+|define\s+|what\s+is\s+meant\s+by\s+)"
    + _SUBJECT
    + r"\s*[?.]?\s*$|^\s*what\s+(?:does|do)\s+"
    + _SUBJECT
    + r"\s+mean\s*\??\s*$",
    re.I,
)


# "What is the PSQI?", "What are Poes?", "What does AI stand for?": a name to define.
_NAME = r"([A-Z][\w’'-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w’'-]*){0,4})"
_NAME_DEFINITION = re.compile(
    r"^\s*(?i:what\s+(?:is|are|was|were)\s+(?:the\s+|an?\s+)?)" + _NAME + r"\s*\??\s*$|"
    r"^\s*(?i:what\s+(?:does|do|did)\s+(?:the\s+)?)" + _NAME + r"\s+(?i:stand\s+for|mean)\s*\??\s*$"
)


def defined_name(question: str) -> str | None:
    """The name a question asks to have defined or spelled out, or None.

    >>> defined_name("What is the PSQI?"), defined_name("What does AI stand for?")
    ('PSQI', 'AI')
    >>> defined_name("What is the Minsk Group?"), defined_name("What is Baku known for?")
    ('Minsk Group', None)
    >>> defined_name("What is compost?"), defined_name("What is Link's main weapon?")
    (None, None)
    """
    match = _NAME_DEFINITION.match(question)
    return (match.group(1) or match.group(2)) if match else None


def defines(name: str, sentence: str) -> bool:
    """Whether ``sentence`` says what ``name`` is: spells it out ("the Pittsburgh Sleep
    Quality Index (PSQI)"), or calls it something ("X is a ...", "X, a ...", "X, which
    ...", "... named X").

    >>> defines("PSQI", "with the Pittsburgh Sleep Quality Index (PSQI), a questionnaire")
    True
    >>> defines("AI", "The artificial intelligence (AI) of enemies is more advanced.")
    True
    >>> defines("Kara-Bogaz-Gol", "The Kara-Bogaz-Gol is a large, very shallow lagoon.")
    True
    >>> defines("Poes", "They hunt for enemy ghosts named Poes.")
    True
    >>> defines("PSQI", "The walking group's PSQI score fell by 2.4 points.")
    False
    """
    if initials_of(name, sentence) or re.search(rf"\(\s*{re.escape(name)}\s*\)", sentence):
        return True
    called = re.escape(name)
    return bool(
        re.search(
            rf"\b{called}(?:\s*\([^)]*\))?(?:,\s*(?:a|an|the|which|who|one)\b|\s+(?:is|are|was|"
            rf"were)\s+(?:a|an|the|one|not)\b|\s+(?:refers? to|means?|stands? for)\b)|"
            rf"\b(?:called|named|known as)\s+(?:the\s+)?{called}\b",
            sentence,
        )
    )


def defined_term(question: str) -> str | None:
    """The common noun a definition question asks about, or None.

    >>> defined_term("what is compost?"), defined_term("What does 'brine' mean?")
    ('compost', 'brine')
    >>> defined_term("What is a status quo?"), defined_term("What is it?")
    ('status quo', None)
    >>> defined_term("What is the Minsk Group?"), defined_term("What is Baku known for?")
    (None, None)
    """
    match = _DEFINITION.match(question)
    if not match:
        return None
    subject = (match.group(1) or match.group(2)).strip("'’")
    words = subject.split()
    if any(fold(w) in STOPWORDS or not w.islower() for w in words):
        return None  # a pronoun, "the ...", or a proper name (names are constraints already)
    return subject


_POSSESSIVE_BREAK = re.compile(r"(?<=['’]s) ")
_GLUED = re.compile(r"[^\W\d_]-?$")  # a letter right before (a hyphen and) a number
_CODE = re.compile(r"\b[^\W\d_][\w]*-?\d[\w.-]*\w|\b[^\W\d_][\w]*-?\d\b")  # "e03", "covid-19"


_YEAR_RANGE = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\s*[-–/]\s*$")

# A number that tells one of a series from the others: "version 5.0", "Route 7", "Apollo
# 11", "platform 4". Not a count ("What 2 critics ..."), a date ("Nov. 9") or a year.
_LABEL_NOUNS = (
    "version|release|build|number|no|route|line|bus|flight|train|model|mark|series|season|"
    "episode|chapter|section|article|clause|part|volume|issue|page|paragraph|figure|table|"
    "step|stage|phase|level|floor|room|gate|platform|terminal|lane|court|zone|ward|unit|"
    "block|building|bay|pier|track|exit|junction|grade|class|year|week|day|round|act|scene"
)
_LABEL = re.compile(
    rf"\b(?:(?i:{_LABEL_NOUNS})|[A-Z][\w-]*)\.?\s+(?!(?:1[0-9]{{3}}|20[0-9]{{2}})\b)"
    r"(\d+(?:\.\d+)*)(?![\d,.]*\d)(?!\s*(?:%|percent|per cent)\b)"
)


_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_ORDINAL_STEP = re.compile(rf"\b({'|'.join(_ORDINALS)})\s+step\b", re.I)
_STEP = re.compile(r"\bstep\s+(\d{1,2})\b", re.I)


def step_asked(question: str) -> str | None:
    """The number of the step a question asks about ("step 3", "the first step"), or None.

    >>> step_asked("What is the first step?"), step_asked("What happens at step 4?")
    ('1', '4')
    >>> step_asked("How many steps are there?") is None
    True
    """
    ordinal = _ORDINAL_STEP.search(question)
    if ordinal:
        return str(_ORDINALS.index(ordinal.group(1).lower()) + 1)
    match = _STEP.search(question)
    return match.group(1) if match else None


def labels(question: str) -> list[tuple[str, str]]:
    """The numbers that pick one of a series (``(label, number)``), which the passage
    quoted must give: version 4.0's notes do not say when version 5.0 comes out.

    >>> labels("When will version 5.0 be released?"), labels("What did Apollo 11 carry?")
    ([('version 5.0', '5.0')], [('Apollo 11', '11')])
    >>> labels("How often will the number 7 bus run?"), labels("Is Windows 8.1 supported?")
    ([('number 7', '7')], [('Windows 8.1', '8.1')])
    >>> labels("What 2 critics praised it?"), labels("What was signed on Nov. 9, 2021?")
    ([], [])
    >>> labels("What happened In 2005?"), labels("Which sites gave it 95% and 97%?")
    ([], [])
    """
    found = []
    for match in _LABEL.finditer(question):
        word = match.group().split()[0].rstrip(".").lower()
        if word in STOPWORDS or word in _MONTH_OR_DAY:
            continue
        if match.start() == 0 and not re.match(rf"(?i:{_LABEL_NOUNS})\b", word):
            continue  # a question's first word is capitalised whatever it is
        found.append((match.group().replace("\n", " "), match.group(1)))
    return found


def _year_range_end(question: str, match: re.Match[str]) -> bool:
    """Whether a number ends a year range ("2027-28", "1998–99", "2019/2020"): the
    range's first year stands for it, and "28" is no number the text must give."""
    start = _YEAR_RANGE.search(question, 0, match.start())
    if start is None:
        return False
    first, end = int(start.group(1)), match.group()
    return end.isdigit() and (
        (len(end) == 2 and int(end) == (first + 1) % 100)
        or (len(end) == 4 and int(end) == first + 1)
    )


def constraints(question: str) -> list[Constraint]:
    """The numbers, years, proper names and defined terms a question is specific about.

    >>> [(c.text, c.kind) for c in constraints("What did Iran's president say at the UN in 2023?")]
    [('Iran', 'name'), ('UN', 'name'), ('2023', 'number'), ('president', 'role')]
    >>> constraints("What is compost?")
    [Constraint(text='compost', kind='term')]
    >>> [c.text for c in constraints("Why was Iran's Turkish minority stirred?")]
    ['Iran', 'Turkish']
    >>> [(c.text, c.kind) for c in constraints("At E3 in 2005, what did the F-16 carry?")]
    [('E3', 'name'), ('F-16', 'name'), ('2005', 'number')]
    >>> [(c.text, c.kind) for c in constraints("did the covid-19 pandemic stop it in 2020?")]
    [('2020', 'number'), ('covid-19', 'name')]
    >>> [c.text for c in constraints("What was the budget for 2027-28, and for 1999–2000?")]
    ['2027', '1999']
    >>> [c.text for c in constraints("Who won 3-2 in 2019?")]
    ['3', '2', '2019']
    >>> [(c.text, c.kind) for c in constraints("When will version 5.0 be released?")]
    [('5.0', 'number'), ('version 5.0', 'label')]
    """
    found: dict[str, Constraint] = {}
    # A possessive ends a name: "Iran's Turkish minority" names Iran, then Turkish.
    for word in (w for n in names(question) for w in _POSSESSIVE_BREAK.split(n)):
        found.setdefault(fold(word), Constraint(word.removesuffix("’s").removesuffix("'s"), "name"))
    for match in _YEAR_OR_NUMBER.finditer(question):
        if not _GLUED.search(question, 0, match.start()) and not _year_range_end(question, match):
            found.setdefault(match.group(), Constraint(match.group(), "number"))
    # A number that is part of a name ("E3", "F-16", "covid-19") is the name's, even one
    # written in lower case.
    for token in _CODE.findall(question):
        if not any(fold(token) in fold(c.text) for c in found.values()):
            found.setdefault(fold(token), Constraint(token, "name"))
    for label, _ in labels(question):
        found.setdefault(fold(label), Constraint(label, "label"))
    term = defined_term(question)
    if term:
        found.setdefault(fold(term), Constraint(term, "term"))
    topic = spoken_about(question)
    if topic and not any(fold(topic) in k or k in fold(topic) for k in found):
        found.setdefault(fold(topic), Constraint(topic, "topic"))
    asked_by = role(question)
    if asked_by and not any(asked_by.head in fold(c.text) for c in found.values()):
        found.setdefault(asked_by.text, Constraint(asked_by.text, "role", asked_by))
    return list(found.values())


# Names that mean the same place or people: a country, its adjective and its capital
# (the capital stands for the government in news prose: "Tehran said ...").
_ALIAS_GROUPS = [
    "afghanistan afghan kabul",
    "america american americans washington us usa u.s",
    "armenia armenian armenians yerevan",
    "azerbaijan azerbaijani azerbaijanis azeri azeris baku",
    "britain british uk england english london",
    "china chinese beijing",
    "egypt egyptian cairo",
    "france french paris",
    "georgia georgian tbilisi",
    "germany german germans berlin",
    "india indian delhi",
    "iran iranian iranians persia persian tehran",
    "iraq iraqi baghdad",
    "israel israeli jerusalem",
    "italy italian rome",
    "japan japanese tokyo",
    "kazakhstan kazakh astana",
    "pakistan pakistani islamabad",
    "russia russian russians moscow kremlin",
    "saudi riyadh",
    "spain spanish madrid",
    "syria syrian damascus",
    "turkey turkish turks turkiye ankara",
    "turkmenistan turkmen ashgabat",
    "ukraine ukrainian kyiv kiev",
    "uae emirates emirati",
    # Countries and the adjectives made of them: "the Scottish Highlands" are in Scotland.
    "scotland scottish scots",
    "wales welsh",
    "ireland irish",
    "netherlands dutch holland",
    "sweden swedish",
    "norway norwegian norwegians",
    "denmark danish danes",
    "finland finnish finns",
    "iceland icelandic",
    "poland polish",
    "greece greek greeks",
    "portugal portuguese",
    "switzerland swiss",
    "austria austrian austrians",
    "belgium belgian belgians",
    "hungary hungarian hungarians",
    "romania romanian romanians",
    "bulgaria bulgarian bulgarians",
    "serbia serbian serbs",
    "croatia croatian croats",
    "canada canadian canadians",
    "mexico mexican mexicans",
    "brazil brazilian brazilians",
    "argentina argentinian argentine",
    "chile chilean chileans",
    "peru peruvian peruvians",
    "australia australian australians",
    "korea korean koreans",
    "vietnam vietnamese",
    "thailand thai",
    "indonesia indonesian indonesians",
    "philippines filipino filipinos philippine",
    "nigeria nigerian nigerians",
    "kenya kenyan kenyans",
    "ethiopia ethiopian ethiopians",
    "morocco moroccan moroccans",
    "algeria algerian algerians",
    "tunisia tunisian tunisians",
    "libya libyan libyans",
    "lebanon lebanese",
    "yemen yemeni yemenis",
    "qatar qatari qataris",
    "kuwait kuwaiti kuwaitis",
    "uzbekistan uzbek uzbeks",
    "tajikistan tajik tajiks",
    "kyrgyzstan kyrgyz",
    "mongolia mongolian mongolians",
    "cuba cuban cubans",
    # Months are written out or abbreviated: "November" ~ "Nov. 9".
    "january jan",
    "february feb",
    "march mar",
    "april apr",
    "june jun",
    "july jul",
    "august aug",
    "september sep sept",
    "october oct",
    "november nov",
    "december dec",
]
# Abbreviations spelled out in the text: "the US" ~ "the United States".
# Looked up for every alias of a name, so one member of an alias group stands for all.
PHRASE_ALIASES = {
    "us": ("united states",),
    "uk": ("united kingdom", "great britain"),
    "uae": ("united arab emirates",),
    "un": ("united nations",),
    "eu": ("european union",),
}
ALIASES: dict[str, frozenset[str]] = {}
for _group in _ALIAS_GROUPS:
    _members = frozenset(_group.split())
    for _member in _members:
        ALIASES[_member] = _members


def name_variants(name: str) -> frozenset[str]:
    """Folded forms a name may take in the text: itself and its aliases.

    >>> sorted(name_variants("Azeri"))[:3]
    ['azerbaijan', 'azerbaijani', 'azerbaijanis']
    >>> sorted(name_variants("Scotland"))
    ['scotland', 'scots', 'scottish']
    """
    key = fold(name).removesuffix("'s")
    return ALIASES.get(key, frozenset()) | {key, key.replace(".", "")}


_FULL_NAME = re.compile(r"[A-Z][\w'’-]*(?: [A-Z][\w'’-]*){1,3}")


def full_name(name: str) -> bool:
    """Whether a name has the shape of a full name, two to four capitalised words (whether
    it is a person's is the caller's to judge: an organisation has that shape too).

    >>> full_name("Lena Markovic"), full_name("Markovic"), full_name("OSCE Minsk Group")
    (True, False, True)
    """
    return bool(_FULL_NAME.fullmatch(name))


def by_surname(name: str, text: str) -> bool:
    """Whether ``text`` refers to a full name by its last word, capitalised, as a report
    does once it has introduced someone ("Lena Markovic", then "Councillor Markovic").
    The caller checks that the document gives the full name somewhere: "Radar Princess"
    is not named by "Twilight Princess" in a text that never says "Radar Princess".

    >>> by_surname("Lena Markovic", "Councillor Markovic objected.")
    True
    >>> by_surname("Lena Markovic", "The markovic chain.")
    False
    """
    if not full_name(name):
        return False
    last = name.split()[-1]
    return re.search(rf"(?<![\w-]){re.escape(last)}(?![\w-])", text) is not None


def same_name(name: str, words: frozenset[str]) -> bool:
    """Whether folded ``words`` name ``name``, aliases allowed: how a role's owner is
    compared with the question's ("Iranian" names Iran).

    >>> same_name("Iran", frozenset({"iranian", "government"}))
    True
    """
    return mentions(words, Constraint(name, "name"))


def mentions(
    text_words: frozenset[str] | set[str], constraint: Constraint, text: str | None = None
) -> bool:
    """Whether a constraint is named in text whose folded words are ``text_words``.

    Numbers match literally (thousands separators ignored); names match themselves,
    their aliases, or a word sharing their first six letters (Azerbaijan ~ Azerbaijani);
    a defined term matches when each of its words is there in some form. A name of
    several words must have them side by side in ``text``, where it is given: "Radar
    Princess" is not named by a text about "Games Radar" and "Twilight Princess".

    >>> words = {"azerbaijani", "371000", "victory"}
    >>> mentions(words, Constraint("Azerbaijan", "name"))
    True
    >>> mentions(words, Constraint("371,000", "number"))
    True
    >>> mentions(words, Constraint("Baku", "name")), mentions(words, Constraint("2023", "number"))
    (True, False)
    >>> mentions({"seiches", "occur"}, Constraint("seiche", "term"))
    True
    >>> mentions({"red", "light", "blinks", "twice"}, Constraint("two red blinks", "term"))
    True
    >>> mentions({"route", "7"}, Constraint("number 7", "label"))
    True
    >>> mentions({"dvds", "lent"}, Constraint("DVD", "name"))
    True
    >>> text = "Russia, along with Turkey, set up observation points."
    >>> mentions(folded_words(text), Constraint("Russian-Turkish", "name"), text)
    True
    >>> text = "The United States objected."
    >>> mentions(folded_words(text), Constraint("US", "name"), text)
    True
    >>> text = "Games Radar praised Twilight Princess."
    >>> mentions(folded_words(text), Constraint("Radar Princess", "name"), text)
    False
    >>> mentions(folded_words(text), Constraint("Twilight Princess", "name"), text)
    True
    """
    if constraint.kind == "number":
        return constraint.text.replace(",", "") in text_words
    if constraint.kind == "label":  # its number: "Route 7" is also "the number 7 bus"
        return constraint.text.split()[-1] in text_words
    if constraint.kind == "role":  # the role or a WordNet word for it: "ruler" ~ "sovereign"
        return constraint.role is None or named(
            constraint.role,
            text if text is not None else " ".join(text_words),
            same_name,
        )
    if constraint.kind == "topic":  # any of its words: "the referee's decision" ~ "referee"
        stems = {stem(w) for w in text_words}
        return any(t in stems for t in terms(constraint.text))
    if constraint.kind == "term":  # every word, in any form: "seiches" ~ "seiche"
        stems = {stem(w) for w in text_words}
        return all(
            t in stems or _COUNT_FORMS.get(t, frozenset()) & stems for t in terms(constraint.text)
        )
    variants = name_variants(constraint.text)
    if variants & text_words:
        return True
    spelled = [p for v in variants for p in PHRASE_ALIASES.get(v, ())]
    if spelled and text is not None:
        folded = fold(text)
        if any(p in folded for p in spelled):
            return True
    pair = constraint.text.split("-")
    if len(pair) > 1 and all(fold(p) in ALIASES for p in pair):
        # A pair of countries ("Russian-Turkish", "Iran-Azerbaijan"): each is named.
        return all(mentions(text_words, Constraint(p, "name")) for p in pair)
    parts = [p for p in re.split(r"[\s-]+", fold(constraint.text)) if p]
    if text is not None and initials_of(constraint.text, text):
        return True
    if len(parts) > 1:
        if not all(p in text_words or stem(p) in text_words for p in parts):
            return False
        return text is None or _side_by_side([stem(p.strip(".")) for p in parts], text)
    key = parts[0] if parts else ""
    if f"{key}s" in text_words or (key.endswith("s") and key[:-1] in text_words):
        return True  # a plural: "DVD" ~ "DVDs", "PCs" ~ "PC"
    # Derived forms: Azerbaijan ~ Azerbaijani, Iran ~ Iranian (a few letters added).
    return len(key) >= 4 and any(
        (w.startswith(key) or key.startswith(w)) and abs(len(w) - len(key)) <= 3 and len(w) >= 4
        for w in text_words
    )


# A count in other words: "two red blinks" are "blinks twice", "2 blinks" (as stems:
# "once" is "onc").
_COUNT_FORMS = {
    word: frozenset({digit, *other})
    for word, digit, *other in (
        ("one", "1", "onc"),
        ("two", "2", "twice"),
        ("three", "3", "thrice"),
        ("four", "4"),
        ("five", "5"),
        ("six", "6"),
        ("seven", "7"),
        ("eight", "8"),
        ("nine", "9"),
        ("ten", "10"),
    )
}
_FOLD_WORD = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*")
_ACRONYM = re.compile(r"[A-Z]{2,6}")
_TITLE_WORD = re.compile(r"[A-Z][\w'’]*")
_JOINING = frozenset({"of", "for", "and", "the", "on", "in", "de", "du", "des", "&"})


def initials_of(name: str, text: str) -> bool:
    """Whether ``text`` gives ``name`` as the initials of a name it spells out, or spells
    out a name whose initials ``name`` has: "EIB" is the European Investment Bank.

    >>> initials_of("EIB", "a loan from the European Investment Bank")
    True
    >>> initials_of("UNHCR", "the United Nations High Commissioner for Refugees said")
    True
    >>> initials_of("European Investment Bank", "the EIB lent €90 million")
    True
    >>> initials_of("EIB", "East India Company"), initials_of("European Bank", "the EB")
    (False, False)
    """
    if _ACRONYM.fullmatch(name):
        words = re.findall(r"[\w'’&]+", text)
        for start, word in enumerate(words):
            if word[0] != name[0] or not _TITLE_WORD.fullmatch(word):
                continue
            letters = name[1:]
            for later in words[start + 1 :]:
                if not letters:
                    break
                if later.lower() in _JOINING:
                    continue
                if later[0] != letters[0] or not _TITLE_WORD.fullmatch(later):
                    break
                letters = letters[1:]
            if not letters:
                return True
        return False
    words = name.split()
    if len(words) < 3 or not all(_TITLE_WORD.fullmatch(w) for w in words):
        return False  # two letters are too often a word ("IT", "US")
    letters = "".join(w[0] for w in words if w.lower() not in _JOINING)
    return bool(re.search(rf"\b{letters}\b", text))


def _side_by_side(stems: list[str], text: str) -> bool:
    """Whether ``text`` has words of these stems in this order, one after another.

    >>> _side_by_side(["minsk", "group"], "the OSCE Minsk Group's failure")
    True
    >>> _side_by_side(["radar", "princess"], "Games Radar, Twilight Princess")
    False
    """
    words = _stems_in_order(text)
    n = len(stems)
    return any(list(words[i : i + n]) == stems for i in range(len(words) - n + 1))


@lru_cache(maxsize=4096)
def _stems_in_order(text: str) -> tuple[str, ...]:
    return tuple(
        stem(w.removesuffix("'s")) for w in _FOLD_WORD.findall(fold(text).replace(",", ""))
    )


@lru_cache(maxsize=8192)
def folded_words(text: str) -> frozenset[str]:
    """Folded words of ``text``, with numbers stripped of thousands separators.

    >>> sorted(folded_words("Iran's 371,000 km² U.S."))
    ['371000', 'iran', "iran's", 'km2', 'u.s', 'us']
    """
    out = set()
    for word in _FOLD_WORD.findall(fold(text).replace(",", "")):
        out.add(word)
        if word.endswith("'s"):
            out.add(word[:-2])
        if "." in word and not any(ch.isdigit() for ch in word):
            out.add(word.replace(".", ""))  # "Ph.D." is "PhD"
    return frozenset(out)
