"""``python -m workers.i18n extract``: update the .po files with the strings marked in the code."""

import sys

from workers.i18n import extract

if sys.argv[1:] != ["extract"]:
    sys.exit("usage: python -m workers.i18n extract")
extract()
