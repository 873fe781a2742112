"""The sources manifest: everything the user follows, re-ingested by one command.

``python -m ingest --manifest sources.yaml`` reads a YAML file like::

    sources:
      - sources/                          # a folder (relative to this file)
      - notes/**/*.md                     # a glob
      - path: reports/annual.pdf
      - url: https://example.org/article  # a web page, PDF or text file
        name: example-article             # optional: the name it is cited by
        timeout_s: 10                     # optional: this source's fetch limits
        max_mb: 5

Plain strings are URLs when they start with http:// or https://, globs when they
hold ``*``, ``?`` or ``[``, else files or folders.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from errors import ConfigError
from ingest.loader import SourceFile, url_source
from ingest.urls import is_url

URL_OPTIONS = {"name", "timeout_s", "max_mb"}
_GLOB_CHARS = set("*?[")


@dataclass
class Manifest:
    items: list[Path | str | SourceFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_manifest(path: Path) -> Manifest:
    """Read a manifest; ``ConfigError`` names the file and the entry that is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"The manifest {path} cannot be read: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The manifest {path} is not valid YAML: {exc}") from None
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(
            f"The manifest {path} needs a `sources:` list (see `python -m ingest -h`)"
        )
    return parse_entries(entries, path.resolve().parent, str(path))


def parse_entries(entries: list[Any], base: Path, where: str = "manifest") -> Manifest:
    """Turn manifest entries into what ``discover`` takes.

    >>> entries = ["https://a.org/x", {"url": "https://b.org/y", "name": "b"}]
    >>> m = parse_entries(entries, Path("/srv"))
    >>> [getattr(i, "source", i) for i in m.items]
    ['https://a.org/x', 'b']
    """
    manifest = Manifest()
    for number, entry in enumerate(entries, 1):
        if isinstance(entry, str):
            entry = {"url": entry} if is_url(entry) else {"path": entry}
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: entry {number} must be a string or a mapping")
        kinds = [k for k in ("path", "glob", "url") if k in entry]
        if len(kinds) != 1:
            raise ConfigError(f"{where}: entry {number} needs exactly one of path, glob or url")
        kind = kinds[0]
        value = str(entry[kind])
        options = {k: v for k, v in entry.items() if k != kind}
        allowed = URL_OPTIONS if kind == "url" else set()
        if unknown := set(options) - allowed:
            raise ConfigError(
                f"{where}: entry {number} has unknown option(s) {', '.join(sorted(unknown))} "
                f"(a {kind} takes: {', '.join(sorted(allowed)) or 'none'})"
            )
        if kind == "url":
            if not is_url(value):
                raise ConfigError(f"{where}: entry {number}: {value!r} is not an http(s) URL")
            name = options.pop("name", None)
            manifest.items.append(
                url_source(value, name=str(name) if name else None, options=options)
                if name or options
                else value
            )
        elif kind == "glob" or _GLOB_CHARS & set(value):
            matches = sorted(glob.glob(str(base / value), recursive=True))
            if not matches:
                manifest.warnings.append(f"{where}: {value} matches no file")
            manifest.items += [Path(m) for m in matches]
        else:
            manifest.items.append(base / value)
    return manifest
