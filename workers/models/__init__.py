"""YOLO models on this machine: the catalogue of models CamCount can fetch, the download (with
progress, cancel and checks), the check that a file loads as a detection model, and what is on
disk. Nothing here imports torch or ultralytics except ``check``, and only when it is called."""
