"""Finding source files and reading them safely.

Every problem with one file becomes a ``SourceError`` that names the file and
the reason; the other files are still ingested.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from errors import SourceError
from ingest.formats import SUFFIX_KINDS, convert
from ingest.paragraphs import Paragraph
from ingest.urls import is_url, normalize_url

TEXT_SUFFIXES = {".txt": False, ".text": False, ".md": True, ".markdown": True}
SUPPORTED_SUFFIXES = sorted({*TEXT_SUFFIXES, *SUFFIX_KINDS})
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest and the name it is stored under (relative to its root)."""

    path: Path
    root: Path
    source: str
    url: str | None = None  # a web source: fetched, not read from ``path``
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def markdown(self) -> bool:
        return TEXT_SUFFIXES.get(self.path.suffix.lower(), False)

    @property
    def kind(self) -> str:
        """pdf, html, docx, markdown or text, from the file name."""
        suffix = self.path.suffix.lower()
        return SUFFIX_KINDS.get(suffix) or ("markdown" if self.markdown else "text")

    @property
    def location(self) -> str:
        """Where the source comes from: its URL, or its file's path."""
        return self.url or str(self.path)


@dataclass(frozen=True)
class Loaded:
    file: SourceFile
    text: str
    sha256: str
    # Set by the converters of structured formats; text sources are split later.
    paragraphs: list[Paragraph] | None = None
    title: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Discovery:
    files: list[SourceFile]
    errors: list[SourceError]
    warnings: list[str]
    # Folders ingested whole: sources once under them and now gone are deleted.
    scanned_roots: list[Path]


def url_source(
    url: str, name: str | None = None, options: dict[str, Any] | None = None
) -> SourceFile:
    """A ``SourceFile`` for a URL; its file name only hints at the format.

    >>> url_source("https://example.org/r/report.pdf").kind
    'pdf'
    """
    url = normalize_url(url)
    leaf = PurePosixPath(urlsplit(url).path).name or "index.html"
    return SourceFile(Path(leaf), Path("/"), name or url, url=url, options=options or {})


def _root_for(path: Path, default_root: Path) -> Path:
    """Files inside the default sources folder keep names relative to it."""
    try:
        path.relative_to(default_root)
        return default_root
    except ValueError:
        return path if path.is_dir() else path.parent


def discover(paths: list[Path | str | SourceFile], default_root: Path) -> Discovery:
    """Expand files, folders and URLs into the sources to ingest, in a stable order."""
    found: dict[Path | str, SourceFile] = {}
    errors: list[SourceError] = []
    warnings: list[str] = []
    scanned: list[Path] = []
    default_root = default_root.resolve()
    for given in paths:
        if isinstance(given, SourceFile) or (isinstance(given, str) and is_url(given)):
            web = given if isinstance(given, SourceFile) else url_source(given)
            found.setdefault(web.url or web.path, web)
            continue
        if isinstance(given, str) and "://" in given:
            errors.append(
                SourceError(given, "is not an http(s) URL; only http and https are fetched")
            )
            continue
        path = Path(os.path.abspath(given))
        if not path.exists() and not path.is_symlink():
            errors.append(SourceError(str(given), "no such file or folder"))
            continue
        if path.is_dir() and not path.is_symlink():
            scanned.append(path)
            root = _root_for(path, default_root)
            candidates = sorted(p for p in path.rglob("*") if not p.is_dir() or p.is_symlink())
        else:
            root = _root_for(path, default_root)
            candidates = [path]
        for candidate in candidates:
            name = candidate.relative_to(root).as_posix()
            if any(part.startswith(".") for part in Path(name).parts):
                continue  # hidden files and folders (.git, .DS_Store) are never sources
            if candidate.is_symlink():
                target = candidate.resolve()
                if not target.is_relative_to(root):
                    errors.append(
                        SourceError(
                            name,
                            f"is a symlink to {target}, outside {root}; not followed. "
                            "Copy the file into the folder or ingest its real path.",
                        )
                    )
                    continue
            if candidate.suffix.lower() not in SUPPORTED_SUFFIXES:
                warnings.append(
                    f"{name}: skipped, unsupported file type "
                    f"(supported: {', '.join(SUPPORTED_SUFFIXES)})"
                )
                continue
            found.setdefault(candidate, SourceFile(candidate, root, name))
    return Discovery(list(found.values()), errors, warnings, scanned)


def read_source(file: SourceFile, max_bytes: int) -> Loaded:
    """Read and validate one source; raise ``SourceError`` with an actionable reason."""
    name = file.source
    try:
        size = file.path.stat().st_size
        if size > max_bytes:
            raise SourceError(
                name,
                f"is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
                "(INGEST_MAX_FILE_MB). Split it, or raise the limit.",
            )
        with open(file.path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise SourceError(name, "cannot be read: permission denied") from None
    except IsADirectoryError:
        raise SourceError(name, "is a folder, not a file") from None
    except OSError as exc:
        raise SourceError(name, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise SourceError(name, "grew past the size limit while being read")
    return load_bytes(file, data, max_bytes)


def load_bytes(
    file: SourceFile,
    data: bytes,
    max_bytes: int,
    kind: str | None = None,
    charset: str | None = None,
) -> Loaded:
    """Turn a source's bytes into its text (and paragraphs, for structured formats)."""
    name = file.source
    kind = kind or file.kind
    sha256 = hashlib.sha256(data).hexdigest()
    if kind not in ("text", "markdown"):
        done = convert(name, kind, data, max_bytes, charset)
        return Loaded(file, done.text, sha256, done.paragraphs, done.title, done.meta)
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise SourceError(name, "looks like a binary file (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            name,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}). "
            "Convert it, e.g. `iconv -f latin1 -t utf-8`.",
        ) from None
    if not text.strip():
        raise SourceError(name, "is empty (no text to ingest)")
    return Loaded(file, text, sha256)
