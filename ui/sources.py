"""The source viewer: a whole ingested source, paragraph numbers in the margin.

It shows what the catalog holds (the text as ingested), never a file path from
the URL: a crafted ``?source=../../etc/passwd`` names no ingested source and
shows nothing but an error.
"""

from __future__ import annotations

import time

import streamlit as st
import streamlit.components.v1 as components

from qa.pipeline import Assistant
from ui import markup

CSS = """
<style>
.para { display: flex; gap: 0.8rem; padding: 0.35rem 0.5rem; border-radius: 4px; }
.para .body { overflow-wrap: anywhere; }
.para .num { min-width: 2.6rem; color: #888; font-size: 0.85rem; text-align: right; }
.para.heading .body { font-weight: 700; font-size: 1.1rem; }
.para.target { background: #fff3c4; outline: 2px solid #f0b400; }
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
    st.caption(
        f"{markup.visible(source)} · {len(record.paragraphs):,} paragraphs · ingested {ingested}"
    )
    rows = []
    for p in record.paragraphs:
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
