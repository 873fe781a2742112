"""The import directions are held by ruff (TID251): each package folder's ruff.toml
bans what that folder must not import. These tests plant a forbidden import under a
file name in each folder and check that ruff refuses it, and allows the permitted ones."""

from __future__ import annotations

import subprocess

import pytest

from settings import PROJECT_ROOT

RUFF = PROJECT_ROOT / ".venv" / "bin" / "ruff"


def banned(path: str, source: str) -> bool:
    run = subprocess.run(
        [str(RUFF), "check", "--select", "TID251", "--stdin-filename", path, "-"],
        input=source, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return "TID251" in run.stdout


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("ui/page.py", "from vectorstore.catalog import SourceRecord\n"),
        ("ui/page.py", "import evals.metrics\n"),
        ("ui/page.py", "from ingest.paragraphs import split_paragraphs\n"),
        ("ui/page.py", "import chromadb\n"),
        ("app.py", "from vectorstore.index import open_index\n"),
        ("qa/x.py", "from ingest.loader import discover\n"),
        ("qa/x.py", "import streamlit\n"),
        ("ingest/x.py", "from qa.models import Passage\n"),
        ("vectorstore/x.py", "from qa.models import Passage\n"),
        ("evals/x.py", "from vectorstore.store import ChunkStore\n"),
        ("prompts/x.py", "import textkit.words\n"),
        ("settings.py", "import errors\nimport qa\n"),
        ("qa/x.py", "from chats.store import ChatStore\n"),
        ("vectorstore/x.py", "import chats\n"),
        ("chats/x.py", "from qa.pipeline import Assistant\n"),
        ("chats/x.py", "import streamlit\n"),
        ("chats/x.py", "import textkit.words\n"),
        ("chats/x.py", "import sqlite3\n"),
    ],
)
def test_a_forbidden_import_is_refused(path: str, source: str) -> None:
    assert banned(path, source)


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("ui/page.py", "import streamlit\nfrom qa.pipeline import Assistant\n"),
        ("qa/x.py", "from vectorstore.index import open_index\nimport prompts\n"),
        ("ingest/x.py", "from vectorstore.index import open_index\n"),
        ("vectorstore/x.py", "import chromadb\n"),
        (
            "evals/x.py",
            "from qa.pipeline import Assistant\nfrom ingest.paragraphs import Paragraph\n",
        ),
        ("evals/x.py", "from chats.store import ChatStore\n"),
        ("ui/page.py", "from chats.store import ChatStore\n"),
        ("chats/x.py", "import sqlalchemy\nfrom errors import StoreError\n"),
    ],
)
def test_a_permitted_import_passes(path: str, source: str) -> None:
    assert not banned(path, source)
