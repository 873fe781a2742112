"""The source viewer: a whole ingested source, paragraph numbers in the margin.

It shows what the catalog holds (the text as ingested), never a file path from
the URL: a crafted ``?source=../../etc/passwd`` names no ingested source and
shows nothing but an error.
"""

from __future__ import annotations

import hashlib
import json
import time

import streamlit as st
import streamlit.components.v1 as components

from qa.pipeline import Assistant
from ui import markup
from ui.originals import locate, pdf_link

CSS = """
<style>
.para { display: flex; gap: 0.8rem; padding: 0.35rem 0.5rem; border-radius: 4px; }
.para .body { overflow-wrap: anywhere; }
.para .num { min-width: 2.6rem; color: #888; font-size: 0.85rem; text-align: right; }
.para.heading .body { font-weight: 700; font-size: 1.1rem; }
.para.target { background: #fff3c4; outline: 2px solid #f0b400; }
.page-mark { color: #888; font-size: 0.8rem; border-top: 1px dashed #ccc; margin: 0.6rem 0 0.2rem;
  padding-top: 0.2rem; }
</style>
"""
SCROLL = """
<script>
const el = window.parent.document.getElementById("{anchor}");
if (el) {{ el.scrollIntoView({{block: "center"}}); }}
</script>
"""


def sources_page(bot: Assistant) -> None:
    st.markdown(CSS, unsafe_allow_html=True)
    records = {r.source: r for r in bot.sources(with_paragraphs=True)}
    if not records:
        st.info("Nothing is ingested yet: open the chat page and ingest your sources.")
        return
    params = st.query_params
    wanted = params.get("source")
    if wanted is not None and wanted not in records:
        st.error("No ingested source has that name; pick one below.")
        wanted = None
    names = sorted(records)
    source = st.selectbox(
        "Source", names, index=names.index(wanted) if wanted else 0, format_func=markup.visible
    )
    record = records[source]
    target = int(params["p"]) if str(params.get("p", "")).isdigit() else None
    if target and params.get("h") and source == wanted:
        now = bot.locate(source, params["h"])
        if now is None:
            st.warning(
                f"The cited text of ¶{target} has changed since the answer was given; "
                "showing the paragraph now at that position."
            )
        elif now != target:
            st.info(f"The source was edited since the answer: that text is now ¶{now}.")
            target = now
    st.title(markup.visible(record.title), anchor=False)
    ingested = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.ingested_at))
    pages = max((p.get("page") or 0 for p in record.paragraphs), default=0)
    counts = f"{pages:,} pages · " if pages else ""
    st.caption(
        f"{markup.visible(source)} · {counts}{len(record.paragraphs):,} paragraphs · "
        f"ingested {ingested}"
    )
    if byline := document_byline(bot, source):
        st.caption(byline)
    target_page = next((p.get("page") for p in record.paragraphs if p["number"] == target), None)
    if target and target_page:
        st.caption(f"¶{target} is on page {target_page}.")
    original_links(record.path, record.sha256, source, target_page)
    rows = []
    page_shown = None
    for p in record.paragraphs:
        if p.get("page") and p["page"] != page_shown:
            page_shown = p["page"]
            rows.append(f'<div class="page-mark">p. {page_shown}</div>')
        classes = ["para"]
        if p["is_heading"]:
            classes.append("heading")
        if p["number"] == target:
            classes.append("target")
        rows.append(
            f'<div id="p{p["number"]}" class="{" ".join(classes)}">'
            f'<span class="num">¶{p["number"]}</span>'
            f'<span class="body">{markup.text(p["text"])}</span></div>'
        )
    st.markdown("\n".join(rows), unsafe_allow_html=True)
    if target:
        components.html(SCROLL.format(anchor=f"p{target}"), height=0)


def original_links(location: str, sha256: str, source: str, page: int | None) -> None:
    """Open the original: a PDF at the cited page, other files as a download, a URL."""
    original = locate(location, sha256)
    if original.url:
        st.link_button("Open the original page", original.url, icon=":material/open_in_new:")
        return
    if original.path is None:
        st.caption("The original file is no longer where it was ingested from.")
        return
    if original.changed:
        st.caption("The file has changed since it was ingested; re-ingest to update this view.")
    name = original.path.name
    if original.path.suffix.lower() == ".pdf" and not original.changed:
        at = f" at page {page}" if page else ""
        st.link_button(
            f"Open {name}{at}",
            pdf_link(original.path, sha256, page),
            icon=":material/picture_as_pdf:",
        )
    st.download_button(
        f"Download {name}",
        data=original.path.read_bytes(),
        file_name=name,
        mime=original.mime,
        icon=":material/download:",
        key=f"download-{source}",
    )


def document_meta_key(source: str) -> str:
    """The ingest's ``document_meta_key`` (the page does not import ingest; a test
    keeps the two equal)."""
    return "docmeta:" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:40]


def document_byline(bot: Assistant, source: str) -> str:
    """ "by Author · 2021-01-05", from what the ingest kept of the document's metadata."""
    raw = bot.index_meta(document_meta_key(source))
    meta = json.loads(raw) if raw else {}
    parts = [f"by {meta['author']}" if meta.get("author") else "", meta.get("date") or ""]
    return " · ".join(p for p in parts if p)
