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


def text(value: str) -> str:
    """Plain text as inert HTML: no tag, entity, link or Markdown survives.

    >>> text("<img src=x onerror=alert(1)> *bold*")
    '&#60;img src&#61;x onerror&#61;alert&#40;1&#41;&#62; &#42;bold&#42;'
    """
    return "".join(f"&#{ord(c)};" if c in _MARKDOWN_SPECIALS else c for c in value).replace(
        "\n", "<br>"
    )


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
            out.append(
                f'<a class="cite" href="{href}" target="_blank" title="open the paragraph">'
                f"<sup>{label}</sup></a>"
            )
        else:
            out.append(f"<sup>{label}</sup>")
        last = match.end()
    out.append(text(answer[last:]))
    return "".join(out)


def highlighted(paragraph: str, quote: str) -> str:
    """The paragraph with the quoted sentence(s) highlighted.

    >>> highlighted("One. Two <b>. Three.", "Two <b>.")
    'One&#46; <mark>Two &#60;b&#62;&#46;</mark> Three&#46;'
    """
    spans = []
    for sentence in filter(None, (s.strip() for s in re.split(r"(?<=[.!?…])\s+", quote))):
        at = paragraph.find(sentence)
        if at >= 0:
            spans.append((at, at + len(sentence)))
    if not spans:
        return text(paragraph)
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out.append(text(paragraph[last:start]))
        out.append(f"<mark>{text(paragraph[start:end])}</mark>")
        last = end
    out.append(text(paragraph[last:]))
    return "".join(out)
