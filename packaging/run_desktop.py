"""Entry point of the frozen console (``camcount-desktop``)."""

import sys

from camcount_desktop.app import main

sys.exit(main())
