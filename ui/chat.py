"""The chat page: questions in, cited answers out, every citation one click from its paragraph."""

from __future__ import annotations

import streamlit as st

from errors import QAError, QuestionError
from qa.models import Answer, Turn
from qa.pipeline import Assistant
from settings import Settings
from ui import markup
from ui.sidebar import reingest, show_ingest_summary, sidebar

ARTICLE_EXAMPLES = (
    "Why did Iran fear the result of the war?",
    "Who signed the peace deal that ended the fighting?",
    "How was Iran's Karabakh plan received?",
    "What did Tehran claim about fighters from Syria?",
)
BUNDLED_ARTICLE = "iran-after-karabakh.txt"


def examples(bot: Assistant) -> list[str]:
    """Starter questions: the article's own for the bundled article, else from headings."""
    records = bot.sources(with_paragraphs=True)
    if any(r.source == BUNDLED_ARTICLE for r in records):
        return list(ARTICLE_EXAMPLES)
    questions = []
    for record in records:
        for p in record.paragraphs:
            if p["is_heading"] and p["text"] != record.title:
                questions.append(f"What does {record.title} say about {p['section']}?")
        if not questions:
            questions.append(f"What is {record.title} about?")
    return questions[:4]


CSS = """
<style>
.answer a.cite { text-decoration: none; font-weight: 600; }
.source-card { border-left: 3px solid #4c78a8; padding: 0.3rem 0.8rem; margin: 0.4rem 0 0.8rem 0; }
.source-card .where { font-size: 0.85rem; color: #555; margin-bottom: 0.2rem; }
.source-card mark { background: #ffe08a; padding: 0 2px; }
.abstained { border-left: 3px solid #b0b0b0; padding: 0.3rem 0.8rem; color: #444; }
</style>
"""


def snapshot(bot: Assistant, answer: Answer) -> dict:
    """The answer as kept in the session: citations carry their paragraph's text,
    so scrolling back shows the same sources even after a re-ingest."""
    record = answer.to_record()
    for citation in record["citations"]:
        citation["paragraph_text"] = (
            bot.paragraph(citation["source"], citation["paragraph"]) or citation["quote"]
        )
    return record


def render_sources(record: dict) -> None:
    st.markdown("**Sources**")
    for c in record["citations"]:
        where = " · ".join(
            markup.text(x) for x in (c["source"], f"¶{c['paragraph']}", c.get("section") or "") if x
        )
        link = markup.viewer_link(c["source"], c["paragraph"], c.get("chunk_hash", ""))
        body = markup.highlighted(c["paragraph_text"], c["quote"])
        st.markdown(
            f'<div class="source-card"><div class="where">{where} · '
            f'<a href="{markup.text(link)}" target="_blank">open in source</a></div>'
            f"{body}</div>",
            unsafe_allow_html=True,
        )


def render_answer(record: dict) -> None:
    if record["abstained"]:
        st.markdown(
            f'<div class="abstained">{markup.text(record["answer"])}</div>',
            unsafe_allow_html=True,
        )
        st.markdown("**Closest passages**")
        for p in record["passages"][:3]:
            link = markup.viewer_link(p["source"], p["paragraph"], p.get("chunk_hash", ""))
            st.markdown(
                f'<div class="source-card"><div class="where">{markup.text(p["source"])} · '
                f'¶{p["paragraph"]} · <a href="{markup.text(link)}" target="_blank">open</a>'
                f"</div>{markup.text(p['text'])}</div>",
                unsafe_allow_html=True,
            )
    else:
        body = markup.answer_html(record["answer"], record["citations"])
        st.markdown(f'<div class="answer">{body}</div>', unsafe_allow_html=True)
        render_sources(record)
    for note in record.get("notes", []):
        st.warning(note)
    timings = record.get("timings_ms", {})
    st.caption(
        f"{record['backend']} · retrieve {timings.get('retrieve', 0):.0f} ms · "
        f"answer {timings.get('answer', 0):.0f} ms"
    )


def history(messages: list[dict]) -> list[Turn]:
    turns = []
    for message in messages:
        if message["role"] == "assistant" and "record" in message:
            record = message["record"]
            turns.append(Turn(record["question"], record["answer"], record["search_query"]))
    return turns


def answer_question(bot: Assistant, question: str, k: int) -> None:
    messages = st.session_state["messages"]
    earlier = history(messages)
    messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.text(question)
    with st.chat_message("assistant"):
        try:
            final: Answer | None = None
            with st.spinner("Searching the sources…"):
                stream = bot.stream(question, earlier, k=k)
                first = next(stream)
            pieces = [first] if isinstance(first, str) else []
            if isinstance(first, Answer):
                final = first
            else:
                placeholder = st.empty()
                for item in stream:
                    if isinstance(item, Answer):
                        final = item
                        break
                    pieces.append(item)
                    placeholder.text("".join(pieces))  # shown as plain text while it streams
                placeholder.empty()
            assert final is not None
            record = snapshot(bot, final)
            render_answer(record)
            messages.append({"role": "assistant", "record": record})
        except QuestionError as exc:
            st.warning(str(exc))
            messages.append({"role": "assistant", "error": str(exc)})
        except QAError as exc:
            st.error(str(exc))
            messages.append({"role": "assistant", "error": str(exc)})


def first_run(settings: Settings, bot: Assistant) -> None:
    st.title("Ask your documents")
    st.info(
        f"Nothing is indexed yet. Ingest the documents in `{settings.sources_dir}` to start: "
        "they are split into paragraphs, embedded on this machine and stored in Chroma."
    )
    if st.button("Ingest sources", type="primary", icon=":material/upload:"):
        summary = reingest(settings, bot)
        show_ingest_summary(summary)
        if summary.get("exit_code") in (0, 1) and not summary.get("fatal"):
            st.rerun()


def _ask_example(question: str) -> None:
    st.session_state["pending"] = question


def chat_page(settings: Settings, bot: Assistant) -> None:
    st.markdown(CSS, unsafe_allow_html=True)
    st.session_state.setdefault("messages", [])
    sidebar(settings, bot)
    try:
        empty = bot.stats().empty
    except QAError as exc:
        st.error(str(exc))  # e.g. the Chroma server is down: the chat recovers when it is back
        empty = False
    if empty:
        first_run(settings, bot)
        return
    st.title("Ask your documents")
    for message in st.session_state["messages"]:
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.text(message["content"])
            elif "record" in message:
                render_answer(message["record"])
            else:
                st.warning(message["error"])
    prompt = st.chat_input("Ask a question about the sources") or st.session_state.pop(
        "pending", None
    )
    if not st.session_state["messages"] and not prompt:
        st.caption("Try one of these, or type your own question below.")
        for i, example in enumerate(examples(bot)):
            st.button(example, key=f"example-{i}", on_click=_ask_example, args=(example,))
    if prompt:
        answer_question(bot, prompt, st.session_state.get("k", settings.top_k))
