"""BM25 in PostgreSQL: the lexical index shared by every machine of a server setup.

Each chunk is a row with a ``tsvector`` of the same terms the embedded index uses
(``textkit.words.terms``: stemmed, stopwords out), written as a literal so no
PostgreSQL dictionary second-guesses them; a GIN index finds the chunks that
share a term with the question. Term frequencies are the lexemes' position
counts, document frequencies live in ``qa_lexical_df`` and the corpus size and
total length in ``qa_lexical_stats``, all kept up to date by the ingest, so the
score is exactly the embedded index's BM25 (same k1, b and idf) and retrieval
quality does not depend on where the index lives. The same terms are also kept as
postings (``qa_lexical_postings``: term, chunk, tf, length, all in one b-tree), from
which a question of common words is scored without unpacking a tsvector per row.

An ingest changes the rows of the sources that changed, in one transaction;
readers query the tables and hold nothing but a small cache of document
frequencies for the generation they answer from.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from errors import StoreError
from textkit.words import terms
from vectorstore.catalog import database_problem
from vectorstore.lexical import K1, B, FetchSource, Scoring, bm25_idf, stale_sources

log = logging.getLogger(__name__)

RARE_SHARE = 0.05  # terms in at most this share of chunks are tried first (see search)
VACUUM_AFTER = 10_000  # rows written or removed by one sync
UBIQUITOUS_IDF = 0.1  # a term in about 90% of the chunks or more: added last (see search)

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS qa_lexical (
        collection varchar(255) NOT NULL, chunk_id varchar(255) NOT NULL,
        source text NOT NULL, length integer NOT NULL, terms tsvector NOT NULL,
        PRIMARY KEY (collection, chunk_id))""",
    "CREATE INDEX IF NOT EXISTS qa_lexical_terms ON qa_lexical USING gin (terms)",
    "CREATE INDEX IF NOT EXISTS qa_lexical_source ON qa_lexical (collection, source)",
    """CREATE TABLE IF NOT EXISTS qa_lexical_df (
        collection varchar(255) NOT NULL, term text NOT NULL, df integer NOT NULL,
        PRIMARY KEY (collection, term))""",
    # Bounds for pruning: the largest tf and the shortest chunk of any row holding the
    # term. Kept as upper bounds (raised on insert, never lowered on delete).
    "ALTER TABLE qa_lexical_df ADD COLUMN IF NOT EXISTS max_tf integer",
    "ALTER TABLE qa_lexical_df ADD COLUMN IF NOT EXISTS min_length integer",
    # The same terms as postings, one row per (term, chunk) with its tf and the chunk's
    # length in the index itself: a question of common words is scored from the index
    # alone (no tsvector is unpacked), see PostgresLexicalIndex.search.
    """CREATE TABLE IF NOT EXISTS qa_lexical_postings (
        collection varchar(255) NOT NULL, term text NOT NULL, chunk_id varchar(255) NOT NULL,
        tf integer NOT NULL, length integer NOT NULL,
        PRIMARY KEY (collection, term, chunk_id) INCLUDE (tf, length))""",
    # A database written before postings were kept gets them from its tsvectors, once.
    """INSERT INTO qa_lexical_postings
       SELECT l.collection, u.lexeme, l.chunk_id, cardinality(u.positions), l.length
       FROM qa_lexical l CROSS JOIN LATERAL unnest(l.terms) AS u(lexeme, positions, weights)
       WHERE NOT EXISTS (SELECT 1 FROM qa_lexical_postings)""",
    """CREATE TABLE IF NOT EXISTS qa_lexical_sources (
        collection varchar(255) NOT NULL, source text NOT NULL, fingerprint text NOT NULL,
        PRIMARY KEY (collection, source))""",
    """CREATE TABLE IF NOT EXISTS qa_lexical_stats (
        collection varchar(255) PRIMARY KEY, n bigint NOT NULL, total bigint NOT NULL)""",
]

# BM25 summed over the question's terms that a chunk holds; the tf of a lexeme is
# its number of positions. Idf comes in with the terms (computed once, in Python).
_SEARCH = text(
    """
    SELECT l.chunk_id,
           SUM(q.idf * cardinality(u.positions) * :k1p1
               / (cardinality(u.positions) + :k1 * (1 - :b + :b * l.length / :avg))) AS score
    FROM qa_lexical l
    CROSS JOIN LATERAL unnest(l.terms) AS u(lexeme, positions, weights)
    JOIN unnest(CAST(:terms AS text[]), CAST(:idfs AS float8[])) AS q(term, idf)
      ON q.term = u.lexeme
    WHERE l.collection = :c AND l.terms @@ CAST(:tsquery AS tsquery)
    GROUP BY l.chunk_id
    ORDER BY score DESC, l.chunk_id
    LIMIT :n
    """
)


# The same BM25, summed from the postings of the question's terms: for the best
# chunks of all, or (``_COMPLETE``) for given chunks.
_POSTINGS_SUM = """
    SELECT p.chunk_id,
           SUM(q.idf * p.tf * :k1p1 / (p.tf + :k1 * (1 - :b + :b * p.length / :avg))) AS score
    FROM qa_lexical_postings p
    JOIN unnest(CAST(:terms AS text[]), CAST(:idfs AS float8[])) AS q(term, idf)
      ON p.term = q.term
    WHERE p.collection = :c {chunks}
    GROUP BY p.chunk_id
"""
_SEARCH_POSTINGS = text(
    _POSTINGS_SUM.format(chunks="") + "ORDER BY score DESC, p.chunk_id LIMIT :n"
)
_COMPLETE = text(_POSTINGS_SUM.format(chunks="AND p.chunk_id = ANY(:ids)"))


def quote_lexeme(term: str) -> str:
    """A term as a tsvector/tsquery lexeme literal.

    >>> quote_lexeme("o'neil")
    "'o''neil'"
    """
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(words: list[str]) -> str:
    """A ``tsvector`` literal of ``words`` with their positions (1-based, capped).

    >>> tsvector_literal(["war", "iran", "war"])
    "'war':1,3 'iran':2"
    """
    positions: dict[str, list[int]] = {}
    for i, word in enumerate(words, start=1):
        if len(word.encode()) > 2000:  # PostgreSQL's lexeme limit; no question has one
            continue
        positions.setdefault(word, []).append(min(i, 16383))
    return " ".join(f"{quote_lexeme(w)}:{','.join(map(str, p))}" for w, p in positions.items())


def create_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        # Two processes opening a new database at once would race on CREATE.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('qa_lexical schema'))"))
        for statement in SCHEMA:
            conn.execute(text(statement))


class PostgresLexicalIndex(Scoring):
    """The lexical index of one collection, read from PostgreSQL."""

    def __init__(self, engine: Engine, collection: str, generation: int = 0) -> None:
        self.engine = engine
        self.collection = collection
        self.generation = generation
        self._df: dict[str, int] = {}
        self._bounds: dict[str, tuple[int | None, int | None]] = {}  # max tf, min length
        with self._errors(), engine.connect() as conn:
            row = conn.execute(
                text("SELECT n, total FROM qa_lexical_stats WHERE collection = :c"),
                {"c": collection},
            ).first()
        self.size = int(row[0]) if row else 0
        self._average = (row[1] / row[0]) if row and row[0] else 1.0

    @property
    def ids(self) -> list[str]:
        with self._errors(), self.engine.connect() as conn:
            return list(
                conn.execute(
                    text("SELECT chunk_id FROM qa_lexical WHERE collection = :c ORDER BY chunk_id"),
                    {"c": self.collection},
                ).scalars()
            )

    def document_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        words = set(words)
        missing = sorted(words - set(self._df))
        if missing:
            with self._errors(), self.engine.connect() as conn:
                found = {
                    term: (df, max_tf, min_length)
                    for term, df, max_tf, min_length in conn.execute(
                        text(
                            "SELECT term, df, max_tf, min_length FROM qa_lexical_df "
                            "WHERE collection = :c AND term = ANY(:terms)"
                        ),
                        {"c": self.collection, "terms": missing},
                    ).all()
                }
            if len(self._df) > 50_000:  # a long-lived reader on one generation
                self._df.clear()
                self._bounds.clear()
            for w in missing:
                df, max_tf, min_length = found.get(w, (0, None, None))
                self._df[w] = int(df)
                self._bounds[w] = (max_tf, min_length)
        return {w: self._df[w] for w in words}

    def upper_bound(self, term: str, idf: float) -> float:
        """The most ``term`` can add to any chunk's score.

        From the largest tf and the shortest chunk of the rows holding it (each an
        upper bound, so the pair bounds every row); idf * (k1 + 1) where unknown.
        """
        max_tf, min_length = self._bounds.get(term, (None, None))
        if max_tf is None or min_length is None:
            return idf * (K1 + 1)
        norm = K1 * (1 - B + B * min_length / self._average)
        return idf * max_tf * (K1 + 1) / (max_tf + norm)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best ``(id, score)`` pairs for ``query``; only chunks sharing a term.

        Two passes, exact. First the rows holding a rare term (in at most 5% of the
        chunks), found by the GIN index and scored from their tsvectors; a row holding
        none of them scores at most the sum of the common terms' upper bounds
        (``upper_bound``: their largest tf in their shortest chunk), so if the k-th
        score found beats that sum the answer is final. Otherwise every term's
        postings are summed: a question of common words touches a sizeable part of
        the corpus, and the postings index holds what scoring needs (tf, length)
        without unpacking a tsvector per row. Terms nearly every chunk holds are
        left out of that sum and added for the best candidates only, when that is
        provably exact (``_without``).
        """
        wanted = sorted(set(terms(query)))
        df = self.document_frequencies(wanted)
        wanted = [t for t in wanted if df[t] > 0]
        if not wanted or k <= 0:
            return []
        idf = {t: bm25_idf(self.size, df[t]) for t in wanted}
        params = {
            "c": self.collection,
            "terms": wanted,
            "idfs": [idf[t] for t in wanted],
            "k1": K1, "k1p1": K1 + 1, "b": B, "avg": self._average, "n": k,
        }  # fmt: skip
        rare = [t for t in wanted if df[t] <= RARE_SHARE * self.size]
        common_bound = sum(self.upper_bound(t, idf[t]) for t in wanted if t not in rare)
        with self._errors(), self.engine.begin() as conn:
            conn.execute(text("SET LOCAL work_mem = '64MB'"))  # sums in memory, not on disk
            if rare and len(rare) < len(wanted):
                params["tsquery"] = " | ".join(quote_lexeme(t) for t in rare)
                rows = [(i, float(s)) for i, s in conn.execute(_SEARCH, params).all()]
                if len(rows) == k and rows[-1][1] > common_bound:
                    return rows
            ubiquitous = [t for t in wanted if idf[t] < UBIQUITOUS_IDF]
            if ubiquitous and len(ubiquitous) < len(wanted):
                found = self._without(conn, params, ubiquitous, idf, k)
                if found is not None:
                    return found
            return [(i, float(s)) for i, s in conn.execute(_SEARCH_POSTINGS, params).all()]

    def _without(
        self,
        conn: Connection,
        params: dict[str, Any],
        ubiquitous: list[str],
        idf: dict[str, float],
        k: int,
    ) -> list[tuple[str, float]] | None:
        """The top ``k`` summed from the other terms' postings, then completed with the
        ubiquitous terms' share for those candidates only; None when that cannot be
        proven to be the exact answer.

        A term nearly every chunk holds ("day" in a diary) has postings as long as the
        corpus and adds almost nothing to any score. The candidates are the best
        ``m`` chunks by the other terms; a chunk outside them scores at most the m-th
        partial score plus the ubiquitous terms' upper bounds, so when the k-th
        completed score beats that, no chunk outside can enter.
        """
        others = [t for t in params["terms"] if t not in ubiquitous]
        m = 2 * k + 20
        partial = conn.execute(
            _SEARCH_POSTINGS, {**params, "terms": others, "idfs": [idf[t] for t in others], "n": m}
        ).all()
        if not partial:
            return None
        ids = [i for i, _ in partial]
        extra = dict(
            conn.execute(
                _COMPLETE,
                {**params, "terms": ubiquitous, "idfs": [idf[t] for t in ubiquitous], "ids": ids},
            ).all()
        )
        scored = sorted(
            ((i, float(s) + float(extra.get(i, 0.0))) for i, s in partial),
            key=lambda r: (-r[1], r[0]),
        )[:k]
        outside = float(partial[-1][1]) if len(partial) == m else 0.0
        bound = sum(self.upper_bound(t, idf[t]) for t in ubiquitous)
        if len(scored) == k and scored[-1][1] > outside + bound:
            return scored
        return None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise StoreError(
                database_problem(exc, self.engine, "search the lexical index")
            ) from exc


def sync(
    engine: Engine,
    collection: str,
    wanted: Mapping[str, str | None],
    fetch: FetchSource,
    rebuild: bool = False,
) -> dict[str, int]:
    """Bring the collection's rows in line with the catalog, in one transaction.

    Only sources whose content hash changed are re-read (``fetch``); within them
    only chunks that appeared or vanished are written. Returns counts of rows
    added and removed.
    """
    c = {"c": collection}
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"lex:{collection}"})
        if rebuild:
            tables = ("qa_lexical", "qa_lexical_postings", "qa_lexical_df", "qa_lexical_sources",
                      "qa_lexical_stats")  # fmt: skip
            for table in tables:
                conn.execute(text(f"DELETE FROM {table} WHERE collection = :c"), c)
        held = {
            source: ""
            for source in conn.execute(
                text("SELECT DISTINCT source FROM qa_lexical WHERE collection = :c"), c
            ).scalars()
        }
        held.update(
            conn.execute(
                text("SELECT source, fingerprint FROM qa_lexical_sources WHERE collection = :c"),
                c,
            ).all()
        )
        resync, drop = stale_sources(wanted, held)
        removed: list[str] = []
        added: list[tuple[str, str, str]] = []
        for source in drop + resync:
            have = set(
                conn.execute(
                    text("SELECT chunk_id FROM qa_lexical WHERE collection = :c AND source = :s"),
                    {**c, "s": source},
                ).scalars()
            )
            now = fetch(source) if source in resync else []
            removed += sorted(have - {i for i, _ in now})
            added += [(i, t, source) for i, t in now if i not in have]
        _remove(conn, collection, removed)
        _add(conn, collection, added)
        for source in drop:
            conn.execute(
                text("DELETE FROM qa_lexical_sources WHERE collection = :c AND source = :s"),
                {**c, "s": source},
            )
        for source in resync:
            if wanted[source] is None:  # an incomplete ingest: read it again next time
                conn.execute(
                    text("DELETE FROM qa_lexical_sources WHERE collection = :c AND source = :s"),
                    {**c, "s": source},
                )
                continue
            conn.execute(
                text(
                    "INSERT INTO qa_lexical_sources VALUES (:c, :s, :f) ON CONFLICT "
                    "(collection, source) DO UPDATE SET fingerprint = EXCLUDED.fingerprint"
                ),
                {**c, "s": source, "f": wanted[source]},
            )
    return {"added": len(added), "removed": len(removed)}


def needs_vacuum(changed: Mapping[str, int]) -> bool:
    """Whether a sync wrote enough rows for ``vacuum`` to be worth running."""
    return changed["added"] + changed["removed"] >= VACUUM_AFTER


def vacuum(engine: Engine) -> None:
    """After a large write: mark the new postings visible to index-only scans and
    refresh the planner's statistics now, not whenever autovacuum comes by (until
    then every posting read also reads its table row: about 3x slower).

    Run it once the ingest has let go of the database (its writer lock released):
    while any of its transactions is open, VACUUM cannot mark the new rows visible.
    """
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) qa_lexical_postings, qa_lexical, qa_lexical_df"))
    except SQLAlchemyError as exc:  # e.g. not the tables' owner: autovacuum will do it
        log.info("VACUUM of the lexical index skipped: %s", exc)


def _adjust(
    conn: Connection,
    collection: str,
    df: Counter,
    n: int,
    total: int,
    bounds: Mapping[str, tuple[int, int]] | None = None,
) -> None:
    """Add ``df`` to the document frequencies (and raise the terms' bounds)."""
    bounds = bounds or {}
    if df:
        conn.execute(
            text(
                "INSERT INTO qa_lexical_df (collection, term, df, max_tf, min_length) "
                "VALUES (:c, :t, :d, :m, :l) ON CONFLICT (collection, term) "
                "DO UPDATE SET df = qa_lexical_df.df + EXCLUDED.df, "
                # A row written before bounds were kept has none: it stays unknown.
                "max_tf = CASE WHEN qa_lexical_df.max_tf IS NULL THEN NULL "
                "ELSE GREATEST(qa_lexical_df.max_tf, EXCLUDED.max_tf) END, "
                "min_length = CASE WHEN qa_lexical_df.min_length IS NULL THEN NULL "
                "ELSE LEAST(qa_lexical_df.min_length, EXCLUDED.min_length) END"
            ),
            [
                {
                    "c": collection,
                    "t": t,
                    "d": d,
                    "m": bounds.get(t, (None, None))[0],
                    "l": bounds.get(t, (None, None))[1],
                }
                for t, d in df.items()
                if d
            ],
        )
        conn.execute(text("DELETE FROM qa_lexical_df WHERE collection = :c AND df <= 0"),
                     {"c": collection})  # fmt: skip
    conn.execute(
        text(
            "INSERT INTO qa_lexical_stats VALUES (:c, :n, :t) ON CONFLICT (collection) "
            "DO UPDATE SET n = qa_lexical_stats.n + :n, total = qa_lexical_stats.total + :t"
        ),
        {"c": collection, "n": n, "t": total},
    )


def _remove(conn: Connection, collection: str, ids: list[str]) -> None:
    for start in range(0, len(ids), 1000):
        batch = ids[start : start + 1000]
        conn.execute(
            text(
                "DELETE FROM qa_lexical_postings p USING qa_lexical l "
                "CROSS JOIN LATERAL unnest(tsvector_to_array(l.terms)) AS u(lexeme) "
                "WHERE l.collection = :c AND l.chunk_id = ANY(:ids) "
                "AND p.collection = :c AND p.term = u.lexeme AND p.chunk_id = l.chunk_id"
            ),
            {"c": collection, "ids": batch},
        )
        rows: list[Any] = conn.execute(
            text(
                "DELETE FROM qa_lexical WHERE collection = :c AND chunk_id = ANY(:ids) "
                "RETURNING length, tsvector_to_array(terms)"
            ),
            {"c": collection, "ids": batch},
        ).all()
        df = Counter(t for _, lexemes in rows for t in lexemes)
        _adjust(conn, collection, Counter({t: -d for t, d in df.items()}), -len(rows),
                -sum(r[0] for r in rows))  # fmt: skip


def _add(conn: Connection, collection: str, docs: list[tuple[str, str, str]]) -> None:
    for start in range(0, len(docs), 1000):
        values, df, total = [], Counter(), 0
        bounds: dict[str, tuple[int, int]] = {}
        for chunk_id, body, source in docs[start : start + 1000]:
            words = terms(body)
            counts = Counter(words)
            df.update(counts.keys())
            for term, tf in counts.items():
                max_tf, min_length = bounds.get(term, (0, len(words)))
                bounds[term] = (max(max_tf, tf), min(min_length, len(words)))
            total += len(words)
            values.append({"c": collection, "i": chunk_id, "s": source, "l": len(words),
                           "v": tsvector_literal(words)})  # fmt: skip
        conn.execute(
            text("INSERT INTO qa_lexical VALUES (:c, :i, :s, :l, CAST(:v AS tsvector))"), values
        )
        conn.execute(
            text(
                "INSERT INTO qa_lexical_postings "
                "SELECT l.collection, u.lexeme, l.chunk_id, cardinality(u.positions), l.length "
                "FROM qa_lexical l CROSS JOIN LATERAL unnest(l.terms) AS u(lexeme, positions, w) "
                "WHERE l.collection = :c AND l.chunk_id = ANY(:ids)"
            ),
            {"c": collection, "ids": [v["i"] for v in values]},
        )
        _adjust(conn, collection, df, len(values), total, bounds)
