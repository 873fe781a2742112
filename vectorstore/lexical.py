"""BM25 over the stored chunks: the embedded engine, kept up to date edit by edit.

Postings hold raw term frequencies, not finished weights, so that adding or
removing a chunk touches only that chunk's postings: document frequencies and
the average length are read when a question is scored. An ingest loads the
saved index, replaces the chunks of the sources that changed (``synced``) and
saves it (plain arrays, no pickle) before announcing the new generation;
readers load it. Nothing re-reads every chunk unless the saved file is missing.

``vectorstore.lexical_pg`` is the same index in PostgreSQL, with the same
scores; ``Scoring`` holds what both share.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from textkit.words import fold, stem, term_set, terms

_RAW_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

K1 = 1.2
B = 0.75
# Terms in at most this share of the chunks are always summed in full; a commoner one
# only where it can change the top of a search (``LexicalIndex._best``).
COMMON_SHARE = 0.25

# (chunk id, text) pairs of one source, as the store holds them now.
FetchSource = Callable[[str], list[tuple[str, str]]]


def bm25_idf(n: int, df: int) -> float:
    """Inverse document frequency; a term the corpus never uses counts as rarest.

    >>> round(bm25_idf(100, 1), 3), round(bm25_idf(100, 0), 3)
    (4.21, 5.308)
    """
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def stale_sources(
    wanted: Mapping[str, str | None], held: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """Sources whose chunks must be re-read, and sources to drop from the index.

    ``wanted``: each source the catalog holds with its content hash (None while an
    ingest of it is incomplete: always re-read). ``held``: the hash each source had
    when the lexical index last read it.

    >>> stale_sources({"a": "1", "b": "2", "c": None}, {"a": "1", "b": "0", "d": "9"})
    (['b', 'c'], ['d'])
    """
    resync = sorted(s for s, h in wanted.items() if h is None or held.get(s) != h)
    drop = sorted(set(held) - set(wanted))
    return resync, drop


def top_rows(scores: np.ndarray, k: int, stride: int = 8) -> np.ndarray:
    """Rows of the ``k`` highest positive scores (all of them where fewer are), best
    first; of equal scores the lower row comes first, so the answer never depends on
    how a partition fell.

    Partitioning every score costs more than the whole BM25 sum on a large corpus.
    The ``k``-th best of every ``stride``-th score is no higher than the ``k``-th best
    of all, so only the scores at or above it (about ``stride * k``) are partitioned.

    >>> top_rows(np.array([0, 3, 1, 0, 2, 5, 3], np.float32), 3, stride=2).tolist()
    [5, 1, 6]
    >>> top_rows(np.array([0, 3, 0, 0], np.float32), 2).tolist()
    [1]
    """
    sample = scores[::stride]
    if len(sample) > k:
        floor = np.partition(sample, len(sample) - k)[len(sample) - k]
        rows = np.flatnonzero(scores >= floor) if floor > 0 else np.flatnonzero(scores)
    else:
        rows = np.flatnonzero(scores)
    if len(rows) > k:
        values = scores[rows]
        kth = np.partition(values, len(values) - k)[len(values) - k]
        above = rows[values > kth]
        rows = np.concatenate([above, rows[values == kth][: k - len(above)]])
    return rows[np.lexsort((rows, -scores[rows]))]


class Scoring:
    """What both engines derive from document frequencies: idf, coverage, focus."""

    size: int

    def document_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        raise NotImplementedError

    def document_frequency(self, term: str) -> int:
        return self.document_frequencies([term]).get(term, 0)

    def idf(self, term: str) -> float:
        return bm25_idf(self.size, self.document_frequency(term))

    def focus(self, query: str, common_share: float) -> str:
        """``query`` without the words most of the corpus uses (its topic words).

        In a corpus about one subject every passage mentions the subject, so those
        words pull a question's vector toward any passage at all; without them what is
        left is what the question asks about.

        >>> ix = LexicalIndex.build([(str(i), f"Iran war note {i}") for i in range(4)])
        >>> ix.focus("Why did Iran fear the war?", 0.5)
        'Why did fear the'
        """
        n = max(self.size, 1)
        words = _RAW_WORD.findall(query)
        keys = [stem(fold(word).removesuffix("'s")) for word in words]
        df = self.document_frequencies(keys)
        return " ".join(w for w, key in zip(words, keys) if df.get(key, 0) / n <= common_share)

    def coverage(self, query: str, text: str) -> float:
        """Share of the query's rare-word weight that ``text`` contains, in [0, 1].

        >>> ix = LexicalIndex.build([("a", "Iran feared war"), ("b", "war war")])
        >>> round(ix.coverage("Iran war", "Iran feared war"), 2), ix.coverage("Iran", "war")
        (1.0, 0.0)
        """
        weight = self.term_weights(query)
        total = math.fsum(weight.values())  # fsum: the same in any order of the set
        if not total:
            return 0.0
        return math.fsum(weight[t] for t in weight.keys() & term_set(text)) / total

    def term_weights(self, query: str) -> dict[str, float]:
        """The idf of each content term of ``query``; the last few queries' are kept
        (every passage of a search is weighed against the same question)."""
        cache: dict[str, dict[str, float]] = self.__dict__.setdefault("_term_weights", {})
        if query not in cache:
            wanted = set(terms(query))
            df = self.document_frequencies(wanted) if wanted else {}
            if len(cache) >= 64:
                cache.clear()
            cache[query] = {t: bm25_idf(self.size, df.get(t, 0)) for t in wanted}
        return cache[query]


class LexicalIndex(Scoring):
    """An in-memory BM25 index in compressed-column form, one row per chunk.

    Postings of term ``t`` are ``rows[offsets[t]:offsets[t+1]]`` with their term
    frequencies in ``tfs``. An instance is never changed: ``apply`` returns a new
    one, so a reader's threads can keep using the old one meanwhile.
    """

    def __init__(
        self,
        ids: list[str],
        row_sources: np.ndarray,
        source_names: list[str],
        lengths: np.ndarray,
        vocabulary: list[str],
        offsets: np.ndarray,
        rows: np.ndarray,
        tfs: np.ndarray,
        fingerprints: dict[str, str] | None = None,
        generation: int = 0,
    ) -> None:
        self.ids = ids
        self.row_sources = row_sources
        self.source_names = source_names
        self.lengths = lengths
        self.vocabulary = vocabulary
        self.offsets = offsets
        self.rows = rows
        self.tfs = tfs
        self.fingerprints = dict(fingerprints or {})
        self.generation = generation
        self.size = len(ids)
        self._term = {t: i for i, t in enumerate(vocabulary)}
        average = float(lengths.mean()) if self.size else 1.0
        self._norm = (K1 * (1 - B + B * lengths / max(average, 1e-9))).astype(np.float32)
        self._weights: np.ndarray | None = None
        self._term_impacts: dict[int, tuple[int, int, np.ndarray, float]] = {}

    @property
    def weights(self) -> np.ndarray:
        """Each posting's BM25 term weight before idf, ``tf (k1 + 1) / (tf + norm)``:
        computed once per loaded index (4 bytes a posting), not on every search."""
        if self._weights is None:
            tf = self.tfs.astype(np.float32)
            self._weights = (tf * np.float32(K1 + 1) / (tf + self._norm[self.rows])).astype(
                np.float32
            )
        return self._weights

    @classmethod
    def empty(cls, generation: int = 0) -> LexicalIndex:
        return cls([], np.zeros(0, np.int32), [], np.zeros(0, np.float32), [],
                   np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint16),
                   {}, generation)  # fmt: skip

    @classmethod
    def build(
        cls, docs: Iterable[tuple[str, str] | tuple[str, str, str]], generation: int = 0
    ) -> LexicalIndex:
        """Index ``(id, text)`` or ``(id, text, source)`` tuples.

        >>> ix = LexicalIndex.build([("a", "Iran feared war"), ("b", "Peace deal signed")])
        >>> [i for i, _ in ix.search("Why did Iran fear?", 2)]
        ['a']
        """
        added = [(d[0], d[1], d[2] if len(d) > 2 else "") for d in docs]
        return cls.empty().apply((), added, generation=generation)

    # -- reading ---------------------------------------------------------------
    def _impacts(self, t: int) -> tuple[int, int, np.ndarray, float]:
        """Term ``t``'s postings span, each posting's whole contribution to a score (idf
        included) and the largest of them. An index never changes, so neither do its
        document frequencies: computed on a term's first search, then kept."""
        got = self._term_impacts.get(t)
        if got is None:
            a, b = int(self.offsets[t]), int(self.offsets[t + 1])
            impacts = np.float32(bm25_idf(self.size, b - a)) * self.weights[a:b]
            got = (a, b, impacts, float(impacts.max()) if b > a else 0.0)
            self._term_impacts[t] = got
        return got

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best ``(id, score)`` pairs for ``query``; only docs sharing a term.

        Scores are summed in double precision, where a few float32 contributions add up
        the same in any order, so skipping a common term changes no score's last bit."""
        found = [self._term.get(term) for term in sorted(set(terms(query)))]
        postings = [self._impacts(t) for t in found if t is not None]
        postings = [p for p in postings if p[1] > p[0]]
        if not postings or k <= 0:
            return []
        rows, values = self._best(postings, k)
        return [(self.ids[i], float(v)) for i, v in zip(rows.tolist(), values.tolist())]

    def _best(
        self, postings: list[tuple[int, int, np.ndarray, float]], k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows and scores of the ``k`` best chunks, without summing the postings of
        the commonest terms where they cannot change the answer.

        A term most chunks use has a low idf, so it adds little to any score, yet its
        postings are most of the work ("day" in a corpus of dated notes). Terms are
        summed rarest first. Once the ``k``-th best partial score (a lower bound of the
        ``k``-th best score) exceeds what the terms left could add at most (their largest
        contributions put together), a chunk below it by more than that cannot reach the
        top, nor can one none of the summed terms found; the chunks left get the other
        terms' contributions looked up in their postings (sorted by row).
        """
        postings = sorted(postings, key=lambda p: p[1] - p[0])
        left = [math.fsum(p[3] for p in postings[j + 1 :]) for j in range(len(postings))]
        # The rare terms in one summing pass (a chunk's terms add up), at least one term.
        first = max(1, sum(1 for p in postings if p[1] - p[0] <= self.size * COMMON_SHARE))
        rows = np.concatenate([self.rows[a:b] for a, b, _, _ in postings[:first]])
        impacts = np.concatenate([p[2] for p in postings[:first]])
        partial = np.bincount(rows, impacts, minlength=self.size)
        for j in range(first - 1, len(postings)):
            if j >= first:
                a, b, more, _ = postings[j]
                partial[self.rows[a:b]] += more  # a term's postings name each row once
            if j + 1 == len(postings) or left[j] >= partial.max():
                continue  # the last term ends the sum; or the terms left could pass any
            found = top_rows(partial, k)
            floor = float(partial[found[-1]]) if len(found) == k else 0.0
            if left[j] >= floor:
                continue
            candidates = np.flatnonzero(partial >= (floor - left[j]) * (1 - 1e-9))
            totals = partial[candidates]
            for a2, b2, more, _ in postings[j + 1 :]:
                rows = self.rows[a2:b2]
                at = np.minimum(np.searchsorted(rows, candidates), b2 - a2 - 1)
                hit = rows[at] == candidates
                totals[hit] += more[at[hit]]
            best = top_rows(totals, k)
            return candidates[best], totals[best]
        best = top_rows(partial, k)
        return best, partial[best]

    def document_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        out = {}
        for word in words:
            t = self._term.get(word)
            out[word] = int(self.offsets[t + 1] - self.offsets[t]) if t is not None else 0
        return out

    def source_ids(self, source: str) -> set[str]:
        if source not in self.source_names:
            return set()
        s = self.source_names.index(source)
        return {self.ids[r] for r in np.flatnonzero(self.row_sources == s)}

    # -- changing --------------------------------------------------------------
    def apply(
        self,
        removed: Iterable[str],
        added: Iterable[tuple[str, str, str]],
        fingerprints: Mapping[str, str | None] | None = None,
        generation: int | None = None,
    ) -> LexicalIndex:
        """A new index without the chunks ``removed`` and with ``added`` ``(id, text, source)``.

        Costs a pass over the postings arrays (vectorised) plus tokenising the added
        chunks; nothing else is re-read. ``fingerprints`` updates (None: forget).

        >>> ix = LexicalIndex.build([("a", "Iran feared war", "s"), ("b", "peace", "s")])
        >>> ix = ix.apply(["a"], [("c", "war again", "s")])
        >>> ix.ids, ix.document_frequency("war"), ix.document_frequency("fear")
        (['b', 'c'], 1, 0)
        """
        added = list(added)
        gone = set(removed) | {doc_id for doc_id, _, _ in added}
        keep = np.array([i not in gone for i in self.ids], dtype=bool)
        new_row = (np.cumsum(keep) - 1).astype(np.int32)
        posting_term = np.repeat(
            np.arange(len(self.vocabulary), dtype=np.int32), np.diff(self.offsets)
        )
        kept = keep[self.rows] if len(self.rows) else np.zeros(0, bool)
        ids = [i for i, k in zip(self.ids, keep) if k]
        vocabulary = list(self.vocabulary)
        term_index = dict(self._term)
        source_names = list(self.source_names)
        source_index = {s: i for i, s in enumerate(source_names)}
        # Compact int arrays, not lists: a million chunks make tens of millions of postings.
        add_terms, add_rows, add_tfs = array("i"), array("i"), array("H")
        add_lengths, add_sources = array("f"), array("i")
        for _, text, source in added:
            row = len(ids) + len(add_lengths)
            counts = Counter(terms(text))
            add_lengths.append(sum(counts.values()))
            add_sources.append(source_index.setdefault(source, len(source_index)))
            if len(source_index) > len(source_names):
                source_names.append(source)
            for term, tf in counts.items():
                t = term_index.setdefault(term, len(term_index))
                if t == len(vocabulary):
                    vocabulary.append(term)
                add_terms.append(t)
                add_rows.append(row)
                add_tfs.append(min(tf, 65535))
        ids += [doc_id for doc_id, _, _ in added]
        all_terms = np.concatenate([posting_term[kept], np.frombuffer(add_terms, np.int32)])
        all_rows = np.concatenate([new_row[self.rows[kept]], np.frombuffer(add_rows, np.int32)])
        all_tfs = np.concatenate([self.tfs[kept], np.frombuffer(add_tfs, np.uint16)])
        # Old postings are already grouped by term, so a stable sort is near-linear.
        order = np.argsort(all_terms, kind="stable")
        counts = np.bincount(all_terms, minlength=len(vocabulary))
        used = counts > 0
        if not used.all():  # terms no chunk uses any more leave the vocabulary
            vocabulary = [v for v, u in zip(vocabulary, used) if u]
            counts = counts[used]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        lengths = np.concatenate([self.lengths[keep], np.frombuffer(add_lengths, np.float32)])
        row_sources = np.concatenate([self.row_sources[keep], np.frombuffer(add_sources, np.int32)])
        prints = dict(self.fingerprints)
        for source, value in (fingerprints or {}).items():
            if value is None:
                prints.pop(source, None)
            else:
                prints[source] = value
        return LexicalIndex(ids, row_sources, source_names, lengths.astype(np.float32),
                            vocabulary, offsets, all_rows[order], all_tfs[order], prints,
                            self.generation if generation is None else generation)  # fmt: skip

    def synced(
        self, wanted: Mapping[str, str | None], fetch: FetchSource, generation: int
    ) -> LexicalIndex:
        """This index brought in line with the catalog: only stale sources are re-read.

        >>> ix = LexicalIndex.empty()
        >>> store = {"s": [("a", "Iran feared war")]}
        >>> ix = ix.synced({"s": "h1"}, store.__getitem__, 1)
        >>> store["s"] = [("b", "peace came")]
        >>> ix = ix.synced({"s": "h2"}, store.__getitem__, 2)
        >>> ix.ids, ix.fingerprints, ix.synced({}, store.__getitem__, 3).ids
        (['b'], {'s': 'h2'}, [])
        """
        held = {s: "" for s in self.source_names} | self.fingerprints
        resync, drop = stale_sources(wanted, held)
        removed: set[str] = set()
        added: list[tuple[str, str, str]] = []
        for source in drop:
            removed |= self.source_ids(source)
        for source in resync:
            have = self.source_ids(source)
            now = fetch(source)
            removed |= have - {i for i, _ in now}
            added += [(i, text, source) for i, text in now if i not in have]
        changes: dict[str, str | None] = {s: None for s in drop}
        changes.update({s: wanted[s] for s in resync})
        return self.apply(removed, added, changes, generation)

    # -- files -----------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the index as arrays (``np.savez``), atomically."""
        header = json.dumps({
            "generation": self.generation, "ids": self.ids, "terms": self.vocabulary,
            "sources": self.source_names, "fingerprints": self.fingerprints,
        })  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, header=np.array(header), offsets=self.offsets, rows=self.rows,
                 tfs=self.tfs, lengths=self.lengths, row_sources=self.row_sources)  # fmt: skip
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, generation: int | None = None) -> LexicalIndex | None:
        """The saved index if it is of ``generation`` (any, if None), else None."""
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                if generation is not None and header["generation"] != generation:
                    return None
                arrays = {k: data[k] for k in ("offsets", "rows", "tfs", "lengths", "row_sources")}
        except (OSError, ValueError, KeyError):
            return None
        return cls(header["ids"], arrays["row_sources"], header["sources"], arrays["lengths"],
                   header["terms"], arrays["offsets"], arrays["rows"], arrays["tfs"],
                   header["fingerprints"], header["generation"])  # fmt: skip
