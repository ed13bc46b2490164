"""Where CamCount keeps its files on this machine."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir


def data_dir() -> Path:
    """The user data folder (SQLite database, generated reports, facts waiting for the broker)."""
    return Path(user_data_dir("camcount", appauthor=False))


def models_dir() -> Path:
    """Where YOLO weights are downloaded to and looked for."""
    return data_dir() / "models"
