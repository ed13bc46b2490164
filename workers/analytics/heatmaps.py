"""Heatmaps and the faces-view log in the analytics worker.

Heatmap facts (``camera.heatmaps``) are stored in batches, one row per fact, acknowledged only
once committed (as count events are); a period's heatmap is the sum of its rows. ``FacesViewed``
(``privacy.audit``) is stored by the broker account that sent it: the log of who looked at which
camera's pictures with people showing, and when.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from workers.analytics.ingest import batch_transaction
from workers.bus import Delivery, PermanentError
from workers.contracts import FacesViewed, HeatmapFact, utcnow
from workers.contracts.queries import (
    FacesViewInfo,
    FacesViewsQuery,
    FacesViewsReply,
    HeatmapQuery,
    HeatmapReply,
)
from workers.heatmap.grid import DEFAULT_COLS, DEFAULT_ROWS
from workers.storage import Database
from workers.storage.heatmaps import (
    faces_views,
    heatmap_rows,
    insert_faces_views,
    insert_heatmaps,
    latest_reference,
)


class HeatmapStore:
    def __init__(self, db: Database):
        self.db = db
        self.facts_written = 0
        self.views_logged = 0

    async def ingest(self, batch: list[tuple[HeatmapFact, Delivery]]) -> None:
        now = utcnow()
        rows = [{"message_id": f.message_id, "camera_id": f.camera_id,
                 "hour_start": f.hour_start, "first_at": f.first_at, "last_at": f.last_at,
                 "cols": f.cols, "rows": f.rows, "frame_width": f.frame_width,
                 "frame_height": f.frame_height, "frames": f.frames,
                 "visits": [list(p) for p in f.visits], "dwell": [list(p) for p in f.dwell],
                 "reference_jpeg": f.reference_jpeg, "received_at": now} for f, _ in batch]
        async with batch_transaction(self.db) as session:
            await insert_heatmaps(session, rows)
        self.facts_written += len(rows)

    async def on_faces_viewed(self, batch: list[tuple[FacesViewed, Delivery]]) -> None:
        rows = []
        for msg, d in batch:
            if not d.user_id:
                raise PermanentError("a faces-view log entry must say which broker account sent "
                                     "it (the user_id property); nothing was stored")
            rows.append({"message_id": msg.message_id, "camera_id": msg.camera_id,
                         "action": msg.action, "viewer": d.user_id, "console": msg.console,
                         "at": msg.timestamp, "received_at": utcnow()})
        async with batch_transaction(self.db) as session:
            await insert_faces_views(session, rows)
        self.views_logged += len(rows)

    async def heatmap(self, q: HeatmapQuery) -> HeatmapReply:
        async with self.db.sessions() as session:
            rows = await heatmap_rows(session, q.camera_id, q.start, q.end)
            reference = await latest_reference(session, q.camera_id, q.end)
        # one grid size per sum: the newest one's (a site that changed it keeps both in store)
        cols, rows_n = (rows[-1].cols, rows[-1].rows) if rows else (DEFAULT_COLS, DEFAULT_ROWS)
        size = Counter((r.frame_width, r.frame_height) for r in rows).most_common(1)
        width, height = size[0][0] if size else (0, 0)
        visits = np.zeros(cols * rows_n, np.int64)
        dwell = np.zeros(cols * rows_n, np.float64)
        used = [r for r in rows if (r.cols, r.rows) == (cols, rows_n)]
        for r in used:
            for cell, n in r.visits:
                visits[cell] += n
            for cell, s in r.dwell:
                dwell[cell] += s
        return HeatmapReply(
            camera_id=q.camera_id, start=q.start, end=q.end, cols=cols, rows=rows_n,
            frame_width=max(width, 1), frame_height=max(height, 1),
            hours=len({r.hour_start for r in used}), frames=sum(r.frames for r in used),
            visits=visits.tolist(), dwell=np.round(dwell, 3).tolist(),
            reference_jpeg=reference[0] if reference else None,
            reference_at=reference[1] if reference else None, skipped=len(rows) - len(used))

    async def faces_views(self, q: FacesViewsQuery) -> FacesViewsReply:
        async with self.db.sessions() as session:
            views = await faces_views(session, q.camera_id, q.limit)
        return FacesViewsReply(views=[FacesViewInfo(camera_id=v.camera_id, action=v.action,  # type: ignore[arg-type]
                                                    viewer=v.viewer, console=v.console, at=v.at)
                                      for v in views])

