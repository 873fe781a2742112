"""A full disk and a read-only store folder, on real small file systems (tmpfs).

Mounting needs root (CI runs as root); elsewhere these tests are skipped, saying why.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import PROJECT_ROOT, Settings
from tests.conftest import ARTICLE

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


def ingest(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args], cwd=PROJECT_ROOT,
        env={**os.environ, **settings.to_env()}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def ask(settings: Settings, question: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa", "--json", question], cwd=PROJECT_ROOT,
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


def test_a_read_only_store_is_named_and_loses_nothing(small_fs: Path, tmp_path: Path) -> None:
    remount(small_fs, "size=100m")
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    settings = Settings(sources_dir=sources, chroma_path=small_fs / "store")
    assert ingest(settings).returncode == 0
    remount(small_fs, "ro")
    (sources / "new.txt").write_text("A new source about the Aktau convention.\n")
    for result in (ingest(settings), ask(settings, "Who translated the article?")):
        assert result.returncode == 2
        assert "is read-only" in result.stderr and "Traceback" not in result.stderr
    remount(small_fs, "rw")
    answer = ask(settings, "Who translated the article?")
    assert answer.returncode == 0 and '"paragraph": 17' in answer.stdout
    assert ingest(settings).returncode == 0
