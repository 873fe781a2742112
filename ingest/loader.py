"""Finding source files and reading them safely.

Every problem with one file becomes a ``SourceError`` that names the file and
the reason; the other files are still ingested.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
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
    # Folders that could not be listed: what was ingested from them is kept.
    unreadable: list[Path] = field(default_factory=list)


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


def _walk(
    folder: Path, root: Path, errors: list[SourceError], unreadable: list[Path]
) -> list[Path]:
    """Every file under ``folder`` (and every symlink, to be judged), hidden ones left out.

    A folder that cannot be listed is named, not skipped in silence.
    """

    def failed(exc: OSError) -> None:
        where = Path(exc.filename or folder)
        unreadable.append(where)
        inside = where != root and where.is_relative_to(root)
        name = where.relative_to(root).as_posix() if inside else str(where)
        reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
        errors.append(
            SourceError(
                f"{name}/",
                f"folder cannot be read ({reason}); what was ingested from it is kept. "
                "Fix its permissions, or ingest without it.",
            )
        )

    found: list[Path] = []
    for top, dirs, files in os.walk(folder, onerror=failed):
        base = Path(top)
        links = [d for d in dirs if (base / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in links)
        found += [base / name for name in files + links]
    return sorted(found)


def discover(paths: list[Path | str | SourceFile], default_root: Path) -> Discovery:
    """Expand files, folders and URLs into the sources to ingest, in a stable order."""
    found: dict[Path | str, SourceFile] = {}
    errors: list[SourceError] = []
    warnings: list[str] = []
    scanned: list[Path] = []
    unreadable: list[Path] = []
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
        try:
            info = path.lstat()
            is_folder = stat.S_ISDIR(info.st_mode)
        except FileNotFoundError:
            errors.append(SourceError(str(given), "no such file or folder"))
            continue
        except OSError as exc:  # a folder on the way cannot be searched
            reason = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
            errors.append(SourceError(str(given), f"cannot be read: {reason}"))
            continue
        if is_folder:
            scanned.append(path)
            root = _root_for(path, default_root)
            candidates = _walk(path, root, errors, unreadable)
        else:
            root = _root_for(path, default_root)
            candidates = [path]
        before = len(found)
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
        if is_folder and len(found) == before and path not in unreadable:
            warnings.append(
                f"no supported files in {given} (supported: {', '.join(sorted(TEXT_SUFFIXES))})"
            )
    return Discovery(list(found.values()), errors, warnings, scanned, unreadable)


# Byte-order marks, longest first: UTF-32's little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark at the start of ``data`` announces, if any.

    >>> bom_encoding("¶ text".encode("utf-16"))
    'utf-16'
    >>> bom_encoding(codecs.BOM_UTF32_LE + "x".encode("utf-32-le"))
    'utf-32'
    >>> bom_encoding(b"plain") is None
    True
    """
    return next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words.

    >>> _kind(stat.S_IFIFO)
    'a named pipe'
    """
    kinds = {
        stat.S_IFIFO: "a named pipe",
        stat.S_IFSOCK: "a socket",
        stat.S_IFCHR: "a character device",
        stat.S_IFBLK: "a block device",
        stat.S_IFDIR: "a folder",
    }
    return kinds.get(stat.S_IFMT(mode), "not a regular file")


def _read_regular(path: Path, name: str, max_bytes: int) -> bytes:
    """The bytes of ``path`` if it is a regular file within the limit.

    The type is checked before opening and again on the open handle, which is opened
    without blocking: a named pipe would otherwise wait for a writer forever.
    """
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(name, f"is {_kind(info.st_mode)}; only regular files are read")
    if info.st_size > max_bytes:
        raise SourceError(
            name,
            f"is {info.st_size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
            "(INGEST_MAX_FILE_MB). Split it, or raise the limit.",
        )
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    with open(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # swapped for something else since the check
            raise SourceError(name, f"is {_kind(mode)}; only regular files are read")
        return handle.read(max_bytes + 1)


def read_source(file: SourceFile, max_bytes: int) -> Loaded:
    """Read and validate one source; raise ``SourceError`` with an actionable reason."""
    name = file.source
    try:
        data = _read_regular(file.path, name, max_bytes)
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
    encoding = bom_encoding(data)
    if encoding is None and b"\x00" in data[:_SNIFF_BYTES]:
        raise SourceError(
            name,
            "looks like a binary file (it contains NUL bytes), not text. UTF-16 and "
            "UTF-32 text is read when it starts with a byte-order mark.",
        )
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        if encoding and encoding != "utf-8-sig":
            raise SourceError(
                name, f"starts with a {encoding.upper()} byte-order mark but is not {encoding}"
            ) from None
        raise SourceError(
            name,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}). "
            "Convert it, e.g. `iconv -f latin1 -t utf-8`.",
        ) from None
    if not text.strip():
        raise SourceError(name, "is empty (no text to ingest)")
    return Loaded(file, text, sha256)
