"""The Evals page's history: each metric across runs of a set, and two runs
compared question by question. Reads the run folders' JSON files only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import streamlit as st

# Mirrors the report's metric names; where smaller is better.
LOWER_IS_BETTER = frozenset({"false_abstention_rate", "latency_p50_ms", "latency_p95_ms"})


def read_report(run: Path) -> dict[str, Any] | None:
    """A run's report.json, or None when it is missing or malformed."""
    try:
        report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(report, dict) and isinstance(report.get("metrics"), dict)
    return report if ok else None


def read_rows(run: Path) -> dict[str, dict[str, Any]]:
    """A run's per-question rows by id (malformed lines are skipped)."""
    rows: dict[str, dict[str, Any]] = {}
    try:
        lines = (run / "results.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return rows
    for line in lines:
        try:
            row = json.loads(line)
            rows[str(row["id"])] = row
        except (ValueError, KeyError, TypeError):
            continue
    return rows


def metric_history(reports: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """``{metric: {run label: value}}`` for runs in the order given (oldest first).

    >>> metric_history([("r1", {"metrics": {"mrr": 0.5, "hit@1": None}}),
    ...                 ("r2", {"metrics": {"mrr": 0.7}})])
    {'mrr': {'r1': 0.5, 'r2': 0.7}}
    """
    out: dict[str, dict[str, float]] = {}
    for label, report in reports:
        for name, value in report["metrics"].items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                out.setdefault(name, {})[label] = float(value)
    return out


def question_score(row: dict[str, Any]) -> tuple[float, float, float]:
    """How well one question went, compared in order: passed, reciprocal rank of the
    first expected paragraph, share of right citations.

    >>> question_score({"scores": {"passed": True, "rank": 2, "cited": 2, "cited_right": 1}})
    (1.0, 0.5, 0.5)
    """
    s = row.get("scores", {})
    rank = s.get("rank")
    cited = s.get("cited") or 0
    return (
        float(bool(s.get("passed"))),
        1.0 / rank if rank else 0.0,
        (s.get("cited_right") or 0) / cited if cited else 0.0,
    )


def compare_questions(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One line per question: better, worse, same, added or gone, and why.

    >>> a = {"q": {"question": "Q?", "scores": {"passed": False, "rank": 3}}}
    >>> b = {"q": {"question": "Q?", "scores": {"passed": True, "rank": 1}}}
    >>> [r["change"] for r in compare_questions(a, b)], compare_questions(a, b)[0]["detail"]
    (['better'], 'failed → passed')
    """
    lines = []
    for qid in sorted(set(old) | set(new), key=lambda q: (q not in old, q)):
        a, b = old.get(qid), new.get(qid)
        row = b or a or {}
        line = {"id": qid, "question": str(row.get("question", "")), "change": "", "detail": ""}
        if a is None or b is None:
            line["change"] = "added" if a is None else "gone"
        else:
            line["change"], line["detail"] = _verdict(question_score(a), question_score(b))
        lines.append(line)
    return lines


def _verdict(x: tuple[float, float, float], y: tuple[float, float, float]) -> tuple[str, str]:
    names = ("", "rank of the expected paragraph", "citation precision")
    for i, (u, v) in enumerate(zip(x, y)):
        if u != v:
            change = "better" if v > u else "worse"
            if i == 0:
                return change, "failed → passed" if v else "passed → failed"
            return change, f"{names[i]} {u:.2f} → {v:.2f}"
    return "same", ""


def show_history(runs: list[Path], root: Path) -> None:
    """Line charts of every metric across the runs of one set."""
    reports = [(run, r) for run in runs if (r := read_report(run)) is not None]
    sets = sorted({str(r.get("set", "?")) for _, r in reports})
    if not reports:
        return
    st.subheader("Across runs")
    chosen = st.selectbox("Set", sets, key="history-set") if len(sets) > 1 else sets[0]
    mine = [(run, r) for run, r in reports if str(r.get("set", "?")) == chosen]
    mine.sort(key=lambda x: (str(x[1].get("created", "")), str(x[0])))
    if len(mine) < 2:
        st.caption(f"One run of {chosen} so far: the chart needs two.")
        return
    labels = [_label(run, r, root) for run, r in mine]
    history = metric_history([(label, r) for label, (_, r) in zip(labels, mine)])
    quality = {k: v for k, v in history.items() if not k.endswith("_ms")}
    latency = {k: v for k, v in history.items() if k.endswith("_ms")}
    if quality:
        st.line_chart(_frame(quality, labels), y_label="score", x_label="run")
    if latency:
        st.line_chart(_frame(latency, labels), y_label="ms", x_label="run")


def _label(run: Path, report: dict[str, Any], root: Path) -> str:
    created = str(report.get("created", ""))
    try:
        name = str(run.relative_to(root))
    except ValueError:
        name = run.name
    return f"{created} · {name}" if created else name


def _frame(series: dict[str, dict[str, float]], labels: list[str]) -> Any:
    import pandas as pd

    frame = pd.DataFrame({name: [values.get(x) for x in labels] for name, values in series.items()})
    frame.index = pd.Index(labels, name="run")
    return frame


def show_comparison(runs: list[Path], root: Path) -> None:
    """Two runs side by side, question by question."""
    if len(runs) < 2:
        return
    st.subheader("Compare two runs")
    names = {
        run: str(run.relative_to(root)) if run.is_relative_to(root) else run.name for run in runs
    }
    cols = st.columns(2)
    old = cols[0].selectbox("Older run", runs, index=1, format_func=names.get, key="cmp-old")
    new = cols[1].selectbox("Newer run", runs, index=0, format_func=names.get, key="cmp-new")
    if old == new:
        st.caption("Pick two different runs.")
        return
    lines = compare_questions(read_rows(old), read_rows(new))
    counts = {k: sum(line["change"] == k for line in lines) for k in ("better", "worse", "same")}
    st.markdown(
        f"**{counts['better']} better · {counts['worse']} worse · {counts['same']} unchanged**"
        + (f" · {len(lines) - sum(counts.values())} only in one run" if lines else "")
    )
    changed = [line for line in lines if line["change"] != "same"]
    if changed:
        st.dataframe(changed, hide_index=True, use_container_width=True)
