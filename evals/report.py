"""report.md and PNG plots for one run; ``compare`` for two."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from evals.metrics import METRICS, UPPER_BOUNDS, risk_coverage


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """``write`` a file beside ``path``, then move it into place in one step: the eval
    page, refreshing while a run writes its report, never reads half a file."""
    partial = path.with_name(f".{path.name}.partial")
    write(partial)
    os.replace(partial, path)
    return path


def _fmt(value: float | None, name: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if name.endswith("_ms") else f"{value:.3f}"


def write_markdown(out: Path) -> str:
    report = json.loads((out / "report.json").read_text())
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    lines = [
        f"# Eval report: {report['set']}",
        "",
        f"{report['questions']} questions, backend `{report['settings']['backend']}`, "
        f"k={report['settings']['top_k']}, run {report['created']}.",
        "",
        "| metric | value | threshold |",
        "|---|---|---|",
    ]
    for name in METRICS:
        bound = report["thresholds"].get(name)
        kind = "≤" if name in UPPER_BOUNDS else "≥"
        shown = f"{kind} {_fmt(bound, name)}" if bound is not None else ""
        lines.append(f"| {name} | {_fmt(report['metrics'].get(name), name)} | {shown} |")
    lines += ["", "Thresholds missed: " + ("; ".join(report["failed_thresholds"]) or "none"), ""]
    failed = [r for r in rows if not r["scores"]["passed"]]
    lines += [f"## Failed questions ({len(failed)} of {len(rows)})", ""]
    for r in failed:
        answer = r["answer"]
        expected = ", ".join(f"{s} ¶{p}" for s, p in r["expected"]) or "abstain"
        cited = ", ".join(f"{c['source']} ¶{c['paragraph']}" for c in answer["citations"]) or "–"
        retrieved = ", ".join(f"¶{x['paragraph']}" for x in answer["retrieved"])
        lines += [
            f"### {r['id']}",
            "",
            "Question: " + " → ".join(r["turns"]),
            f"- expected: {expected}; keywords: {', '.join(r['answer_keywords']) or '–'}",
            f"- abstained: {answer['abstained']}; cited: {cited}; retrieved: {retrieved}",
            f"- answer: {answer['answer'][:400]}",
            "",
        ]
    text = "\n".join(lines)
    write_atomically(out / "report.md", lambda p: p.write_text(text, encoding="utf-8"))
    return text


def write_plots(out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    report = json.loads((out / "report.json").read_text())
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    names = [n for n in METRICS if not n.endswith("_ms") and report["metrics"].get(n) is not None]
    fig, ax = plt.subplots(figsize=(8, 4))
    values = [report["metrics"][n] for n in names]
    ax.barh(names, values, color="#4c78a8")
    for n, v in zip(names, values):
        bound = report["thresholds"].get(n)
        if bound is not None:
            ax.plot([bound, bound], [names.index(n) - 0.4, names.index(n) + 0.4], color="#e45756")
        ax.text(min(v + 0.01, 0.92), names.index(n), f"{v:.2f}", va="center")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_title(f"{report['set']}: metrics (red: thresholds)")
    fig.tight_layout()
    paths = [write_atomically(out / "metrics.png", lambda p: fig.savefig(p, dpi=100, format="png"))]
    plt.close(fig)
    paths.append(write_risk_coverage(out, rows, report))
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.hist([r["scores"]["latency_ms"] for r in rows], bins=30, color="#72b7b2")
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title(f"{report['set']}: latency")
    fig.tight_layout()
    paths.append(
        write_atomically(out / "latency.png", lambda p: fig.savefig(p, dpi=100, format="png"))
    )
    plt.close(fig)
    return paths


def write_risk_coverage(out: Path, rows: list[dict], report: dict) -> Path:
    """risk_coverage.png: precision of the answered questions against the share answered
    (questions answered in order of confidence), with the chosen operating point."""
    import matplotlib.pyplot as plt

    points = risk_coverage([r["scores"] for r in rows])
    fig, ax = plt.subplots(figsize=(5, 4))
    if points:
        ax.plot([c for c, _ in points], [p for _, p in points], color="#4c78a8")
    coverage = report["metrics"].get("coverage")
    precision = report["metrics"].get("precision_at_coverage")
    if coverage is not None and precision is not None:
        ax.scatter([coverage], [precision], color="#e45756", zorder=3, label="chosen threshold")
        ax.legend(loc="lower left")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (share of questions answered)")
    ax.set_ylabel("precision of answered questions")
    ax.set_title(f"{report['set']}: risk–coverage")
    fig.tight_layout()
    path = write_atomically(
        out / "risk_coverage.png", lambda p: fig.savefig(p, dpi=100, format="png")
    )
    plt.close(fig)
    return path


def combined_risk_coverage(runs: list[Path], out: Path) -> Path:
    """One risk–coverage plot for several set runs (``python -m evals risk-coverage``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    # Twenty distinct colours: the default ten repeat from the eleventh set on.
    colours = plt.get_cmap("tab20").colors
    for i, run in enumerate(runs):
        report = json.loads((run / "report.json").read_text())
        rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
        points = risk_coverage([r["scores"] for r in rows])
        xs, ys = [c for c, _ in points], [p for _, p in points]
        line = ax.plot(xs, ys, label=report["set"], color=colours[(2 * i) % 20 + i // 10])[0]
        coverage = report["metrics"].get("coverage")
        precision = report["metrics"].get("precision_at_coverage")
        if coverage is not None and precision is not None:
            ax.scatter([coverage], [precision], color=line.get_color(), zorder=3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (share of questions answered, most confident first)")
    ax.set_ylabel("precision of answered questions")
    ax.set_title("Risk–coverage (dots: the calibrated threshold)")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def compare(old: Path, new: Path) -> str:
    """Metric deltas and the questions whose outcome changed."""
    a, b = (json.loads((d / "report.json").read_text()) for d in (old, new))
    lines = [f"# {old.name} → {new.name}", "", "| metric | old | new | Δ |", "|---|---|---|---|"]
    for name in METRICS:
        x, y = a["metrics"].get(name), b["metrics"].get(name)
        delta = f"{y - x:+.3f}" if x is not None and y is not None else "–"
        lines.append(f"| {name} | {_fmt(x, name)} | {_fmt(y, name)} | {delta} |")
    outcome = {}
    for label, d in (("old", old), ("new", new)):
        for line in (d / "results.jsonl").read_text().splitlines():
            row = json.loads(line)
            outcome.setdefault(row["id"], {})[label] = row["scores"]["passed"]
    changed = [(i, o) for i, o in outcome.items() if o.get("old") != o.get("new")]
    lines += ["", f"Questions whose outcome changed: {len(changed)}"]
    for qid, o in changed:
        describe = {True: "pass", False: "fail", None: "absent"}
        lines.append(f"- {qid}: {describe[o.get('old')]} → {describe[o.get('new')]}")
    return "\n".join(lines)
