"""Opening the original of an ingested source from the viewer, offline.

A PDF is published into the app's static folder (``static/originals/``, served by
Streamlit's static file serving as ``application/pdf``) under its content hash,
so a link can open the browser's PDF viewer at the cited page
(``…/report.pdf#page=4``). Nothing else is published there: a web page served
from the app's own origin could run its scripts, so other formats are offered
as a download only, and a web source links to its URL.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from settings import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static" / "originals"
STATIC_URL = "app/static/originals"
MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
    ".htm": "text/html",
    ".md": "text/markdown",
}


@dataclass(frozen=True)
class Original:
    """What the viewer can offer for one source."""

    url: str | None = None  # a web source's address
    path: Path | None = None  # the ingested file, still as it was ingested
    changed: bool = False  # the file exists but is no longer what was ingested

    @property
    def mime(self) -> str:
        return MIME.get(self.path.suffix.lower(), "text/plain") if self.path else ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate(location: str, sha256: str) -> Original:
    """The original of a source recorded at ``location`` with content hash ``sha256``."""
    if location.startswith(("http://", "https://")):
        return Original(url=location)
    path = Path(location)
    try:
        if not path.is_file():
            return Original()
        return Original(path=path, changed=_sha256(path) != sha256)
    except OSError:
        return Original()


def pdf_link(path: Path, sha256: str, page: int | None, static_dir: Path = STATIC_DIR) -> str:
    """Publish a PDF under its hash (once) and return the link that opens it at ``page``.

    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> _ = (d / "r.pdf").write_bytes(b"%PDF-1.4")
    >>> pdf_link(d / "r.pdf", "ab" * 32, 4, d / "static")
    'app/static/originals/abababababababababababababababab.pdf#page=4'
    """
    name = f"{sha256[:32]}.pdf"
    target = static_dir / name
    if not target.exists():
        static_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(path, partial)
        partial.replace(target)  # atomic: a reader never sees half a file
    return f"{STATIC_URL}/{name}" + (f"#page={page}" if page else "")
