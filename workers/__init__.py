"""CamCount workers: message contracts, topology, buses, storage and the worker processes.

Nothing in this package imports Qt; the console imports it, never the other way round.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("camcount")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
