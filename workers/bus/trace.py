"""Trace ids: started at a frame, carried in a header by every message derived from it.

The bus sets the current trace id while a handler runs and stamps it on everything the handler
publishes, so a count event, an alert or an email can be followed back to the frame it came from.
"""

from __future__ import annotations

from contextvars import ContextVar

TRACE_HEADER = "x-trace-id"

current_trace_id: ContextVar[str | None] = ContextVar("camcount_trace_id", default=None)
