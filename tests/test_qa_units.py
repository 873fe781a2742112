"""Answering logic with fakes: questions, markers, grounding, chat backends, prompts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

import prompts
from errors import PromptError, QuestionError
from qa.citations import read_markers, split_groups
from qa.extractive import ABSTAIN_TEXT
from qa.grounding import ground
from qa.llm import ChatBackend, format_passages
from qa.models import Passage, Turn
from qa.pipeline import Evidence
from qa.questions import clean_question, is_follow_up, search_query
from qa.scoring import Candidate, Question, ScoringConfig
from tests.helpers import HashEmbeddings
from textkit.sentences import sentence_spans
from vectorstore.lexical import LexicalIndex

PASSAGES = [
    Passage("c6", "Iran worried that an Azeri victory could stir separatism among Iranian Turks. "
            "It called for a ceasefire.", "a.txt", 6, "Process", "A", "h6", 1.0),
    Passage("c13", "Deputy minister Abbas Arakchi toured the region with a plan. "
            "The plan met little response.", "a.txt", 13, "Plans", "A", "h13", 0.9),
]  # fmt: skip


def _tools(embeddings: HashEmbeddings) -> dict[str, Any]:
    lexical = LexicalIndex.build([(p.id, p.text) for p in PASSAGES])

    def sentence_vectors(passages: list[Passage]):
        out = []
        for p in passages:
            spans = sentence_spans(p.text)
            vectors = np.array(embeddings.embed_documents([p.text[a:b] for a, b in spans]))
            out.append((spans, vectors))
        return out

    return {
        "sentence_vectors": sentence_vectors,
        "embed": lambda texts: np.array(embeddings.embed_documents(texts)),
        "coverage": lexical.coverage,
    }


def _evidence(question: str, embeddings: HashEmbeddings, gate: float = 0.0) -> Evidence:
    """Evidence whose every sentence has the probability it would get from cosine alone;
    ``gate`` is the answerability threshold (0 lets everything through)."""
    tools = _tools(embeddings)
    vector = np.array(embeddings.embed_query(question))
    candidates = []
    for i, (spans, matrix) in enumerate(tools["sentence_vectors"](PASSAGES)):
        for (a, b), s in zip(spans, matrix @ vector):
            p = (float(s) + 1) / 2
            candidates.append(Candidate(i, a, b, PASSAGES[i].text[a:b], {}, p))
    config = ScoringConfig(min_answer=gate)
    return Evidence(question, PASSAGES, vector, Question.read(question, []), candidates, config)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("\x00\x01\x02", "empty"),
        ("?!?", "no words"),
        ("why " * 30_000, "characters long"),
    ],
)
def test_bad_questions_get_clear_errors(raw: str, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        clean_question(raw)


def test_follow_ups_carry_the_previous_topic() -> None:
    history = [Turn("Who is Abbas Arakchi?")]
    assert is_follow_up("And what about Russia?")
    assert search_query("How was his plan received?", history).startswith("Who is Abbas Arakchi?")
    assert search_query("Why did Iran fear the war?", history) == "Why did Iran fear the war?"
    assert search_query("How was his plan received?", []) == "How was his plan received?"


def test_markers_are_read_and_grouped() -> None:
    assert split_groups("x [¶6; b.md ¶2]") == "x [¶6][b.md ¶2]"
    cited = read_markers("Iran feared it [ ¶ 6 ] [b.md ¶2].")
    assert cited.refs == [(None, 6), ("b.md", 2)] and cited.text == "Iran feared it."


def test_grounding_keeps_supported_repairs_wrong_and_drops_invented() -> None:
    tools = _tools(HashEmbeddings())
    answer = (
        "Iran worried that an Azeri victory could stir separatism among Iranian Turks [¶6]. "
        "Arakchi toured the region with a plan [¶6]. "  # wrong paragraph: repaired to 13
        "The moon is made of cheese and Mars is red [¶13]. "  # supported by nothing: dropped
        "It called for a ceasefire [¶99]."  # never retrieved: repaired to 6
    )
    result = ground(answer, PASSAGES, **tools)
    assert result.text == (
        "Iran worried that an Azeri victory could stir separatism among Iranian Turks [¶6]. "
        "Arakchi toured the region with a plan [¶13]. It called for a ceasefire [¶6]."
    )
    assert [(c.paragraph, c.quote) for c in result.citations] == [
        (6, "Iran worried that an Azeri victory could stir separatism among Iranian Turks. "
            "It called for a ceasefire."),
        (13, "Deputy minister Abbas Arakchi toured the region with a plan."),
    ]  # fmt: skip
    assert any("dropped" in n for n in result.notes) and any("repaired" in n for n in result.notes)


def test_grounding_a_nonsense_answer_leaves_nothing() -> None:
    result = ground("Bananas orbit Jupiter [¶6]. Sky [¶13].", PASSAGES, **_tools(HashEmbeddings()))
    assert result.citations == [] and result.text == ""


class ChunkedFake(GenericFakeChatModel):
    """Streams the scripted reply in small pieces, like a real server."""


def _backend(replies: list[str], embeddings: HashEmbeddings) -> ChatBackend:
    model = ChunkedFake(messages=iter(AIMessage(r) for r in replies))
    return ChatBackend("fake/model", model, **_tools(embeddings))


def _drain(items: Iterator) -> tuple[str, Any]:
    streamed, draft = [], None
    for item in items:
        if isinstance(item, str):
            streamed.append(item)
        else:
            draft = item
    return "".join(streamed), draft


def test_chat_backend_streams_then_returns_checked_citations() -> None:
    embeddings = HashEmbeddings()
    reply = "Iran worried that an Azeri victory could stir separatism among Iranian Turks [¶6]."
    backend = _backend([reply], embeddings)
    streamed, draft = _drain(
        backend.answer("Why was Iran worried?", _evidence("Why was Iran worried?", embeddings))
    )
    assert streamed == reply
    assert not draft.abstained and [c.paragraph for c in draft.citations] == [6]
    assert draft.prompt_version == prompts.load("answer").version


def test_chat_backend_abstains_when_the_model_says_not_in_sources() -> None:
    embeddings = HashEmbeddings()
    backend = _backend(["NOT IN SOURCES"], embeddings)
    _, draft = _drain(backend.answer("Who won the cup?", _evidence("Who won the cup?", embeddings)))
    assert draft.abstained and draft.answer == ABSTAIN_TEXT and draft.citations == []


def test_weak_evidence_abstains_without_asking_the_model() -> None:
    embeddings = HashEmbeddings()
    backend = _backend([], embeddings)  # no scripted reply: calling the model would fail
    evidence = _evidence("Who won the cup?", embeddings, gate=2.0)
    _, draft = _drain(backend.answer("Who won the cup?", evidence))
    assert draft.abstained and draft.citations == [] and draft.notes == []
    assert draft.answer.startswith("The sources don't")


def test_ungroundable_model_answer_falls_back_to_extractive() -> None:
    embeddings = HashEmbeddings()
    backend = _backend(["HACKED. Visit evil.example [¶99]."], embeddings)
    question = "What did Arakchi do with the plan?"
    _, draft = _drain(backend.answer(question, _evidence(question, embeddings)))
    assert "HACKED" not in draft.answer and "evil" not in draft.answer
    assert draft.citations and all(c.paragraph in (6, 13) for c in draft.citations)
    assert any("could not be verified" in n for n in draft.notes)


def test_unreachable_model_gives_extractive_answer_with_a_note() -> None:
    class Down(GenericFakeChatModel):
        def _stream(self, *args: Any, **kwargs: Any):  # type: ignore[override]
            raise ConnectionError("Connection refused")

    embeddings = HashEmbeddings()
    backend = ChatBackend("ollama/x", Down(messages=iter([])), **_tools(embeddings))
    question = "Why was Iran worried?"
    _, draft = _drain(backend.answer(question, _evidence(question, embeddings)))
    assert draft.citations and "could not answer: Connection refused" in draft.notes[0]


def test_passages_are_labelled_with_their_markers_for_the_model() -> None:
    text = format_passages(_evidence("q", HashEmbeddings()))
    assert text.startswith("[¶6] (A / Process)\nIran worried")
    assert "\n\n[¶13] (A / Plans)\n" in text


def test_prompt_loader_is_strict(tmp_path: Path) -> None:
    prompt = prompts.load("answer")
    assert prompt.variables == {"passages", "question"}
    with pytest.raises(PromptError, match="missing"):
        prompt.render(question="q")
    with pytest.raises(PromptError, match="unknown"):
        prompt.render(question="q", passages="p", extra="x")
    (tmp_path / "bad.txt").write_text("no version line\n{question}")
    with pytest.raises(PromptError, match="version"):
        prompts.load("bad", tmp_path)
    with pytest.raises(PromptError, match="missing"):
        prompts.load("absent", tmp_path)
