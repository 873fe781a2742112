"""The sidebar: what is indexed, re-ingest, and the answering settings."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from errors import QAError
from qa.models import IndexStats
from qa.pipeline import Assistant
from settings import Settings
from ui import markup
from ui.conversations import start_new_chat
from ui.reingest import start_ingest, summary
from ui.resources import when
from ui.upload import ACCEPTED, UploadRefused, store_upload

POLL_S = 0.5


def show_ingest_summary(result: dict) -> None:
    if result.get("fatal"):
        st.error(result["fatal"])
    else:
        st.success(
            f"{result['added']} added · {result['updated']} updated · "
            f"{result['skipped']} unchanged · {result['deleted']} deleted"
        )
    for source in result.get("sources", []):
        st.caption(markup.visible(f"{source['status']}: {source['source']}"))
    # Also after a fatal end: an upload's refused files are named either way.
    for error in result.get("errors", []):
        st.error(markup.visible(error))
    for warning in result.get("warnings", []):
        st.warning(markup.visible(warning))


def start_reingest(
    settings: Settings,
    paths: list[Path] | None = None,
    errors: list[str] | None = None,
    warnings: list[str] | None = None,
) -> None:
    """Start ``python -m ingest`` as a child (all sources, or only ``paths``).

    ``errors`` and ``warnings`` (an upload's refused files, say) join the summary
    the ingest ends with."""
    if st.session_state.get("ingest_job") is None:
        st.session_state["ingest_job"] = start_ingest(settings, paths)
        st.session_state["ingest_notes"] = {"errors": errors or [], "warnings": warnings or []}


def ingest_running() -> bool:
    return st.session_state.get("ingest_job") is not None


def follow_ingest(bot: Assistant) -> None:
    """Show a running re-ingest's progress; when it ends, reap it and keep its summary.

    Called on every rerun (a question sent meanwhile reruns the page) and, while the
    child runs, every ``POLL_S`` seconds from a fragment."""
    job = st.session_state.get("ingest_job")
    if job is None:
        return
    if job.finished():
        result = summary(job)
        notes = st.session_state.pop("ingest_notes", None) or {}
        result["errors"] = notes.get("errors", []) + result.get("errors", [])
        result["warnings"] = notes.get("warnings", []) + result.get("warnings", [])
        st.session_state["last_ingest_summary"] = result
        st.session_state["ingest_job"] = None
        job.close()
        with contextlib.suppress(QAError):  # e.g. the server is down: the next question retries
            bot.refresh()
        st.rerun()
    event = job.progress() or {}
    done, total = event.get("done", 0), event.get("total", 0)
    source = event.get("source")
    text = f"Embedding {markup.visible(str(source))}" if source else "Reading sources…"
    st.progress(min(done / total, 1.0) if total else 0.0, text=text)


@st.fragment(run_every=POLL_S)
def _ingest_progress(bot: Assistant) -> None:
    follow_ingest(bot)


def index_counts(bot: Assistant) -> tuple[str, IndexStats]:
    """The index's counts as HTML that wraps instead of cutting a number short."""
    stats = bot.stats()
    cells = "".join(
        f'<div class="count"><span class="n">{value:,}</span>'
        f'<span class="what">{label}</span></div>'
        for value, label in (
            (stats.sources, "sources"),
            (stats.paragraphs, "paragraphs"),
            (stats.chunks, "chunks"),
        )
    )
    return f'<div class="index-counts">{cells}</div>', stats


def sidebar(settings: Settings, bot: Assistant, chats: Callable[[], None] | None = None) -> None:
    with st.sidebar:
        if st.button("New chat", icon=":material/add_comment:", use_container_width=True):
            start_new_chat()
            st.rerun()
        if chats:
            chats()
        st.subheader("Index")
        try:
            counts, stats = index_counts(bot)
            st.markdown(counts, unsafe_allow_html=True)
            st.caption(
                f"Last ingest: {when(stats.last_ingest)} · from `{settings.sources_dir.name}/`"
            )
        except QAError as exc:
            st.error(f"The index cannot be read right now: {exc}")
        if ingest_running():
            _ingest_progress(bot)
        elif st.button("Re-ingest sources", icon=":material/sync:", use_container_width=True):
            start_reingest(settings)
            st.rerun()
        if ingest_running():
            st.caption("Adding sources waits for the running ingest.")
        else:
            upload(settings)
        if result := st.session_state.get("last_ingest_summary"):
            with st.expander("Last re-ingest", expanded=True):
                show_ingest_summary(result)
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


def upload(settings: Settings) -> None:
    """Add files to the sources: stored under the sources folder, then ingested (a child
    job, followed like a re-ingest)."""
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
    if stored:
        start_reingest(settings, stored, refused, notes)
    else:
        st.session_state["last_ingest_summary"] = {
            "added": 0,
            "updated": 0,
            "skipped": 0,
            "deleted": 0,
            "sources": [],
            "errors": refused,
            "warnings": notes,
        }
    st.rerun()
