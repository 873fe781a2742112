"""Heavy objects, built once per process and shared by every browser session."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from qa.pipeline import Assistant
from qa.service import build_assistant
from settings import Settings
from vectorstore.embeddings import MiniLMEmbeddings, default_embeddings


@st.cache_resource(show_spinner="Loading the embedding model…")
def embeddings(batch_size: int) -> MiniLMEmbeddings:
    return default_embeddings(batch_size)


@st.cache_resource(show_spinner="Opening the index…")
def assistant(settings: Settings) -> Assistant:
    return build_assistant(settings, embeddings(settings.embed_batch_size))


@dataclass(frozen=True)
class IndexStats:
    sources: int
    paragraphs: int
    chunks: int
    last_ingest: float | None

    @property
    def empty(self) -> bool:
        return self.chunks == 0

    def last_ingest_text(self) -> str:
        if not self.last_ingest:
            return "never"
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.last_ingest))


def index_stats(bot: Assistant) -> IndexStats:
    index = bot.retriever.index
    records = index.catalog.sources(with_paragraphs=True)
    last = index.catalog.meta("last_ingest")
    return IndexStats(
        sources=len(records),
        paragraphs=sum(len(r.paragraphs) for r in records),
        chunks=bot.retriever.chunk_count(),
        last_ingest=float(last) if last else None,
    )
