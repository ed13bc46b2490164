"""Counting accuracy: true crossings (our JSON or a typed CSV), matching counted events to them,
a detection-noise simulator for the tracker and counter, and review snapshots."""
