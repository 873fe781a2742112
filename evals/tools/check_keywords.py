"""Check question-set files against the sources they are about.

Run::

    python -m evals.tools.check_keywords evals/sets/article-test.yaml [MORE.yaml ...]

For every set it checks that ids are unique, that each question has a
``question`` or ``turns``, that every expected paragraph exists in a listed
source, and that every answer keyword of an answerable question occurs
verbatim (ignoring case) in at least one of its expected paragraphs. It prints
the problems, the counts by kind and the content paragraphs no question
expects, and exits 1 when there is any problem.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from evals.sets_io import MAX_SOURCE_BYTES
from ingest.outline import outline
from ingest.paragraphs import Paragraph, split_paragraphs  # noqa: F401 (the doctests)

KINDS = frozenset(
    "paraphrase why who when where how-many how-to conversation compound "
    "topic-absent fact-absent number-absent false-premise near-miss "
    # questions that ask for a person or body by office (roles-*.yaml)
    "role-exact role-paraphrase role-absent near-miss-role wrong-entity".split()
)

# Paragraphs a source is made of, keyed by its name in the set (as the set loader names it).
Sources = Mapping[str, Sequence[Paragraph]]


def keyword_found(keyword: str, texts: Sequence[str]) -> bool:
    """Whether ``keyword`` occurs verbatim, ignoring case, in any of ``texts``.

    >>> keyword_found("Minsk Group", ["the OSCE minsk group failed"])
    True
    >>> keyword_found("Minsk  Group", ["the OSCE Minsk Group failed"])
    False
    """
    needle = keyword.casefold()
    return any(needle in text.casefold() for text in texts)


def check_question(q: Any, sources: Sources) -> list[str]:
    """Problems with one question (an empty list when it is sound).

    >>> src = {"a.txt": split_paragraphs("Title line\\n\\nIt rained on 3 May.")}
    >>> ok = {"id": "x", "question": "When?", "kind": "when",
    ...       "expected": [{"source": "a.txt", "paragraph": 2}], "answer_keywords": ["3 may"]}
    >>> check_question(ok, src)
    []
    >>> check_question(dict(ok, answer_keywords=["June"]), src)
    ["x: keyword 'June' is in none of its expected paragraphs [('a.txt', 2)]"]
    >>> check_question(dict(ok, expected=[{"source": "a.txt", "paragraph": 9}]), src)[0]
    'x: a.txt has no paragraph 9 (it has 2)'
    >>> check_question({"id": "u", "question": "Budget?", "kind": "number-absent",
    ...                 "answerable": False, "missing": "the budget"}, src)
    []
    """
    if not isinstance(q, dict):
        return [f"not a mapping: {q!r}"]
    qid = q.get("id", "<no id>")
    problems = [f"{qid}: {p}" for p in _shape_problems(q)]
    if q.get("answerable", True) is False:
        if not str(q.get("missing") or "").strip():
            problems.append(f"{qid}: an unanswerable question needs 'missing'")
        if q.get("expected") or q.get("answer_keywords"):
            problems.append(f"{qid}: an unanswerable question has no expected or keywords")
        return problems
    texts, refs = [], []
    for ref in q.get("expected") or []:
        if not isinstance(ref, dict):
            problems.append(f"{qid}: expected entries are {{source, paragraph}} mappings")
            continue
        name, number = str(ref.get("source")), int(ref.get("paragraph", 0))
        refs.append((name, number))
        paragraphs = sources.get(name)
        if paragraphs is None:
            problems.append(f"{qid}: source {name!r} is not listed in the set's sources")
        elif not 1 <= number <= len(paragraphs):
            problems.append(f"{qid}: {name} has no paragraph {number} (it has {len(paragraphs)})")
        else:
            texts.append(paragraphs[number - 1].text)
    if not refs:
        problems.append(f"{qid}: an answerable question needs 'expected'")
    keywords = [str(k) for k in q.get("answer_keywords") or []]
    if not keywords:
        problems.append(f"{qid}: an answerable question needs 'answer_keywords'")
    problems += [
        f"{qid}: keyword {k!r} is in none of its expected paragraphs {refs}"
        for k in keywords
        if texts and not keyword_found(k, texts)
    ]
    if q.get("kind") == "compound" and (len(set(refs)) < 2 or len(keywords) < 2):
        problems.append(f"{qid}: a compound question needs two paragraphs and two keywords")
    return problems


def _shape_problems(q: dict[str, Any]) -> list[str]:
    problems = []
    turns = q.get("turns") or ([q["question"]] if q.get("question") else [])
    if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        problems.append("needs a non-empty 'question' or 'turns'")
    if q.get("kind") == "conversation" and len(turns) < 2:
        problems.append("a conversation needs at least two turns")
    if q.get("kind") not in KINDS:
        problems.append(f"unknown kind {q.get('kind')!r}")
    return problems


def check_set(data: Any, sources: Sources) -> list[str]:
    """Problems with a whole parsed set: its questions and duplicate ids.

    >>> src = {"a.txt": split_paragraphs("Body.")}
    >>> q = {"id": "d", "question": "?", "kind": "paraphrase",
    ...      "expected": [{"source": "a.txt", "paragraph": 1}], "answer_keywords": ["body"]}
    >>> check_set({"questions": [q, q]}, src)
    ["duplicate id 'd'"]
    """
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return ["expected a mapping with a 'questions' list"]
    problems = []
    ids = Counter(q.get("id") for q in data["questions"] if isinstance(q, dict))
    problems += [f"duplicate id {i!r}" for i, n in ids.items() if n > 1]
    for q in data["questions"]:
        problems += check_question(q, sources)
    return problems


def uncovered(data: dict[str, Any], sources: Sources) -> dict[str, list[int]]:
    """Body paragraphs (not headings) that no answerable question expects.

    >>> src = {"a.md": split_paragraphs("# T\\n\\nOne.\\n\\nTwo.", markdown=True)}
    >>> q = {"expected": [{"source": "a.md", "paragraph": 2}]}
    >>> uncovered({"questions": [q]}, src)
    {'a.md': [3]}
    """
    seen = {
        (str(ref["source"]), int(ref["paragraph"]))
        for q in data["questions"]
        if q.get("answerable", True) is not False
        for ref in q.get("expected") or []
    }
    return {
        name: [p.number for p in ps if not p.is_heading and (name, p.number) not in seen]
        for name, ps in sources.items()
    }


def load_sources(set_path: Path, data: dict[str, Any]) -> dict[str, list[Paragraph]]:
    """Split each listed source (relative to the set file) the way ingest does, named as
    the set loader and the eval runner name it ("squad2/zelda.txt" when the set's sources
    sit in several folders). A source that cannot be read raises ``OSError``."""
    paths = [(set_path.parent / rel).resolve() for rel in data.get("sources") or []]
    if not paths:
        return {}
    roots = sorted({p.parent if p.is_file() else p for p in paths})
    found = outline(paths, roots[0], MAX_SOURCE_BYTES)
    if found.errors:
        raise OSError("; ".join(found.errors))
    return {name: list(paragraphs) for name, paragraphs in found.paragraphs.items()}


def check_file(path: Path) -> list[str]:
    """Every problem of one set file (an empty list when it is sound)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return [f"{path}: expected a mapping with a 'questions' list"]
    return check_set(data, load_sources(path, data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    args = parser.parse_args(argv)
    failed = False
    for path in args.sets:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            print(f"{path}: expected a mapping with a 'questions' list")
            failed = True
            continue
        try:
            sources = load_sources(path, data)
        except OSError as exc:
            print(f"{path}: cannot read a source: {exc}")
            failed = True
            continue
        problems = check_set(data, sources)
        kinds = Counter(str(q.get("kind")) for q in data.get("questions") or [])
        answerable = sum(q.get("answerable", True) is not False for q in data["questions"])
        print(f"{path}: {len(data['questions'])} questions, {answerable} answerable")
        print("  kinds: " + ", ".join(f"{k}={n}" for k, n in sorted(kinds.items())))
        for name, numbers in uncovered(data, sources).items():
            print(f"  {name}: paragraphs no question expects: {numbers or 'none'}")
        for problem in problems:
            print(f"  PROBLEM {problem}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
