"""Reports: PDF and CSV contents, progress, the email hand-off, refusals, and the run lease."""

from __future__ import annotations

import asyncio
import csv
import time
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers.analytics import FAST, WorkerFactory, event, facts, store
from workers.analytics import reports as reports_module
from workers.bus import Bus, Delivery
from workers.contracts import (
    EmailNotification,
    ReportProgress,
    ReportRequest,
    ZoneSet,
    utcnow,
)
from workers.contracts.zones import LineDef, ZoneDef
from workers.storage import Database, upgrade
from workers.storage import reports as report_store
from workers.storage.cameras import add_zone_set, update_camera
from workers.storage.models import NotificationLog
from workers.topology import ERROR_HEADER

AUTUMN_DAY = {"start": "2026-10-25T00:00:00+02:00", "end": "2026-10-26T00:00:00+01:00"}


async def seed(db_url: str) -> None:
    db = Database(db_url)
    await upgrade(db)
    async with db.transaction() as session:  # what an admin named the camera and its shapes
        await update_camera(session, "cam-a", utcnow(), {"name": "Front door"})
        await add_zone_set(session, "cam-a", 1, ZoneSet(
            camera_id="cam-a", frame_width=960, frame_height=540,
            lines=[LineDef(id="door", name="Main door", points=((480, 0), (480, 540)))],
            zones=[ZoneDef(id="queue", name="Queue", points=[(0, 0), (200, 0), (200, 200)])],
        ).model_dump(mode="json"), "zones-1", utcnow())
    await store(db,
                facts("cam-a", [event("2026-10-25T02:15+02:00", "in", track=1),
                                 event("2026-10-25T02:45+01:00", "in", track=2),
                                 event("2026-10-25T18:00+01:00", "out", track=3),
                                 event("2026-10-25T23:30+01:00", "in", track=4, shape="gate"),
                                 event("2026-10-26T00:30+01:00", "in", track=5),  # next day
                                 # the same people entering a zone: entries, not more people in
                                 event("2026-10-25T10:00+01:00", "in", track=6, kind="zone",
                                       shape="queue", dwell=30),
                                 event("2026-10-25T10:05+01:00", "in", track=7, kind="zone",
                                       shape="queue"),
                                 event("2026-10-25T10:09+01:00", "out", track=6, kind="zone",
                                       shape="queue")]),
                facts("cam-b", [event("2026-10-24T12:00+02:00", "in", track=1)]))  # day before
    await db.dispose()


def request(**fields) -> ReportRequest:
    base = {"report_type": "daily_summary", "format": "pdf", "camera_ids": ["cam-a", "cam-b"],
            "date_range": AUTUMN_DAY, "parameters": {"timezone": "Europe/Berlin"}}
    return ReportRequest.model_validate({**base, **fields})


async def follow(bus: Bus) -> asyncio.Queue[ReportProgress]:
    progress: asyncio.Queue[ReportProgress] = asyncio.Queue()

    async def on_progress(msg: ReportProgress, _: Delivery) -> None:
        progress.put_nowait(msg)

    await bus.subscribe(bus.topology.analytics_jobs, ["analytics.progress.*"], on_progress,
                        model=ReportProgress)
    return progress


async def until_finished(progress: asyncio.Queue[ReportProgress], report_id: str,
                         ) -> list[ReportProgress]:
    seen: list[ReportProgress] = []
    while not seen or seen[-1].state not in ("done", "failed"):
        msg = await asyncio.wait_for(progress.get(), 20)
        if msg.report_id == report_id:
            seen.append(msg)
    return seen


async def produced(bus: Bus, req: ReportRequest) -> Path:
    """Request ``req`` as a console does; the finished file."""
    progress = await follow(bus)
    await bus.publish(bus.topology.analytics_jobs, f"analytics.report.{req.report_type}", req)
    steps = await until_finished(progress, req.report_id)
    assert steps[-1].state == "done", steps[-1]
    return Path(steps[-1].path or "")


def pdf_words(path: Path) -> str:
    """The PDF's text, its words one space apart."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


async def test_a_pdf_report_holds_the_totals_and_is_handed_to_the_notifier(
        inprocess_bus: Bus, db_url: str, start_worker: WorkerFactory) -> None:
    await seed(db_url)
    worker = await start_worker(inprocess_bus, db_url)
    progress = await follow(inprocess_bus)
    mails: asyncio.Queue[EmailNotification] = asyncio.Queue()
    await inprocess_bus.consume(inprocess_bus.topology.email_queue,
                                lambda m, _: _put(mails, m), model=EmailNotification)
    req = request(targets=["ops-mail"])
    await inprocess_bus.publish(inprocess_bus.topology.analytics_jobs,
                                "analytics.report.daily_summary", req)

    steps = await until_finished(progress, req.report_id)
    assert [s.state for s in steps][0] == "queued" and "running" in [s.state for s in steps]
    assert steps[-1].state == "done" and steps[-1].percent == 100
    path = Path(steps[-1].path or "")
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Daily summary" in text
    # 25-hour day: both 02:00 hours and 23:30 count; zone entries are not added to crossings
    assert "Lines: 3 in, 1 out. Zones: 2 entries, 1 exits." in text
    assert "All lines\n3\n1\n2\n" in text and "All zones\n2\n1\n" in text
    assert "5 in" not in text and "4 out" not in text
    # named as the admin named them; an unnamed camera and line by their ids
    assert "Front door" in text and "Main door" in text and "Queue" in text and "gate" in text
    assert "cam-b\nNo counts in this period." in text
    assert "Europe/Berlin" in text
    assert path.name == f"daily-summary_Front-door+cam-b_2026-10-25_{req.report_id[:8]}.pdf"

    mail = await asyncio.wait_for(mails.get(), 10)
    # the target and the report, nothing else: the notifier finds the file in the store
    assert (mail.target_id, mail.report_id) == ("ops-mail", req.report_id)
    async with worker.db.sessions() as session:
        row = await report_store.get(session, req.report_id)
        log = await session.get(NotificationLog, 1)
    assert (row.state, row.attempts, row.path) == ("done", 1, str(path))
    assert row.requested_by == inprocess_bus.user  # who sent the request, not what it says
    assert log is not None and (log.message_id, log.report_id) == (mail.message_id, req.report_id)


async def _put(q: asyncio.Queue, item: object) -> None:
    q.put_nowait(item)


async def test_a_csv_report_has_one_row_per_bucket_of_the_local_day(
        inprocess_bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await seed(url)
    await start_worker(inprocess_bus, url)
    progress = await follow(inprocess_bus)
    req = request(format="csv", camera_ids=["cam-a"])
    await inprocess_bus.publish(inprocess_bus.topology.analytics_jobs,
                                "analytics.report.daily_summary", req)
    done = (await until_finished(progress, req.report_id))[-1]
    text = await asyncio.to_thread(Path(done.path or "").read_text, encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    door = [r for r in rows if r["shape_id"] == "door"]
    assert len(door) == 25  # one per hour of the 25-hour day, zeros included
    assert len({r["bucket_start"] for r in rows}) == 25
    assert [r["bucket_start"] for r in door[2:4]] == ["2026-10-25T02:00:00+02:00",
                                                       "2026-10-25T02:00:00+01:00"]
    assert [(r["count_in"], r["count_out"]) for r in door[2:4]] == [("1", "0"), ("1", "0")]
    lines = [r for r in rows if r["kind"] == "line"]
    assert sum(int(r["count_in"]) for r in lines) == 3
    assert sum(int(r["count_out"]) for r in lines) == 1
    assert {(r["shape_id"], r["shape_name"], r["camera_name"]) for r in rows} == {
        ("door", "Main door", "Front door"), ("gate", "gate", "Front door"),
        ("queue", "Queue", "Front door")}


async def test_invalid_report_requests_land_in_the_error_queue_with_the_reason(
        bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await seed(url)
    worker = await start_worker(bus, url)
    errors: asyncio.Queue[Delivery] = asyncio.Queue()
    await bus.consume(bus.topology.error_queue, lambda d, _: _put(errors, d), retry=None)
    bad_format = request().model_dump(mode="json") | {"format": "docx"}
    unknown_camera = request(camera_ids=["cam-a", "ghost"])
    await bus.publish(bus.topology.analytics_jobs, "analytics.report.daily_summary", bad_format)
    await bus.publish(bus.topology.analytics_jobs, "analytics.report.daily_summary", unknown_camera)

    reasons = " | ".join([str((await asyncio.wait_for(errors.get(), 15)).headers[ERROR_HEADER]),
                          str((await asyncio.wait_for(errors.get(), 15)).headers[ERROR_HEADER])])
    assert "ReportRequest.format: Input should be 'pdf' or 'csv'" in reasons
    assert f"report {unknown_camera.report_id}: unknown camera(s) ghost" in reasons
    async with worker.db.sessions() as session:
        assert await report_store.recent(session, 10) == []


async def test_a_report_whose_worker_died_runs_again_once_and_a_live_lease_is_left_alone(
        inprocess_bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await seed(url)
    orphan, busy = request(format="csv"), request(format="csv")
    db = Database(url)
    now, hour = utcnow(), timedelta(hours=1)
    async with db.transaction() as session:  # the rows a worker leaves once it claimed them
        for req, claimed_at in ((orphan, now - hour - timedelta(seconds=5)),  # it died since
                                (busy, now)):  # it is still working
            await report_store.record_request(session, {
                "report_id": req.report_id, "report_type": req.report_type, "format": "csv",
                "request": req.model_dump(mode="json"), "created_at": claimed_at})
            await report_store.claim(session, req.report_id, "analytics-gone", claimed_at, hour)
    await db.dispose()

    progress = await follow(inprocess_bus)
    worker = await start_worker(inprocess_bus, url)
    steps = await until_finished(progress, orphan.report_id)
    assert steps[-1].state == "done"

    # The same request delivered again (e.g. the broker redelivers it) starts nothing.
    await inprocess_bus.publish(inprocess_bus.topology.analytics_jobs,
                                "analytics.report.custom", orphan)
    await asyncio.sleep(1.0)
    async with worker.db.sessions() as session:
        done = await report_store.get(session, orphan.report_id)
        other = await report_store.get(session, busy.report_id)
    assert (done.state, done.attempts, done.lease_owner) == ("done", 2, "analytics-1")
    assert (other.state, other.attempts, other.lease_owner) == ("running", 1, "analytics-gone")
    assert all(m.report_id != orphan.report_id for m in _drain(progress))


def _drain(q: asyncio.Queue[ReportProgress]) -> list[ReportProgress]:
    out = []
    while not q.empty():
        out.append(q.get_nowait())
    return out


@pytest.mark.slow
async def test_a_report_longer_than_its_lease_keeps_it_and_runs_once(
        inprocess_bus: Bus, tmp_path: Path, start_worker: WorkerFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await seed(url)
    real = reports_module.write_csv

    def slow_write(data, path):  # the fault: a slow disk makes the run outlast its 3 s lease
        time.sleep(2 * FAST.report_lease_s)
        return real(data, path)

    monkeypatch.setattr(reports_module, "write_csv", slow_write)
    first = await start_worker(inprocess_bus, url, worker_id="analytics-1")
    await start_worker(inprocess_bus, url, worker_id="analytics-2")  # sweeps every 0.5 s
    progress = await follow(inprocess_bus)
    req = request(format="csv", camera_ids=["cam-a"])
    await inprocess_bus.publish(inprocess_bus.topology.analytics_jobs, "analytics.report.custom", req)
    steps = await until_finished(progress, req.report_id)
    assert steps[-1].state == "done"
    assert [s.state for s in steps].count("running") == 3  # one run: counting, writing, stored
    async with first.db.sessions() as session:
        row = await report_store.get(session, req.report_id)
    assert row.attempts == 1
