"""Entry point of the frozen console (``camcount-desktop``)."""

import multiprocessing
import sys

from camcount_desktop.app import main

# a model is exported or checked in a child process (workers.isolated); in a frozen app that
# child re-runs this script, and this makes it the child instead of a second console
multiprocessing.freeze_support()
sys.exit(main())
