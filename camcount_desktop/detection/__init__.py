"""Settings → Detection: fetch a YOLO model or choose one on disk, and switch local mode's
detector to it without a restart."""
