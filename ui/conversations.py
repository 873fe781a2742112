"""Saved chats on the page: whose browser this is, the chat named in the URL,
the sidebar's list (open, rename, delete, export) and feedback under answers.

A browser is known by a secret owner token in a cookie (``cited_qa_owner``),
made here on its first visit and written by a tiny script into the page: it
works offline, survives reloads and restarts, and never leaves the browser
except to this server. The chat's id goes in the URL (``?chat=…``); a chat
whose owner is another browser reads exactly like one that does not exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from chats.export import to_markdown
from chats.store import ChatStore, Feedback, new_token, title_of
from errors import QAError
from ui import markup

COOKIE = "cited_qa_owner"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
# SameSite=Strict: the token is never sent with a request another site starts.
_SET_COOKIE = """<script>
const secure = window.parent.location.protocol === "https:" ? "; Secure" : "";
window.parent.document.cookie = {cookie} + secure;
</script>"""
MISSING = "That chat is not one of yours, or it was deleted. A new chat is open."
VERDICTS = {
    "none": "no more to say",
    "paragraph": "the answer is in a paragraph I name",
    "unanswerable": "the sources do not answer this",
}


@st.cache_resource(show_spinner=False)
def chat_store(url: str) -> ChatStore:
    return ChatStore.open(url)


def owner_token() -> str:
    """This browser's secret; made on the first visit and kept in a cookie."""
    token = st.session_state.get("owner_token")
    cookie = st.context.cookies.get(COOKIE)
    cookie = cookie if isinstance(cookie, str) else ""  # (AppTest has no cookies)
    if token is None:
        token = cookie if _TOKEN.fullmatch(cookie) else new_token()
        st.session_state["owner_token"] = token
    if cookie != token and not st.session_state.get("owner_cookie_written"):
        value = f"{COOKIE}={token}; path=/; max-age=31536000; SameSite=Strict"
        st.iframe(_SET_COOKIE.format(cookie=json.dumps(value)), height="content")
        st.session_state["owner_cookie_written"] = True
    return token


def start_new_chat() -> None:
    st.session_state["messages"] = []
    st.session_state["chat_id"] = None
    st.session_state["chat_title"] = ""
    st.session_state["feedback"] = {}
    st.query_params.pop("chat", None)


def sync_with_url(store: ChatStore | None, owner: str) -> None:
    """Open the chat the URL names (a reload, a bookmark), or put the open chat's
    id back into the URL (after a visit to another page)."""
    st.session_state.setdefault("messages", [])
    st.session_state.setdefault("chat_id", None)
    st.session_state.setdefault("feedback", {})
    wanted = st.query_params.get("chat")
    current = st.session_state["chat_id"]
    if store is None or wanted == current:
        return
    if not wanted:
        st.query_params["chat"] = current
        return
    chat = store.get(owner, wanted)
    if chat is None:
        start_new_chat()
        st.session_state["chat_notice"] = MISSING
        return
    st.session_state["messages"] = chat.messages
    st.session_state["chat_id"] = chat.id
    st.session_state["chat_title"] = chat.title
    st.session_state["feedback"] = chat.feedback


def save_message(store: ChatStore | None, owner: str, message: dict[str, Any]) -> None:
    """Store one message of the open chat (creating the chat on its first question).
    A database that fails costs the saving, never the conversation."""
    if store is None:
        return
    try:
        chat_id = st.session_state.get("chat_id")
        if chat_id is None:
            title = message.get("content", "New chat")
            chat_id = store.create(owner, title)
            st.session_state["chat_id"] = chat_id
            st.session_state["chat_title"] = title_of(title)
            st.query_params["chat"] = chat_id
        try:
            message["id"] = store.add_message(owner, chat_id, message)
        except KeyError:  # deleted in another tab: keep talking in a fresh chat
            st.session_state["chat_id"] = None
            for earlier in st.session_state["messages"]:
                earlier.pop("id", None)
                save_message(store, owner, earlier)
    except QAError as exc:
        st.warning(f"This chat is not being saved: {exc}")


def _open(chat_id: str) -> None:
    st.query_params["chat"] = chat_id


def _rename(store: ChatStore, owner: str, chat_id: str) -> None:
    title = st.session_state.get(f"title-{chat_id}", "")
    if store.rename(owner, chat_id, title):
        st.session_state["chat_title"] = " ".join(title.split())[:200]


def _ask_to_confirm(chat_id: str | None = None) -> None:
    st.session_state["confirm_delete"] = chat_id


def _delete(store: ChatStore, owner: str, chat_id: str) -> None:
    st.session_state["confirm_delete"] = None
    store.delete(owner, chat_id)
    start_new_chat()
    st.session_state["chat_notice"] = "Chat deleted, with its feedback."


def chat_list(store: ChatStore | None, owner: str, changed: frozenset = frozenset()) -> None:
    """The sidebar's chats, newest first; the open one can be renamed, exported, deleted."""
    if store is None:
        return
    st.subheader("Chats")
    try:
        chats = store.chats(owner)
    except QAError as exc:
        st.error(f"Saved chats cannot be read right now: {exc}")
        return
    current = st.session_state.get("chat_id")
    if not chats:
        st.caption("Your chats are saved here, in this browser's name.")
    box = st.container(height=320) if len(chats) > 8 else st.container()
    for chat in chats:
        box.button(
            chat.title,
            key=f"open-{chat.id}",
            on_click=_open,
            args=(chat.id,),
            type="secondary" if chat.id == current else "tertiary",
            use_container_width=True,
        )
    if current:
        with st.expander("This chat"):
            key = f"title-{current}"
            st.session_state.setdefault(key, st.session_state.get("chat_title", ""))
            st.text_input("Title", key=key, max_chars=200)
            st.button("Rename", key="rename-chat", on_click=_rename, args=(store, owner, current))
            st.download_button(
                "Export as Markdown",
                data=to_markdown(
                    st.session_state.get("chat_title", "Chat"),
                    st.session_state["messages"],
                    changed,
                ),
                file_name=f"{_slug(st.session_state.get('chat_title', 'chat'))}.md",
                mime="text/markdown",
                icon=":material/download:",
                key="export-chat",
            )
            if st.session_state.get("confirm_delete") != current:
                st.button(
                    "Delete this chat",
                    key="delete-chat",
                    on_click=_ask_to_confirm,
                    args=(current,),
                    icon=":material/delete:",
                )
                return
            st.caption("Delete this chat and its feedback for good?")
            cols = st.columns(2)
            cols[0].button(
                "Delete",
                key="delete-chat-confirmed",
                on_click=_delete,
                args=(store, owner, current),
                type="primary",
            )
            cols[1].button("Keep", key="delete-chat-cancelled", on_click=_ask_to_confirm)


def _slug(title: str) -> str:
    """A file name from a chat title.

    >>> _slug("Why did Iran fear the war?")
    'why-did-iran-fear-the-war'
    """
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "chat"


def _rate(store: ChatStore, owner: str, message_id: int) -> None:
    value = st.session_state.get(f"thumbs-{message_id}")
    feedback = None if value is None else Feedback("up" if value == 1 else "down")
    store.set_feedback(owner, message_id, feedback)
    if feedback is None:
        st.session_state["feedback"].pop(message_id, None)
    else:
        st.session_state["feedback"][message_id] = feedback


def feedback_widget(
    store: ChatStore | None,
    owner: str,
    message: dict[str, Any],
    paragraph_counts: Callable[[], dict[str, int]],
) -> None:
    """Thumbs under an answer; thumbs down asks where the answer really is."""
    message_id = message.get("id")
    if store is None or message_id is None:
        return
    given: Feedback | None = st.session_state["feedback"].get(message_id)
    st.feedback(
        "thumbs",
        key=f"thumbs-{message_id}",
        default=None if given is None else int(given.rating == "up"),
        on_change=_rate,
        args=(store, owner, message_id),
    )
    if given is None or given.rating != "down":
        return
    if given.verdict or given.note:
        where = (
            f"¶{given.paragraph} of {given.source}"
            if given.verdict == "paragraph"
            else "not in the sources"
        )
        thanks = f"Thanks: noted that the answer is {where}." if given.verdict else "Thanks."
        st.caption(markup.text(thanks), unsafe_allow_html=True)
        return
    paragraphs = paragraph_counts()  # read only when a reader says where the answer is
    cited = [c["source"] for c in message["record"].get("citations", [])]
    names = sorted(paragraphs)
    with st.form(f"detail-{message_id}"):
        verdict = st.radio(
            "What is wrong?",
            list(VERDICTS),
            format_func=VERDICTS.get,
            key=f"verdict-{message_id}",
        )
        source = st.selectbox(
            "Source",
            names,
            index=names.index(cited[0]) if cited and cited[0] in names else 0,
            key=f"source-{message_id}",
        )
        paragraph = st.number_input(
            "Paragraph (¶)",
            min_value=1,
            max_value=max(paragraphs.values(), default=1),
            step=1,
            key=f"paragraph-{message_id}",
        )
        note = st.text_area("Note (optional)", key=f"note-{message_id}", max_chars=2000)
        if st.form_submit_button("Send feedback"):
            _send(store, owner, message_id, verdict, source, int(paragraph), note, paragraphs)


def _send(
    store: ChatStore,
    owner: str,
    message_id: int,
    verdict: str,
    source: str | None,
    paragraph: int,
    note: str,
    paragraphs: dict[str, int],
) -> None:
    if verdict == "paragraph" and (source is None or paragraph > paragraphs.get(source, 0)):
        st.error(f"{source} has {paragraphs.get(source or '', 0)} paragraphs: pick one of them.")
        return
    feedback = Feedback(
        "down",
        None if verdict == "none" else verdict,
        source if verdict == "paragraph" else None,
        paragraph if verdict == "paragraph" else None,
        note.strip(),
    )
    store.set_feedback(owner, message_id, feedback)
    st.session_state["feedback"][message_id] = feedback
    st.rerun()
