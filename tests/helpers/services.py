"""Where the real services of a test run are (loopback by default)."""

from __future__ import annotations

import os

BROKER_URL = os.environ.get("CAMCOUNT_TEST_BROKER", "amqp://guest:guest@127.0.0.1/")
POSTGRES_URL = os.environ.get("CAMCOUNT_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1/test")
#: the services the test command brought up: a test of one of them fails, never skips, if it
#: cannot be reached
REQUIRED = {s for s in os.environ.get("CAMCOUNT_REQUIRE_SERVICES", "").split(",") if s}
