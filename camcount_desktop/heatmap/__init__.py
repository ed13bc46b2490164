"""Heatmaps in the console: over a wall tile's live picture, and in the analytics window."""
