"""How ingest time, answer latency and memory grow: ``python -m bench.scale_bench``.

Each size (default 1k, 10k, 100k paragraphs of a synthetic corpus) runs in a fresh
process that ingests with the real model into an embedded store, then answers 50
questions with the default backend; it reports its own peak memory. Prints a
table and writes ``docs/bench-scale.png``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from settings import PROJECT_ROOT

PLOT = PROJECT_ROOT / "docs" / "bench-scale.png"


def one_size(paragraphs: int) -> dict:
    from bench.corpus import write_corpus
    from ingest.service import open_ingester
    from qa.service import build_assistant
    from settings import Settings
    from vectorstore.embeddings import default_embeddings

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root / "sources", paragraphs)
        settings = Settings(sources_dir=root / "sources", chroma_path=root / "chroma")
        embeddings = default_embeddings()
        t = time.perf_counter()
        report = open_ingester(settings, embeddings).run([settings.sources_dir])
        ingest_s = time.perf_counter() - t
        assert not report.errors, report.errors
        after_ingest_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t = time.perf_counter()
        assistant = build_assistant(settings, embeddings, warm=False)
        assistant.ask("What did the ministry say about grain exports?")
        first_answer_s = time.perf_counter() - t
        rng = np.random.default_rng(5)
        subjects = ["Tehran", "Baku", "the ministry", "the committee", "observers"]
        objects = ["grain exports", "the pipeline route", "port fees", "water rights"]
        times = []
        for _ in range(50):
            q = f"What did {rng.choice(subjects)} say about {rng.choice(objects)}?"
            t = time.perf_counter()
            assistant.ask(q)
            times.append((time.perf_counter() - t) * 1000)
    return {
        "paragraphs": paragraphs,
        "ingest_s": round(ingest_s, 1),
        "ingest_paragraphs_per_s": round(paragraphs / ingest_s, 1),
        "first_answer_s": round(first_answer_s, 2),
        "answer_p50_ms": round(float(np.percentile(times, 50)), 1),
        "answer_p95_ms": round(float(np.percentile(times, 95)), 1),
        "peak_rss_after_ingest_mb": round(after_ingest_mb),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["paragraphs"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    panels = [
        ("ingest time (s)", [r["ingest_s"] for r in rows]),
        ("answer latency p50 (ms)", [r["answer_p50_ms"] for r in rows]),
        ("peak memory (MB)", [r["peak_rss_mb"] for r in rows]),
    ]
    for ax, (title, values) in zip(axes, panels):
        ax.plot(sizes, values, marker="o")
        ax.set_xscale("log")
        ax.set_title(title)
        ax.set_xlabel("paragraphs")
        for x, y in zip(sizes, values):
            ax.annotate(f"{y:g}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center")
    fig.tight_layout()
    PLOT.parent.mkdir(exist_ok=True)
    fig.savefig(PLOT, dpi=90)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    rows = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, "-m", "bench.scale_bench", "--one", str(size)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    plot(rows)
    print(f"plot: {PLOT}")


if __name__ == "__main__":
    main()
