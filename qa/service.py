"""Wiring for answering: the real parts, built from settings."""

from __future__ import annotations

from dataclasses import replace

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from qa.cross import Preloaded
from qa.pipeline import Assistant, Backend, ExtractiveBackend
from qa.retrieve import Retriever
from qa.scoring import ScoringConfig
from settings import Settings
from vectorstore.embeddings import default_embeddings, embed_matrix


def scoring_config(settings: Settings) -> ScoringConfig:
    """The calibrated config, with ``QA_MIN_EVIDENCE`` overriding its threshold and
    ``QA_CROSS_ENCODER=0`` switching the cross-encoder off."""
    config = ScoringConfig.trained()
    if settings.min_evidence is not None:
        config = replace(config, min_answer=settings.min_evidence)
    if not settings.cross_encoder:
        config = replace(config, cross_candidates=0)
    return config


def make_backend(
    settings: Settings, retriever: Retriever, chat_model: BaseChatModel | None = None
) -> Backend:
    """The backend named by ``QA_LLM`` (or around ``chat_model``, for tests)."""
    spec = settings.qa_llm
    if spec == "extractive" and chat_model is None:
        return ExtractiveBackend()
    from qa.llm import ChatBackend, make_chat_model

    model = chat_model or make_chat_model(spec, settings)
    return ChatBackend(
        spec,
        model,
        sentence_vectors=lambda passages: retriever.sentences.get(passages),
        embed=lambda texts: embed_matrix(retriever.embeddings, texts),
        coverage=lambda query, text: retriever.lexical.coverage(query, text),
    )


def embedding_model(batch_size: int) -> Embeddings:
    """The embedding model (loaded once by a long-lived caller and shared)."""
    return default_embeddings(batch_size)


def build_assistant(
    settings: Settings,
    embeddings: Embeddings | None = None,
    chat_model: BaseChatModel | None = None,
    warm: bool = True,
    config: ScoringConfig | None = None,
) -> Assistant:
    """The assistant; ``warm=False`` skips pre-embedding sentences (one-shot commands)."""
    embeddings = embeddings or default_embeddings(settings.embed_batch_size)
    config = config or scoring_config(settings)
    retriever = Retriever(settings, embeddings, config=config, warm=warm)
    backend = make_backend(settings, retriever, chat_model)
    cross = Preloaded() if config.cross_candidates else None
    return Assistant(settings, retriever, backend, config, cross=cross)
