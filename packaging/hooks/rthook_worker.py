# Runs first in the frozen worker. Ultralytics installs missing requirements with pip when one of
# its checks fails; a bundle cannot install into itself, so it must say what is missing instead.
import os

os.environ.setdefault("YOLO_AUTOINSTALL", "false")
