"""What an ingest would make of some files, without touching a store: each source's
name and numbered paragraphs, exactly as ingest names and numbers them. Eval sets
are checked against this before they run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from errors import SourceError
from ingest.loader import discover, read_source
from ingest.paragraphs import Paragraph, split_paragraphs


@dataclass
class Outline:
    paragraphs: dict[str, list[Paragraph]] = field(default_factory=dict)  # by source name
    errors: list[str] = field(default_factory=list)  # files that would not be ingested


def outline(paths: list[Path], default_root: Path, max_bytes: int) -> Outline:
    """Discover and split ``paths`` the way ``python -m ingest`` does."""
    found = discover(paths, default_root)
    result = Outline(errors=[str(e) for e in found.errors])
    for file in found.files:
        try:
            loaded = read_source(file, max_bytes)
        except SourceError as exc:
            result.errors.append(str(exc))
            continue
        result.paragraphs[file.source] = split_paragraphs(loaded.text, markdown=file.markdown)
    return result
