# SQLAlchemy imports a URL's driver by name when the engine is created, out of PyInstaller's sight:
# ship both drivers a CamCount URL may name (sqlite+aiosqlite, postgresql+asyncpg).
hiddenimports = [
    "aiosqlite", "sqlalchemy.dialects.sqlite.aiosqlite",
    "asyncpg", "sqlalchemy.dialects.postgresql.asyncpg",
]
