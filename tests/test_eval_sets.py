"""Eval sets are checked whole before anything runs; each problem names file, question
id and key. The last tests run ``python -m evals`` for real: a bad set among good ones
stops the run before anything is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from errors import ConfigError
from evals.metrics import METRICS
from evals.sets_io import load_set, load_sets
from settings import PROJECT_ROOT

ARTICLE = PROJECT_ROOT / "sources" / "iran-after-karabakh.txt"
GOOD_QUESTION = """
  - id: translator
    question: Who translated the article?
    expected: [{source: iran-after-karabakh.txt, paragraph: 17}]
    answer_keywords: [Can Atalay]
"""


def write(tmp_path: Path, body: str, name: str = "set.yaml", header: str | None = None) -> Path:
    path = tmp_path / name
    head = header if header is not None else f"name: {path.stem}\nsources: [{ARTICLE}]\n"
    path.write_text(head + body, encoding="utf-8")
    return path


def problem(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_set(path)
    message = str(caught.value)
    assert all(line.startswith(f"{path}: ") for line in message.splitlines()), message
    return message


def test_a_good_set_loads_with_every_allowed_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n" + GOOD_QUESTION + "    reference_answer: Can Atalay.\n"
        "    kind: fact\n    note: the last lines of the article\n"
        "  - id: weather\n    turns: ['Who wrote it?', 'What is the weather in Ankara?']\n"
        "    answerable: false\n    missing: the weather\n",
        header=f"name: ok\npurpose: test\ndescription: two questions\nsources: [{ARTICLE}]\n"
        "thresholds: {hit@1: 0.5, latency_p95_ms: 900}\n",
    )
    qset = load_set(path)
    assert (qset.name, qset.purpose, len(qset.cases)) == ("ok", "test", 2)
    assert qset.cases[0].expected == frozenset({("iran-after-karabakh.txt", 17)})
    assert qset.cases[1].turns[-1] == "What is the weather in Ankara?"
    assert qset.thresholds == {"hit@1": 0.5, "latency_p95_ms": 900.0}


def test_a_misspelled_key_inside_expected_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n  - id: q1\n    question: Who?\n"
        "    expected: [{source: iran-after-karabakh.txt, paragrph: 6}]\n",
    )
    message = problem(path)
    assert "question 'q1': expected[0].paragrph: unknown key (did you mean 'paragraph'?" in message
    assert "question 'q1': expected[0].paragraph: missing" in message


def test_a_misspelled_question_key_is_not_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "questions:\n" + GOOD_QUESTION + "    answer_keywrods: [Ankara]\n")
    assert (
        "question 'translator': answer_keywrods: unknown key (did you mean 'answer_keywords'?"
        in problem(path)
    )


def test_an_unknown_top_level_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "treshold: {hit@1: 0.5}\nquestions:\n" + GOOD_QUESTION)
    assert "treshold: unknown key (did you mean 'thresholds'?" in problem(path)


def test_expected_given_as_a_mapping_says_it_must_be_a_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n  - id: q2\n    question: Who?\n"
        "    expected: {source: iran-after-karabakh.txt, paragraph: 6}\n",
    )
    assert "question 'q2': expected: should be a list of {source, paragraph} mappings" in problem(
        path
    )


@pytest.mark.parametrize(
    ("body", "wanted"),
    [
        ("thresholds: {hit@1: high}\n", "thresholds.hit@1: Input should be a valid number"),
        ("thresholds: {hit@1: true}\n", "thresholds.hit@1: Input should be a valid number"),
        ("purpose: final\n", "purpose: Input should be 'calibration', 'test' or 'pool'"),
        ("sources: a.txt\n", "sources: Input should be a valid list"),
    ],
)
def test_wrong_types_at_the_top_are_named(tmp_path: Path, body: str, wanted: str) -> None:
    path = write(tmp_path, body + "questions:\n" + GOOD_QUESTION, header="name: t\n")
    assert wanted in problem(path)


def test_a_paragraph_must_be_a_whole_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n  - id: q\n    question: Who?\n"
        "    expected: [{source: iran-after-karabakh.txt, paragraph: six}]\n",
    )
    assert "question 'q': expected[0].paragraph: Input should be a valid integer" in problem(path)


def test_threshold_names_come_from_the_metrics_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "thresholds: {hit@9: 0.5}\nquestions:\n" + GOOD_QUESTION)
    assert "thresholds.hit@9: unknown metric (did you mean 'hit@" in problem(path)
    # A metric added to METRICS is accepted without touching the loader.
    monkeypatch.setattr("evals.sets_io.METRICS", (*METRICS, "hit@9"))
    assert load_set(path).thresholds == {"hit@9": 0.5}


def test_an_empty_question_list_is_refused(tmp_path: Path) -> None:
    assert "questions: the set has no questions" in problem(write(tmp_path, "questions: []\n"))
    assert "questions: missing" in problem(write(tmp_path, "thresholds: {}\n"))


def test_a_question_needs_an_id_and_a_question(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n  - question: Who?\n    answerable: false\n"
        "  - id: nothing\n    answerable: false\n",
    )
    message = problem(path)
    assert "question #1 (no id): id: missing" in message
    assert "question 'nothing': give either 'question' or 'turns'" in message


def test_answerable_needs_expected_and_unanswerable_has_none(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n  - id: a\n    question: Who?\n"
        "  - id: b\n    question: Who?\n    answerable: false\n"
        "    expected: [{source: iran-after-karabakh.txt, paragraph: 17}]\n",
    )
    message = problem(path)
    assert "question 'a': an answerable question needs 'expected'" in message
    assert "question 'b': an unanswerable question ('answerable: false') has no" in message


def test_a_missing_source_file_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n" + GOOD_QUESTION,
        header=f"name: t\nsources: [{ARTICLE}, nowhere/gone.txt]\n",
    )
    assert "sources[1]: 'nowhere/gone.txt' does not exist" in problem(path)


def test_a_misspelled_source_name_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n  - id: q3\n    question: Who?\n"
        "    expected: [{source: iran-after-karabak.txt, paragraph: 6}]\n",
    )
    assert (
        "question 'q3': expected[0].source: 'iran-after-karabak.txt' is not one of the set's "
        "sources (did you mean 'iran-after-karabakh.txt'?"
    ) in problem(path)


def test_a_paragraph_that_does_not_exist_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions:\n  - id: q4\n    question: Who?\n"
        "    expected: [{source: iran-after-karabakh.txt, paragraph: 99}]\n"
        "  - id: q5\n    question: Who?\n"
        "    expected: [{source: iran-after-karabakh.txt, paragraph: 19}]\n",
    )
    message = problem(path)
    assert (
        "question 'q4': expected[0].paragraph: iran-after-karabakh.txt has 19 paragraphs; "
        "¶99 does not exist"
    ) in message
    assert "'q5'" not in message  # ¶19, the last one, exists


def test_paragraphs_are_counted_the_way_ingest_counts_them(tmp_path: Path) -> None:
    """Markdown headings are paragraphs too, and a heading is never cited."""
    (tmp_path / "notes.md").write_text("# Notes\n\nFirst.\n\n## Part\n\nSecond.\n")
    header = f"name: t\nsources: [{tmp_path / 'notes.md'}]\n"
    ok = write(
        tmp_path,
        "questions:\n  - {id: a, question: 'Q?', expected: [{source: notes.md, paragraph: 4}]}\n",
        header=header,
    )
    assert load_set(ok).cases[0].expected == frozenset({("notes.md", 4)})
    heading = write(
        tmp_path,
        "questions:\n  - {id: h, question: 'Q?', expected: [{source: notes.md, paragraph: 3}]}\n",
        name="heading.yaml",
        header=header,
    )
    assert "question 'h': expected[0].paragraph: ¶3 of notes.md is a heading" in problem(heading)


def test_every_bad_file_is_reported_together(tmp_path: Path) -> None:
    good = write(tmp_path, "questions:\n" + GOOD_QUESTION, name="good.yaml")
    bad = write(tmp_path, "questions: []\n", name="bad.yaml")
    worse = write(tmp_path, "questions: {}\n", name="worse.yaml")
    with pytest.raises(ConfigError) as caught:
        load_sets([good, bad, worse])
    message = str(caught.value)
    assert f"{bad}: questions: the set has no questions" in message
    assert f"{worse}: questions:" in message and str(good) not in message


def test_two_sets_with_one_name_would_overwrite_each_other(tmp_path: Path) -> None:
    header = f"name: same\nsources: [{ARTICLE}]\n"
    one = write(tmp_path, "questions:\n" + GOOD_QUESTION, name="one.yaml", header=header)
    two = write(tmp_path, "questions:\n" + GOOD_QUESTION, name="two.yaml", header=header)
    with pytest.raises(ConfigError, match="the set name 'same' is also the name of"):
        load_sets([one, two])


def test_not_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    assert "not valid YAML" in problem(write(tmp_path, "questions: [\n", header=""))
    assert "is not a mapping" in problem(write(tmp_path, "- a\n- b\n", header=""))


def test_the_shipped_sets_pass_the_checks() -> None:
    sets = load_sets(sorted((PROJECT_ROOT / "evals" / "sets").glob("*.yaml")))
    assert len(sets) >= 2 and all(s.cases for s in sets)


def test_run_good_and_bad_fails_before_writing_anything(tmp_path: Path) -> None:
    good = write(tmp_path, "questions:\n" + GOOD_QUESTION, name="good.yaml")
    bad = write(
        tmp_path,
        "questions:\n  - id: q9\n    question: Who?\n"
        "    expected: [{source: iran-after-karabakh.txt, paragraph: 99}]\n",
        name="bad.yaml",
    )
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "evals", "run", str(good), str(bad), "--out", str(out)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert f"{bad}: question 'q9': expected[0].paragraph:" in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists()


@pytest.mark.slow
def test_a_good_set_runs_with_progress_lines(tmp_path: Path) -> None:
    good = write(tmp_path, "questions:\n" + GOOD_QUESTION, name="good.yaml")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "evals", "run", str(good), "--out", str(out), "--progress-jsonl"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    events = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    assert events[-1] == {"set": "good", "done": 1, "total": 1}
    report = json.loads((out / "report.json").read_text())
    assert report["metric_labels"]["hit@1"] == "Right paragraph ranked first"
    assert "false_abstention_rate" in report["lower_is_better"]


def test_every_metric_has_a_name_in_words() -> None:
    from evals.metrics import LABELS

    assert set(LABELS) == set(METRICS)
