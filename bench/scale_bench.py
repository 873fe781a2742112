"""How ingest time, answer latency and memory grow: ``python -m bench.scale_bench``.

Each size (default 1k, 10k, 100k paragraphs of a synthetic corpus) runs in a fresh
process that ingests with the real model into an embedded store, then answers 50
questions with the default backend; it reports its own peak memory. Prints a
table and writes ``docs/bench-scale.png``.

``--synthetic N`` adds a size whose store is filled without the model
(``bench.scale.fill_store``: precomputed MiniLM vectors of 256 paragraphs,
perturbed per chunk; the lexical index built from the texts), for sizes the
model cannot embed in reasonable time (1,000,000). Its query latency and memory
are measured in a fresh reader process, like the others; its ingest time is
extrapolated linearly from the largest measured size and marked so.
``--rows FILE`` reuses measured rows (JSON lines) instead of measuring again.
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

from qa.pipeline import Assistant
from settings import PROJECT_ROOT

PLOT = PROJECT_ROOT / "docs" / "bench-scale.png"


def _time_answers(assistant: Assistant) -> tuple[float, list[float]]:
    """Seconds to the first answer (cold), then 50 answers' milliseconds."""
    t = time.perf_counter()
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
    return first_answer_s, times


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
        first_answer_s, times = _time_answers(build_assistant(settings, embeddings, warm=False))
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


def synthetic_size(chunks: int, keep: Path | None) -> dict:
    """Fill a store of ``chunks`` without the model, then measure a reader on it."""
    from bench.scale import fill_store
    from settings import Settings
    from vectorstore.embeddings import default_embeddings

    folder = keep or Path(tempfile.mkdtemp(prefix="scale-synthetic-"))
    settings = Settings(chroma_path=folder / "chroma")
    t = time.perf_counter()
    if not (settings.chroma_path / "chroma.sqlite3").exists():
        fill_store(settings, default_embeddings(), chunks)
    fill_s = time.perf_counter() - t
    out = subprocess.run(
        [sys.executable, "-m", "bench.scale_bench", "--reader"],
        cwd=PROJECT_ROOT, env=settings.child_env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    row = json.loads(out.stdout.strip().splitlines()[-1])
    return {"paragraphs": chunks, "fill_s_without_model": round(fill_s, 1), **row}


def reader_only() -> dict:
    """In a fresh process: open the store from the environment's settings and answer."""
    from qa.service import build_assistant
    from settings import Settings

    settings = Settings.from_env()
    first_answer_s, times = _time_answers(build_assistant(settings, warm=False))
    return {
        "first_answer_s": round(first_answer_s, 2),
        "answer_p50_ms": round(float(np.percentile(times, 50)), 1),
        "answer_p95_ms": round(float(np.percentile(times, 95)), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def extrapolate_ingest(rows: list[dict]) -> None:
    """Give synthetic rows an ingest time from the largest measured rate, marked as such."""
    measured = [r for r in rows if "ingest_s" in r and not r.get("ingest_extrapolated")]
    if not measured:
        return
    base = max(measured, key=lambda r: r["paragraphs"])
    for r in rows:
        if "ingest_s" not in r:
            r["ingest_s"] = round(base["ingest_s"] * r["paragraphs"] / base["paragraphs"], 1)
            r["ingest_extrapolated"] = f"from {base['paragraphs']:,} paragraphs"


def plot(rows: list[dict]) -> None:
    """Two series: stores ingested with the real model (ingest and answers in one
    process), and stores filled without it (a fresh reader answering; ingest time
    extrapolated, drawn hollow)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {
        "real ingest, one process": [r for r in rows if "fill_s_without_model" not in r],
        "filled without the model, fresh reader": [r for r in rows if "fill_s_without_model" in r],
    }
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    panels = [
        ("ingest time (s)", "ingest_s"),
        ("answer latency p50 (ms)", "answer_p50_ms"),
        ("peak memory (MB)", "peak_rss_mb"),
    ]
    for ax, (title, key) in zip(axes, panels):
        for (label, group), marker in zip(series.items(), ("o", "s")):
            if not group:
                continue
            xs = [r["paragraphs"] for r in group]
            ys = [r.get(key, float("nan")) for r in group]
            hollow = key == "ingest_s" and any(r.get("ingest_extrapolated") for r in group)
            ax.plot(xs, ys, marker=marker, label=label + (" (extrapolated)" if hollow else ""),
                    markerfacecolor="white" if hollow else None)  # fmt: skip
            for x, y in zip(xs, ys):
                ax.annotate(f"{y:g}", (x, y), textcoords="offset points", xytext=(0, 6),
                            ha="center", fontsize=8)  # fmt: skip
        ax.set_xscale("log")
        ax.set_title(title)
        ax.set_xlabel("paragraphs")
    axes[0].legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    PLOT.parent.mkdir(exist_ok=True)
    fig.savefig(PLOT, dpi=90)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--synthetic", type=int, nargs="*", default=[], help="sizes without model")
    parser.add_argument("--keep", type=Path, help="keep the synthetic stores under this folder")
    parser.add_argument("--rows", type=Path, help="JSON lines of rows measured before")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reader", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    if args.reader:
        print(json.dumps(reader_only()))
        return
    rows = [json.loads(line) for line in args.rows.read_text().splitlines()] if args.rows else []
    for size in args.synthetic:
        keep = args.keep / str(size) if args.keep else None
        rows.append(synthetic_size(size, keep))
        print(json.dumps(rows[-1]), flush=True)
    for size in args.sizes if not args.rows else []:
        out = subprocess.run(
            [sys.executable, "-m", "bench.scale_bench", "--one", str(size)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    rows.sort(key=lambda r: r["paragraphs"])
    extrapolate_ingest(rows)
    for row in rows:
        print(json.dumps(row))
    plot(rows)
    print(f"plot: {PLOT}")


if __name__ == "__main__":
    main()
