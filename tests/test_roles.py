"""The role a who-question asks by, and whether a text names that role itself: pure
functions over the WordNet table that ships in ``textkit/data``."""

from __future__ import annotations

import random

import pytest

from textkit.cues import Constraint, constraints, folded_words, mentions
from textkit.roles import named, role


def _names(question: str, text: str) -> bool:
    found = [c for c in constraints(question) if c.kind == "role"]
    assert len(found) == 1, f"no role read in {question!r}"
    return mentions(folded_words(text), found[0], text)


@pytest.mark.parametrize(
    ("question", "text", "head", "owner"),
    [
        ("Who is the mayor of Tehran?", "mayor", "mayor", ("Tehran",)),
        ("Who was Armenia's prime minister?", "prime minister", "prime minister", ("Armenia",)),
        ("Who is the Turkish government's spokesperson?", "spokesperson", "spokesperson",
         ("Turkish",)),
        ("Who is the Iranian foreign minister?", "foreign minister", "foreign minister",
         ("Iranian",)),
        ("Who was the voice actress behind Midna?", "voice actress", "actress", ()),
        ("Who is the author of this article?", "author", "author", ()),
        # The office ends before a participle that says where it is mentioned.
        ("What is the name of Iran's supreme leader mentioned in the article?",
         "supreme leader", "leader", ("Iran",)),
    ],
)  # fmt: skip
def test_a_role_question_is_read_with_its_owner(
    question: str, text: str, head: str, owner: tuple[str, ...]
) -> None:
    asked = role(question)
    assert asked is not None
    assert (asked.text, asked.head, asked.owner) == (text, head, owner)


@pytest.mark.parametrize(
    "question",
    ["Who won the war?", "Which country won?", "Who is the main character?", "What is Baku?"],
)
def test_questions_that_ask_by_no_role_have_none(question: str) -> None:
    assert role(question) is None
    assert all(c.kind != "role" for c in constraints(question))


@pytest.mark.parametrize(
    ("question", "text"),
    [
        # WordNet's words for the role count, not only the question's own word.
        ("Who is the rightful sovereign of the realm?", "Midna is the realm's true ruler."),
        ("Who was the chieftain of the Gorons?", "Darbus, the Gorons' leader, fought."),
        ("Who was the conductor of the orchestra?", "Kondo conducted the orchestra."),
        # The owner named the question's way, or by an alias (Armenia ~ Armenian).
        ("Who is Armenia's prime minister?", "Russia punished Armenian Prime Minister Nikol."),
        ("Who is Iran's supreme leader?", "Iran's supreme leader, Ali Khamenei, spoke."),
        # The holder named a few words away, in the same sentence.
        ("Who is the ruler of the realm?", "Midna is revealed to be the true ruler of the realm."),
        # A role with no owner in the text is not another's.
        ("Who was the producer of Twilight Princess?", "Aonuma told producer Shigeru Miyamoto."),
    ],
)
def test_a_text_that_names_the_role_counts(question: str, text: str) -> None:
    assert _names(question, text)


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("Who is the mayor of Tehran?", "He was the governor of Ardabil."),
        ("Who was the executive producer?", "Aonuma was the producer."),  # a modifier lacks
        # A rank before the title makes it another office.
        ("Who is Iran's foreign minister?", "Iran's Deputy Foreign Minister Abbas Arakchi."),
        ("Who is the vice president?", "The President, Vice-Admiral Reed, spoke."),
        # The holder now is not a former one.
        ("Who is the current governor of Ardabil?", "the former governor of Ardabil, Mansur"),
        # The text gives the role to another owner.
        ("Who is Azerbaijan's prime minister?", "Russia punished Armenian Prime Minister Nikol."),
        ("Who is the Turkish government's spokesperson?", "the Iranian Government Spokesperson"),
        ("Who is the king of Hyrule?", "Zant, the King of the Twilight, has stolen the light."),
        ("Who was the governor of East Azerbaijan?", "the former governor of Ardabil, Mansur"),
        # The office mentioned, nobody named as holding it (Iran is the owner, not a holder).
        ("Who is Iran's supreme leader?", "the representatives of the supreme leader of Iran"),
        ("Who is the mayor?", "The mayor's office did not reply. Lena Ortiz, a resident, did."),
    ],
)
def test_a_text_that_does_not_name_the_role_itself_does_not_count(question: str, text: str) -> None:
    assert not _names(question, text)


def test_a_rank_the_question_asks_for_is_not_another_office() -> None:
    assert _names("Who is Iran's deputy foreign minister?", "Iran's Deputy Foreign Minister Abbas")
    assert _names(
        "Who was the former governor of Ardabil?", "the former governor of Ardabil, Mansur"
    )


def test_a_role_constraint_without_its_reading_never_blocks() -> None:
    # Built by hand (an older pickled question, a test): nothing to check against.
    assert mentions(frozenset({"governor"}), Constraint("mayor", "role"))


def test_reading_and_matching_never_fail_on_odd_text() -> None:
    rng = random.Random(7)
    pieces = ["Who", "who's", "is", "the", "of", "’s", "'s", "Deputy", "former", "mayor", ",",
              ".", "?", "Iran", "prime", "minister", "—", "ﬁ", "U+202E\u202e", "", " ", "of the"]  # fmt: skip
    roles = 0
    for _ in range(3000):
        start = rng.choice(["", "Who is the", "who was", "Who is Iran's", "What is the name of"])
        question = " ".join([start, *(rng.choice(pieces) for _ in range(rng.randint(0, 10)))])
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for c in constraints(question):
            roles += c.kind == "role"
            assert isinstance(mentions(folded_words(text), c, text), bool)
    assert roles > 20  # the office path was exercised, not only names


def test_an_office_asked_about_needs_no_holder_named_beside_it() -> None:
    about = role("What did Iran's president say about the ceasefire?")
    assert about is not None and not about.holder
    assert named(about, "Iran's president welcomed the deal.")
    holder = role("Who is Iran's president?")
    assert holder is not None and holder.holder

    def same(name: str, words: frozenset[str]) -> bool:
        return mentions(words, Constraint(name, "name"))

    assert not named(holder, "Iran's president welcomed the deal.", same)
    assert named(holder, "Iran's president Hassan Rouhani welcomed the deal.", same)
