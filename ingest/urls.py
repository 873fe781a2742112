"""Telling web sources from files, and naming them."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("http", "https")


def is_url(text: str) -> bool:
    """Whether a command-line argument names a web source.

    >>> is_url("https://example.org/a"), is_url("notes/a.txt"), is_url("ftp://x/y")
    (True, False, False)
    """
    return urlsplit(text).scheme.lower() in SCHEMES and bool(urlsplit(text).netloc)


def normalize_url(url: str) -> str:
    """The source name of a URL: scheme and host in lower case, no fragment.

    >>> normalize_url("HTTPS://Example.org/a/b?x=1#top")
    'https://example.org/a/b?x=1'
    """
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))
