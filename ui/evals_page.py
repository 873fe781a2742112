"""The Evals page: the latest reports with their plots, and a button to run a set."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import streamlit as st

from settings import PROJECT_ROOT, Settings

SETS_DIR = PROJECT_ROOT / "evals" / "sets"


def runs(settings: Settings) -> list[Path]:
    if not settings.evals_dir.exists():
        return []
    found = [p.parent for p in settings.evals_dir.rglob("report.json")]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def evals_page(settings: Settings) -> None:
    st.title("Evals")
    sets = sorted(SETS_DIR.glob("*.yaml"))
    with st.form("run-set"):
        chosen = st.selectbox("Question set", sets, format_func=lambda p: p.name)
        if st.form_submit_button("Run set", icon=":material/play_arrow:") and chosen:
            out = settings.evals_dir / time.strftime("%Y%m%d-%H%M%S")
            with st.spinner(f"Running {chosen.name}…"):
                result = subprocess.run(
                    [sys.executable, "-m", "evals", "run", str(chosen), "--out", str(out)],
                    cwd=PROJECT_ROOT,
                    env=settings.child_env(),
                    capture_output=True,
                    text=True,
                )
            (st.success if result.returncode == 0 else st.warning)(
                (result.stdout + result.stderr).strip() or "done"
            )
    available = runs(settings)
    if not available:
        st.info("No eval runs yet: run a set above, or `python -m evals run SET` in a shell.")
        return
    run = st.selectbox(
        "Report", available, format_func=lambda p: str(p.relative_to(settings.evals_dir))
    )
    report = json.loads((run / "report.json").read_text())
    cols = st.columns(4)
    for i, name in enumerate(m for m, v in report["metrics"].items() if v is not None):
        value = report["metrics"][name]
        cols[i % 4].metric(name, f"{value:.0f}" if name.endswith("_ms") else f"{value:.3f}")
    for problem in report["failed_thresholds"]:
        st.error(problem)
    for plot in ("metrics.png", "latency.png"):
        if (run / plot).exists():
            st.image(str(run / plot))
    with st.expander("Full report"):
        st.text((run / "report.md").read_text())
