"""Finding source files and reading them safely.

Every problem with one file becomes a ``SourceError`` that names the file and
the reason; the other files are still ingested.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from errors import SourceError

TEXT_SUFFIXES = {".txt": False, ".text": False, ".md": True, ".markdown": True}
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest and the name it is stored under (relative to its root)."""

    path: Path
    root: Path
    source: str

    @property
    def markdown(self) -> bool:
        return TEXT_SUFFIXES.get(self.path.suffix.lower(), False)


@dataclass(frozen=True)
class Loaded:
    file: SourceFile
    text: str
    sha256: str


@dataclass
class Discovery:
    files: list[SourceFile]
    errors: list[SourceError]
    warnings: list[str]
    # Folders ingested whole: sources once under them and now gone are deleted.
    scanned_roots: list[Path]


def _root_for(path: Path, default_root: Path) -> Path:
    """Files inside the default sources folder keep names relative to it."""
    try:
        path.relative_to(default_root)
        return default_root
    except ValueError:
        return path if path.is_dir() else path.parent


def discover(paths: list[Path], default_root: Path) -> Discovery:
    """Expand files and folders into the source files to ingest, in a stable order."""
    found: dict[Path, SourceFile] = {}
    errors: list[SourceError] = []
    warnings: list[str] = []
    scanned: list[Path] = []
    default_root = default_root.resolve()
    for given in paths:
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
            if candidate.suffix.lower() not in TEXT_SUFFIXES:
                warnings.append(
                    f"{name}: skipped, unsupported file type "
                    f"(supported: {', '.join(sorted(TEXT_SUFFIXES))})"
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
    return Loaded(file, text, hashlib.sha256(data).hexdigest())
