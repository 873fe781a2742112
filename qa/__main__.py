"""Ask questions from the command line: ``python -m qa [--json] ["QUESTION"]``."""

import sys

from qa.cli import main

sys.exit(main())
