"""Entry point of the frozen workers (``camcount-worker``)."""

import multiprocessing
import sys

from workers.cli import main

# torch may start helper processes; in a frozen app a child re-runs this script without it
multiprocessing.freeze_support()
sys.exit(main())
