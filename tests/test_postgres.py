"""Several machines, one index: Chroma's server plus the record manager in PostgreSQL.

Two ingest processes started together against the same server and database are
serialised by a PostgreSQL advisory lock, and the index ends exactly as the sources.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from settings import PROJECT_ROOT, Settings
from tests.helpers import (
    ARTICLE,
    HashEmbeddings,
    actual_state,
    expected_state,
    make_ingester,
    rows_match_chroma,
    same_through_rows_and_chroma,
    write_corpus,
)
from tests.servers import chroma_server, postgres_server

pytestmark = pytest.mark.slow


@pytest.fixture
def shared(tmp_path: Path):
    with (
        postgres_server() as postgres,
        chroma_server(tmp_path / "chroma-data", tmp_path / "chroma.log") as chroma,
    ):
        yield postgres, chroma


def test_two_machines_ingest_into_one_index(shared, tmp_path: Path, minilm) -> None:
    postgres, chroma = shared
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    write_corpus(sources, files=4, paragraphs=20)
    settings = Settings(
        sources_dir=sources,
        chroma_path=tmp_path / "local",
        chroma_url=chroma.url,
        record_manager_url=postgres.url,
    )
    env = {**os.environ, **settings.to_env()}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "ingest", "--json"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], outputs
    summaries = [json.loads(out) for out, _ in outputs]
    # One run embedded everything; the other, waiting on the lock, found it all done.
    assert sorted(s["added"] for s in summaries) == [0, 100]
    assert sorted(s["skipped"] for s in summaries) == [0, 100]
    state, rows, keys = actual_state(settings, minilm)
    assert state == expected_state(settings) and len(rows) == len(state) and keys == set()
    assert not (settings.chroma_path / "record_manager.sqlite").exists()

    (sources / "report-000.txt").unlink()
    report = make_ingester(settings, minilm).run([sources])
    assert report.total("deleted") == 20
    counts = {s.source: s.paragraphs for s in report.sources if s.status == "unchanged"}
    assert counts[ARTICLE.name] == 19 and counts["report-001.txt"] == 20  # counted in PostgreSQL
    answer = subprocess.run(
        [sys.executable, "-m", "qa", "--json", "Who translated the article?"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert json.loads(answer.stdout)["citations"][0]["paragraph"] == 17


def test_processes_opening_a_new_database_at_once_do_not_collide(shared) -> None:
    """Both see no table and both create it; the loser must not fail."""
    import threading

    from sqlalchemy import create_engine, text

    postgres, chroma = shared
    admin = create_engine(postgres.url, isolation_level="AUTOCOMMIT")
    for round_ in range(4):
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE race{round_}"))
        url = postgres.url.rsplit("/", 1)[0] + f"/race{round_}"
        settings = Settings(
            chroma_url=chroma.url, record_manager_url=url, chroma_collection=f"race{round_}"
        )
        errors: list[str] = []
        barrier = threading.Barrier(4)
        threads = [
            threading.Thread(target=_open_at_once, args=(settings, barrier, errors))
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []


def _open_at_once(settings: Settings, barrier, errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import HashEmbeddings
    from vectorstore.index import open_index

    try:
        barrier.wait()
        open_index(settings, HashEmbeddings()).record_manager  # noqa: B018
    except Exception as exc:
        errors.append(repr(exc))


def test_an_ingest_waiting_on_another_machine_names_it(shared, tmp_path: Path) -> None:
    import socket

    from vectorstore.catalog import make_engine
    from vectorstore.lock import advisory_lock

    postgres, chroma = shared
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "notes.txt").write_text("A note about the Aras river.\n")
    settings = Settings(
        sources_dir=tmp_path / "sources",
        chroma_path=tmp_path / "local",
        chroma_url=chroma.url,
        record_manager_url=postgres.url,
    )
    holder = f"pid {os.getpid()} on {socket.gethostname()}"
    engine = make_engine(postgres.url)
    with advisory_lock(engine, f"ingest:{settings.chroma_collection}", timeout_s=5):
        run = subprocess.run(
            [sys.executable, "-m", "ingest", "--wait", "1"], cwd=PROJECT_ROOT,
            env={**os.environ, **settings.to_env()}, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    engine.dispose()
    assert run.returncode == 2 and "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines[0] == f"waiting for another ingest ({holder}) to finish…"
    assert lines[1].startswith(f"error: Another ingest ({holder}) is running on this store")
    assert "waited 1 s" in lines[1]


@pytest.fixture
def postgres():
    with postgres_server() as server:
        yield server


def _article_and_reports(
    tmp_path: Path, database_url: str, files: int, paragraphs: int = 15
) -> Settings:
    """Settings of an index in PostgreSQL over the article and ``files`` synthetic reports."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / ARTICLE.name).write_bytes(ARTICLE.read_bytes())
    write_corpus(sources, files=files, paragraphs=paragraphs)
    return Settings(
        sources_dir=sources, chroma_path=tmp_path / "chroma", record_manager_url=database_url
    )


def test_postgres_lexical_index_scores_like_the_embedded_one_and_edits_touch_their_rows(
    postgres, tmp_path: Path, minilm, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import create_engine, text

    from vectorstore.lexical import LexicalIndex
    from vectorstore.lexical_pg import PostgresLexicalIndex

    settings = _article_and_reports(tmp_path, postgres.url, files=3)
    sources = settings.sources_dir
    from vectorstore import lexical_pg

    monkeypatch.setattr(lexical_pg, "VACUUM_AFTER", 1)  # this ingest counts as a large one
    ingester = make_ingester(settings, minilm)
    ingester.run([sources])
    index = ingester.store.index
    assert not index.lexical_path.exists()  # nothing kept per machine
    # Vacuumed once the ingest let go: the postings are read from the index alone.
    with index.engine.connect() as conn:
        plan = "\n".join(
            conn.execute(
                text(f"EXPLAIN (ANALYZE) {lexical_pg._SEARCH_POSTINGS.text}"),
                {"c": "documents", "terms": ["border", "day"], "idfs": [1.0, 1.0], "k1": 1.2,
                 "k1p1": 2.2, "b": 0.75, "avg": 20.0, "n": 5},
            ).scalars()
        )  # fmt: skip
    assert "Index Only Scan" in plan and "Heap Fetches: 0" in plan, plan
    pg = index.load_lexical(index.catalog.generation())
    assert isinstance(pg, PostgresLexicalIndex)
    local = LexicalIndex.build((h.id, h.text) for h in index.store.iter_all())
    assert pg.size == local.size == index.store.count()
    for query in ["Why did Iran fear the result of the war?", "border crossings day 7",
                  "Aliyev Zangezur corridor", "delegation energy prices", "nothing-like-this"]:  # fmt: skip
        want = local.search(query, 30)
        got = pg.search(query, 30)
        assert [round(s, 3) for _, s in got] == [round(s, 3) for _, s in want], query
        assert {i for i, _ in got} == {i for i, _ in want} or len(want) == 30
        assert pg.coverage(query, "Iran and the war") == pytest.approx(
            local.coverage(query, "Iran and the war")
        )
        assert pg.focus(query, 0.25) == local.focus(query, 0.25)

    # Common words with one rare one: the rare term's rows settle the top 2 without
    # scoring every row that shares a common word, and the answer is still exact.
    from sqlalchemy import event

    searches: list[str] = []
    event.listen(pg.engine, "before_cursor_execute",
                 lambda *a: searches.append(a[2]) if "GROUP BY" in a[2] else None)  # fmt: skip
    for query in ["delegation energy prices day 7", "border crossings trade routes day 11"]:
        searches.clear()
        got, want = pg.search(query, 2), local.search(query, 2)
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-4)  # ties: any id
        every = dict(local.search(query, local.size))
        assert all(every[i] == pytest.approx(s, abs=1e-4) for i, s in got)
        assert len(searches) == 1, query  # the rare terms' rows only

    engine = create_engine(postgres.url)
    rows = "SELECT source, chunk_id, xmin::text FROM qa_lexical ORDER BY 1, 2"
    with engine.connect() as conn:
        before = conn.execute(text(rows)).all()
    doc = sources / "report-002.txt"
    doc.write_text(doc.read_text().replace("note 3:", "note 3 on Zanzibar:", 1))
    make_ingester(settings, minilm).run([sources])
    with engine.connect() as conn:
        after = conn.execute(text(rows)).all()
    # One row out, one row in; every other row untouched (same transaction id).
    assert len(set(before) ^ set(after)) == 2
    pg = index.load_lexical(index.catalog.generation())
    (top, _), *_ = pg.search("Zanzibar", 3)
    assert "Zanzibar" in index.store.get(ids=[top])[0].text

    doc.unlink()
    make_ingester(settings, minilm).run([sources])
    pg = index.load_lexical(index.catalog.generation())
    assert pg.search("Zanzibar", 3) == [] and pg.size == index.store.count()
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM qa_lexical WHERE source = :s"),
                            {"s": "report-002.txt"}).scalar()  # fmt: skip
    assert left == 0

    # The postings always hold exactly the tsvectors' terms (edits and deletions
    # included), and a database without them gets them back when opened.
    from vectorstore.lexical_pg import create_schema

    postings = "SELECT term, chunk_id, tf, length FROM qa_lexical_postings ORDER BY 1, 2"
    implied = (
        "SELECT u.lexeme, l.chunk_id, cardinality(u.positions), l.length FROM qa_lexical l "
        "CROSS JOIN LATERAL unnest(l.terms) AS u(lexeme, positions, w) ORDER BY 1, 2"
    )
    with engine.connect() as conn:
        kept = conn.execute(text(postings)).all()
        assert kept == conn.execute(text(implied)).all() and kept
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM qa_lexical_postings"))
    create_schema(engine)
    with engine.connect() as conn:
        assert conn.execute(text(postings)).all() == kept


@pytest.mark.parametrize("ubiquitous_idf", [0.1, 2.0])
def test_postgres_lexical_search_of_common_words_is_exact(
    postgres, monkeypatch: pytest.MonkeyPatch, ubiquitous_idf: float
) -> None:
    """Questions whose words most chunks hold: every pruning path returns exactly
    the embedded index's top k. (With a high ``UBIQUITOUS_IDF`` the terms added last
    weigh enough to change the ranking: only the proof keeps the answer exact.)"""
    import random

    from sqlalchemy import create_engine, event

    from bench.corpus import paragraph
    from bench.lexical_bench import questions
    from vectorstore import lexical_pg
    from vectorstore.lexical import LexicalIndex

    monkeypatch.setattr(lexical_pg, "UBIQUITOUS_IDF", ubiquitous_idf)
    rng = random.Random(3)
    docs = [(f"c{i}", paragraph(rng, i), f"doc-{i // 100}.txt") for i in range(400)]
    sources: dict[str, list[tuple[str, str]]] = {}
    for chunk_id, body, source in docs:
        sources.setdefault(source, []).append((chunk_id, body))
    engine = create_engine(postgres.url)
    lexical_pg.create_schema(engine)
    collection = f"common-{ubiquitous_idf}"
    lexical_pg.sync(engine, collection, {s: "v1" for s in sources}, sources.__getitem__)
    pg = lexical_pg.PostgresLexicalIndex(engine, collection)
    local = LexicalIndex.build(docs)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *a: statements.append(a[2]) if "GROUP BY" in a[2] else None)  # fmt: skip
    paths = set()
    for query in [*questions(12, seed=9), "day item", "Tehran day"]:
        for k in (1, 5, 30):
            statements.clear()
            got, want = pg.search(query, k), local.search(query, k)
            assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-4), (query, k)
            every = dict(local.search(query, local.size))
            assert all(every[i] == pytest.approx(s, abs=1e-4) for i, s in got)
            paths.add(len(statements))
    if ubiquitous_idf < 1:
        assert {2, 3} & paths  # "day" and "item" were added for the candidates alone
    else:
        assert 4 in paths  # the proof failed (terms that matter were left out): full sum


def test_chunk_rows_in_postgres_follow_edits_and_change_no_answer(
    postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.retrieve import Retriever

    settings = _article_and_reports(tmp_path, postgres.url, files=2, paragraphs=6)
    sources = settings.sources_dir
    embeddings = HashEmbeddings()
    ingester = make_ingester(settings, embeddings)
    ingester.run([sources])
    total = rows_match_chroma(settings, embeddings)
    doc = sources / "report-001.txt"
    doc.write_text("A new opening paragraph about Zanzibar.\n\n" + doc.read_text())
    ingester.run([sources])
    assert rows_match_chroma(settings, embeddings) == total + 1
    (sources / "report-000.txt").unlink()
    ingester.run([sources])
    assert rows_match_chroma(settings, embeddings) == total + 1 - 6
    questions = ["Why did Iran fear the result of the war?", "Zanzibar opening", "note 3"]
    same_through_rows_and_chroma(Retriever(settings, embeddings), questions, monkeypatch)
