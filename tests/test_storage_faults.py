"""A full disk and a read-only store, on real small file systems (tmpfs), and a store
folder this user may only read.

Mounting needs root (CI runs as root); elsewhere these tests are skipped, saying why.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import PROJECT_ROOT, Settings
from tests.helpers import ARTICLE, NO_BYPASS

pytestmark = pytest.mark.slow


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mountpoint = tmp_path / "fs"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mountpoint)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)


def remount(mountpoint: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(mountpoint)], check=True)


def ingest(
    settings: Settings, *args: str, prefix: tuple[str, ...] | list[str] = ()
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "ingest", *args], cwd=PROJECT_ROOT,
        env={**os.environ, **settings.to_env()}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def ask(
    settings: Settings, question: str, prefix: tuple[str, ...] | list[str] = ()
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "qa", "--json", question], cwd=PROJECT_ROOT,
        env={**os.environ, **settings.to_env()}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_full_disk_is_named_and_the_next_run_converges(small_fs: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    settings = Settings(sources_dir=sources, chroma_path=small_fs / "store")
    failed = ingest(settings)
    assert failed.returncode == 2
    assert "is full. Free some space" in failed.stderr and "Traceback" not in failed.stderr
    remount(small_fs, "size=100m")
    assert ingest(settings).returncode == 0
    answer = ask(settings, "Who translated the article?")
    assert answer.returncode == 0 and '"paragraph": 17' in answer.stdout
    again = ingest(settings, "--json")
    assert '"skipped": 20' in again.stdout and '"added": 0' in again.stdout


def test_a_read_only_store_answers_and_refuses_ingest_clearly(
    small_fs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shared index on a read-only mount: reading it is a normal case."""
    remount(small_fs, "size=100m")
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    settings = Settings(sources_dir=sources, chroma_path=small_fs / "store")
    assert ingest(settings).returncode == 0
    remount(small_fs, "ro")
    before = sorted(p.name for p in settings.chroma_path.iterdir())

    answer = ask(settings, "Who translated the article?")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["citations"][0]["paragraph"] == 17

    (sources / "new.txt").write_text("A new source about the Aktau convention.\n")
    for args in ((), ("--rebuild",)):
        refused = ingest(settings, *args)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert refused.stderr.startswith(
            f"error: The index is read-only here ({settings.chroma_path} is on a read-only "
            "file system): an ingest needs to write to it. Questions are still answered"
        )
        assert len(refused.stderr.strip().splitlines()) == 1

    # The chat answers from it too.
    for name, value in settings.to_env().items():
        monkeypatch.setenv(name, value)
    from streamlit.testing.v1 import AppTest

    at = None
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120).run()
        assert not at.exception
        at.chat_input[0].set_value("Who translated the article?").run()
        assert not at.exception
        records = [m["record"] for m in at.session_state["messages"] if "record" in m]
        assert records[0]["citations"][0]["paragraph"] == 17
    finally:
        import streamlit as st

        st.cache_resource.clear()  # the cached assistant holds the store's files open
        del at
        gc.collect()

    remount(small_fs, "rw")
    assert sorted(p.name for p in settings.chroma_path.iterdir()) == before
    assert ingest(settings).returncode == 0
    assert '"paragraph": 17' in ask(settings, "Who translated the article?").stdout


def test_a_store_owned_by_someone_else_answers(tmp_path: Path) -> None:
    """Not a read-only mount: a folder this user may read but not write."""
    probe = tmp_path / "probe"
    probe.mkdir(mode=0o555)
    run = subprocess.run([*NO_BYPASS, "touch", str(probe / "x")], capture_output=True, text=True)
    if run.returncode == 0:
        pytest.skip(f"cannot drop the permission bypass here: {run.stderr.strip()}")
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    settings = Settings(sources_dir=sources, chroma_path=tmp_path / "shared")
    assert ingest(settings).returncode == 0
    stored = {p: p.stat().st_mtime_ns for p in settings.chroma_path.rglob("*")}
    for path in [settings.chroma_path, *settings.chroma_path.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        answer = ask(settings, "Who translated the article?", prefix=NO_BYPASS)
        assert answer.returncode == 0, answer.stderr
        assert json.loads(answer.stdout)["citations"][0]["paragraph"] == 17
        refused = ingest(settings, prefix=NO_BYPASS)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert "is not writable by this user" in refused.stderr
    finally:
        for path in [settings.chroma_path, *settings.chroma_path.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert {p: p.stat().st_mtime_ns for p in settings.chroma_path.rglob("*")} == stored


@pytest.mark.parametrize("command", ["ingest", "qa"])
def test_chroma_path_under_a_read_only_parent_is_one_line(
    small_fs: Path, tmp_path: Path, command: str
) -> None:
    remount(small_fs, "ro")
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "notes.txt").write_text("A note.\n")
    settings = Settings(sources_dir=sources, chroma_path=small_fs / "team" / "store")
    run = ingest(settings) if command == "ingest" else ask(settings, "Who wrote it?")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert str(settings.chroma_path) in line and "read-only" in line
    assert "CHROMA_PATH" in line
