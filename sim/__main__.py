"""``python -m sim``: the command line (see :mod:`sim.cli`)."""

import sys

from .cli import main

sys.exit(main())
