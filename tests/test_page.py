"""The page's rough edges, through ``AppTest`` on the real app, model and store: long
paragraphs, bidi text, big counts, hover previews, examples, and the Evals page."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from settings import Settings
from tests.helpers import ARTICLE, markdown, use

pytestmark = pytest.mark.slow


def ask(at: AppTest, question: str) -> dict:
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    last = at.session_state["messages"][-1]
    assert "record" in last, last
    return last["record"]


def test_a_200_kb_paragraph_is_shown_around_its_quote(page_store: Settings, monkeypatch) -> None:
    at = use(page_store, monkeypatch)
    record = ask(at, "Where does the blue heron nest?")
    cited = next(c for c in record["citations"] if c["source"] == "heron-survey.txt")
    assert len(cited["paragraph_text"]) > 200_000  # the snapshot keeps the whole paragraph
    card = next(m for m in markdown(at).split("\n") if 'class="source-card"' in m and "heron" in m)
    assert "<mark>The blue heron nests in the reed beds of Lake Tana&#46;</mark>" in card
    assert len(card) < 8_000, "the card shows an excerpt, not the whole paragraph"
    assert card.startswith('<details class="source-card" open>')  # collapsible
    assert "show all (202," in card and "in the source</a>" in card


def test_bidi_controls_are_shown_not_obeyed(page_store: Settings, monkeypatch) -> None:
    at = use(page_store, monkeypatch)
    record = ask(at, "What does the shipment code read at the customs office of Varna?")
    assert "\u202e" in record["answer"]  # the data is kept as it is...
    text = markdown(at)
    assert "\u202e" not in text and "\u202c" not in text  # ...but never reaches the page raw
    assert "⟨U&#43;202E⟩TXT&#46;EXE⟨U&#43;202C⟩" in text  # shown as code points


def test_hovering_a_marker_previews_the_cited_sentence(page_store, monkeypatch) -> None:
    at = use(page_store, monkeypatch)
    ask(at, "Where does the blue heron nest?")
    links = re.findall(
        r'<a class="cite" href="[^"]*" target="_blank" title="([^"]*)">', markdown(at)
    )
    assert links and any("Lake Tana" in t and t.startswith("heron&#45;survey") for t in links)
    assert all("<" not in t for t in links)


def test_counts_are_shown_whole(page_store: Settings, monkeypatch) -> None:
    at = use(page_store, monkeypatch)
    shown = re.findall(r'<span class="n">([\d,]+)</span>', markdown(at))
    from qa.service import build_assistant

    stats = build_assistant(page_store, warm=False).stats()
    assert shown == [f"{stats.sources:,}", f"{stats.paragraphs:,}", f"{stats.chunks:,}"]
    assert stats.paragraphs >= 1000 and "," in shown[1]


def test_examples_read_sensibly_on_a_custom_corpus(page_store, monkeypatch) -> None:
    at = use(page_store, monkeypatch)
    examples = [b.label for b in at.button if b.label.startswith("What ")]
    assert "What does Gardening Handbook say about Soil?" in examples
    assert not any("about Gardening Handbook" in e or "Introduction" in e for e in examples)
    assert len(examples) == 4 and len(set(examples)) == 4


def test_the_answer_has_a_copy_button(page_store: Settings, monkeypatch) -> None:
    at = use(page_store, monkeypatch)
    ask(at, "Where does the blue heron nest?")
    frames = list(at.get("iframe"))
    assert frames, "a copy button is rendered under the answer"
    source = frames[0].proto.srcdoc
    assert "Copy answer" in source and "navigator.clipboard.writeText" in source
    assert "Lake Tana" in source and "</script>" not in source.split("const text = ")[1][:300]


# -- the Evals page ---------------------------------------------------------------------
def test_evals_page_runs_a_set_with_progress_and_drills_down(
    article_store: Settings, tmp_path: Path, monkeypatch
) -> None:
    sets, runs = tmp_path / "sets", tmp_path / "runs"
    sets.mkdir()
    (sets / "tiny.yaml").write_text(
        f"name: tiny\nsources: [{ARTICLE}]\nquestions:\n"
        "  - id: translator\n    question: Who translated the article?\n"
        "    expected: [{source: iran-after-karabakh.txt, paragraph: 17}]\n"
        "    answer_keywords: [Can Atalay]\n"
        "  - id: weather\n    question: What is the weather in Ankara today?\n"
        "    answerable: false\n"
    )
    (runs / "broken").mkdir(parents=True)
    (runs / "broken" / "report.json").write_text("{not json")
    monkeypatch.setattr("ui.evals_page.SETS_DIR", sets)
    for name, value in article_store.to_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EVALS_DIR", str(runs))
    at = AppTest.from_function(_evals_only, default_timeout=120).run()
    assert not at.exception
    assert any("broken/report.json: not valid JSON" in w.value for w in at.warning)
    at.button[0].click().run()  # the form's "Run set"
    assert at.session_state["eval_job"] is not None
    assert at.get("progress"), "a progress bar while the set runs"
    deadline = time.monotonic() + 300
    while at.session_state["eval_job"] is not None:
        assert time.monotonic() < deadline, "the eval run never finished"
        time.sleep(0.5)
        at.run()
        assert not at.exception
    code, text, out = at.session_state["eval_outcome"]
    assert code == 0, text
    assert json.loads((out / "report.json").read_text())["set"] == "tiny"
    labels = [m.label for m in at.metric]
    assert "Right paragraph ranked first" in labels and "hit@1" not in labels
    next(t for t in at.toggle if t.label == "Only failed questions").set_value(False).run()
    picker = next(s for s in at.selectbox if s.label == "Look at one question")
    assert picker.options == ["translator", "weather"]
    picker.set_value("translator").run()
    assert "Expected&#58; iran&#45;after&#45;karabakh&#46;txt ¶17" in markdown(at)


def _evals_only() -> None:
    from settings import Settings
    from ui.evals_page import evals_page

    evals_page(Settings.from_env())
