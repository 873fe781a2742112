"""Split a pool of questions into a calibration set and a held-out test set.

Run::

    python -m evals.tools.split_set evals/pools/unanswerable.yaml --seed 20261124 \\
        --calibration evals/sets/unanswerable-calibration.yaml \\
        --test evals/sets/unanswerable-test.yaml

The split is 50/50 within each ``kind`` (stratified), driven only by the seed,
so the same pool and seed always give the same two files. When a kind has an
odd count, the spare question goes to the calibration and test sides in turn,
which keeps the two files the same size to within one question.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import textwrap
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

HEADER = """\
# {name}: the {purpose} half of a blind question pool.
# Questions over an opinion article (sources/iran-after-karabakh.txt) and an encyclopedic
# text (evals/corpora/caspian-sea.md): answerable ones (paraphrased, why/how, who/when/
# where/how-many, follow-up conversations, two-part questions) and unanswerable ones of five
# kinds: topic-absent, fact-absent, number-absent, false-premise and near-miss.
# Written by hand, blind: before any tuning, without looking at how answers are scored or at
# the other question sets, phrased the way users of a document chat tool ask.
# {purpose_line}
# Generated from evals/pools/unanswerable.yaml by evals/tools/split_set.py, seed {seed},
# stratified 50/50 by kind; do not edit by hand, edit the pool and re-run the split.
# Keywords checked with: python -m evals.tools.check_keywords <this file>
# Counts by kind:
#   {counts}
"""

PURPOSES = {
    "calibration": "Purpose: calibration. Tune abstention thresholds and scoring on this half.",
    "test": "Purpose: test. Held out: measure on it after tuning, never tune against it.",
}


def split_by_kind(
    questions: Sequence[Mapping[str, Any]], seed: int
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """Split questions 50/50 within each kind; each side keeps the pool's order.

    >>> qs = [{"id": str(i), "kind": "a" if i < 5 else "b"} for i in range(8)]
    >>> cal, test = split_by_kind(qs, seed=1)
    >>> sorted(q["id"] for q in cal + test) == [q["id"] for q in qs]
    True
    >>> [sorted(Counter(q["kind"] for q in side).items()) for side in (cal, test)]
    [[('a', 3), ('b', 1)], [('a', 2), ('b', 2)]]
    >>> split_by_kind(qs, seed=1) == (cal, test)
    True
    """
    rng = random.Random(seed)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(questions):
        by_kind[str(q.get("kind", ""))].append(i)
    to_calibration: set[int] = set()
    spare_to_calibration = True
    for kind in sorted(by_kind):
        indices = by_kind[kind][:]
        rng.shuffle(indices)
        half = len(indices) // 2
        if len(indices) % 2:
            half += spare_to_calibration
            spare_to_calibration = not spare_to_calibration
        to_calibration.update(indices[:half])
    cal = [q for i, q in enumerate(questions) if i in to_calibration]
    test = [q for i, q in enumerate(questions) if i not in to_calibration]
    return cal, test


def kind_counts(questions: Sequence[Mapping[str, Any]]) -> str:
    """Counts by kind, in a fixed order, for the header.

    >>> kind_counts([{"kind": "why"}, {"kind": "near-miss"}, {"kind": "why"}])
    'near-miss 1, why 2 (total 3)'
    """
    counts = Counter(str(q.get("kind", "")) for q in questions)
    listed = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
    return f"{listed} (total {len(questions)})"


def wrap_counts(counts: str) -> str:
    """Counts spread over comment lines short enough for the file's width."""
    return "\n#   ".join(textwrap.wrap(counts, width=90))


def render(
    name: str,
    purpose: str,
    sources: Sequence[str],
    questions: Sequence[Mapping[str, Any]],
    seed: int,
) -> str:
    """The text of one set file: header comment, then YAML."""
    header = HEADER.format(
        name=name,
        purpose=purpose,
        purpose_line=PURPOSES[purpose],
        seed=seed,
        counts=wrap_counts(kind_counts(questions)),
    )
    body = {"name": name, "purpose": purpose, "sources": list(sources), "questions": []}
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    items = [
        yaml.safe_dump(
            [dict(q)], sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
        )
        for q in questions
    ]
    indented = "".join("  " + line + "\n" for item in items for line in item.splitlines())
    return header + text.replace("questions: []\n", "questions:\n") + indented


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pool", type=Path)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--calibration", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    args = parser.parse_args(argv)
    pool = yaml.safe_load(args.pool.read_text(encoding="utf-8"))
    cal, test = split_by_kind(pool["questions"], args.seed)
    for path, purpose, part in ((args.calibration, "calibration", cal), (args.test, "test", test)):
        sources = [_rebase(s, args.pool.parent, path.parent) for s in pool.get("sources") or []]
        name = f"unanswerable-{purpose}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(name, purpose, sources, part, args.seed), encoding="utf-8")
        print(f"{path}: {kind_counts(part)}")
    return 0


def _rebase(source: str, old_dir: Path, new_dir: Path) -> str:
    """A source path relative to the pool, made relative to the output file instead."""
    return Path(os.path.relpath((old_dir / source).resolve(), new_dir.resolve())).as_posix()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
