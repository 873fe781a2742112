"""Ablations: each answering signal removed, the models refitted, the test sets re-run.

Usage::

    python -m bench.ablation [--calibration SET ...] [--test SET ...]

For every signal the calibration examples are refitted without it (the same way
``python -m evals train`` fits the shipped weights) and every test set is run through
the real pipeline with the resulting models; one table, one run. Signals that change
the features themselves (focus weighting, word alignment) are collected again.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from evals.runner import run_set
from evals.sets_io import load_set
from evals.train import MAX_FALSE_ABSTENTION, collect, fit
from qa.scoring import ScoringConfig
from qa.service import build_assistant
from settings import Settings

SETS = Path(__file__).resolve().parents[1] / "evals" / "sets"
CALIBRATION = ["article", "caspian", "unanswerable-calibration", "squad2-zelda"]
TEST = ["article-test", "harrowmere", "unanswerable-test", "squad2-spectre"]
# name -> (features switched off, config changes that alter the features themselves)
SIGNALS: dict[str, tuple[tuple[str, ...], dict]] = {
    "all signals": ((), {}),
    "− answer type": (("type_missing",), {}),
    "− constraints (names, numbers)": (("miss_name", "miss_number"), {}),
    "− word alignment": (
        ("align_para", "align_para_min", "align_sent", "align_sent_min"),
        {"word_alignment": False},
    ),
    "− sentence similarity": (("sim", "sim_gap"), {}),
    "− rare-word coverage": (("cover",), {}),
    "− reason cue": (("why_cue",), {}),
    "− phrase match": (("phrase",), {}),
    "− focus weighting": ((), {"focus_weight": 0.0}),
    "− office rule": ((), {"role_required": False}),
    "− credit-line rule": ((), {"credit_lines": False}),
    "− year rule": ((), {"year_required": False}),
    "− cross-encoder": ((), {"cross_candidates": 0}),
    "− typed lead": ((), {"typed_margin": 0.0}),
}
METRICS = (
    "first_citation_accuracy",
    "citation_precision",
    "keyword_recall",
    "abstention_accuracy",
    "false_abstention_rate",
)
SHORT = {"first_citation_accuracy": "1st cit.", "citation_precision": "cit. prec.",
         "keyword_recall": "key phr.", "abstention_accuracy": "abst.",
         "false_abstention_rate": "false abst."}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calibration", nargs="+", default=CALIBRATION)
    parser.add_argument("--test", nargs="+", default=TEST)
    parser.add_argument("--max-false-abstention", type=float, default=MAX_FALSE_ABSTENTION)
    args = parser.parse_args()
    settings = Settings.from_env()
    calibration = [load_set(SETS / f"{n}.yaml") for n in args.calibration]
    tests = [load_set(SETS / f"{n}.yaml") for n in args.test]
    collected: dict[str, list] = {}
    rows = []
    for signal, (disabled, changes) in SIGNALS.items():
        started = time.perf_counter()
        key = repr(sorted(changes.items()))
        if key not in collected:
            config = replace(ScoringConfig.trained(), **changes)
            collected[key] = [q for s in calibration for q in collect(s, settings, config)]
        data = fit(collected[key], args.max_false_abstention, frozenset(disabled))
        config = ScoringConfig.from_weights(data, **changes)
        cells = []
        for qset in tests:
            result = run_set(
                qset, settings, assistant_factory=lambda s, c=config: build_assistant(s, config=c)
            )
            cells.append(result.metrics)
        rows.append((signal, cells))
        print(f"{signal}: done in {time.perf_counter() - started:.0f}s", flush=True)
    head = "| signal | " + " | ".join(f"{t.name} {SHORT[m]}" for t in tests for m in METRICS) + " |"
    print("\n" + head)
    print("|" + "---|" * (1 + len(tests) * len(METRICS)))
    for signal, cells in rows:
        values = [m.get(k) for m in cells for k in METRICS]
        print(
            f"| {signal} | " + " | ".join("–" if v is None else f"{v:.2f}" for v in values) + " |"
        )


if __name__ == "__main__":
    main()
