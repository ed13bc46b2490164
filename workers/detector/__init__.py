"""Detection: detectors behind one interface, tracking, motion skipping, the per-camera pipeline
and the detector worker process."""
