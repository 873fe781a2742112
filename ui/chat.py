"""The chat page: questions in, cited answers out, every citation one click from its paragraph."""

from __future__ import annotations

import json

import streamlit as st

from chats.store import ChatStore
from errors import QAError, QuestionError
from qa.models import Answer, Turn
from qa.pipeline import Assistant
from qa.questions import MAX_QUESTION_CHARS
from settings import Settings
from ui import conversations, markup
from ui.examples import example_questions
from ui.sidebar import ingest_running, sidebar, start_reingest

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
    return example_questions(
        [(r.title, [p["text"] for p in r.paragraphs if p["is_heading"]]) for r in records]
    )


CSS = """
<style>
.answer a.cite { text-decoration: none; font-weight: 600; }
.source-card { border-left: 3px solid #4c78a8; padding: 0.3rem 0.8rem; margin: 0.4rem 0 0.8rem 0; }
.source-card > summary { cursor: pointer; }
.source-card .where { font-size: 0.85rem; color: #555; margin-bottom: 0.2rem; }
.source-card mark { background: #ffe08a; padding: 0 2px; }
.source-card .show-all > summary { font-size: 0.85rem; color: #4c78a8; cursor: pointer; }
.source-card .body { overflow-wrap: anywhere; }
.abstained { border-left: 3px solid #b0b0b0; padding: 0.3rem 0.8rem; color: #444; }
.source-card .changed { font-size: 0.85rem; color: #8a5a00; font-weight: 600; }
.index-counts { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; margin-bottom: 0.4rem; }
.index-counts .count { display: flex; flex-direction: column; }
.index-counts .n { font-size: 1.5rem; font-weight: 600; white-space: nowrap; }
.index-counts .what { font-size: 0.8rem; color: #666; }
</style>
"""
COPY_BUTTON = """
<button id="copy" style="font: 0.8rem sans-serif; padding: 2px 10px; cursor: pointer;
  border: 1px solid #ccc; border-radius: 6px; background: white;">Copy answer</button>
<script>
const text = {payload};
const button = document.getElementById("copy");
button.addEventListener("click", async () => {{
  try {{ await navigator.clipboard.writeText(text); button.textContent = "Copied"; }}
  catch (e) {{ button.textContent = "Copy failed: select the text instead"; }}
}});
</script>
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


def cited_pairs(messages: list[dict]) -> set[tuple[str, str]]:
    """Every (source, chunk hash) the answers of a chat cite."""
    return {
        (c["source"], c.get("chunk_hash", ""))
        for m in messages
        for c in m.get("record", {}).get("citations", [])
        if c.get("chunk_hash")
    }


def where_now(bot: Assistant, messages: list[dict]) -> dict[tuple[str, str], int] | None:
    """Where the chat's cited texts are in the index now (None: cannot tell now)."""
    try:
        return bot.cited_chunks_now(cited_pairs(messages))
    except QAError:
        return None


def changed_note(c: dict, now: dict[tuple[str, str], int] | None) -> str:
    """The line a citation gets when its source changed after the answer.

    >>> c = {"source": "a", "paragraph": 3, "chunk_hash": "h"}
    >>> changed_note(c, {})
    'source changed since this answer: shown as it was'
    >>> changed_note(c, {("a", "h"): 5}), changed_note(c, {("a", "h"): 3})
    ('source edited since this answer: this text is now ¶5', '')
    """
    key = (c["source"], c.get("chunk_hash", ""))
    if now is None or not key[1]:
        return ""
    if key not in now:
        return "source changed since this answer: shown as it was"
    if now[key] != c["paragraph"]:
        return f"source edited since this answer: this text is now ¶{now[key]}"
    return ""


def source_card(c: dict, now: dict[tuple[str, str], int] | None = None) -> str:
    """One cited paragraph as a collapsible card; a long one is shown around its quote."""
    page = f"p. {c['page']}" if c.get("page") else ""
    where = " · ".join(
        markup.text(x)
        for x in (c["source"], page, f"¶{c['paragraph']}", c.get("section") or "")
        if x
    )
    link = markup.text(markup.viewer_link(c["source"], c["paragraph"], c.get("chunk_hash", "")))
    note = changed_note(c, now)
    note_html = f'<div class="changed">{markup.text(note)}</div>' if note else ""
    paragraph, quote = c["paragraph_text"], c["quote"]
    start, end = markup.excerpt_span(paragraph, quote)
    if (start, end) == (0, len(paragraph)):
        body, rest = markup.highlighted(paragraph, quote), ""
    else:
        body = (
            ("… " if start else "")
            + markup.highlighted(paragraph[start:end], quote)
            + (" …" if end < len(paragraph) else "")
        )
        size = f"{len(paragraph):,} characters"
        if len(paragraph) <= markup.SHOW_ALL_INLINE:
            rest = (
                f'<details class="show-all"><summary>show all ({size})</summary>'
                f"{markup.highlighted(paragraph, quote)}</details>"
            )
        else:
            rest = (
                f'<div class="show-all"><a href="{link}" target="_blank">show all '
                f"({size}) in the source</a></div>"
            )
    return (
        f'<details class="source-card" open><summary class="where">{where} · '
        f'<a href="{link}" target="_blank">open in source</a></summary>'
        f'{note_html}<div class="body">{body}</div>{rest}</details>'
    )


def render_sources(record: dict, now: dict[tuple[str, str], int] | None = None) -> None:
    st.markdown("**Sources**")
    for c in record["citations"]:
        st.markdown(source_card(c, now), unsafe_allow_html=True)


def copy_text(record: dict) -> str:
    """What the copy button puts on the clipboard: the answer and what it cites."""
    lines = [record["answer"]]
    if record["citations"]:
        lines += ["", "Sources:"]
        lines += [f"- {c['source']} ¶{c['paragraph']}: {c['quote']}" for c in record["citations"]]
    return "\n".join(lines)


def copy_button(record: dict) -> None:
    # json.dumps makes the text a JS string literal; "<" is escaped so that no
    # "</script>" inside an answer can end the script early.
    payload = json.dumps(copy_text(record)).replace("<", "\\u003c")
    st.iframe(COPY_BUTTON.format(payload=payload), height=36)


def render_answer(record: dict, now: dict[tuple[str, str], int] | None = None) -> None:
    if record["abstained"]:
        st.markdown(
            f'<div class="abstained">{markup.text(record["answer"])}</div>',
            unsafe_allow_html=True,
        )
        st.markdown("**Closest passages**")
        for p in record["passages"][:3]:
            link = markup.viewer_link(p["source"], p["paragraph"], p.get("chunk_hash", ""))
            page = f"p. {p['page']} · " if p.get("page") else ""
            start, end = markup.excerpt_span(p["text"], "")
            shown = markup.text(p["text"][start:end]) + (" …" if end < len(p["text"]) else "")
            st.markdown(
                f'<div class="source-card"><div class="where">{markup.text(p["source"])} · '
                f"{page}"
                f'¶{p["paragraph"]} · <a href="{markup.text(link)}" target="_blank">open</a>'
                f"</div>{shown}</div>",
                unsafe_allow_html=True,
            )
    else:
        body = markup.answer_html(record["answer"], record["citations"])
        st.markdown(f'<div class="answer">{body}</div>', unsafe_allow_html=True)
        copy_button(record)
        render_sources(record, now)
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


def answer_question(
    bot: Assistant, question: str, k: int, chats: ChatStore | None = None, owner: str = ""
) -> None:
    messages = st.session_state["messages"]
    earlier = history(messages)
    asked = {"role": "user", "content": question}
    messages.append(asked)
    conversations.save_message(chats, owner, asked)
    with st.chat_message("user"):
        st.text(markup.visible(question))
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
            reply: dict = {"role": "assistant", "record": record}
        except QuestionError as exc:
            st.warning(str(exc))
            reply = {"role": "assistant", "error": str(exc)}
        except QAError as exc:
            st.error(str(exc))
            reply = {"role": "assistant", "error": str(exc)}
        messages.append(reply)
        conversations.save_message(chats, owner, reply)
        if "record" in reply:
            conversations.feedback_widget(chats, owner, reply, lambda: paragraph_counts(bot))


def first_run(settings: Settings, bot: Assistant) -> None:
    st.title("Ask your documents")
    st.info(
        f"Nothing is indexed yet. Ingest the documents in `{settings.sources_dir}` to start: "
        "they are split into paragraphs, embedded on this machine and stored in Chroma."
    )
    if ingest_running():
        st.caption("Ingesting: the progress is in the sidebar; the chat opens when it is done.")
    elif st.button("Ingest sources", type="primary", icon=":material/upload:"):
        start_reingest(settings)
        st.rerun()


def _ask_example(question: str) -> None:
    st.session_state["pending"] = question


def paragraph_counts(bot: Assistant) -> dict[str, int]:
    try:
        return bot.paragraph_counts()
    except QAError:
        return {}


def chat_page(settings: Settings, bot: Assistant, chats: ChatStore | None = None) -> None:
    st.markdown(CSS, unsafe_allow_html=True)
    owner = conversations.owner_token()
    try:
        conversations.sync_with_url(chats, owner)
    except QAError as exc:
        st.warning(f"Saved chats cannot be read right now: {exc}")
    messages = st.session_state["messages"]
    now = where_now(bot, messages) if messages else {}
    changed = frozenset(cited_pairs(messages) - set(now or {})) if now is not None else frozenset()
    # The chat list is drawn last, into its place in the sidebar, so that a chat
    # created by this run's question is listed without another run.
    slot = []
    sidebar(settings, bot, lambda: slot.append(st.container()))

    def list_chats() -> None:
        with slot[0]:
            conversations.chat_list(chats, owner, changed)

    try:
        empty = bot.stats().empty
    except QAError as exc:
        st.error(str(exc))  # e.g. the Chroma server is down: the chat recovers when it is back
        empty = False
    if empty:
        first_run(settings, bot)
        list_chats()
        return
    st.title("Ask your documents")
    if notice := st.session_state.pop("chat_notice", None):
        st.info(notice)
    for message in messages:
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                st.text(markup.visible(message["content"]))
            elif "record" in message:
                render_answer(message["record"], now)
                conversations.feedback_widget(chats, owner, message, lambda: paragraph_counts(bot))
            else:
                st.warning(message["error"])
    prompt = st.chat_input(
        "Ask a question about the sources", max_chars=MAX_QUESTION_CHARS
    ) or st.session_state.pop("pending", None)
    if not st.session_state["messages"] and not prompt:
        st.caption("Try one of these, or type your own question below.")
        for i, example in enumerate(examples(bot)):
            st.button(example, key=f"example-{i}", on_click=_ask_example, args=(example,))
    if prompt:
        answer_question(bot, prompt, st.session_state.get("k", settings.top_k), chats, owner)
    list_chats()
