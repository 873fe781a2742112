"""Sources as a new user leaves them: unreadable folders, named pipes, UTF-16 files, empty
folders, a store path that is a file, two ingests at once. Real files, the real CLI.

Root reads every file, so "unreadable" is made real by running the ingest without
the capabilities that let root bypass permissions (``setpriv``); where that cannot be
done the test is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from settings import PROJECT_ROOT, Settings
from tests.helpers import ARTICLE, NO_BYPASS, HashEmbeddings, make_ingester
from vectorstore.index import open_index
from vectorstore.lock import file_lock

pytestmark = pytest.mark.slow

# Root without these reads and writes only what the permission bits allow its owner.


def cli(settings: Settings, *args: str, prefix: list[str] | None = None, timeout: float = 300):
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", *args], cwd=PROJECT_ROOT,
        env={**os.environ, **settings.to_env()}, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.fixture
def no_bypass(tmp_path: Path) -> list[str]:
    """A command prefix under which a mode-000 folder really cannot be read."""
    probe = tmp_path / "probe"
    probe.mkdir(mode=0)
    try:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is not installed")
        run = subprocess.run([*NO_BYPASS, "ls", str(probe)], capture_output=True, text=True)
        if run.returncode == 0 or "Permission denied" not in run.stderr:
            pytest.skip(f"cannot drop the permission bypass here: {run.stderr.strip()}")
    finally:
        probe.chmod(0o755)
    return NO_BYPASS


def test_a_folder_made_unreadable_is_named_and_its_sources_kept(
    settings: Settings, no_bypass: list[str], minilm
) -> None:
    sub = settings.sources_dir / "private"
    sub.mkdir()
    shutil.copy(ARTICLE, sub / ARTICLE.name)
    (settings.sources_dir / "notes.txt").write_text("A note about the Aras river.\n")
    first = cli(settings, "ingest", prefix=no_bypass)
    assert first.returncode == 0, first.stderr

    sub.chmod(0)
    try:
        (settings.sources_dir / "more.txt").write_text("Another note, about Nakhchivan.\n")
        for _ in range(2):  # every later ingest, not only the first after the change
            again = cli(settings, "ingest", "--json", prefix=no_bypass)
            assert again.returncode == 1, again.stderr
            assert "Traceback" not in again.stderr
            summary = json.loads(again.stdout)
            (problem,) = summary["errors"]
            assert problem.startswith("private/: folder cannot be read (permission denied)")
            assert "kept" in problem
            assert [s["status"] for s in summary["sources"] if s["status"] == "deleted"] == []
        answer = cli(settings, "qa", "--json", "Who translated the article?", prefix=no_bypass)
        assert answer.returncode == 0, answer.stderr
        assert json.loads(answer.stdout)["citations"][0]["source"] == "private/" + ARTICLE.name
    finally:
        sub.chmod(0o755)
    sources = {r.source for r in open_index(settings, minilm).catalog.sources()}
    assert sources == {"notes.txt", "more.txt", "private/" + ARTICLE.name}


def test_an_unreadable_folder_on_a_first_ingest_is_named(
    settings: Settings, no_bypass: list[str]
) -> None:
    (settings.sources_dir / "notes.txt").write_text("A note about the Aras river.\n")
    locked = settings.sources_dir / "locked"
    locked.mkdir()
    (locked / "secret.txt").write_text("Not to be read.\n")
    (settings.sources_dir / "unreadable.txt").write_text("Nor this.\n")
    (settings.sources_dir / "unreadable.txt").chmod(0)
    locked.chmod(0)
    try:
        run = cli(settings, "ingest", prefix=no_bypass)
        named = cli(settings, "ingest", str(locked / "secret.txt"), prefix=no_bypass)
    finally:
        locked.chmod(0o755)
    assert named.returncode == 1 and "Traceback" not in named.stderr
    assert f"error: {locked}/secret.txt: cannot be read: permission denied" in named.stderr
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "error: locked/: folder cannot be read (permission denied)" in run.stderr
    assert "error: unreadable.txt: cannot be read: permission denied" in run.stderr
    assert "added      notes.txt" in run.stderr


def test_a_named_pipe_is_skipped_not_waited_on(settings: Settings) -> None:
    (settings.sources_dir / "notes.txt").write_text("A note about the Aras river.\n")
    os.mkfifo(settings.sources_dir / "feed.txt")
    os.mkfifo(settings.sources_dir / "feed.fifo")
    # The timeout is a hang guard: before, this ingest never returned.
    run = cli(settings, "ingest", "--json", timeout=240)
    assert run.returncode == 1, run.stderr
    summary = json.loads(run.stdout)
    assert summary["errors"] == ["feed.txt: is a named pipe; only regular files are read"]
    assert [s["source"] for s in summary["sources"]] == ["notes.txt"]


def test_utf16_and_utf32_with_a_byte_order_mark_are_read(settings: Settings) -> None:
    text = "Tehran’s view — in brief.\n\nIran feared the Aras border would change.\n"
    encodings = {"utf16.txt": "utf-16", "utf32.md": "utf-32"}
    for name, encoding in encodings.items():
        (settings.sources_dir / name).write_bytes(text.encode(encoding))
    (settings.sources_dir / "utf16be.txt").write_bytes(
        b"\xfe\xff" + text.encode("utf-16-be")
    )  # big-endian, its mark written by hand
    (settings.sources_dir / "bom8.txt").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (settings.sources_dir / "nobom.txt").write_bytes(text.encode("utf-16-le"))
    report = make_ingester(settings, HashEmbeddings()).run([settings.sources_dir])
    assert report.errors == [
        "nobom.txt: looks like a binary file (it contains NUL bytes), not text. UTF-16 and "
        "UTF-32 text is read when it starts with a byte-order mark."
    ]
    records = open_index(settings, HashEmbeddings()).catalog.sources(with_paragraphs=True)
    assert {r.source for r in records} == {"utf16.txt", "utf16be.txt", "utf32.md", "bom8.txt"}
    for record in records:
        paragraphs = [p["text"] for p in record.paragraphs]
        assert paragraphs == [
            "Tehran’s view — in brief.",
            "Iran feared the Aras border would change.",
        ]


def test_an_empty_folder_is_warned_about(settings: Settings, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    only_pictures = tmp_path / "pictures"
    only_pictures.mkdir()
    (only_pictures / "map.png").write_bytes(b"\x89PNG")
    run = cli(settings, "ingest", str(empty), str(only_pictures))
    assert run.returncode == 0, run.stderr
    assert f"warning: no supported files in {empty} (supported: " in run.stdout
    assert f"warning: no supported files in {only_pictures} (supported: " in run.stdout
    assert "0 added" in run.stdout


@pytest.mark.parametrize("command", [["ingest"], ["qa", "--json", "Who translated it?"]])
def test_chroma_path_pointing_at_a_file_is_one_line(
    settings: Settings, tmp_path: Path, command: list[str]
) -> None:
    (settings.sources_dir / "notes.txt").write_text("A note.\n")
    a_file = tmp_path / "store.txt"
    a_file.write_text("not a folder")
    run = cli(settings.with_(chroma_path=a_file), *command)
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"error: CHROMA_PATH={a_file} is a file, not a folder. "
        "Point CHROMA_PATH at a folder (it is created if missing)."
    )
    assert a_file.read_text() == "not a folder"


def test_a_second_ingest_says_what_it_waits_for(settings: Settings) -> None:
    (settings.sources_dir / "notes.txt").write_text("A note about the Aras river.\n")
    lock = settings.chroma_path / ".ingest.lock"
    with file_lock(lock, timeout_s=5):
        refused = cli(settings, "ingest", "--no-wait")
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert refused.stderr.strip() == (
            f"error: Another ingest (pid {os.getpid()}) is running on this store "
            f"(lock {lock}); it was not waited for. Run again when it has finished, "
            "or give --wait SECONDS."
        )
        short = cli(settings, "ingest", "--wait", "1")
        assert short.returncode == 2
        assert f"waiting for another ingest (pid {os.getpid()}) to finish…" in short.stderr
        assert "waited 1 s" in short.stderr

        waiting = subprocess.Popen(
            [sys.executable, "-m", "ingest"], cwd=PROJECT_ROOT,
            env={**os.environ, **settings.to_env()}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert waiting.stderr is not None
        line = waiting.stderr.readline()  # blocks until the waiter speaks
        assert line == f"waiting for another ingest (pid {os.getpid()}) to finish…\n"
        assert waiting.poll() is None  # still waiting: the lock is held
    out, err = waiting.communicate(timeout=240)
    assert waiting.returncode == 0, err
    assert "waiting" not in err and "added      notes.txt" in out
