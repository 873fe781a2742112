"""Ask questions from the command line: ``python -m qa [--json] ["QUESTION"]``."""

import sys

from qa.cross import preload
from settings import Settings

# Both models load in background threads while the rest of the program is imported.
try:
    settings = Settings.from_env()
except ValueError:
    settings = None  # a bad setting: main() names it in one line
if settings is not None and settings.cross_encoder:
    preload()
if settings is not None:
    from vectorstore import embeddings

    embeddings.preload(settings.embed_batch_size)

from qa.cli import main

sys.exit(main())
