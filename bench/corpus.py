"""Deterministic synthetic corpora for benchmarks: varied, sentence-like paragraphs."""

from __future__ import annotations

import random
from pathlib import Path

SUBJECTS = [
    "The delegation",
    "Tehran",
    "Baku",
    "The ministry",
    "A spokesperson",
    "The committee",
    "Analysts",
    "The governor",
    "Observers",
    "The agency",
    "Moscow",
    "Ankara",
]
VERBS = [
    "discussed",
    "rejected",
    "welcomed",
    "reviewed",
    "questioned",
    "announced",
    "signed",
    "postponed",
    "criticised",
    "supported",
    "examined",
    "proposed",
]
OBJECTS = [
    "the border crossing",
    "a trade corridor",
    "the energy agreement",
    "new tariffs",
    "the ceasefire terms",
    "a railway link",
    "water rights",
    "the customs union",
    "grain exports",
    "the pipeline route",
    "a refugee plan",
    "port fees",
]
TAILS = ["after long talks", "despite objections", "in a joint statement", "during the summit",
         "without further comment", "for the third time", "under public pressure",
         "before the elections", "with several conditions", "in the capital"]  # fmt: skip


def paragraph(rng: random.Random, i: int) -> str:
    sentences = []
    for _ in range(rng.randint(2, 4)):
        sentences.append(
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"{rng.choice(TAILS)} on day {rng.randint(1, 3000)} (item {i})."
        )
    return " ".join(sentences)


def write_corpus(folder: Path, paragraphs: int, per_file: int = 500, seed: int = 7) -> list[str]:
    """Write ``paragraphs`` paragraphs into files of ``per_file``; return all texts."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for f in range(0, paragraphs, per_file):
        block = [paragraph(rng, i) for i in range(f, min(f + per_file, paragraphs))]
        texts += block
        (folder / f"doc-{f // per_file:05d}.txt").write_text("\n\n".join(block) + "\n")
    return texts
