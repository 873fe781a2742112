"""Eval metrics on hand-made cases, set validation, and the article set as a regression gate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from errors import ConfigError
from evals.metrics import Case, aggregate, failed_thresholds, score_answer
from evals.runner import run_cases
from evals.sets_io import load_set
from settings import PROJECT_ROOT

A = "a.txt"
ARTICLE_SET = PROJECT_ROOT / "evals" / "sets" / "article.yaml"


def answer(cited=(), retrieved=(), abstained=False, text="", ms=10.0) -> dict:
    return {
        "answer": text,
        "abstained": abstained,
        "citations": [
            {"source": s, "paragraph": p, "section": None, "quote": ""} for s, p in cited
        ],
        "retrieved": [{"source": s, "paragraph": p, "score": 1.0} for s, p in retrieved],
        "timings_ms": {"retrieve": ms / 2, "answer": ms / 2},
    }


ANSWERABLE = Case("q1", ["Why?"], frozenset({(A, 6)}), ("separatist", "Turks"))
UNANSWERABLE = Case("q2", ["Who won?"], answerable=False)


def test_a_perfect_answer_scores_full_marks() -> None:
    s = score_answer(
        ANSWERABLE, answer([(A, 6)], [(A, 6), (A, 5)], text="Turks feared separatist moves")
    )
    m = aggregate([s, score_answer(UNANSWERABLE, answer(abstained=True))])
    assert (m["hit@1"], m["mrr"], m["citation_precision"], m["citation_recall"]) == (1, 1, 1, 1)
    assert (m["keyword_recall"], m["abstention_accuracy"], m["false_abstention_rate"]) == (1, 1, 0)


def test_rank_and_mrr() -> None:
    s = score_answer(ANSWERABLE, answer([(A, 6)], [(A, 1), (A, 2), (A, 6)]))
    m = aggregate([s])
    assert (m["hit@1"], m["hit@3"], round(m["mrr"], 3)) == (0, 1, 0.333)


def test_no_citations_means_no_recall_and_no_precision_value() -> None:
    m = aggregate([score_answer(ANSWERABLE, answer([], [(A, 6)], text="separatist Turks"))])
    assert m["citation_recall"] == 0 and m["citation_precision"] is None
    assert m["keyword_recall"] == 1


def test_answering_an_unanswerable_question_costs_precision_and_abstention() -> None:
    m = aggregate([score_answer(UNANSWERABLE, answer([(A, 3)], [(A, 3)], text="Russia"))])
    assert m["abstention_accuracy"] == 0 and m["citation_precision"] == 0


def test_duplicate_citations_count_once() -> None:
    s = score_answer(ANSWERABLE, answer([(A, 6), (A, 6), (A, 2)], [(A, 6)]))
    assert (s["cited"], s["cited_right"]) == (2, 1)
    assert aggregate([s])["citation_precision"] == 0.5


def test_a_false_abstention_is_counted_and_scores_no_keywords() -> None:
    s = score_answer(ANSWERABLE, answer([], [(A, 6)], abstained=True, text="separatist Turks"))
    m = aggregate([s])
    assert m["false_abstention_rate"] == 1 and m["keyword_recall"] == 0 and not s["passed"]


def test_thresholds_name_the_metric_and_know_upper_bounds() -> None:
    metrics = {"hit@1": 0.5, "latency_p95_ms": 300.0, "false_abstention_rate": 0.2}
    problems = failed_thresholds(
        metrics, {"hit@1": 0.6, "latency_p95_ms": 250, "false_abstention_rate": 0.3, "bogus": 1}
    )
    assert problems[0] == "hit@1 = 0.500, below the threshold 0.600"
    assert problems[1] == "latency_p95_ms = 300.000, above the threshold 250.000"
    assert "unknown metric 'bogus'" in problems[2] and len(problems) == 3


def test_set_files_are_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nquestions:\n  - id: a\n    question: Why?\n")
    with pytest.raises(ConfigError, match="needs 'expected'"):
        load_set(bad)
    bad.write_text(
        "questions:\n  - id: a\n    question: Why?\n    answerable: false\n  - id: a\n    question: Who?\n    answerable: false\n"
    )
    with pytest.raises(ConfigError, match="question 'a': duplicate id"):
        load_set(bad)
    bad.write_text(
        "thresholds: {recall: 0.5}\nquestions:\n  - {id: a, question: 'Why?', answerable: false}\n"
    )
    with pytest.raises(ConfigError, match=r"thresholds\.recall: unknown metric"):
        load_set(bad)


def test_the_article_set_is_well_formed() -> None:
    from ingest.paragraphs import split_paragraphs

    qset = load_set(ARTICLE_SET)
    paragraphs = {
        p.number: p for p in split_paragraphs(qset.sources[0].read_text(encoding="utf-8"))
    }
    answerable = [c for c in qset.cases if c.answerable]
    assert len(qset.cases) >= 40 and len(qset.cases) - len(answerable) >= 6
    assert sum(len(c.turns) > 1 for c in qset.cases) >= 4
    body = {n for n, p in paragraphs.items() if not p.is_heading}
    assert body == {p for c in answerable for _, p in c.expected}, (
        "every content paragraph is asked about"
    )
    for case in answerable:
        texts = " ".join(paragraphs[p].text.lower() for _, p in case.expected)
        assert all(k.lower() in texts for k in case.answer_keywords), case.id


class ScriptedAssistant:
    """Returns canned answer objects through the runner's real code path."""

    class backend:
        name = "scripted"

    def __init__(self, make) -> None:
        self.make = make
        self.asked: list[tuple[str, int]] = []

    def ask(self, question, history=(), k=None):
        self.asked.append((question, len(history)))
        return self.make(question)


class _Answer:
    def __init__(self, data: dict) -> None:
        self.data = data
        self.answer = data["answer"]
        self.search_query = ""

    def to_json(self) -> dict:
        return self.data


@pytest.mark.slow
def test_metrics_drop_when_the_answers_are_wrong(assistant) -> None:
    """Honesty: the same set scored on real answers, then on deliberately wrong ones."""
    qset = load_set(ARTICLE_SET)
    real = aggregate([r["scores"] for r in run_cases(assistant, qset)])
    wrong = ScriptedAssistant(
        lambda q: _Answer(
            answer(
                [("iran-after-karabakh.txt", 1)], [("iran-after-karabakh.txt", 1)], text="Ankara"
            )
        )
    )
    rows = run_cases(wrong, qset)
    bad = aggregate([r["scores"] for r in rows])
    for name in (
        "hit@1",
        "hit@3",
        "mrr",
        "citation_precision",
        "citation_recall",
        "keyword_recall",
        "abstention_accuracy",
    ):
        assert bad[name] < real[name], name
    # Conversations replay their earlier turns before the scored one.
    assert ("How was his plan received?", 1) in wrong.asked


@pytest.mark.slow
@pytest.mark.timeout(2400)  # a hang guard: eight sets, over a thousand questions
def test_shipped_sets_meet_their_thresholds(tmp_path: Path) -> None:
    """The regression gate: every shipped set, calibration and test, offline, default backend.

    A test set's thresholds were set once, after its figures were measured with the final
    weights, a little under them: they catch regressions and never choose anything.
    """
    sets = sorted((PROJECT_ROOT / "evals" / "sets").glob("*.yaml"))
    purposes = {yaml.safe_load(p.read_text(encoding="utf-8")).get("purpose") for p in sets}
    assert purposes == {"calibration", "test"}
    run = subprocess.run(
        [sys.executable, "-m", "evals", "run", *map(str, sets), "--out", str(tmp_path),
         "--quality-only"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    print(run.stdout, run.stderr)
    assert run.returncode == 0, run.stderr
    for path in sets:
        report = json.loads((tmp_path / load_set(path).name / "report.json").read_text())
        assert report["failed_thresholds"] == [] and report["thresholds"]


@pytest.mark.slow
def test_article_set_writes_reports_and_compares(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run = subprocess.run(
        [sys.executable, "-m", "evals", "run", str(ARTICLE_SET), "--out", str(out),
         "--quality-only"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    print(run.stdout, run.stderr)
    assert run.returncode == 0, run.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["failed_thresholds"] == [] and report["questions"] >= 40
    assert {p.name for p in out.iterdir()} >= {
        "results.jsonl",
        "report.json",
        "report.md",
        "metrics.png",
        "latency.png",
    }
    assert "| hit@3 |" in (out / "report.md").read_text()
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert {"id", "question", "answer", "scores"} <= set(rows[0])

    again = tmp_path / "again"
    subprocess.run(
        [sys.executable, "-m", "evals", "run", str(ARTICLE_SET), "--out", str(again),
         "--quality-only"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    compared = subprocess.run(
        [sys.executable, "-m", "evals", "compare", str(out), str(again)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert (
        "| hit@1 |" in compared.stdout and "Questions whose outcome changed: 0" in compared.stdout
    )


def test_a_missed_threshold_fails_the_run_naming_the_metric(tmp_path: Path) -> None:
    strict = tmp_path / "strict.yaml"
    strict.write_text(
        "name: strict\n"
        f"sources: [{PROJECT_ROOT / 'sources' / 'iran-after-karabakh.txt'}]\n"
        "thresholds: {hit@1: 1.01}\n"
        "questions:\n"
        "  - id: t\n    question: Who translated the article?\n"
        "    expected: [{source: iran-after-karabakh.txt, paragraph: 17}]\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "evals", "run", str(strict), "--out", str(tmp_path / "o")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1
    assert "FAILED strict: hit@1 = 1.000, below the threshold 1.010" in run.stderr


def test_report_files_appear_whole_or_not_at_all(tmp_path: Path) -> None:
    """The eval page refreshes while a run writes its report: whoever reads a report file
    sees the previous whole file or the new whole file, never one half written."""
    from evals.report import write_atomically

    target = tmp_path / "metrics.png"
    target.write_bytes(b"old, complete")
    seen = []

    def write(partial: Path) -> None:
        partial.write_bytes(b"new, first half")
        seen.append(target.read_bytes())  # a reader in the middle of the write
        with partial.open("ab") as handle:
            handle.write(b", second half")

    write_atomically(target, write)
    assert seen == [b"old, complete"]
    assert target.read_bytes() == b"new, first half, second half"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.png"]
