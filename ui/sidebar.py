"""The sidebar: what is indexed, re-ingest, and the answering settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from errors import QAError
from qa.pipeline import Assistant
from settings import Settings
from ui.conversations import start_new_chat
from ui.reingest import run_ingest
from ui.resources import index_stats
from ui.upload import ACCEPTED, UploadRefused, store_upload


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


def reingest(
    settings: Settings, bot: Assistant, where: object = st, paths: list[Path] | None = None
) -> dict:
    """Run the ingest with a progress bar, then catch the chat up."""
    bar = where.progress(0.0, text="Reading sources…")

    def update(done: int, total: int, source: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"Embedding {source}")

    summary = run_ingest(settings, paths=paths, progress=update)
    bar.empty()
    bot.retriever.refresh()
    st.session_state["last_ingest_summary"] = summary
    return summary


def sidebar(settings: Settings, bot: Assistant, chats: Callable[[], None] | None = None) -> None:
    with st.sidebar:
        if st.button("New chat", icon=":material/add_comment:", use_container_width=True):
            start_new_chat()
            st.rerun()
        if chats:
            chats()
        st.subheader("Index")
        try:
            stats = index_stats(bot)
            cols = st.columns(3)
            cols[0].metric("Sources", stats.sources)
            cols[1].metric("Paragraphs", stats.paragraphs)
            cols[2].metric("Chunks", stats.chunks)
            st.caption(
                f"Last ingest: {stats.last_ingest_text()} · from `{settings.sources_dir.name}/`"
            )
        except QAError as exc:
            st.error(f"The index cannot be read right now: {exc}")
        if st.button("Re-ingest sources", icon=":material/sync:", use_container_width=True):
            reingest(settings, bot, st.sidebar)
            st.rerun()
        upload(settings, bot)
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


def upload(settings: Settings, bot: Assistant) -> None:
    """Add files to the sources: stored under the sources folder, then ingested."""
    with st.form("upload", clear_on_submit=True, border=False):
        files = st.file_uploader(
            "Add sources",
            type=[s.lstrip(".") for s in ACCEPTED],
            accept_multiple_files=True,
            help=f"PDF, Word, web pages, Markdown or text, up to {settings.upload_max_mb} MB each.",
        )
        submitted = st.form_submit_button(
            "Add and ingest", icon=":material/upload_file:", use_container_width=True
        )
    if not submitted or not files:
        return
    stored, refused, notes = [], [], []
    for file in files:
        try:
            kept = store_upload(
                file.name, file.getvalue(), settings.sources_dir, settings.upload_max_mb * 1_000_000
            )
            stored.append(kept.path)
            if kept.replaced:
                notes.append(f"{kept.path.name}: replaced the earlier upload of that name")
        except (UploadRefused, OSError) as exc:
            refused.append(str(exc))
    empty = {"added": 0, "updated": 0, "skipped": 0, "deleted": 0, "sources": []}
    summary = reingest(settings, bot, st.sidebar, paths=stored) if stored else dict(empty)
    summary["errors"] = refused + summary.get("errors", [])
    summary["warnings"] = notes + summary.get("warnings", [])
    st.session_state["last_ingest_summary"] = summary
    st.rerun()
