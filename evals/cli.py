"""Command line for evals.

Usage::

    python -m evals run evals/sets/article.yaml [--out DIR] [--backend extractive]
    python -m evals compare OLD_DIR NEW_DIR
    python -m evals risk-coverage RUN_DIR ... --out docs/risk-coverage.png
    python -m evals train CALIBRATION_SET.yaml ... [--out FILE] [--max-false-abstention 0.04]
    python -m evals from-feedback --out FILE.yaml [--name NAME]

``run`` writes results.jsonl, report.json, report.md, metrics.png and
latency.png per set (under DIR/<set name>/ when several sets are given) and
exits 1 when a set misses one of its thresholds, naming the metric. Every set
is checked before any runs (unknown keys, wrong types, sources and paragraphs
that do not exist): a bad set exits 2, naming file, question id and key, and
nothing is written. ``--quality-only`` does not gate on latency thresholds
(machine speed, not quality; the test suite uses it, timing lives in ``bench/``).

``from-feedback`` writes an eval set from the thumbs and verdicts readers gave
in the chat (``CHATS_URL``), checks that it loads, and exits 1 when there is
no feedback to make a case of.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from chats.store import ChatStore
from errors import QAError
from evals import feedback
from evals.report import (
    combined_risk_coverage,
    compare,
    write_atomically,
    write_markdown,
    write_plots,
)
from evals.runner import run_set, write_results
from evals.sets_io import load_set, load_sets
from settings import Settings


def _progress_lines(name: str):  # type: ignore[no-untyped-def]
    """One JSON object per answered question on stderr, for the Evals page's bar."""

    def update(done: int, total: int) -> None:
        print(json.dumps({"set": name, "done": done, "total": total}), file=sys.stderr, flush=True)

    return update


def _progress(name: str):  # type: ignore[no-untyped-def]
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=0, desc=name, unit="q", file=sys.stderr, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update


def _train(args: argparse.Namespace) -> int:
    from evals import train

    try:
        sets = load_sets(args.sets)
        bound = args.max_false_abstention
        if bound is None:
            bound = train.MAX_FALSE_ABSTENTION
        data = train.train(sets, Settings.from_env(), bound)
    except (QAError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out or train.WEIGHTS_FILE
    train.write(data, out)
    print(json.dumps({k: data[k] for k in ("min_answer", "calibration")}, indent=2))
    print(f"written: {out}")
    return 0


def from_feedback(out: Path, name: str) -> int:
    try:
        settings = Settings.from_env()
        found = feedback.build(ChatStore.open(settings.chats_url).all_feedback())
        if not found.cases:
            print(
                "error: no feedback to make a case of: give a thumbs up, or a thumbs down "
                "naming the paragraph that answers (or saying the sources do not), "
                f"in the chat first ({found.skipped} thumbs down without a verdict)",
                file=sys.stderr,
            )
            return 1
        out.parent.mkdir(parents=True, exist_ok=True)

        def write(partial: Path) -> None:
            partial.write_text(feedback.to_yaml(found, name), encoding="utf-8")
            load_set(partial)  # what is written must load

        write_atomically(out, write)
    except (QAError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unanswerable = len(found.cases) - found.answerable
    print(
        f"wrote {len(found.cases)} cases ({found.answerable} answerable, {unanswerable} "
        f"unanswerable) to {out}; skipped {found.skipped} without a verdict"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run question sets")
    run.add_argument("sets", nargs="+", type=Path)
    run.add_argument("--out", type=Path, help="output folder (default: evals/runs/<time>)")
    run.add_argument("--backend", help="QA_LLM for this run, e.g. extractive or ollama/llama3")
    run.add_argument(
        "--quality-only", action="store_true", help="do not fail on latency thresholds"
    )
    run.add_argument(
        "--progress-jsonl", action="store_true", help="progress as JSON lines on stderr"
    )
    tr = sub.add_parser("train", help="fit the answerability model on calibration sets")
    tr.add_argument("sets", nargs="+", type=Path)
    tr.add_argument(
        "--out", type=Path, default=None, help="weights file (default: the shipped one)"
    )
    tr.add_argument("--max-false-abstention", type=float, default=None, help="default: 0.04")
    rc = sub.add_parser("risk-coverage", help="one risk-coverage plot for several runs")
    rc.add_argument("runs", nargs="+", type=Path)
    rc.add_argument("--out", type=Path, required=True)
    cmp = sub.add_parser("compare", help="compare two run folders")
    cmp.add_argument("old", type=Path)
    cmp.add_argument("new", type=Path)
    fb = sub.add_parser("from-feedback", help="write an eval set from the chat's feedback")
    fb.add_argument("--out", type=Path, required=True, help="the YAML file to write")
    fb.add_argument("--name", help="the set's name (default: the file's stem)")
    args = parser.parse_args(argv)
    if args.command == "from-feedback":
        return from_feedback(args.out, args.name or args.out.stem)
    if args.command == "compare":
        try:
            print(compare(args.old, args.new))
        except (OSError, ValueError, KeyError) as exc:
            print(f"error: cannot compare: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "train":
        return _train(args)
    if args.command == "risk-coverage":
        print(combined_risk_coverage(args.runs, args.out))
        return 0
    try:
        settings = Settings.from_env()
        if args.backend:
            settings = settings.with_(qa_llm=args.backend)
        out = args.out or settings.evals_dir / time.strftime("%Y%m%d-%H%M%S")
        failed = False
        # Every set is checked before any runs: a typo in the last set must not cost
        # the time of the first, nor leave half the reports written.
        sets = load_sets(args.sets)
        for qset in sets:
            progress = _progress_lines if args.progress_jsonl else _progress
            result = run_set(qset, settings, progress(qset.name), gate_speed=not args.quality_only)
            target = out / qset.name if len(sets) > 1 else out
            write_results(result, target)
            write_markdown(target)
            write_plots(target)
            shown = ", ".join(f"{k}={v:.3f}" for k, v in result.metrics.items() if v is not None)
            print(f"{qset.name}: {shown}")
            print(f"  report: {target / 'report.md'}")
            for problem in result.failures:
                failed = True
                print(f"  FAILED {qset.name}: {problem}", file=sys.stderr)
        return 1 if failed else 0
    except (QAError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
