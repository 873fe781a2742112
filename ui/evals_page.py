"""The Evals page: run a set (with progress), read a report, drill into its questions.

It reads what ``python -m evals run`` writes (report.json, results.jsonl, plots) and
runs that same command in a child process; it imports nothing from ``evals``. A
report that cannot be read is skipped with a note, never shown as a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from settings import PROJECT_ROOT, Settings
from ui import markup
from ui.evals_history import show_comparison, show_history
from ui.jobs import Job, messages, start

SETS_DIR = PROJECT_ROOT / "evals" / "sets"
POLL_S = 0.5


@dataclass(frozen=True)
class Run:
    folder: Path
    report: dict


def read_report(folder: Path) -> dict:
    """A run's report.json, checked for the keys the page shows (ValueError if unusable)."""
    try:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc})") from None
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(report, dict) or not isinstance(report.get("metrics"), dict):
        raise ValueError("no 'metrics' mapping")
    if not all(v is None or isinstance(v, int | float) for v in report["metrics"].values()):
        raise ValueError("a metric that is not a number")
    return report


def find_runs(settings: Settings) -> tuple[list[Run], list[str]]:
    """Readable runs, newest first, and a note for each report that is not."""
    if not settings.evals_dir.exists():
        return [], []
    found, skipped = [], []
    for path in settings.evals_dir.rglob("report.json"):
        try:
            found.append(Run(path.parent, read_report(path.parent)))
        except ValueError as exc:
            skipped.append(f"{path.relative_to(settings.evals_dir)}: {exc}")
    found.sort(key=lambda r: (r.folder / "report.json").stat().st_mtime, reverse=True)
    return found, skipped


def read_rows(folder: Path) -> list[dict]:
    rows = []
    try:
        lines = (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("answer"), dict):
            rows.append(row)
    return rows


def label(report: dict, name: str) -> str:
    return str((report.get("metric_labels") or {}).get(name) or name)


# -- running a set --------------------------------------------------------------------
def start_run(settings: Settings, chosen: Path) -> None:
    out = settings.evals_dir / time.strftime("%Y%m%d-%H%M%S")
    command = [sys.executable, "-m", "evals", "run", str(chosen), "--out", str(out)]
    job = start("evals", [*command, "--progress-jsonl"], settings)
    st.session_state["eval_job"] = (job, chosen.name, out)


def follow_run() -> None:
    """Progress of a running set; when it ends, reap it and keep its outcome."""
    running: tuple[Job, str, Path] | None = st.session_state.get("eval_job")
    if running is None:
        return
    job, name, out = running
    if job.finished():
        text = "\n".join(part for part in (job.stdout().strip(), *messages(job.stderr())) if part)
        st.session_state["eval_outcome"] = (job.exit_code, text or "done", out)
        st.session_state["eval_job"] = None
        job.close()
        st.rerun()
    event = job.progress() or {}
    done, total = int(event.get("done", 0)), int(event.get("total", 0))
    st.progress(
        min(done / total, 1.0) if total else 0.0,
        text=f"Running {name}: {done} of {total} questions" if total else f"Running {name}…",
    )


@st.fragment(run_every=POLL_S)
def _run_progress() -> None:
    follow_run()


# -- showing a run --------------------------------------------------------------------
def show_metrics(report: dict) -> None:
    shown = [(n, v) for n, v in report["metrics"].items() if v is not None]
    lower = set(report.get("lower_is_better") or [])
    cols = st.columns(3)
    for i, (name, value) in enumerate(shown):
        cols[i % 3].metric(
            label(report, name),
            f"{value:.0f}" if name.endswith("_ms") else f"{value:.3f}",
            help=f"`{name}`" + (" (lower is better)" if name in lower else ""),
        )
    for problem in report.get("failed_thresholds") or []:
        st.error(str(problem))


def outcome(row: dict) -> str:
    scores = row.get("scores") or {}
    return "passed" if scores.get("passed") else "failed"


def show_questions(rows: list[dict]) -> None:
    """A table of every question, and one question's answer in full."""
    if not rows:
        st.caption("This run has no per-question results.")
        return
    failed = [r for r in rows if outcome(r) == "failed"]
    st.subheader(f"Questions ({len(failed)} of {len(rows)} failed)")
    only_failed = st.toggle("Only failed questions", value=bool(failed))
    listed = failed if only_failed else rows
    st.dataframe(
        [
            {
                "id": str(r.get("id")),
                "outcome": outcome(r),
                "question": " → ".join(map(str, r.get("turns") or [r.get("question", "")])),
                "rank of right ¶": (r.get("scores") or {}).get("rank"),
                "abstained": bool(r["answer"].get("abstained")),
            }
            for r in listed
        ],
        hide_index=True,
        use_container_width=True,
    )
    if not listed:
        return
    by_id = {str(r.get("id")): r for r in listed}
    chosen = st.selectbox("Look at one question", list(by_id))
    show_question(by_id[chosen])


def show_question(row: dict) -> None:
    answer = row["answer"]
    expected = ", ".join(f"{s} ¶{p}" for s, p in row.get("expected") or []) or "abstain"
    cited = [f"{c.get('source')} ¶{c.get('paragraph')}" for c in answer.get("citations", [])]
    retrieved = [f"{x.get('source')} ¶{x.get('paragraph')}" for x in answer.get("retrieved", [])]
    lines = [
        f"Question: {' → '.join(map(str, row.get('turns') or [row.get('question', '')]))}",
        f"Expected: {expected}",
        f"Keywords: {', '.join(map(str, row.get('answer_keywords') or [])) or '–'}",
        f"Outcome: {outcome(row)}; abstained: {bool(answer.get('abstained'))}",
        f"Cited: {', '.join(cited) or '–'}",
        f"Retrieved (best first): {', '.join(retrieved) or '–'}",
    ]
    st.markdown(
        '<div class="source-card">' + markup.text("\n".join(lines)) + "</div>",
        unsafe_allow_html=True,
    )
    st.markdown("**Answer**")
    st.markdown(
        f'<div class="source-card">{markup.text(str(answer.get("answer", "")))}</div>',
        unsafe_allow_html=True,
    )


def evals_page(settings: Settings) -> None:
    st.title("Evals")
    sets = sorted(SETS_DIR.glob("*.yaml"))
    if st.session_state.get("eval_job") is not None:
        _run_progress()
    else:
        with st.form("run-set"):
            chosen = st.selectbox("Question set", sets, format_func=lambda p: p.name)
            if st.form_submit_button("Run set", icon=":material/play_arrow:") and chosen:
                start_run(settings, chosen)
                st.rerun()
    if finished := st.session_state.get("eval_outcome"):
        code, text, _ = finished
        (st.success if code == 0 else st.warning)(markup.visible(text))
    available, skipped = find_runs(settings)
    for note in skipped:
        st.warning(f"Skipped a report that cannot be shown: {note}")
    if not available:
        st.info("No eval runs yet: run a set above, or `python -m evals run SET` in a shell.")
        return
    run = st.selectbox(
        "Report",
        available,
        format_func=lambda r: (
            f"{r.folder.relative_to(settings.evals_dir)} · {r.report.get('set', '?')}"
        ),
    )
    show_metrics(run.report)
    for plot in ("metrics.png", "latency.png"):
        if (run.folder / plot).exists():
            st.image(str(run.folder / plot))
    show_questions(read_rows(run.folder))
    if (run.folder / "report.md").exists():
        with st.expander("Full report"):
            st.text((run.folder / "report.md").read_text(encoding="utf-8", errors="replace"))
    folders = [r.folder for r in available]
    show_history(folders, settings.evals_dir)
    show_comparison(folders, settings.evals_dir)
