"""Heavy objects, built once per process and shared by every browser session."""

from __future__ import annotations

import time

import streamlit as st
from langchain_core.embeddings import Embeddings

from qa.pipeline import Assistant
from qa.service import build_assistant, embedding_model
from settings import Settings


@st.cache_resource(show_spinner="Loading the embedding model…")
def embeddings(batch_size: int) -> Embeddings:
    return embedding_model(batch_size)


@st.cache_resource(show_spinner="Opening the index…")
def assistant(settings: Settings) -> Assistant:
    return build_assistant(settings, embeddings(settings.embed_batch_size))


def when(epoch: float | None) -> str:
    """A timestamp as the sidebar shows it."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch)) if epoch else "never"
