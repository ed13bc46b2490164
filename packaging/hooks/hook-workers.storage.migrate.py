# Alembic runs the migration scripts (shipped as files: spec_helpers.package_data) with exec, out
# of PyInstaller's sight: bring in what env.py imports.
hiddenimports = ["workers.storage.models", "alembic.context"]
