"""Eight askers on one shared assistant (as the chat shares it between browser sessions)
while re-ingests of changing sources run in another process, as the chat's button and a
shell both do. No question may fail, and once the sources settle no citation may point
at a paragraph that no longer exists.

The test counts, it does not time: a fixed number of re-ingests, however long they
take, with every asker asking throughout. Timeouts are hang guards that fail loudly."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ingest.paragraphs import split_paragraphs
from qa.service import build_assistant
from settings import PROJECT_ROOT, Settings
from tests.helpers import ARTICLE, make_ingester
from textkit.sentences import sentences
from vectorstore.index import open_index

pytestmark = pytest.mark.slow
ASKERS = 8
REINGESTS = 4
MIN_ANSWERS = 3  # per asker, at least, before it may stop
HANG_GUARD_S = 900.0
QUESTIONS = [
    "Why did Iran fear the result of the war?",
    "Who translated the article?",
    "Which town did the Armenian army lose?",
    "What did Tehran claim about jihadist groups?",
    "Who holds the copyright?",
    "What did the delegation say about the pipeline route?",
    "Which notes mention grain exports?",
]


def write_version(sources: Path, version: int) -> None:
    """Each version inserts, removes and edits paragraphs, so numbers shift."""
    text = ARTICLE.read_text(encoding="utf-8")
    inserted = "\n\n".join(
        f"Inserted note {version}.{i} about the pipeline route." for i in range(version % 3)
    )
    marker = "As part of the peace deal"
    (sources / ARTICLE.name).write_text(
        text.replace(marker, (inserted + "\n\n" if inserted else "") + marker)
    )
    rng = random.Random(version)
    for f in range(3):
        paragraphs = [
            f"Notes {f}.{p} v{version if p % 4 == 0 else 0}: the delegation discussed grain exports "
            f"and the pipeline route on day {rng.randint(1, 90)}."
            for p in range(20 + version % 5)
        ]
        (sources / f"notes-{f}.txt").write_text("\n\n".join(paragraphs) + "\n")


def check_citations(settings: Settings, answers: list) -> None:
    catalog = open_index(settings, None).catalog  # type: ignore[arg-type]
    texts = {
        r.source: {p["number"]: p["text"] for p in r.paragraphs}
        for r in catalog.sources(with_paragraphs=True)
    }
    for answer in answers:
        for c in answer.citations:
            assert c.paragraph in texts[c.source], (c.source, c.paragraph)
            for quoted in sentences(c.quote):
                assert quoted in texts[c.source][c.paragraph], (c.source, c.paragraph)


def test_eight_askers_during_four_reingests(tmp_path: Path, minilm) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    write_version(sources, 0)
    settings = Settings(sources_dir=sources, chroma_path=tmp_path / "chroma")
    make_ingester(settings, minilm).run([sources])
    bot = build_assistant(settings, embeddings=minilm)
    errors: list[str] = []
    answered = [0] * ASKERS
    ingests_done = threading.Event()

    def asker(n: int) -> None:
        rng = random.Random(n)
        # Failures end the asking early: they fail the test below anyway.
        while (not ingests_done.is_set() or answered[n] < MIN_ANSWERS) and len(errors) < 20:
            try:
                answer = bot.ask(rng.choice(QUESTIONS))
                assert answer.abstained or answer.citations
                answered[n] += 1
            except Exception as exc:  # every failure counts, whatever its type
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=asker, args=(n,)) for n in range(ASKERS)]
    for t in threads:
        t.start()
    env = {**os.environ, **settings.to_env()}
    try:
        for version in range(1, REINGESTS + 1):
            write_version(sources, version)
            run = subprocess.run(
                [sys.executable, "-m", "ingest"], cwd=PROJECT_ROOT, env=env,
                capture_output=True, text=True, timeout=HANG_GUARD_S,
            )  # fmt: skip
            assert run.returncode == 0, run.stderr
    finally:
        ingests_done.set()
    for t in threads:
        t.join(timeout=HANG_GUARD_S)
    hung = [t.name for t in threads if t.is_alive()]
    assert not hung, f"askers still running after {HANG_GUARD_S}s: {hung} (a hang)"
    print(
        f"{sum(answered)} answers by {ASKERS} askers, {REINGESTS} re-ingests, {len(errors)} errors"
    )
    assert errors == []
    assert min(answered) >= MIN_ANSWERS

    # The sources have settled: every citation points at a paragraph that exists now.
    final = [bot.ask(q) for q in QUESTIONS]
    check_citations(settings, final)
    article = {p.number: p.text for p in split_paragraphs((sources / ARTICLE.name).read_text())}
    translated = bot.ask("Who translated the article?").citations[0]
    assert article[translated.paragraph] == "Translated by Can Atalay in Ankara"
