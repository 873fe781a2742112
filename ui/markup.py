"""HTML for answers and sources, built so that no text from a source or a model
can become markup: every character that HTML or Markdown would read as syntax is
written as an entity. Only the tags made here (mark, a, span) reach the page.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

from qa.citations import MARKER

# Characters Markdown (and Streamlit's LaTeX/emoji extensions) would interpret.
_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|~<>$:&\"'=")
# Bidirectional controls (U+202E "right-to-left override" and kin): inside a source
# they would reverse how the text around them reads on the page.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e") | frozenset(
    "\u2066\u2067\u2068\u2069"
)
# Long paragraphs are shown around the quoted sentence; the rest behind "show all",
# inline up to SHOW_ALL_INLINE characters, else in the source viewer.
EXCERPT_CHARS = 1200
SHOW_ALL_INLINE = 20_000


def visible(value: str) -> str:
    r"""Plain text with every bidirectional control shown as its code point.

    >>> visible("abc\u202edef")
    'abc⟨U+202E⟩def'
    """
    if not BIDI_CONTROLS.intersection(value):
        return value
    return "".join(f"⟨U+{ord(c):04X}⟩" if c in BIDI_CONTROLS else c for c in value)


def text(value: str) -> str:
    """Plain text as inert HTML: no tag, entity, link, Markdown or bidi override survives.

    >>> text("<img src=x onerror=alert(1)> *bold*")
    '&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62; &#42;bold&#42;'
    """
    return "".join(
        f"&#{ord(c)};" if c in _MARKDOWN_SPECIALS else c for c in visible(value)
    ).replace("\n", "<br>")


def attribute(value: str, limit: int = 400) -> str:
    r"""Text for an HTML attribute (a tooltip): one line, inert, at most ``limit`` chars.

    >>> attribute('He said "go" <now>\nthen left', limit=20)
    'He said &#34;go&#34; &#60;now&#62; …'
    """
    flat = " ".join(visible(value).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return "".join(f"&#{ord(c)};" if c in _MARKDOWN_SPECIALS else c for c in flat)


def viewer_link(source: str, paragraph: int, chunk_hash: str = "") -> str:
    """The source viewer's URL for one paragraph (opened in a new tab).

    >>> viewer_link("a b.txt", 6, "abc")
    'sources?source=a+b.txt&p=6&h=abc#p6'
    """
    query = {"source": source, "p": paragraph}
    if chunk_hash:
        query["h"] = chunk_hash
    return f"sources?{urlencode(query)}#p{paragraph}"


def answer_html(answer: str, citations: list[dict]) -> str:
    """The answer with each ``[¶N]`` marker turned into a link to that paragraph."""
    by_paragraph = {(c["source"], c["paragraph"]): c for c in citations}
    sources = {c["source"] for c in citations}
    out, last = [], 0
    for match in MARKER.finditer(answer):
        out.append(text(answer[last : match.start()]))
        named, number = match.group(1), int(match.group(2))
        cited = next(
            (
                c
                for (src, p), c in by_paragraph.items()
                if p == number and (named is None or src.endswith(named.strip()))
            ),
            None,
        )
        label = text(f"¶{number}" if len(sources) <= 1 else f"{named or ''} ¶{number}".strip())
        if cited:
            href = html.escape(viewer_link(cited["source"], number, cited.get("chunk_hash", "")))
            preview = attribute(f"{cited['source']} ¶{number}: {cited.get('quote') or ''}")
            out.append(
                f'<a class="cite" href="{href}" target="_blank" title="{preview}">'
                f"<sup>{label}</sup></a>"
            )
        else:
            out.append(f"<sup>{label}</sup>")
        last = match.end()
    out.append(text(answer[last:]))
    return "".join(out)


def quote_spans(paragraph: str, quote: str) -> list[tuple[int, int]]:
    """Where each sentence of ``quote`` sits in ``paragraph``.

    >>> quote_spans("One. Two. Three.", "Two. Three.")
    [(5, 9), (10, 16)]
    """
    spans = []
    for sentence in filter(None, (s.strip() for s in re.split(r"(?<=[.!?…])\s+", quote))):
        at = paragraph.find(sentence)
        if at >= 0:
            spans.append((at, at + len(sentence)))
    return sorted(spans)


def excerpt_span(paragraph: str, quote: str, limit: int = EXCERPT_CHARS) -> tuple[int, int]:
    """The part of a long paragraph to show: the quote with context on both sides,
    cut at spaces; a paragraph within ``limit`` is shown whole.

    >>> p = "a " * 50 + "The quote. " + "b " * 50
    >>> start, end = excerpt_span(p, "The quote.", limit=30)
    >>> p[start:end]
    'a a a a The quote. b b b b'
    >>> excerpt_span("short", "x", limit=30)
    (0, 5)
    """
    if len(paragraph) <= limit:
        return 0, len(paragraph)
    spans = quote_spans(paragraph, quote)
    first, last = (spans[0][0], spans[-1][1]) if spans else (0, 0)
    if last - first >= limit:
        return first, first + limit
    room = limit - (last - first)
    start = max(0, first - room // 2)
    end = min(len(paragraph), start + (last - first) + room)
    start = max(0, min(start, end - limit))
    if start > 0:
        cut = paragraph.find(" ", start, first)
        start = cut + 1 if cut >= 0 else start
    if end < len(paragraph):
        cut = paragraph.rfind(" ", last, end)
        end = cut if cut >= 0 else end
    return start, end


def highlighted(paragraph: str, quote: str) -> str:
    """The paragraph with the quoted sentence(s) highlighted.

    >>> highlighted("One. Two <b>. Three.", "Two <b>.")
    'One&#46; <mark>Two &#60;b&#62;&#46;</mark> Three&#46;'
    """
    spans = quote_spans(paragraph, quote)
    if not spans:
        return text(paragraph)
    out, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        out.append(text(paragraph[last:start]))
        out.append(f"<mark>{text(paragraph[start:end])}</mark>")
        last = end
    out.append(text(paragraph[last:]))
    return "".join(out)
