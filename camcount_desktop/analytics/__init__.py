"""The analytics window: counts and occupancy charts from the analytics worker's database, CSV
export of what is shown, and report requests followed to the finished file.

``model`` is Qt-free (what is asked and what came back); ``*_controller`` own state and talk to
the bus; ``*_view`` paint it.
"""
