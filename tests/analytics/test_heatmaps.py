"""Heatmap facts stored once each and summed over a period; the faces-view log, by account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from workers.analytics.heatmaps import HeatmapStore
from workers.bus import Delivery, PermanentError
from workers.contracts import FacesViewed, HeatmapFact
from workers.contracts.queries import FacesViewsQuery, HeatmapQuery
from workers.storage import Database

H9 = datetime(2026, 5, 4, 9, tzinfo=UTC)


def fact(hour: datetime, visits: dict[int, int], dwell: dict[int, float], *,
         camera: str = "door", reference: bytes | None = None) -> HeatmapFact:
    return HeatmapFact(camera_id=camera, hour_start=hour, first_at=hour,
                       last_at=hour + timedelta(minutes=5), cols=64, rows=36, frame_width=960,
                       frame_height=540, frames=1500, visits=list(visits.items()),
                       dwell=list(dwell.items()), reference_jpeg=reference)


def delivered(msg, user: str | None = "guest"):  # type: ignore[no-untyped-def]
    return msg, Delivery(b"", {}, "", "", "q", user_id=user)


async def test_a_period_sums_its_hours_and_a_redelivery_counts_once(db: Database) -> None:
    store = HeatmapStore(db)
    jpeg = cv2.imencode(".jpg", np.full((270, 480, 3), 90, np.uint8))[1].tobytes()
    first = fact(H9, {5: 2, 70: 1}, {5: 12.5})
    await store.ingest([delivered(first), delivered(fact(H9, {5: 1}, {5: 2.5, 6: 1.0}))])
    await store.ingest([delivered(first.model_copy())])  # the broker redelivers it
    await store.ingest([delivered(fact(H9 + timedelta(hours=1), {70: 4}, {}, reference=jpeg)),
                        delivered(fact(H9 + timedelta(hours=2), {5: 100}, {5: 999.0})),
                        delivered(fact(H9, {5: 50}, {}, camera="other"))])

    reply = await store.heatmap(HeatmapQuery(camera_id="door", start=H9,
                                             end=H9 + timedelta(hours=2)))
    assert (reply.cols, reply.rows, reply.frame_width, reply.frame_height) == (64, 36, 960, 540)
    assert reply.hours == 2 and reply.frames == 3 * 1500
    assert {i: v for i, v in enumerate(reply.visits) if v} == {5: 3, 70: 5}
    assert {i: v for i, v in enumerate(reply.dwell) if v} == {5: 15.0, 6: 1.0}
    assert reply.reference_jpeg == jpeg and reply.reference_at == H9 + timedelta(hours=1, minutes=5)

    empty = await store.heatmap(HeatmapQuery(camera_id="door", start=H9 - timedelta(days=1),
                                             end=H9))
    assert empty.hours == 0 and not any(empty.visits) and empty.reference_jpeg is None


async def test_who_viewed_faces_is_the_sending_account(db: Database) -> None:
    store = HeatmapStore(db)
    start = FacesViewed(camera_id="door", action="start", console="desk-3")
    await store.on_faces_viewed([delivered(start, "ann"), delivered(start.model_copy(), "ann")])
    await store.on_faces_viewed([delivered(FacesViewed(camera_id="door", action="stop"), "ann")])
    reply = await store.faces_views(FacesViewsQuery())
    assert [(v.viewer, v.camera_id, v.action, v.console) for v in reply.views] == [
        ("ann", "door", "stop", ""), ("ann", "door", "start", "desk-3")]
    with pytest.raises(PermanentError, match="which broker account"):
        await store.on_faces_viewed([delivered(FacesViewed(camera_id="door", action="start"),
                                               None)])


async def test_the_pdf_report_has_a_heatmap_page_for_a_camera_with_people(
        db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from workers.analytics.report_files import ReportData, write_pdf

    store = HeatmapStore(db)
    jpeg = cv2.imencode(".jpg", np.full((270, 480, 3), 90, np.uint8))[1].tobytes()
    await store.ingest([delivered(fact(H9, {20 * 64 + 40: 30}, {7: 600.0}, reference=jpeg))])
    end = H9 + timedelta(days=1)
    data = ReportData(report_id="r-1", report_type="daily_summary", timezone="UTC", start=H9,
                      end=end, period="hourly", camera_ids=["door", "empty"], buckets=[],
                      lines=[], generated_at=end)
    for cam in data.camera_ids:
        data.heatmaps[cam] = await store.heatmap(HeatmapQuery(camera_id=cam, start=H9, end=end))
    pages = PdfReader(write_pdf(data, tmp_path / "r.pdf")).pages
    text = "\n".join(p.extract_text() for p in pages)
    assert "Heatmap of door" in text and "Heatmap of empty" not in text  # nobody seen there
    assert "Hottest cell: 30 visit(s) (column 41, row 21); 30 visit(s) in all." in text
    assert "Hottest cell: 600 s (column 8, row 1); 600 s in all." in text
    assert sum(len(p.images) for p in pages) == 2  # where they walk, where they stand
