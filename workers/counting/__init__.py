"""People counting from tracked boxes: line crossings and polygon zones, pure code with no I/O.

Feed ``CountingEngine.update`` each processed frame's ``TrackedObject``s and its timestamp; it
returns the ``CountingData`` block of a detection result.
"""

from workers.counting.engine import CountingEngine
from workers.counting.tracks import TrackedObject, anchor_point

__all__ = ["CountingEngine", "TrackedObject", "anchor_point"]
