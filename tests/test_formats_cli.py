"""Every format through the command lines: ``python -m ingest`` then ``python -m qa --json``.

Real generated files, the real model and a real store; web sources come from a
local HTTP server on 127.0.0.1 that serves the bundled article as a news page
(navigation, cookie banner, related links), honours ETag / Last-Modified, and
misbehaves on purpose (404, a slow answer, redirects to file: and to another
loopback port, a body over the limit, an image).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from settings import PROJECT_ROOT, Settings
from tests import format_files as ff
from tests.helpers import ARTICLE

pytestmark = pytest.mark.slow
ARTICLE_TEXT = ARTICLE.read_text(encoding="utf-8")


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CHROMA_PATH": str(settings.chroma_path),
        "SOURCES_DIR": str(settings.sources_dir),
        **extra,
    }


def ingest(settings: Settings, *args: str) -> tuple[int, dict, str]:
    run = subprocess.run(
        [sys.executable, "-m", "ingest", "--json", *args],
        cwd=PROJECT_ROOT, env=env_for(settings), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.stdout, run.stderr
    return run.returncode, json.loads(run.stdout), run.stderr


def ask(settings: Settings, *questions: str) -> list[dict]:
    run = subprocess.run(
        [sys.executable, "-m", "qa", "--json"],
        input="\n".join(questions) + "\n",
        cwd=PROJECT_ROOT, env=env_for(settings), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def cited(answer: dict) -> list[tuple[str, int, int | None]]:
    assert not answer["abstained"], answer
    return [(c["source"], c["paragraph"], c["page"]) for c in answer["citations"]]


# -- files --------------------------------------------------------------------------
NOTES_MD = """# Beekeeping

Honey bees collect nectar from clover and lime trees; a strong colony stores more than
thirty kilograms of honey in a good summer, most of it in the upper boxes of the hive.
"""


def test_every_format_is_ingested_and_cited_with_paragraph_and_page(settings: Settings) -> None:
    src = settings.sources_dir
    ff.write(src, "report.pdf", ff.report_pdf())
    ff.write(src, "lighthouse.docx", ff.notes_docx())
    ff.write(src, "saved/article.html", ff.article_html(ARTICLE_TEXT))
    ff.write(src, "bees.md", NOTES_MD)
    code, report, stderr = ingest(settings)
    assert code == 0, stderr
    assert {s["source"]: s["status"] for s in report["sources"]} == {
        "report.pdf": "added", "lighthouse.docx": "added",
        "saved/article.html": "added", "bees.md": "added",
    }  # fmt: skip
    from ingest.fetch import document_meta_key
    from vectorstore.catalog import Catalog, make_engine

    catalog = Catalog(make_engine(settings.record_manager_url), settings.chroma_collection)
    assert json.loads(catalog.meta(document_meta_key("saved/article.html")) or "{}") == {
        "format": "html", "author": "Ahmet Example", "date": "2021-01-05",
    }  # fmt: skip
    assert json.loads(catalog.meta(document_meta_key("report.pdf")) or "{}")["pages"] == 3
    answers = ask(
        settings,
        "Why did the nitrate boom end after the First World War?",
        "How were the prisms of the lighthouse lens polished?",
        "Who translated the article?",
        "How much honey does a strong bee colony store?",
    )
    assert cited(answers[0])[0] == ("report.pdf", 8, 3)
    assert "Haber process" in answers[0]["citations"][0]["quote"]
    assert cited(answers[1])[0] == ("lighthouse.docx", 5, None)
    assert answers[1]["citations"][0]["section"] == (
        "Lighthouse keeping › Daily duties › Cleaning the lens"
    )
    # The saved page has the article's 19 paragraphs under its <h1>: ¶17 of the text is ¶18.
    assert cited(answers[2])[0] == ("saved/article.html", 18, None)
    assert answers[2]["citations"][0]["quote"] == "Translated by Can Atalay in Ankara"
    assert cited(answers[3])[0] == ("bees.md", 2, None)
    # A person reads the page in the citation.
    run = subprocess.run(
        [sys.executable, "-m", "qa", "Why did the nitrate boom end after the First World War?"],
        cwd=PROJECT_ROOT, env=env_for(settings), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "report.pdf · p. 3 · ¶8" in run.stdout, run.stdout


def test_bad_files_are_named_and_the_rest_ingested(settings: Settings) -> None:
    src = settings.sources_dir
    ff.write(src, "bees.md", NOTES_MD)
    assert ingest(settings)[0] == 0
    pdf, docx = ff.report_pdf(), ff.notes_docx()
    bad = {
        "locked.pdf": (ff.encrypted_pdf(), "is encrypted"),
        "scan.pdf": (ff.scanned_pdf(), "OCR is not supported"),
        "cut.pdf": (pdf[: len(pdf) // 2], "is truncated or damaged"),
        "cut.docx": (docx[: len(docx) // 2], "is damaged or truncated"),
        "bomb.docx": (ff.docx_bomb(1.0), "would unpack to"),
        "notes.pdf": (b"Plain notes renamed to pdf\n", "is not a PDF: it holds plain text"),
    }
    for name, (data, _) in bad.items():
        ff.write(src, name, data)
    ff.write(src, "report.pdf", ff.report_pdf())
    code, report, _ = ingest(settings)
    assert code == 1
    for name, (_, reason) in bad.items():
        assert any(e.startswith(f"{name}: ") and reason in e for e in report["errors"]), name
    assert len(report["errors"]) == len(bad)
    statuses = {s["source"]: s["status"] for s in report["sources"]}
    assert statuses == {"bees.md": "unchanged", "report.pdf": "added"}
    answers = ask(settings, "How much honey does a strong bee colony store?")
    assert cited(answers[0])[0] == ("bees.md", 2, None)


# -- web sources ----------------------------------------------------------------------
class Site:
    """What the local server serves, and what it was asked."""

    def __init__(self) -> None:
        self.article = ff.article_html(ARTICLE_TEXT).encode()
        self.modified = "Tue, 05 Jan 2021 10:00:00 GMT"
        self.log: list[tuple[str, int, str | None, str | None]] = []
        self.port = 0

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.article).hexdigest()[:16] + '"'

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
            site.log.append(
                (self.path, status, self.headers.get("If-None-Match"),
                 self.headers.get("If-Modified-Since"))
            )  # fmt: skip
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            if "Content_Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            html = "text/html; charset=utf-8"
            if self.path == "/article.html":
                if self.headers.get("If-None-Match") == site.etag:
                    return self._send(304, ETag=site.etag)
                return self._send(
                    200, site.article, Content_Type=html, ETag=site.etag,
                    Last_Modified=site.modified,
                )  # fmt: skip
            if self.path == "/no-validators.html":
                return self._send(200, site.article, Content_Type=html)
            if self.path == "/slow.html":
                time.sleep(4)
                return self._send(200, site.article, Content_Type=html)
            if self.path == "/to-file":
                return self._send(302, Location="file:///etc/passwd")
            if self.path == "/to-loopback":
                return self._send(302, Location=f"http://127.0.0.1:{site.port + 1}/admin")
            if self.path == "/moved":
                return self._send(301, Location="/article.html")
            if self.path == "/huge.html":
                site.log.append((self.path, 200, None, None))
                self.send_response(200)
                self.send_header("Content-Type", html)
                self.end_headers()
                try:
                    for _ in range(40):
                        self.wfile.write(b"<p>" + b"x" * 100_000 + b"</p>")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return None
            if self.path == "/logo.png":
                return self._send(200, b"\x89PNG\r\n\x1a\n", Content_Type="image/png")
            return self._send(404, b"not here", Content_Type="text/plain")

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


QUESTIONS = (
    "Why did Iran fear the result of the war?",
    "Who translated the article?",
    "What did the Baku administration thank Tehran for?",
)


def test_article_by_url_matches_the_text_version_and_reingests_by_validators(
    settings: Settings, site: Site, article_store: Settings
) -> None:
    url = site.url("/article.html")
    code, report, stderr = ingest(settings, url)
    assert code == 0, stderr
    assert report["sources"][0]["source"] == url and report["added"] > 0
    by_url, by_text = ask(settings, *QUESTIONS), ask(article_store, *QUESTIONS)
    for web, text in zip(by_url, by_text):
        assert [c["quote"] for c in web["citations"]] == [c["quote"] for c in text["citations"]]
        # The page has an <h1> title before the text's first paragraph.
        assert [c["paragraph"] for c in web["citations"]] == [
            c["paragraph"] + 1 for c in text["citations"]
        ]
        assert all(c["source"] == url for c in web["citations"])

    # Unchanged: the conditional request is answered 304 and nothing is embedded.
    code, report, _ = ingest(settings, url)
    assert code == 0
    assert site.log[-1] == ("/article.html", 304, site.etag, site.modified)
    assert report["sources"][0]["status"] == "unchanged"
    assert (report["added"], report["updated"], report["deleted"]) == (0, 0, 0)

    # One paragraph edited: only that paragraph's chunk is embedded again.
    site.article = site.article.replace(b"Can Atalay in Ankara", b"Can Atalay in Istanbul")
    site.modified = "Wed, 06 Jan 2021 10:00:00 GMT"
    code, report, _ = ingest(settings, url)
    assert code == 0 and site.log[-1][1] == 200
    assert report["added"] + report["updated"] == 1 and report["deleted"] == 0
    assert report["skipped"] > 10
    answer = ask(settings, "Who translated the article?")[0]
    assert answer["citations"][0]["quote"] == "Translated by Can Atalay in Istanbul"


def test_page_without_validators_is_compared_by_hash(settings: Settings, site: Site) -> None:
    url = site.url("/no-validators.html")
    assert ingest(settings, url)[0] == 0
    code, report, _ = ingest(settings, url)
    assert code == 0 and site.log[-1] == ("/no-validators.html", 200, None, None)
    assert report["sources"][0]["status"] == "unchanged" and report["added"] == 0


def test_manifest_ingests_paths_globs_and_urls_and_names_every_bad_url(
    settings: Settings, site: Site, tmp_path: Path
) -> None:
    ff.write(settings.sources_dir, "bees.md", NOTES_MD)
    ff.write(tmp_path / "reports", "2020/report.pdf", ff.report_pdf())
    ff.write(tmp_path / "reports", "2021/lighthouse.docx", ff.notes_docx())
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(
        f"""sources:
  - {settings.sources_dir}
  - reports/**/*.pdf
  - glob: reports/**/*.docx
  - url: {site.url("/moved")}
    name: article
  - {site.url("/missing.html")}
  - url: {site.url("/slow.html")}
    timeout_s: 1
  - {site.url("/to-file")}
  - {site.url("/to-loopback")}
  - url: {site.url("/huge.html")}
    max_mb: 1
  - {site.url("/logo.png")}
""",
        encoding="utf-8",
    )
    code, report, _ = ingest(settings, "--manifest", str(manifest))
    assert code == 1
    assert {s["source"] for s in report["sources"]} == {
        "bees.md", "report.pdf", "lighthouse.docx", "article",
    }  # fmt: skip
    expected = {
        "/missing.html": "the server answered 404",
        "/slow.html": "did not answer within 1 s",
        "/to-file": "redirects to a file: URL",
        "/to-loopback": "redirects to a loopback address",
        "/huge.html": "sent more than the 1 MB limit",
        "/logo.png": "serves image/png",
    }
    for path, reason in expected.items():
        assert any(e.startswith(site.url(path)) and reason in e for e in report["errors"]), (
            path,
            report["errors"],
        )
    assert len(report["errors"]) == len(expected)
    answer = ask(settings, "Who translated the article?")[0]
    assert cited(answer)[0] == ("article", 18, None)
    code, report, _ = ingest(settings, "ftp://example.org/a.pdf")
    assert code == 1 and "only http and https" in report["errors"][0]
