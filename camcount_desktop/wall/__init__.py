"""The live wall: tiles, their state and overlays, and the frames they show."""
