"""Running a question set through the same ``qa`` code path as the chat."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evals.metrics import LABELS, UPPER_BOUNDS, aggregate, failed_thresholds, score_answer
from evals.report import write_atomically
from evals.sets_io import QuestionSet
from ingest.service import open_ingester
from qa.models import Turn
from qa.pipeline import Assistant
from qa.service import build_assistant
from settings import Settings


@dataclass
class RunResult:
    set: QuestionSet
    rows: list[dict]
    metrics: dict
    failures: list[str]  # thresholds missed
    settings: dict


def run_cases(
    assistant: Assistant,
    qset: QuestionSet,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Ask every case (replaying earlier turns of a conversation) and score the last turn."""
    rows = []
    for i, case in enumerate(qset.cases):
        history: list[Turn] = []
        for earlier in case.turns[:-1]:
            previous = assistant.ask(earlier, history)
            history.append(Turn(earlier, previous.answer, previous.search_query))
        answer = assistant.ask(case.question, history).to_json()
        rows.append(
            {
                "id": case.id,
                "question": case.question,
                "turns": case.turns,
                "expected": sorted([list(e) for e in case.expected]),
                "answer_keywords": list(case.answer_keywords),
                "answer": answer,
                "scores": score_answer(case, answer),
            }
        )
        if progress:
            progress(i + 1, len(qset.cases))
    return rows


@contextmanager
def set_settings(qset: QuestionSet, settings: Settings) -> Iterator[Settings]:
    """Settings to answer a set with: a set naming ``sources`` gets a fresh temporary
    index of its own (on a Chroma server, a temporary collection the caller drops)."""
    with tempfile.TemporaryDirectory(prefix=f"eval-{qset.name}-") as tmp:
        if qset.sources and not settings.chroma_url:
            settings = settings.with_(chroma_path=Path(tmp) / "store")
        elif qset.sources:
            settings = settings.with_(
                chroma_collection=f"eval-{qset.name}-{int(time.time())}",
                chroma_path=Path(tmp) / "store",
            )
        if qset.sources:
            roots = {s.parent if s.is_file() else s for s in qset.sources}
            settings = settings.with_(sources_dir=sorted(roots)[0])
            report = open_ingester(settings).run(qset.sources)
            if report.errors:
                raise RuntimeError(f"set {qset.name}: ingest failed: {report.errors}")
        yield settings


def run_set(
    qset: QuestionSet,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
    assistant_factory: Callable[[Settings], Assistant] = build_assistant,
    gate_speed: bool = True,
) -> RunResult:
    """Run one set through the same code path as the chat."""
    with set_settings(qset, settings) as settings:
        assistant = assistant_factory(settings)
        rows = run_cases(assistant, qset, progress)
        if qset.sources and settings.chroma_url:
            assistant.drop_collection()
    metrics = aggregate([r["scores"] for r in rows])
    return RunResult(
        qset,
        rows,
        metrics,
        failed_thresholds(metrics, qset.thresholds, gate_speed),
        {"backend": assistant.backend.name, "top_k": settings.top_k},
    )


def write_results(result: RunResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in result.rows)
    write_atomically(out / "results.jsonl", lambda p: p.write_text(lines, encoding="utf-8"))
    report = {
        "set": result.set.name,
        "questions": len(result.rows),
        "metrics": result.metrics,
        # For readers that do not import evals (the Evals page): names in words.
        "metric_labels": {name: LABELS.get(name, name) for name in result.metrics},
        "lower_is_better": sorted(UPPER_BOUNDS & set(result.metrics)),
        "thresholds": result.set.thresholds,
        "failed_thresholds": result.failures,
        "settings": result.settings,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    body = json.dumps(report, indent=2, ensure_ascii=False)
    write_atomically(out / "report.json", lambda p: p.write_text(body, encoding="utf-8"))
