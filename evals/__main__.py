"""Run eval sets: ``python -m evals run SET [SET ...]`` / ``python -m evals compare OLD NEW``."""

import sys

from evals.cli import main

sys.exit(main())
