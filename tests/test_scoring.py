"""The scoring module's pure functions: fusion, re-ranking, features, choosing, abstaining."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from evals.train import SELECTION_ONLY, QuestionExamples, choose_threshold, fit, fit_logistic
from qa.extractive import abstention, join_parts
from qa.models import Passage
from qa.questions import split_compound
from qa.scoring import (
    FEATURES,
    Candidate,
    ParagraphMatch,
    Question,
    ScoringConfig,
    choose,
    confidence,
    phrase_share,
    reorder,
    rerank_score,
    rrf,
    sentence_features,
)
from textkit.cues import (
    AnswerType,
    Constraint,
    answer_type,
    constraints,
    counted_phrase,
    folded_words,
    mentions,
    satisfies,
)

OPEN = ScoringConfig(answer_weights={"bias": -4.0, "lead_p": 8.0}, min_answer=0.5, min_support=0.5)


def _c(passage: int, p: float, text: str = "", continues: bool = False) -> Candidate:
    return Candidate(passage, 0, len(text), text or f"s{passage}-{p}", {}, p, continues)


def test_fusion_rewards_agreement_and_is_order_invariant() -> None:
    dense, lexical = ["a", "b", "c"], ["d", "b", "e"]
    fused = rrf([dense, lexical], k=60)
    assert max(fused, key=fused.get) == "b"  # second in both beats first in one
    assert fused == rrf([lexical, dense], k=60)
    assert set(fused) == {"a", "b", "c", "d", "e"}


@pytest.mark.parametrize("k", [1, 10, 60])
def test_fusion_scores_fall_with_rank(k: int) -> None:
    fused = rrf([["a", "b", "c"]], k=k)
    assert fused["a"] > fused["b"] > fused["c"]


def test_rerank_weights_each_signal_as_configured() -> None:
    cfg = ScoringConfig(sentence_weight=0.5, coverage_weight=0.2)
    assert rerank_score(0.4, 0.6, 1.0, cfg) == pytest.approx(0.4 + 0.3 + 0.2)
    # A passage whose best sentence matches outranks a merely similar one.
    assert rerank_score(0.5, 0.8, 0.0, cfg) > rerank_score(0.55, 0.3, 0.0, cfg)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many tanks did Armenia lose?", AnswerType.QUANTITY),
        ("What percentage of the vote did he win?", AnswerType.QUANTITY),
        ("What salary does the treasurer get?", AnswerType.QUANTITY),
        ("What was the annual fee?", AnswerType.QUANTITY),
        ("In what year was the plant opened?", AnswerType.YEAR),
        ("When did the fighting start?", AnswerType.DATE),
        ("Who signed the deal?", AnswerType.NAMED),
        ("Which company made the film?", AnswerType.NAMED),
        ("Where did the author study?", AnswerType.PLACE),
        ("Why did Iran fear the result?", AnswerType.REASON),
        ("What was the reason for the delay?", AnswerType.REASON),
        ("What is the status quo?", AnswerType.OTHER),
        # A typed phrase inside the question's own clause does not decide its type.
        ("What did Iran get wrong about how long the war would last?", AnswerType.OTHER),
        ("What did the operators do when the river turned muddy?", AnswerType.OTHER),
        ("How many tanks did Armenia lose when the war began?", AnswerType.QUANTITY),
        ("In what year was the man who built it born?", AnswerType.YEAR),
        # A measure with a word before it, and a question for a name.
        ("What is the average salinity of the lagoon?", AnswerType.QUANTITY),
        ("What is the average water temperature in summer?", AnswerType.QUANTITY),
        ("What is the main area of dispute?", AnswerType.OTHER),
        ("What is the name of the article's translator?", AnswerType.NAMED),
        ("What is the translator's name?", AnswerType.NAMED),
    ],
)
def test_answer_types(question: str, kind: AnswerType) -> None:
    assert answer_type(question) is kind


@pytest.mark.parametrize(
    ("question", "sentence", "ok"),
    [
        ("How many tanks were lost?", "Armenia lost 150 tanks.", True),
        ("How many tanks were lost?", "Armenia lost many tanks on Nov. 9, 2020.", False),
        ("When did the war start?", "It began on Sep. 27, 2020.", True),
        ("What year did the war start?", "It began soon after the talks failed.", False),
        ("Who won the war?", "Azerbaijan won the war.", True),
        ("Who won the war?", "the war was won.", False),
        ("Where did he study?", "He studied at Hacettepe University.", True),
        ("In 2020, how many died?", "In 2020 the war broke out.", False),  # 2020 is asked
        # An amount without a number, and a count whose noun is in its other number.
        ("By how much has the level changed?", "It has risen by several metres.", True),
        ("By how much has the level changed?", "Several rivers feed it.", False),
        ("How many people were in the orchestra?", "He imagined a 50-person orchestra.", True),
        ("How many people were in the orchestra?", "He imagined 50 instruments.", False),
        # A count may name what it counts another way: people as signatures, members or
        # residents, houses as homes; a count of something else is still no answer.
        ("How many people signed the petition?", "A petition with 1,162 signatures.", True),
        ("How many people sit on the council?", "The council has seven voting members.", True),
        ("How many houses were flooded?", "Water entered 43 homes.", True),
        ("How many vehicles were sold?", "The dealer sold 40 cars.", True),
        ("How many people died in the war?", "Armenia left three regions.", False),
        ("How many houses were flooded?", "The brook rose 1.8 metres.", False),
        ("How many tanks did Armenia lose?", "Armenia lost 40 vehicles.", False),
        # A measure needs a number of that measure: its word or a unit.
        ("What is the area of Karabakh?", "Armenia left three occupied regions.", False),
        ("What is the area of Karabakh?", "It covers 4,400 square kilometres.", True),
        ("What is the area of Karabakh?", "It covers 4,400km2.", True),
        ("How deep is the southern basin?", "It reaches just over 1,000 metres.", True),
        ("How deep is the southern basin?", "Three rivers feed it.", False),
        ("What is the average water temperature?", "Its salinity is 1.2 percent.", False),
        ("What is the average water temperature?", "It averages 24 °C in summer.", True),
        ("How heavy is the outdoor unit?", "It measures wind speed every 10 seconds.", False),
        ("How heavy is the outdoor unit?", "The unit weighs 2.4 kg.", True),
        ("What is the population of Baku?", "Baku is home to 2.3 million.", True),
        ("What is the population of Baku?", "Baku fought for 30 years.", False),
        # "How fast" and "how long" ask for a speed or a length, or for a time.
        ("How fast can an engineer get there?", "An engineer arrives within 45 minutes.", True),
        ("How long did the war last?", "It lasted six weeks.", True),
        ("How long is the sea from north to south?", "It is 1,200 km long.", True),
        ("How long is the sea from north to south?", "Five countries border it.", False),
        ("How long is the warranty?", "It's sold in 3 colours.", False),
        # "while" joins a contrast as often as a time: it is no date.
        ("When were relations set up?", "Tehran failed while Baku won.", False),
        ("When were relations set up?", "Relations were set up in 1992.", True),
    ],
)
def test_a_sentence_must_hold_the_kind_of_answer_asked_for(
    question: str, sentence: str, ok: bool
) -> None:
    assert satisfies(answer_type(question), sentence, question) is ok


def test_constraints_keep_multi_word_names_and_numbers() -> None:
    found = [
        (c.text, c.kind) for c in constraints("What did Iran say at the United Nations in 2023?")
    ]
    assert found == [("Iran", "name"), ("United Nations", "name"), ("2023", "number")]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # A number inside a code or a name is not a number of its own: a text that has
        # "E3 2005" or "MI6" is not missing "3" or "6".
        ("At E3 in 2005, what was revealed?", {("E3", "name"), ("2005", "number")}),
        ("Who does Bond meet in the MI6 building?", {("Bond", "name"), ("MI6", "name")}),
        ("The settings page says e03. What's wrong?", {("e03", "name")}),
        ("did the covid-19 pandemic matter", {("covid-19", "name")}),
        ("How many died between 1992 and 1994?", {("1992", "number"), ("1994", "number")}),
    ],
)
def test_a_number_inside_a_code_belongs_to_the_code(
    question: str, expected: set[tuple[str, str]]
) -> None:
    assert {(c.text, c.kind) for c in constraints(question)} == expected


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("Where did the author get his PhD?", "The writer received his Ph.D. in Ankara."),
        ("What did the U.S. say?", "The US said nothing."),
        ("What did the US say?", "The U.S. said nothing."),
    ],
)
def test_an_abbreviation_is_named_with_or_without_its_dots(question: str, text: str) -> None:
    (name,) = constraints(question)
    assert mentions(folded_words(text), name, text)


@pytest.mark.parametrize(
    ("question", "name"),
    [
        # A name that opens the question, or follows a colon, is kept whole: an adversarial
        # question swaps one of its words ("Clawshot Princess", "Australia Twilight").
        ("Clawshot Princess uses which controls?", "Clawshot Princess"),
        ("What is the genre of Legend of Zelda: Australia Twilight?", "Australia Twilight"),
        ("Marco Sciarra's necklace shows what?", "Marco Sciarra"),
        # "of" joins two capitalised words into one name: "Midna of Time" is not
        # named by a text with "Midna" and "Ocarina of Time".
        ("Who is the protagonist of Midna of Time?", "Midna of Time"),
    ],
)
def test_a_name_that_opens_a_sentence_is_kept_whole(question: str, name: str) -> None:
    assert name in [c.text for c in constraints(question)]


def test_a_possessive_ends_a_name() -> None:
    found = [c.text for c in constraints("What shows that Iran's Turkish minority was stirred?")]
    assert found == ["Iran", "Turkish"]


@pytest.mark.parametrize(
    ("name", "text", "named"),
    [
        ("Minsk Group", "after the OSCE Minsk Group's failure", True),
        ("Russian-Turkish", "a joint Russian-Turkish monitoring centre", True),
        ("Russian Turkish", "the Russian–Turkish centre", True),  # any separator between
        ("Twilight Princess", "The Legend of Zelda: Twilight Princess HD", True),
        ("Radar Princess", "Games Radar praised Twilight Princess.", False),  # both words, apart
        ("Royale Casino", "Casino Royale (2006) alluded to it.", False),  # other order
        ("New Mexico", "filmed in Mexico City and in New York", False),
    ],
)
def test_a_name_of_several_words_must_be_named_as_one(name: str, text: str, named: bool) -> None:
    constraint = Constraint(name, "name")
    assert mentions(folded_words(text), constraint, text) is named
    # Without the text, only its words are looked for (the check before the phrase one).
    assert mentions(folded_words(text), constraint)


def test_an_abstention_names_a_name_whose_words_are_there_apart() -> None:
    p = Passage("i", "Games Radar praised Twilight Princess.", "a.txt", 2, None, "", "", 0.0)
    text = abstention(Question.read("What did Radar Princess win?", []), [p])
    assert text.startswith("The sources don't mention Radar Princess.")


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("What is compost?", "compost"),
        ("what are seiches", "seiches"),
        ("What does 'thalweg' mean?", "thalweg"),
        ("Define brine.", "brine"),
        ("What is meant by a status quo?", "status quo"),
        ("What is the Minsk Group?", None),  # a name: a name constraint already
        ("What is it?", None),
        ("What is Baku known for?", None),
        ("What is the population of Baku?", None),
    ],
)
def test_a_definition_question_must_find_its_term_in_the_evidence(
    question: str, term: str | None
) -> None:
    found = [c for c in constraints(question) if c.kind == "term"]
    assert [c.text for c in found] == ([term] if term else [])
    if term:
        # Any form of each of its words will do; a related word will not.
        assert mentions(folded_words(f"Here {term}s and {term} are described."), found[0])
        assert not mentions(folded_words("Here mulch is described."), found[0])


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("How many Iranian soldiers were deployed to the border?", ("many", "Iranian soldiers")),
        ("How many sturgeon species live in the Caspian?", ("many", "sturgeon species")),
        ("How many people live along the coast?", ("many", "people")),
        ("How much natural gas does Iran sell to Turkey?", ("much", "natural gas")),
        ("How much water flows into the sea?", ("much", "water")),
        ("How many of them fought?", None),
    ],
)
def test_what_a_count_question_counts(question: str, counted: tuple[str, str] | None) -> None:
    assert counted_phrase(question) == counted


def _features(**match: object) -> dict[str, float]:
    q = Question.read(
        "How many tanks did Armenia lose in 2020?", ["tank", "armenia", "lose", "2020"]
    )
    base = ParagraphMatch((0.8, 0.5), (), (), 1)
    return sentence_features(
        q, "Armenia lost 150 tanks.", frozenset({"armenia", "lost", "150", "tank"}),
        0.7, 0.7, 0.6, 0.5, replace(base, **match),
    )  # fmt: skip


def test_features_are_named_bounded_and_see_missing_constraints() -> None:
    f = _features()
    assert set(f) == set(FEATURES)
    assert all(-1.0 <= v <= 1.0 for v in f.values())
    assert f["type_missing"] == 0.0 and f["miss_name"] == 0.0 and f["miss_number"] == 0.0
    assert _features(missing_names=("Armenia",))["miss_name"] == 1.0
    assert _features(missing_numbers=("2020",))["miss_number"] == 1.0


def test_choose_leads_with_the_most_probable_and_abstains_below_threshold() -> None:
    chosen = choose([_c(1, 0.6), _c(0, 0.9), _c(0, 0.85)], AnswerType.OTHER, OPEN)
    assert [c.probability for c in chosen] == [0.9, 0.85]  # same paragraph, within margin
    assert choose([_c(0, 0.45)], AnswerType.OTHER, OPEN) == []
    assert choose([], AnswerType.OTHER, OPEN) == []


def test_the_cross_encoder_picks_the_lead_but_not_whether_to_answer() -> None:
    """Re-ordered by the cross-encoder, the second most probable sentence leads and the
    first follows it; the decision to answer and the confidence stay those of the most
    probable sentence, as the answerability model was fitted."""
    cands = [_c(0, 0.9, "restates"), _c(0, 0.8, "answers"), _c(1, 0.3, "elsewhere")]
    cfg = replace(OPEN, cross_weight=0.5)
    ordered = reorder(cands, cands[:2], [-3.0, 5.0], cfg)
    assert [c.text for c in choose(ordered, AnswerType.OTHER, cfg)] == ["answers", "restates"]
    assert [c.probability for c in ordered] == [0.9, 0.8, 0.3]  # probabilities kept
    assert confidence(ordered, cfg) == confidence(cands, cfg)
    # A small difference in the cross-encoder's reading does not outweigh a large one in
    # probability, and the re-ordered pair still ranks above the rest.
    assert (
        choose(reorder(cands, cands[:2], [0.0, 0.5], cfg), AnswerType.OTHER, cfg)[0].text
        == "restates"
    )
    high = reorder(cands, cands[:2], [-9.0, 9.0], replace(cfg, cross_weight=10.0))
    assert [c.text for c in sorted(high, key=lambda c: -(c.order or c.probability))] == [
        "answers",
        "restates",
        "elsewhere",
    ]
    # Below the threshold nothing is quoted, whichever sentence the cross-encoder prefers.
    low = [_c(0, 0.45, "a"), _c(0, 0.4, "b")]
    assert choose(reorder(low, low, [-5.0, 5.0], cfg), AnswerType.OTHER, cfg) == []


def test_other_paragraphs_need_to_be_nearly_as_likely() -> None:
    cfg = replace(OPEN, other_paragraph=0.05, keep_within=0.2)
    chosen = choose([_c(0, 0.9), _c(1, 0.8), _c(2, 0.88)], AnswerType.OTHER, cfg)
    assert [c.passage for c in chosen] == [0, 2]


def test_why_answers_quote_the_paragraph_the_lead_continues() -> None:
    cfg = replace(OPEN, continuation_floor=0.3, max_reason_sentences=3)
    candidates = [_c(0, 0.9), _c(1, 0.88), _c(2, 0.35, continues=True), _c(2, 0.2, continues=True)]
    chosen = choose(candidates, AnswerType.REASON, cfg)
    assert [c.passage for c in chosen][:2] == [0, 2]  # the first half comes right after
    assert len([c for c in chosen if c.passage == 2]) == 1  # only its best sentence
    assert choose(candidates, AnswerType.OTHER, cfg)[0].passage == 0


def test_max_paragraphs_bounds_a_gathered_answer() -> None:
    cfg = replace(OPEN, max_paragraphs=2, max_reason_sentences=5, other_paragraph_reason=0.5)
    chosen = choose([_c(i, 0.9 - i / 100) for i in range(5)], AnswerType.REASON, cfg)
    assert len({c.passage for c in chosen}) == 2


def test_disabled_features_change_nothing_else() -> None:
    cfg = ScoringConfig(weights={"bias": 0.0, "sim": 2.0, "cover": 1.0})
    with pytest.raises(ValueError, match="unknown features"):
        cfg.without("nonsense")
    assert cfg.without("sim").disabled == frozenset({"sim"})


def test_abstentions_name_what_is_missing() -> None:
    p = Passage("i", "Baku lies on the Caspian coast.", "a.txt", 2, None, "", "", 0.0)
    text = abstention(Question.read("What is the population of Baku?", []), [p])
    assert text.startswith("The sources don't give the population of Baku.")
    assert "mention 2023" in abstention(Question.read("What happened in Baku in 2023?", []), [p])


def test_compound_answers_keep_each_part_or_say_which_is_missing() -> None:
    p1 = Passage("1", "Thomas Reed built it.", "a.txt", 2, None, "", "h1", 0.0)
    p2 = Passage("2", "Hale kept it.", "a.txt", 3, None, "", "h2", 0.0)
    q1, q2 = Question.read("Who built it?", []), Question.read("who kept it?", [])
    text, cited, abstained = join_parts(
        [(q1, [p1], [Candidate(0, 0, 21, "Thomas Reed built it.", {}, 0.9)]), (q2, [p2], [])],
        [p1, p2],
    )
    assert not abstained and "Thomas Reed built it. [¶2]" in text and "don't say who" in text
    assert [c.paragraph for c in cited] == [2]
    assert split_compound("Who built it, and when did it open?") == [
        "Who built it?",
        "when did it open?",
    ]


def test_fit_logistic_and_threshold_bound_false_abstentions() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.1 * rng.normal(size=400) > 0).astype(float)
    _, w = fit_logistic(x, y)
    assert w[0] > abs(w[1])
    scores = [(True, s) for s in np.linspace(0.1, 0.9, 20)] + [(False, 0.05)] * 5
    threshold = choose_threshold(scores, 0.10)
    false_abstentions = sum(s < threshold for a, s in scores if a)
    assert false_abstentions <= 2 and threshold > 0.1


def test_a_phrase_counts_only_when_its_words_stand_together() -> None:
    question = "Which body failed to offer a solution for the occupied territories?"
    together = "The Minsk Group failed to offer a solution to the occupied territories."
    apart = "A solution was offered; the territories were occupied and the talks failed."
    assert phrase_share(question, together) > 0.5
    assert phrase_share(question, apart) == 0.0
    # Stopwords between two content words do not break their phrase.
    assert (
        phrase_share("Who is the author of the article?", "The author of this article is Ali.")
        == 1.0
    )
    assert (
        phrase_share("Who is the author of the article?", "The author wrote this article.") == 0.0
    )
    assert phrase_share("Why?", "Because.") == 0.0


def test_a_selection_only_feature_picks_the_lead_but_not_whether_to_answer() -> None:
    """The phrase feature separates answer sentences from the rest, so the selection model
    weighs it; the answerability model must not, however well it would fit there."""
    rng = np.random.default_rng(1)
    i = FEATURES.index("phrase")
    examples = []
    for n in range(120):
        answerable = n % 2 == 0
        x = rng.uniform(0.0, 0.2, size=(4, len(FEATURES)))
        y = np.zeros(4)
        if answerable:
            y[0] = 1.0
            x[0, i] = 0.9  # the answer sentence copies the question's phrases
        else:
            x[0, i] = 1.0  # and so does a near miss, even more so
        examples.append(QuestionExamples("s", str(n), answerable, [(x, y)]))
    data = fit(examples, 0.05)
    assert data["selection_only"] == sorted(SELECTION_ONLY) == ["phrase"]
    assert data["weights"]["phrase"] > 1.0
    assert data["answer_weights"]["phrase"] == 0.0
    free = fit(examples, 0.05, answer_disabled=frozenset())
    assert free["answer_weights"]["phrase"] < 0.0
