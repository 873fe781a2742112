"""Ingest sources into the index: ``python -m ingest [PATH ...] [--json] [--rebuild]``."""

import sys

from ingest.cli import main

sys.exit(main())
