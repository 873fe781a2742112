"""The web chat: ``streamlit run app.py`` (or ``scripts/chat``).

Three pages: Chat (questions and cited answers), Sources (the source viewer
that citations open) and Evals (reports and runs).
"""

from __future__ import annotations

import streamlit as st  # noqa: TID251 - app.py is the page

from errors import QAError
from settings import PROJECT_ROOT, Settings
from ui.chat import chat_page  # noqa: TID251
from ui.conversations import chat_store  # noqa: TID251
from ui.evals_page import evals_page  # noqa: TID251
from ui.resources import assistant  # noqa: TID251
from ui.sources import sources_page  # noqa: TID251

FAVICON = PROJECT_ROOT / "ui" / "assets" / "favicon.png"


def main() -> None:
    # A local file: a Material or emoji icon would be fetched from a font host, and the
    # page promises no network.
    st.set_page_config(page_title="Ask your documents", page_icon=str(FAVICON))
    try:
        settings = Settings.from_env()
        bot = assistant(settings)
    except (QAError, ValueError) as exc:
        st.error(f"The assistant cannot start: {exc}")
        st.stop()
    try:
        chats = chat_store(settings.chats_url)
    except QAError as exc:
        chats = None  # the chat still answers; it only cannot keep conversations
        st.warning(f"Chats are not saved: {exc}")

    def chat() -> None:
        chat_page(settings, bot, chats)

    def sources() -> None:
        sources_page(bot)

    def evals() -> None:
        evals_page(settings)

    pages = [
        st.Page(chat, title="Chat", icon=":material/chat:", url_path="chat", default=True),
        st.Page(sources, title="Sources", icon=":material/article:", url_path="sources"),
        st.Page(evals, title="Evals", icon=":material/analytics:", url_path="evals"),
    ]
    st.navigation(pages).run()


main()
