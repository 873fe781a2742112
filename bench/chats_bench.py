"""What keeping chats costs: ``python -m bench.chats_bench``.

Prints, on a temporary copy of the bundled article's index and a SQLite chat
database beside it:
- saving one message (an answer with its citations) p50/p95,
- reopening a chat of 40 answers (read + "did its sources change?") p50/p95,
- listing 200 chats of one owner among 2,000.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from chats.store import ChatStore
from ingest.service import open_ingester
from qa.service import build_assistant
from settings import PROJECT_ROOT, Settings

QUESTIONS = [
    "Who translated the article?",
    "Who signed the peace deal that ended the fighting?",
    "Why did Iran fear the result of the war?",
    "How was Iran's Karabakh plan received?",
]


def _ms(times: list[float]) -> str:
    p50, p95 = np.percentile(np.array(times) * 1000, [50, 95])
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(sources_dir=PROJECT_ROOT / "sources", chroma_path=Path(tmp) / "chroma")
        open_ingester(settings).run([settings.sources_dir])
        bot = build_assistant(settings)
        store = ChatStore.open(settings.chats_url)
        records = [bot.ask(q).to_record() for q in QUESTIONS]
        chat_id = store.create("owner", QUESTIONS[0])
        saves = []
        for i in range(40):
            record = records[i % len(records)]
            store.add_message("owner", chat_id, {"role": "user", "content": record["question"]})
            started = time.perf_counter()
            store.add_message("owner", chat_id, {"role": "assistant", "record": record})
            saves.append(time.perf_counter() - started)
        print(f"save an answer: {_ms(saves)}")
        reopen = []
        for _ in range(30):
            started = time.perf_counter()
            chat = store.get("owner", chat_id)
            assert chat is not None
            cited = {
                (c["source"], c["chunk_hash"])
                for m in chat.messages
                for c in m.get("record", {}).get("citations", [])
            }
            bot.cited_chunks_now(cited)
            reopen.append(time.perf_counter() - started)
        print(f"reopen a chat of 40 answers and check its sources: {_ms(reopen)}")
        for n in range(2000):
            store.create("owner" if n % 10 == 0 else f"other-{n}", f"chat {n}")
        listing = []
        for _ in range(30):
            started = time.perf_counter()
            assert len(store.chats("owner")) == 201
            listing.append(time.perf_counter() - started)
        print(f"list 201 chats among 2,001: {_ms(listing)}")


if __name__ == "__main__":
    main()
