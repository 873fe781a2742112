"""The project's one exception tree.

Every error a user can meet derives from ``QAError`` and carries a message that
says what went wrong and what to do about it. Entry points print the message
(no traceback) and exit non-zero.

    QAError
    ├── ConfigError        a setting is wrong (bad URL, unknown backend)
    ├── SourceError        one source file cannot be ingested (names the file)
    ├── StoreError         the vector store or record manager is unusable
    │   └── EmptyStoreError    nothing ingested yet: run the ingest
    ├── BackendError       the answering model cannot be reached or failed
    ├── QuestionError      the question itself is unusable (empty, ...)
    └── PromptError        a prompt file is missing or its variables don't match
"""

from __future__ import annotations


class QAError(Exception):
    """Base of every error the product raises on purpose."""


class ConfigError(QAError):
    """A setting has a value the product cannot use."""


class SourceError(QAError):
    """A source file cannot be ingested; the message names the file and the reason."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class StoreError(QAError):
    """The vector store or the record manager cannot be used."""


class EmptyStoreError(StoreError):
    """The store holds nothing yet."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"The index at {where} is empty. Ingest your sources first: "
            "`python -m ingest` (reads sources/ by default)."
        )


class BackendError(QAError):
    """The answering model cannot be reached or returned an error."""


class QuestionError(QAError):
    """The question cannot be answered as given (empty, unreadable)."""


class PromptError(QAError):
    """A prompt file is missing, or its variables do not match what is passed."""
