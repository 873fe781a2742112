"""Web sources: fetching a URL safely, and asking whether it changed.

Only http and https; every redirect is checked again (no file:, ftp: or other
scheme, and no redirect to a loopback address other than the one asked for, so
a public page cannot point the ingest at a service on this machine); the body
is streamed and cut off at the size limit; the whole fetch has a deadline; the
content type must be one the ingest reads. A re-ingest sends the ETag and
Last-Modified it kept (a conditional request): a ``304 Not Modified`` embeds
nothing, and a changed-but-identical body is caught by its hash.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from errors import SourceError
from ingest.formats import SUFFIX_KINDS, kind_of_content_type
from ingest.loader import Loaded, SourceFile, load_bytes
from ingest.urls import SCHEMES, is_url

USER_AGENT = "cited-qa-ingest/1.0 (+https://github.com/)"


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int
    timeout_s: float
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 when the validators still hold
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def _loopback(host: str) -> bool:
    """Whether ``host`` names this machine (resolving names; unresolvable is not loopback)."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return host.lower() == "localhost"
    return any(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def _origin(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return (parts.hostname or "").lower(), parts.port or default


def check_redirect(asked: str, target: str) -> str | None:
    """Why a redirect must not be followed, or None when it may be.

    >>> check_redirect("https://a.org/x", "file:///etc/passwd")
    'redirects to a file: URL; only http and https are fetched'
    >>> check_redirect("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b") is None
    True
    >>> check_redirect("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/admin")
    'redirects to a loopback address (127.0.0.1:9000) that was not the one asked for'
    """
    scheme = urlsplit(target).scheme.lower()
    if scheme not in SCHEMES:
        return f"redirects to a {scheme or 'schemeless'}: URL; only http and https are fetched"
    host, port = _origin(target)
    if _origin(target) != _origin(asked) and _loopback(host):
        return f"redirects to a loopback address ({host}:{port}) that was not the one asked for"
    return None


def fetch(
    url: str,
    limits: FetchLimits,
    validators: dict[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Fetched:
    """GET ``url`` within the limits; ``SourceError`` (naming the URL) for every refusal."""
    if not is_url(url):
        raise SourceError(url, "is not an http(s) URL; only http and https are fetched")
    headers = {"User-Agent": USER_AGENT, "Accept": ", ".join(_ACCEPT)}
    if validators and validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators and validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    deadline = time.monotonic() + limits.timeout_s
    timeout = httpx.Timeout(limits.timeout_s)
    current = url
    try:
        with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as client:
            for _ in range(limits.max_redirects + 1):
                with client.stream("GET", current, headers=headers) as response:
                    if response.is_redirect and "location" in response.headers:
                        target = urljoin(current, response.headers["location"])
                        if reason := check_redirect(url, target):
                            raise SourceError(url, reason)
                        current = target
                        continue
                    return _read(url, current, response, limits, deadline)
    except httpx.TimeoutException:
        raise SourceError(url, f"did not answer within {limits.timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise SourceError(url, f"cannot be fetched ({exc or type(exc).__name__})") from None
    raise SourceError(url, f"redirects more than {limits.max_redirects} times; not followed")


_ACCEPT = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain;q=0.8", "*/*;q=0.1")


def _read(
    asked: str, url: str, response: httpx.Response, limits: FetchLimits, deadline: float
) -> Fetched:
    if response.status_code == 304:
        return Fetched(url, 304)
    if response.status_code >= 400:
        raise SourceError(
            asked, f"the server answered {response.status_code} {response.reason_phrase}".rstrip()
        )
    if response.status_code != 200:
        raise SourceError(asked, f"the server answered {response.status_code}, not a page")
    content_type = response.headers.get("content-type", "")
    declared = int(response.headers.get("content-length") or 0)
    limit_mb = f"{limits.max_bytes / 1e6:g} MB"
    if declared > limits.max_bytes:
        raise SourceError(asked, f"is {declared / 1e6:.1f} MB, over the {limit_mb} limit")
    body = bytearray()
    for piece in response.iter_bytes():
        body += piece
        if len(body) > limits.max_bytes:
            raise SourceError(asked, f"sent more than the {limit_mb} limit; stopped reading")
        if time.monotonic() > deadline:
            raise SourceError(asked, f"did not finish within {limits.timeout_s:g} s")
    return Fetched(
        url,
        200,
        bytes(body),
        content_type,
        response.charset_encoding,
        response.headers.get("etag"),
        response.headers.get("last-modified"),
    )


def read_url(
    file: SourceFile,
    limits: FetchLimits,
    previous: dict[str, Any] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Loaded:
    """Fetch and convert a web source. With ``previous`` validators a 304 reads nothing:
    the returned ``Loaded`` carries the old hash and ``meta["not_modified"]``."""
    assert file.url is not None
    result = fetch(file.url, limits, previous, transport)
    if result.status == 304 and previous:
        return Loaded(
            file,
            "",
            previous["sha256"],
            meta={"not_modified": True, "paragraph_count": previous.get("paragraphs", 0)},
        )
    kind = kind_of_content_type(result.content_type)
    if kind is None and result.content_type.split(";")[0].strip() in (
        "",
        "application/octet-stream",
    ):
        kind = SUFFIX_KINDS.get(file.path.suffix.lower())
    if kind is None:
        raise SourceError(
            file.url,
            f"serves {result.content_type or 'no content type'}, not a web page, PDF, "
            "Word document or text",
        )
    loaded = load_bytes(file, result.body, limits.max_bytes, kind, result.charset)
    validators = {
        "etag": result.etag,
        "last_modified": result.last_modified,
        "sha256": loaded.sha256,
        "paragraphs": len(loaded.paragraphs) if loaded.paragraphs is not None else None,
        "final_url": result.url,
    }
    return replace(loaded, meta={**loaded.meta, "validators": validators})


def validators_key(url: str) -> str:
    """The catalog key under which a URL's validators are kept (keys are short)."""
    return "fetch:" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]


def document_meta_key(source: str) -> str:
    """The catalog key of a source's document metadata (author, date, format, pages);
    the viewer computes the same key.

    >>> document_meta_key("a.pdf")
    'docmeta:a7949e623819aa32baf4c32d0457e275b4eff130'
    """
    return "docmeta:" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:40]
