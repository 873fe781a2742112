"""BM25 over the stored chunks, built once per index generation.

The index is built from Chroma's own documents, so it holds exactly what the
dense side holds, and is saved beside the store (plain arrays, no pickle): a
new process loads it instead of re-reading every chunk, and an ingest (which
bumps the catalog's generation) makes the next question rebuild it.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textkit.words import fold, stem, terms

_RAW_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

K1 = 1.2
B = 0.75


@dataclass
class LexicalIndex:
    ids: list[str]
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # term -> (doc rows, weights)
    generation: int

    @classmethod
    def build(cls, docs: Iterable[tuple[str, str]], generation: int = 0) -> LexicalIndex:
        """Index ``(id, text)`` pairs.

        >>> ix = LexicalIndex.build([("a", "Iran feared war"), ("b", "Peace deal signed")])
        >>> [i for i, _ in ix.search("Why did Iran fear?", 2)]
        ['a']
        """
        ids: list[str] = []
        lengths = array("i")
        # Compact int arrays, not lists of tuples: a 100,000-chunk corpus has millions
        # of postings, and this is built in the ingest process.
        raw: dict[str, tuple[array, array]] = defaultdict(lambda: (array("i"), array("i")))
        for row, (doc_id, text) in enumerate(docs):
            counts = Counter(terms(text))
            ids.append(doc_id)
            lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                entry = raw[term]
                entry[0].append(row)
                entry[1].append(tf)
        n = len(ids)
        avg = (sum(lengths) / n) if n else 1.0
        length = np.array(lengths, dtype=np.float32)
        postings = {}
        for term, (row_list, tf_list) in raw.items():
            rows = np.frombuffer(row_list, dtype=np.int32).copy()
            tf = np.frombuffer(tf_list, dtype=np.int32).astype(np.float32)
            idf = math.log(1 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            norm = tf + K1 * (1 - B + B * length[rows] / avg)
            postings[term] = (rows, (idf * tf * (K1 + 1) / norm).astype(np.float32))
        return cls(ids, postings, generation)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The ``k`` best ``(id, score)`` pairs for ``query``; only docs sharing a term."""
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for term in set(terms(query)):
            if term in self.postings:
                rows, weights = self.postings[term]
                scores[rows] += weights
        if not len(scores):
            return []
        k = min(k, int(np.count_nonzero(scores)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top]

    def document_frequency(self, term: str) -> int:
        return len(self.postings[term][0]) if term in self.postings else 0

    def idf(self, term: str) -> float:
        """Inverse document frequency; a term the corpus never uses counts as rarest."""
        n = len(self.ids)
        df = self.document_frequency(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def focus(self, query: str, common_share: float) -> str:
        """``query`` without the words most of the corpus uses (its topic words).

        In a corpus about one subject every passage mentions the subject, so those
        words pull a question's vector toward any passage at all; without them what is
        left is what the question asks about.

        >>> ix = LexicalIndex.build([(str(i), f"Iran war note {i}") for i in range(4)])
        >>> ix.focus("Why did Iran fear the war?", 0.5)
        'Why did fear the'
        """
        n = max(len(self.ids), 1)
        kept = [
            word
            for word in _RAW_WORD.findall(query)
            if self.document_frequency(stem(fold(word).removesuffix("'s"))) / n <= common_share
        ]
        return " ".join(kept)

    def coverage(self, query: str, text: str) -> float:
        """Share of the query's rare-word weight that ``text`` contains, in [0, 1].

        >>> ix = LexicalIndex.build([("a", "Iran feared war"), ("b", "war war")])
        >>> round(ix.coverage("Iran war", "Iran feared war"), 2), ix.coverage("Iran", "war")
        (1.0, 0.0)
        """
        wanted = set(terms(query))
        if not wanted:
            return 0.0
        present = wanted & set(terms(text))
        total = sum(self.idf(t) for t in wanted)
        return sum(self.idf(t) for t in present) / total if total else 0.0

    def save(self, path: Path) -> None:
        """Write the index as arrays (``np.savez``), atomically."""
        vocabulary = list(self.postings)
        sizes = np.array([len(self.postings[t][0]) for t in vocabulary], dtype=np.int64)
        empty_i, empty_f = np.zeros(0, np.int32), np.zeros(0, np.float32)
        rows = np.concatenate([self.postings[t][0] for t in vocabulary] or [empty_i])
        weights = np.concatenate([self.postings[t][1] for t in vocabulary] or [empty_f])
        header = json.dumps({"generation": self.generation, "ids": self.ids, "terms": vocabulary})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, header=np.array(header), sizes=sizes, rows=rows, weights=weights)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, generation: int) -> LexicalIndex | None:
        """The saved index if it is of ``generation``, else None."""
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                if header["generation"] != generation:
                    return None
                bounds = np.concatenate([[0], np.cumsum(data["sizes"])])
                rows, weights = data["rows"], data["weights"]
        except (OSError, ValueError, KeyError):
            return None
        postings = {
            term: (rows[bounds[i] : bounds[i + 1]], weights[bounds[i] : bounds[i + 1]])
            for i, term in enumerate(header["terms"])
        }
        return cls(header["ids"], postings, generation)
