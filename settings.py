"""Settings for every entry point, read once from the environment.

Only this module reads ``os.environ``; everything else receives a ``Settings``.
Every variable is documented in the README's "Settings" table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent


# Every variable ``Settings.from_env`` reads (tests clear them all; a test checks the list).
ENV_VARIABLES = (
    "SOURCES_DIR", "CHROMA_PATH", "CHROMA_URL", "CHROMA_COLLECTION", "RECORD_MANAGER_URL",
    "TIKTOKEN_CACHE_DIR", "TOKEN_ENCODING", "CHUNK_TOKENS", "EMBED_BATCH_SIZE",
    "INGEST_MAX_FILE_MB", "QA_LLM", "QA_LLM_BASE_URL", "QA_LLM_API_KEY", "OPENAI_API_KEY",
    "QA_LLM_TIMEOUT_S", "QA_LLM_MAX_TOKENS", "QA_TOP_K", "QA_MIN_EVIDENCE", "EVALS_DIR",
    "CHATS_URL", "INGEST_FETCH_MAX_MB", "INGEST_FETCH_TIMEOUT_S", "UPLOAD_MAX_MB",
    "QA_CROSS_ENCODER",
)  # fmt: skip


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    """An on/off variable: 1/true/yes/on or 0/false/no/off (empty: ``default``).

    >>> _switch({"X": "off"}, "X", True), _switch({}, "X", True)
    (False, True)
    """
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0 (on or off), got {raw!r}")


def _set(env: Mapping[str, str], name: str) -> bool:
    return bool(env.get(name, "").strip())


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    return Path(raw).expanduser().resolve() if raw else default


def default_chats_url(settings: Settings) -> str:
    """Where chats are kept unless ``CHATS_URL`` says: the record manager's database
    when that is a server (every machine then sees the same chats), else a SQLite
    file beside the store.

    >>> default_chats_url(Settings(chroma_path=Path("/s")))
    'sqlite:////s/chats.sqlite'
    >>> default_chats_url(Settings(record_manager_url="postgresql+psycopg://db/qa"))
    'postgresql+psycopg://db/qa'
    """
    if settings.record_manager_url.startswith("postgresql"):
        return settings.record_manager_url
    return f"sqlite:///{settings.chroma_path / 'chats.sqlite'}"


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the embedded defaults (no server, no API key)."""

    sources_dir: Path = PROJECT_ROOT / "sources"
    chroma_path: Path = PROJECT_ROOT / ".chroma"
    chroma_url: str | None = None
    chroma_collection: str = "documents"
    record_manager_url: str = ""
    tiktoken_cache_dir: Path = PROJECT_ROOT / ".cache" / "tiktoken"
    token_encoding: str = "cl100k_base"
    chunk_tokens: int = 200
    embed_batch_size: int = 16
    max_file_mb: int = 50
    fetch_max_mb: int = 20
    fetch_timeout_s: float = 30.0
    upload_max_mb: int = 50
    qa_llm: str = "extractive"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 60.0
    llm_max_tokens: int = 400
    top_k: int = 5
    min_evidence: float | None = None
    cross_encoder: bool = True  # re-order the best sentences with the cross-encoder
    evals_dir: Path = PROJECT_ROOT / "evals" / "runs"
    chats_url: str = ""

    def __post_init__(self) -> None:
        if not self.record_manager_url:
            url = f"sqlite:///{self.chroma_path / 'record_manager.sqlite'}"
            object.__setattr__(self, "record_manager_url", url)
        if not self.chats_url:
            object.__setattr__(self, "chats_url", default_chats_url(self))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default: the process environment).

        >>> Settings.from_env({"CHROMA_COLLECTION": "notes"}).chroma_collection
        'notes'
        """
        env = os.environ if env is None else env
        base = cls()
        return cls(
            sources_dir=_path(env, "SOURCES_DIR", base.sources_dir),
            chroma_path=_path(env, "CHROMA_PATH", base.chroma_path),
            chroma_url=env.get("CHROMA_URL", "").strip() or None,
            chroma_collection=env.get("CHROMA_COLLECTION", "").strip() or base.chroma_collection,
            record_manager_url=env.get("RECORD_MANAGER_URL", "").strip(),
            tiktoken_cache_dir=_path(env, "TIKTOKEN_CACHE_DIR", base.tiktoken_cache_dir),
            token_encoding=env.get("TOKEN_ENCODING", "").strip() or base.token_encoding,
            chunk_tokens=_int(env, "CHUNK_TOKENS", base.chunk_tokens, minimum=16),
            embed_batch_size=_int(env, "EMBED_BATCH_SIZE", base.embed_batch_size),
            max_file_mb=_int(env, "INGEST_MAX_FILE_MB", base.max_file_mb),
            fetch_max_mb=_int(env, "INGEST_FETCH_MAX_MB", base.fetch_max_mb),
            fetch_timeout_s=_float(env, "INGEST_FETCH_TIMEOUT_S", base.fetch_timeout_s),
            upload_max_mb=_int(env, "UPLOAD_MAX_MB", base.upload_max_mb),
            qa_llm=env.get("QA_LLM", "").strip() or base.qa_llm,
            llm_base_url=env.get("QA_LLM_BASE_URL", "").strip() or None,
            llm_api_key=env.get("QA_LLM_API_KEY", "").strip() or env.get("OPENAI_API_KEY") or None,
            llm_timeout_s=_float(env, "QA_LLM_TIMEOUT_S", base.llm_timeout_s),
            llm_max_tokens=_int(env, "QA_LLM_MAX_TOKENS", base.llm_max_tokens),
            top_k=_int(env, "QA_TOP_K", base.top_k),
            min_evidence=_float(env, "QA_MIN_EVIDENCE", 0.0)
            if _set(env, "QA_MIN_EVIDENCE")
            else None,
            cross_encoder=_switch(env, "QA_CROSS_ENCODER", base.cross_encoder),
            evals_dir=_path(env, "EVALS_DIR", base.evals_dir),
            chats_url=env.get("CHATS_URL", "").strip(),
        )

    def to_env(self) -> dict[str, str]:
        """The variables that rebuild these settings in a child process.

        >>> Settings.from_env(Settings(chroma_collection="x").to_env()).chroma_collection
        'x'
        """
        env = {
            "SOURCES_DIR": str(self.sources_dir),
            "CHROMA_PATH": str(self.chroma_path),
            "CHROMA_COLLECTION": self.chroma_collection,
            "RECORD_MANAGER_URL": self.record_manager_url,
            "TIKTOKEN_CACHE_DIR": str(self.tiktoken_cache_dir),
            "TOKEN_ENCODING": self.token_encoding,
            "CHUNK_TOKENS": str(self.chunk_tokens),
            "EMBED_BATCH_SIZE": str(self.embed_batch_size),
            "INGEST_MAX_FILE_MB": str(self.max_file_mb),
            "INGEST_FETCH_MAX_MB": str(self.fetch_max_mb),
            "INGEST_FETCH_TIMEOUT_S": str(self.fetch_timeout_s),
            "UPLOAD_MAX_MB": str(self.upload_max_mb),
            "QA_LLM": self.qa_llm,
            "QA_TOP_K": str(self.top_k),
            "QA_LLM_TIMEOUT_S": str(self.llm_timeout_s),
            "QA_LLM_MAX_TOKENS": str(self.llm_max_tokens),
            "CHATS_URL": self.chats_url,
            "QA_CROSS_ENCODER": "1" if self.cross_encoder else "0",
        }
        optional = {
            "CHROMA_URL": self.chroma_url,
            "QA_LLM_BASE_URL": self.llm_base_url,
            "QA_LLM_API_KEY": self.llm_api_key,
            "QA_MIN_EVIDENCE": None if self.min_evidence is None else str(self.min_evidence),
        }
        env.update({k: v for k, v in optional.items() if v is not None})
        return env

    def child_env(self) -> dict[str, str]:
        """The environment for a child process (the page's ingest and eval runs):
        this process's own, with these settings on top."""
        return {**os.environ, **self.to_env()}

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed; the record manager follows a moved store.

        >>> s = Settings().with_(chroma_path=Path("/tmp/x"))
        >>> s.record_manager_url
        'sqlite:////tmp/x/record_manager.sqlite'
        """
        default_url = Settings(chroma_path=self.chroma_path).record_manager_url
        moved = "chroma_path" in changes and "record_manager_url" not in changes
        if moved and self.record_manager_url == default_url:
            changes["record_manager_url"] = ""
        # Chats follow the store (or the record manager) unless placed on purpose.
        follows = self.chats_url == default_chats_url(self)
        if follows and "chats_url" not in changes:
            changes["chats_url"] = ""
        return replace(self, **changes)  # type: ignore[arg-type]
