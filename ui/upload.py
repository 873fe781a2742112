"""Files uploaded in the chat's sidebar: checked, stored under the sources folder.

Uploads go to ``<SOURCES_DIR>/uploads/`` under a safe name (no folders, no
leading dot, only letters, digits, ``.``, ``-`` and ``_``), so a later
``python -m ingest`` or re-ingest keeps them. What a file really holds (a
``.txt`` renamed to ``.pdf``, an encrypted PDF, a zip bomb) is judged by the
ingest, which names the file in its summary.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

# The suffixes ``python -m ingest`` reads (ingest.loader.SUPPORTED_SUFFIXES; the page
# does not import ingest, and a test keeps the two lists equal).
ACCEPTED = (".docx", ".htm", ".html", ".markdown", ".md", ".pdf", ".text", ".txt", ".xhtml")
UPLOAD_FOLDER = "uploads"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 100


class UploadRefused(Exception):
    """An uploaded file is not stored; the message says why (shown on the page)."""


@dataclass(frozen=True)
class Stored:
    path: Path
    replaced: bool  # a file of that name was there with other content


def safe_name(name: str) -> str:
    """A file name that cannot leave the uploads folder or hide itself.

    >>> safe_name("../../etc/passwd.txt"), safe_name("C:\\\\Users\\\\x\\\\Rapport été.PDF")
    ('passwd.txt', 'Rapport-ete.pdf')
    >>> safe_name(".bashrc.md"), safe_name("<script>.html")
    ('bashrc.md', 'script.html')
    """
    leaf = PureWindowsPath(PurePosixPath(name).name).name
    ascii_name = unicodedata.normalize("NFKD", leaf).encode("ascii", "ignore").decode()
    stem, dot, suffix = ascii_name.rpartition(".")
    if not dot:
        stem, suffix = ascii_name, ""
    stem = _UNSAFE.sub("-", stem).strip(".-_ ") or "upload"
    suffix = _UNSAFE.sub("", suffix).lower()
    return f"{stem[: MAX_NAME - len(suffix) - 1]}.{suffix}" if suffix else stem[:MAX_NAME]


def store_upload(name: str, data: bytes, sources_dir: Path, max_bytes: int) -> Stored:
    """Check an upload's type and size and write it under ``sources_dir/uploads``."""
    safe = safe_name(name)
    suffix = PurePosixPath(safe).suffix
    if suffix not in ACCEPTED:
        raise UploadRefused(f"{name}: not a supported type (accepted: {', '.join(ACCEPTED)})")
    if len(data) > max_bytes:
        raise UploadRefused(
            f"{name}: {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB upload limit "
            "(UPLOAD_MAX_MB)"
        )
    if not data:
        raise UploadRefused(f"{name}: the file is empty")
    folder = sources_dir / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe
    replaced = target.exists() and _digest(target.read_bytes()) != _digest(data)
    partial = target.with_name(f".{safe}.part")  # hidden: never ingested half-written
    partial.write_bytes(data)
    partial.replace(target)
    return Stored(target, replaced)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
