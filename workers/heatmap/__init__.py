"""Heatmaps: gathered per camera by the detector (``grid``), stored and summed by analytics,
drawn over a reference picture by the console and the PDF report (``render``)."""

from workers.heatmap.grid import DEFAULT_COLS, DEFAULT_ROWS, HeatAccumulator, HeatGrid

__all__ = ["DEFAULT_COLS", "DEFAULT_ROWS", "HeatAccumulator", "HeatGrid"]
