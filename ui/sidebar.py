"""The sidebar: what is indexed, re-ingest, and the answering settings."""

from __future__ import annotations

import streamlit as st

from errors import QAError
from qa.pipeline import Assistant
from settings import Settings
from ui.reingest import run_ingest
from ui.resources import when


def show_ingest_summary(summary: dict) -> None:
    if summary.get("fatal"):
        st.error(summary["fatal"])
        return
    st.success(
        f"{summary['added']} added · {summary['updated']} updated · "
        f"{summary['skipped']} unchanged · {summary['deleted']} deleted"
    )
    for source in summary["sources"]:
        st.caption(f"{source['status']}: {source['source']}")
    for error in summary["errors"]:
        st.error(error)
    for warning in summary.get("warnings", []):
        st.warning(warning)


def reingest(settings: Settings, bot: Assistant, where: object = st) -> dict:
    """Run the ingest with a progress bar, then catch the chat up."""
    bar = where.progress(0.0, text="Reading sources…")

    def update(done: int, total: int, source: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"Embedding {source}")

    summary = run_ingest(settings, progress=update)
    bar.empty()
    bot.refresh()
    st.session_state["last_ingest_summary"] = summary
    return summary


def sidebar(settings: Settings, bot: Assistant) -> None:
    with st.sidebar:
        if st.button("New chat", icon=":material/add_comment:", use_container_width=True):
            st.session_state["messages"] = []
            st.rerun()
        st.subheader("Index")
        try:
            stats = bot.stats()
            cols = st.columns(3)
            cols[0].metric("Sources", stats.sources)
            cols[1].metric("Paragraphs", stats.paragraphs)
            cols[2].metric("Chunks", stats.chunks)
            st.caption(
                f"Last ingest: {when(stats.last_ingest)} · from `{settings.sources_dir.name}/`"
            )
        except QAError as exc:
            st.error(f"The index cannot be read right now: {exc}")
        if st.button("Re-ingest sources", icon=":material/sync:", use_container_width=True):
            reingest(settings, bot, st.sidebar)
            st.rerun()
        if summary := st.session_state.get("last_ingest_summary"):
            with st.expander("Last re-ingest", expanded=True):
                show_ingest_summary(summary)
        st.subheader("Answering")
        st.caption(f"Backend: `{bot.backend.name}`")
        st.slider(
            "Passages retrieved (k)",
            min_value=1,
            max_value=10,
            value=st.session_state.get("k", settings.top_k),
            key="k",
            help="How many passages are retrieved and shown for each question.",
        )
