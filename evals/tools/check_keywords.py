"""Check question sets against their sources before they are used.

Run::

    python -m evals.tools.check_keywords evals/blind/unanswerable-*.yaml

For every answerable question, each answer keyword must appear verbatim
(case-insensitive) in one of its expected paragraphs, and each expected
paragraph must hold at least one keyword when there are enough keywords to go
round (so both halves of a compound question are checked). Unanswerable
questions must name what is ``missing`` and carry no expected paragraphs or
keywords. Ids must be unique within a file. Exits 1 and lists every problem.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ingest.paragraphs import split_paragraphs

# Paragraph number -> (text, is_heading), per source file basename.
Paragraphs = Mapping[str, Mapping[int, tuple[str, bool]]]


def question_problems(q: Mapping[str, Any], paragraphs: Paragraphs) -> list[str]:
    """Problems with one question, given its set's numbered paragraphs.

    >>> paras = {"a.txt": {1: ("Title", True), 2: ("The Volga feeds it.", False),
    ...                    3: ("Aktau is a port.", False)}}
    >>> ok = {"id": "x", "question": "?", "expected": [{"source": "a.txt", "paragraph": 2}],
    ...       "answer_keywords": ["volga"]}
    >>> question_problems(ok, paras)
    []
    >>> question_problems({**ok, "answer_keywords": ["Ural"]}, paras)
    ["x: keyword 'Ural' is in none of its expected paragraphs"]
    >>> both = [{"source": "a.txt", "paragraph": 2}, {"source": "a.txt", "paragraph": 3}]
    >>> question_problems({**ok, "expected": both, "answer_keywords": ["Volga", "feeds"]}, paras)
    ['x: expected paragraph #2 holds none of the keywords']
    >>> question_problems({"id": "y", "question": "?", "answerable": False}, paras)
    ['y: an unanswerable question needs a `missing` phrase']
    """
    qid = q.get("id", "?")
    if not (q.get("question") or q.get("turns")):
        return [f"{qid}: needs `question` or `turns`"]
    if q.get("answerable", True) is False:
        return _unanswerable_problems(qid, q)
    return _answerable_problems(qid, q, paragraphs)


def _unanswerable_problems(qid: str, q: Mapping[str, Any]) -> list[str]:
    problems = []
    if not str(q.get("missing") or "").strip():
        problems.append(f"{qid}: an unanswerable question needs a `missing` phrase")
    if q.get("expected") or q.get("answer_keywords"):
        problems.append(f"{qid}: an unanswerable question has no expected paragraphs or keywords")
    return problems


def _answerable_problems(qid: str, q: Mapping[str, Any], paragraphs: Paragraphs) -> list[str]:
    keywords = [str(k) for k in q.get("answer_keywords") or []]
    if not q.get("expected") or not keywords:
        return [f"{qid}: an answerable question needs `expected` and `answer_keywords`"]
    texts, problems = [], []
    for e in q["expected"]:
        found = paragraphs.get(e["source"], {}).get(int(e["paragraph"]))
        if found is None:
            problems.append(f"{qid}: no paragraph {e['paragraph']} in {e['source']}")
        elif found[1]:
            problems.append(f"{qid}: paragraph {e['paragraph']} of {e['source']} is a heading")
        else:
            texts.append(found[0].lower())
    for k in keywords:
        if not any(k.lower() in t for t in texts):
            problems.append(f"{qid}: keyword {k!r} is in none of its expected paragraphs")
    if 1 < len(texts) <= len(keywords):
        for i, t in enumerate(texts):
            if not any(k.lower() in t for k in keywords):
                problems.append(f"{qid}: expected paragraph #{i + 1} holds none of the keywords")
    return problems


def duplicate_ids(questions: Sequence[Mapping[str, Any]]) -> list[str]:
    """Ids used more than once.

    >>> duplicate_ids([{"id": "a"}, {"id": "b"}, {"id": "a"}])
    ['a']
    """
    counts = Counter(q.get("id") for q in questions)
    return sorted(str(i) for i, n in counts.items() if n > 1)


def load_paragraphs(
    set_path: Path, sources: Sequence[str]
) -> dict[str, dict[int, tuple[str, bool]]]:
    """Number each source's paragraphs the way ingest does."""
    out = {}
    for rel in sources:
        path = (set_path.parent / rel).resolve()
        markdown = path.suffix.lower() in {".md", ".markdown"}
        paras = split_paragraphs(path.read_text(encoding="utf-8"), markdown=markdown)
        out[path.name] = {p.number: (p.text, p.is_heading) for p in paras}
    return out


def check_file(path: Path) -> list[str]:
    """Every problem in one set file, each prefixed with the file name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = data.get("questions") or []
    paragraphs = load_paragraphs(path, data.get("sources") or [])
    problems = [f"duplicate id {i!r}" for i in duplicate_ids(questions)]
    for q in questions:
        problems.extend(question_problems(q, paragraphs))
    return [f"{path}: {p}" for p in problems]


def main(argv: Sequence[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    failed = False
    for name in argv:
        path = Path(name)
        problems = check_file(path)
        failed = failed or bool(problems)
        for p in problems:
            print(p)
        count = len(yaml.safe_load(path.read_text(encoding="utf-8"))["questions"])
        print(f"{path}: {count} questions, {len(problems)} problem(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
