"""``python -m workers``: the same as ``camcount-worker``."""

import sys

from workers.cli import main

sys.exit(main())
