"""Chat-model backends: ``ollama/<model>`` and ``openai/<model>`` (any OpenAI-compatible
server: OpenAI, vLLM, llama.cpp's server, LM Studio), through LangChain.

The model writes; the pipeline checks. Its answer is streamed as written, then
grounded sentence by sentence (``qa.grounding``). If nothing survives the check,
or the model cannot be reached, the extractive answer is given instead, with a
note saying why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

import prompts
from errors import ConfigError
from qa.citations import is_multi_source, marker
from qa.extractive import ABSTAIN_TEXT
from qa.grounding import ground
from qa.models import Turn
from qa.pipeline import Draft, Evidence
from qa.questions import search_query
from settings import Settings

NOT_IN_SOURCES = "NOT IN SOURCES"
MAX_CONTEXT_CHARS = 12_000  # keeps small local models inside their context window


def make_chat_model(spec: str, settings: Settings) -> BaseChatModel:
    """Turn ``"provider/model"`` into a LangChain chat model."""
    provider, _, model = spec.partition("/")
    if not model:
        raise ConfigError(f"QA_LLM={spec!r}: expected 'extractive' or 'provider/model'.")
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=model,
            base_url=settings.llm_base_url or "http://127.0.0.1:11434",
            temperature=0,
            num_predict=settings.llm_max_tokens,
            client_kwargs={"timeout": settings.llm_timeout_s},
        )
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=model,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "not-needed",  # local servers ignore it
            temperature=0,
            timeout=settings.llm_timeout_s,
            max_retries=0,
            max_tokens=settings.llm_max_tokens,
            # Local OpenAI-compatible servers (llama.cpp, older vLLM) read the classic
            # field only and would otherwise generate until their context is full.
            extra_body={"max_tokens": settings.llm_max_tokens} if settings.llm_base_url else None,
        )
    raise ConfigError(
        f"QA_LLM={spec!r}: unknown provider {provider!r}; use extractive, ollama/<model> "
        "or openai/<model> (with QA_LLM_BASE_URL for a local server)."
    )


def format_passages(evidence: Evidence) -> str:
    multi = is_multi_source(evidence.passages)
    blocks, used = [], 0
    for p in evidence.passages:
        where = " / ".join(x for x in (p.title, p.section) if x)
        block = f"{marker(p, multi)} ({where})\n{p.text}"
        if used + len(block) > MAX_CONTEXT_CHARS:
            break
        blocks.append(block)
        used += len(block)
    return "\n\n".join(blocks)


class ChatBackend:
    """Answers with a chat model; every citation it writes is verified."""

    def __init__(
        self,
        name: str,
        model: BaseChatModel,
        sentence_vectors,  # type: ignore[no-untyped-def]
        embed,  # type: ignore[no-untyped-def]
        coverage,  # type: ignore[no-untyped-def]
    ) -> None:
        self.name = name
        self.model = model
        self.sentence_vectors = sentence_vectors
        self.embed = embed
        self.coverage = coverage
        self.prompt = prompts.load("answer")
        self.condense_prompt = prompts.load("condense")

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        transcript = "\n".join(f"User: {t.question}\nAssistant: {t.answer}" for t in history[-3:])
        try:
            message = self.model.invoke(
                [HumanMessage(self.condense_prompt.render(history=transcript, question=question))]
            )
            text = str(message.content).strip().splitlines()[0].strip() if message.content else ""
        except Exception:  # the answer step reports an unreachable model
            text = ""
        return text if 3 <= len(text) <= 500 else search_query(question, list(history))

    def answer(self, question: str, evidence: Evidence) -> Iterator[str | Draft]:
        baseline = evidence.extractive()
        if not evidence.answerable:
            # The same calibrated answerability decision as the default backend: a model
            # is not asked to answer from passages that hold no answer.
            baseline.prompt_version = self.prompt.version
            yield baseline
            return
        prompt = self.prompt.render(passages=format_passages(evidence), question=question)
        written = []
        try:
            for chunk in self.model.stream([HumanMessage(prompt)]):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if piece:
                    written.append(piece)
                    yield piece
        except Exception as exc:
            draft = baseline
            draft.notes.append(
                f"The chat model ({self.name}) could not answer: {_reason(exc)}. "
                "This answer is extractive."
            )
            yield draft
            return
        text = "".join(written).strip()
        version = self.prompt.version
        if not text or NOT_IN_SOURCES.lower() in text.lower():
            yield Draft(ABSTAIN_TEXT, True, [], version, confidence=evidence.confidence)
            return
        checked = ground(text, evidence.passages, self.sentence_vectors, self.embed, self.coverage)
        if not checked.citations:
            draft = baseline
            draft.prompt_version = version
            draft.notes = [
                *checked.notes,
                "The model's answer could not be verified against the sources; "
                "showing the passages' own words instead.",
            ]
            yield draft
            return
        yield Draft(
            checked.text, False, checked.citations, version, checked.notes, evidence.confidence
        )


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
