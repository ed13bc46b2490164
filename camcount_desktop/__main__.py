"""``python -m camcount_desktop``: the same as ``camcount-desktop``."""

import sys

from camcount_desktop.app import main

sys.exit(main())
