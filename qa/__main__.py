"""Ask questions from the command line: ``python -m qa [--json] ["QUESTION"]``."""

import sys

from qa.cross import preload
from settings import Settings

try:
    wanted = Settings.from_env().cross_encoder
except ValueError:
    wanted = False  # a bad setting: main() names it in one line
if wanted:
    preload()  # the cross-encoder loads while the rest of the program is imported

from qa.cli import main

sys.exit(main())
