"""The held-out test sets agree with their sources: paragraphs exist, keywords are in them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evals.sets_io import load_set
from evals.tools.check_keywords import check_set, load_sources, main, uncovered
from settings import PROJECT_ROOT

SETS = PROJECT_ROOT / "evals" / "sets"
TEST_SETS = [
    SETS / f"{name}.yaml"
    for name in ("article-test", "harrowmere", "article-blind", "kestrel", "vantry", "millbrook")
]


@pytest.mark.parametrize("path", TEST_SETS, ids=lambda p: p.stem)
def test_test_set_is_consistent_with_its_source(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = load_sources(path, data)
    assert check_set(data, sources) == []
    # Every body paragraph but a closing licence line is asked about.
    assert all(len(missing) <= 1 for missing in uncovered(data, sources).values())
    assert data["purpose"] == "test"


@pytest.mark.parametrize("path", TEST_SETS, ids=lambda p: p.stem)
def test_test_set_loads_for_the_runner(path: Path) -> None:
    loaded = load_set(path)
    assert all(source.exists() for source in loaded.sources)
    assert sum(not case.answerable for case in loaded.cases) >= 12


@pytest.mark.parametrize(
    "name", ["ashford-calibration", "ashford-test", "pinehurst-calibration", "pinehurst-test"]
)
def test_a_split_set_agrees_with_its_source_and_says_which_half_it_is(name: str) -> None:
    """The two halves of a set written blind and split at random: each is consistent
    with the corpus, says its purpose, and the halves share no question."""
    path = SETS / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert check_set(data, load_sources(path, data)) == []
    corpus, half = name.split("-")
    assert data["purpose"] == half
    other = f"{corpus}-{'test' if half == 'calibration' else 'calibration'}"
    theirs = yaml.safe_load((SETS / f"{other}.yaml").read_text(encoding="utf-8"))
    ids = {q["id"] for q in data["questions"]}
    assert ids and not ids & {q["id"] for q in theirs["questions"]}
    assert sum(q.get("answerable") is False for q in data["questions"]) >= 12


def test_checker_fails_on_a_keyword_missing_from_its_paragraph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "doc.md"
    source.write_text("# Pumps\n\nPump 2 failed on 3 February.\n", encoding="utf-8")
    good = {
        "name": "t",
        "sources": ["doc.md"],
        "questions": [
            {
                "id": "q",
                "question": "When did pump 2 fail?",
                "kind": "when",
                "expected": [{"source": "doc.md", "paragraph": 2}],
                "answer_keywords": ["3 February"],
            }
        ],
    }
    set_file = tmp_path / "t.yaml"
    set_file.write_text(yaml.safe_dump(good), encoding="utf-8")
    assert main([str(set_file)]) == 0
    good["questions"][0]["answer_keywords"] = ["4 March"]
    set_file.write_text(yaml.safe_dump(good), encoding="utf-8")
    assert main([str(set_file)]) == 1
    assert "'4 March' is in none of its expected paragraphs" in capsys.readouterr().out
