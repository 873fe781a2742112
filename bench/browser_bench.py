"""The page as a person meets it: ``python -m bench.browser_bench``.

Starts ``streamlit run app.py`` on 127.0.0.1 with the bundled article ingested, and
with headless Chromium measures: launch to a usable page (the chat box is ready),
the first answer, and warm answers (question sent to citation shown), p50/p95.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ingest.service import open_ingester
from settings import PROJECT_ROOT, Settings

QUESTIONS = [
    "Who translated the article?",
    "Which town did the Armenian army lose?",
    "What did Tehran claim about jihadist groups?",
    "Who holds the copyright?",
    "Why did Iran fear the result of the war?",
]
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.servers import free_port

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(chroma_path=Path(tmp) / "chroma")
        open_ingester(settings).run([settings.sources_dir])
        port = free_port()
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=PROJECT_ROOT, env={**os.environ, **settings.to_env()},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
                page = browser.new_page()
                while True:
                    try:
                        page.goto(f"http://127.0.0.1:{port}")
                        break
                    except Exception:
                        time.sleep(0.05)
                box = page.get_by_placeholder("Ask a question about the sources")
                box.wait_for(timeout=60_000)
                usable_s = time.perf_counter() - started
                times = []
                for i, question in enumerate(QUESTIONS * 3):
                    t = time.perf_counter()
                    box.fill(question)
                    box.press("Enter")
                    page.locator("[data-testid='stChatMessage']").nth(2 * i + 1).locator(
                        ".answer, .abstained"
                    ).wait_for(timeout=60_000)
                    times.append(time.perf_counter() - t)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(
        json.dumps(
            {
                "launch_to_usable_page_s": round(usable_s, 2),
                "first_answer_s": round(times[0], 2),
                "warm_answer_p50_s": round(float(np.percentile(times[1:], 50)), 2),
                "warm_answer_p95_s": round(float(np.percentile(times[1:], 95)), 2),
                "answers": len(times),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
