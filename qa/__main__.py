"""Ask questions from the command line: ``python -m qa [--json] ["QUESTION"]``."""

import sys

from qa.cross import preload
from settings import Settings

if Settings.from_env().cross_encoder:
    preload()  # the cross-encoder loads while the rest of the program is imported

from qa.cli import main

sys.exit(main())
