"""`python -m bench [--smoke] [--out DIR] [--only NAME,...] [--reps N]`."""

from __future__ import annotations

import sys

from bench.cli import main

sys.exit(main())
