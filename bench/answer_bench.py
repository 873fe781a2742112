"""Answer speed: ``python -m bench.answer_bench``.

Prints, on the bundled article with the default (extractive) backend:
- warm answer latency p50/p95 over the article eval set's questions (target p50 < 100 ms,
  p95 < 250 ms),
- process start to first answer for ``python -m qa "..."`` (target < 3 s),
- with ``--chunks N`` (default 100000): retrieval time against a raw Chroma query of
  the same vector and k on a synthetic store of N chunks (target ratio <= 1.5).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from evals.sets_io import load_set
from ingest.service import open_ingester
from qa.service import build_assistant
from settings import PROJECT_ROOT, Settings
from vectorstore.embeddings import default_embeddings

ARTICLE_SET = PROJECT_ROOT / "evals" / "sets" / "article.yaml"


def warm_latency(settings: Settings) -> dict:
    assistant = build_assistant(settings)
    questions = [c.question for c in load_set(ARTICLE_SET).cases]
    assistant.ask(questions[0])
    times = []
    for _ in range(3):
        for q in questions:
            t = time.perf_counter()
            assistant.ask(q)
            times.append((time.perf_counter() - t) * 1000)
    return {
        "questions": len(times),
        "warm_p50_ms": round(float(np.percentile(times, 50)), 1),
        "warm_p95_ms": round(float(np.percentile(times, 95)), 1),
    }


def cold_start(settings: Settings) -> dict:
    env = {**os.environ, **settings.to_env()}
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "qa", "--json", "Why did Iran fear the result of the war?"],
            cwd=PROJECT_ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        runs.append(time.perf_counter() - t)
    return {"process_to_first_answer_s": round(min(runs), 2), "runs_s": [round(r, 2) for r in runs]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    args = parser.parse_args()
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(chroma_path=Path(tmp) / "chroma")
        open_ingester(settings).run([settings.sources_dir])
        result.update(warm_latency(settings))
        result.update(cold_start(settings))
    if args.chunks:
        from bench.scale import retrieval_overhead

        result.update(retrieval_overhead(args.chunks, default_embeddings()))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
