"""The analytics store: SQLAlchemy (async) models, migrations and repositories.

SQLite in the user data folder by default, PostgreSQL by URL; see docs/analytics.md.
"""

from workers.storage.database import Database, data_dir, default_url, redact
from workers.storage.migrate import current_revision, head_revision, upgrade

__all__ = ["Database", "current_revision", "data_dir", "default_url", "head_revision", "redact",
           "upgrade"]
