"""Ingest against the real embedding model and a real Chroma store on disk."""

from __future__ import annotations

import gc
import json
import os
import shutil
from pathlib import Path

import pytest

from errors import StoreError
from ingest.cli import main as ingest_main
from settings import Settings
from tests.helpers import ARTICLE, HashEmbeddings, make_ingester
from vectorstore.index import open_index

pytestmark = pytest.mark.slow


def stored(settings: Settings, embeddings) -> dict[str, dict]:
    store = open_index(settings, embeddings).store
    return {h.id: {**h.metadata, "text": h.text} for h in store.iter_all()}


def by_paragraph(chunks: dict[str, dict]) -> dict[tuple[str, int, int], str]:
    return {(m["source"], m["paragraph"], m["part"]): m["text"] for m in chunks.values()}


def _must_not_split(*args: object, **kwargs: object) -> None:
    raise AssertionError("an unchanged source was split into paragraphs again")


def test_first_ingest_then_unchanged_rerun(article_settings: Settings, minilm) -> None:
    first = make_ingester(article_settings, minilm).run([article_settings.sources_dir])
    assert first.errors == []
    (src,) = first.sources
    assert (src.source, src.status, src.paragraphs) == ("iran-after-karabakh.txt", "added", 19)
    assert src.added == src.chunks == 20  # 17 body paragraphs, 3 of them cut in two
    chunks = stored(article_settings, minilm)
    assert len(chunks) == 20
    sample = next(m for m in chunks.values() if m["paragraph"] == 6)
    assert sample["section"] == "Iran’s process management"
    assert sample["source"] == "iran-after-karabakh.txt"
    text = ARTICLE.read_text(encoding="utf-8")
    assert text[sample["start"] : sample["end"]] == sample["text"]
    assert len(sample["chunk_hash"]) == 16
    # Headings are context, never chunks of their own.
    assert {m["paragraph"] for m in chunks.values()}.isdisjoint({4, 11})

    # An unchanged file is hashed, not split again: its paragraph count comes from the catalog.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("ingest.sync.split_paragraphs", _must_not_split)
        again = make_ingester(article_settings, minilm).run([article_settings.sources_dir])
    assert [(s.status, s.paragraphs) for s in again.sources] == [("unchanged", 19)]
    assert again.to_json()["skipped"] == 20
    assert (again.total("added"), again.total("updated"), again.total("deleted")) == (0, 0, 0)
    assert stored(article_settings, minilm) == chunks


def test_edit_insert_remove_add(article_settings: Settings) -> None:
    embeddings = HashEmbeddings()
    src = article_settings.sources_dir
    article = src / ARTICLE.name
    make_ingester(article_settings, embeddings).run([src])
    before = stored(article_settings, embeddings)

    # One paragraph edited: one chunk re-embedded, nothing else.
    text = article.read_text(encoding="utf-8")
    article.write_text(
        text.replace("Iran would not want to lose this trump card.", "Iran would keep this card.")
    )
    embeddings.embedded = []
    report = make_ingester(article_settings, embeddings).run([src])
    assert (report.total("updated"), report.total("added"), report.total("deleted")) == (1, 0, 0)
    assert len(embeddings.chunks_embedded()) == 1
    after_edit = by_paragraph(stored(article_settings, embeddings))
    assert after_edit[("iran-after-karabakh.txt", 5, 0)].endswith("Iran would keep this card.")

    # A paragraph inserted near the top: one chunk embedded, later ones renumbered in place.
    text = article.read_text(encoding="utf-8")
    marker = "As part of the peace deal"
    article.write_text(
        text.replace(marker, "A brand new paragraph about the ceasefire.\n\n" + marker)
    )
    embeddings.embedded = []
    report = make_ingester(article_settings, embeddings).run([src])
    assert embeddings.chunks_embedded() == ["A brand new paragraph about the ceasefire."]
    assert (report.total("added"), report.total("updated"), report.total("deleted")) == (1, 0, 0)
    renumbered = by_paragraph(stored(article_settings, embeddings))
    assert (
        renumbered[("iran-after-karabakh.txt", 3, 0)]
        == "A brand new paragraph about the ceasefire."
    )
    assert (
        renumbered[("iran-after-karabakh.txt", 7, 0)]
        == after_edit[("iran-after-karabakh.txt", 6, 0)]
    )
    assert len(renumbered) == len(before) + 1
    new_text = article.read_text(encoding="utf-8")
    for meta in stored(article_settings, embeddings).values():
        assert new_text[meta["start"] : meta["end"]] == meta["text"]
    # Chunk ids are stable across renumbering (citations keep finding their text).
    assert {m["chunk_hash"] for m in before.values()} <= {
        m["chunk_hash"] for m in stored(article_settings, embeddings).values()
    } | {m["chunk_hash"] for m in before.values() if m["paragraph"] == 5}

    # A new file added; then ingesting only that file leaves the article alone.
    (src / "notes.md").write_text("# Notes\n\nTehran watched the war closely.\n")
    report = make_ingester(article_settings, embeddings).run([src / "notes.md"])
    assert [(s.source, s.status) for s in report.sources] == [("notes.md", "added")]
    sources = {m["source"] for m in stored(article_settings, embeddings).values()}
    assert sources == {"iran-after-karabakh.txt", "notes.md"}

    # A source deleted from the folder: its chunks go, the others stay.
    article.unlink()
    report = make_ingester(article_settings, embeddings).run([src])
    assert ("iran-after-karabakh.txt", "deleted") in [(s.source, s.status) for s in report.sources]
    remaining = stored(article_settings, embeddings)
    assert {m["source"] for m in remaining.values()} == {"notes.md"}
    index = open_index(article_settings, embeddings)
    assert index.record_manager.list_keys(group_ids=["iran-after-karabakh.txt"]) == []
    assert [r.source for r in index.catalog.sources()] == ["notes.md"]


def test_duplicate_paragraphs_are_kept_apart(settings: Settings) -> None:
    (settings.sources_dir / "dup.txt").write_text("Same words.\n\nOther.\n\nSame words.\n")
    embeddings = HashEmbeddings()
    make_ingester(settings, embeddings).run([settings.sources_dir])
    paragraphs = sorted(m["paragraph"] for m in stored(settings, embeddings).values())
    assert paragraphs == [1, 2, 3]


def test_changing_the_embedding_model_reembeds_everything(article_settings: Settings) -> None:
    src = article_settings.sources_dir
    (src / "extra.txt").write_text("Another source that must survive the model change.\n")
    make_ingester(article_settings, HashEmbeddings("test/a", dim=32)).run([src])
    other = HashEmbeddings("test/b", dim=48)
    # Only one file is named, yet the other must be re-embedded too, not lost.
    report = make_ingester(article_settings, other).run([src / ARTICLE.name])
    assert any("embedding model changed" in n for n in report.notices)
    assert len(other.chunks_embedded(titles=("Iran after karabakh", "Extra"))) == 21
    assert {m["source"] for m in stored(article_settings, other).values()} == {
        ARTICLE.name,
        "extra.txt",
    }
    index = open_index(article_settings, other)
    assert index.catalog.meta("embedding_model") == "test/b"


def test_bad_inputs_are_named_and_good_files_still_ingested(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = settings.sources_dir
    (src / "good.txt").write_text("A fine paragraph about Tehran.\n")
    (src / "empty.txt").write_text("  \n\n ")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (src / "latin1.txt").write_bytes("Caf\xe9 au lait.".encode("latin-1"))
    (src / "locked.txt").write_text("secret")
    (src / "picture.png").write_bytes(b"\x89PNG")
    real_open = os.open

    def guarded_open(path, *args, **kwargs):  # root reads any file, so deny it here
        if str(path).endswith("locked.txt"):  # (tests/test_permissions.py does it for real)
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("os.open", guarded_open)
    monkeypatch.setattr("ingest.service.default_embeddings", lambda batch_size: HashEmbeddings())
    code = ingest_main([str(src), str(src / "missing.md"), "--json"], settings=settings)
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert code == 1
    assert [s["source"] for s in summary["sources"]] == ["good.txt"]
    errors = "\n".join(summary["errors"])
    assert "empty.txt: is empty" in errors
    assert "binary.txt: looks like a binary file" in errors
    assert "latin1.txt: is not UTF-8 text (byte 0xe9 at offset 3)" in errors
    assert "locked.txt: cannot be read: permission denied" in errors
    assert "missing.md: no such file or folder" in errors
    assert "picture.png: skipped, unsupported file type" in "\n".join(summary["warnings"])
    assert "error: empty.txt" in err

    # All good: exit status 0.
    for name in ("empty.txt", "binary.txt", "latin1.txt", "locked.txt"):
        (src / name).unlink()
    assert ingest_main([str(src)], settings=settings) == 0


def test_a_bad_file_that_was_good_keeps_its_previous_chunks(settings: Settings) -> None:
    src = settings.sources_dir
    (src / "a.txt").write_text("Iran kept its trump card.\n")
    embeddings = HashEmbeddings()
    make_ingester(settings, embeddings).run([src])
    (src / "a.txt").write_bytes(b"\xff\xfe broken")
    report = make_ingester(settings, embeddings).run([src])
    assert report.errors and "a.txt" in report.errors[0]
    assert [m["text"] for m in stored(settings, embeddings).values()] == [
        "Iran kept its trump card."
    ]


def test_symlink_outside_root_and_oversized_files_are_refused(
    settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Private notes.\n")
    (settings.sources_dir / "link.txt").symlink_to(outside)
    (settings.sources_dir / "big.txt").write_text("word " * 300_000)  # 1.5 MB
    small = settings.with_(max_file_mb=1)
    report = make_ingester(small, HashEmbeddings()).run([settings.sources_dir])
    errors = "\n".join(report.errors)
    assert "link.txt: is a symlink to" in errors and "not followed" in errors
    assert "big.txt: is 1.5 MB, over the 1 MB limit" in errors
    assert report.sources == []


def test_retrieves_the_right_paragraph_with_the_real_model(
    article_settings: Settings, minilm
) -> None:
    ingester = make_ingester(article_settings, minilm)
    ingester.run([article_settings.sources_dir])
    store = open_index(article_settings, minilm).store
    questions = {
        "Who brokered the peace deal that ended the fighting in November 2020?": 2,
        "Why might an Azerbaijani victory worry Tehran about its own Turkish population?": 6,
        "When did the fighting between Azerbaijan and Armenia begin?": 2,
    }
    for question, paragraph in questions.items():
        hits = store.similarity_search(question, k=3)
        assert paragraph in [h.metadata["paragraph"] for h in hits], question


def test_rebuild_recreates_the_index_and_survives_a_corrupt_record_manager(
    article_settings: Settings,
) -> None:
    embeddings = HashEmbeddings()
    make_ingester(article_settings, embeddings).run([article_settings.sources_dir])
    # The first ingest's pooled connections close now: closed later (whenever the garbage
    # collector reached them, under a busy suite) one checkpointed its write-ahead log over
    # the damage below, and the file read as sound again.
    gc.collect()
    db = article_settings.chroma_path / "record_manager.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="--rebuild"):
        make_ingester(article_settings, embeddings)
    from ingest.service import rebuild_damaged

    rebuild_damaged(article_settings)
    report = make_ingester(article_settings, embeddings).run(
        [article_settings.sources_dir], rebuild=True
    )
    assert report.errors == [] and report.total("added") == 20
    assert len(stored(article_settings, embeddings)) == 20
    assert list(article_settings.chroma_path.glob("record_manager.sqlite.damaged-*"))


def test_ingest_names_unreachable_store(settings: Settings, capsys) -> None:
    bad = settings.with_(chroma_url="ftp://nowhere")
    assert ingest_main([str(settings.sources_dir)], settings=bad) == 2
    assert "CHROMA_URL='ftp://nowhere' is not an http(s) URL" in capsys.readouterr().err


def test_same_name_from_two_folders_is_refused(settings: Settings, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (settings.sources_dir / "a.txt").write_text("First a.\n")
    (other / "a.txt").write_text("Second a.\n")
    embeddings = HashEmbeddings()
    make_ingester(settings, embeddings).run([settings.sources_dir])
    report = make_ingester(settings, embeddings).run([other])
    assert "a.txt: has the same name as" in report.errors[0]
    assert [m["text"] for m in stored(settings, embeddings).values()] == ["First a."]


def test_copy_of_article_under_subfolder_keeps_relative_name(settings: Settings) -> None:
    sub = settings.sources_dir / "news"
    sub.mkdir()
    shutil.copy(ARTICLE, sub / ARTICLE.name)
    report = make_ingester(settings, HashEmbeddings()).run([sub / ARTICLE.name])
    assert report.sources[0].source == "news/iran-after-karabakh.txt"
