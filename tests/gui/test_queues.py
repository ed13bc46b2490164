"""The queue-depth panel against a real RabbitMQ: ready and unacked messages per queue over time,
warning highlight, and rates from the broker's HTTP API."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from camcount_desktop.console import Console
from camcount_desktop.queues.controller import QueuesController, Sample
from camcount_desktop.queues.view import COLUMNS, QueuesView
from camcount_desktop.settings import Settings
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.rabbit_util import purge_namespace
from workers.bus import Delivery, QueueDepth
from workers.bus.management import ManagementAPI

pytestmark = pytest.mark.rabbit


def row_of(view: QueuesView, label: str) -> dict[str, str]:
    for r in range(view.table.rowCount()):
        if view.table.item(r, 0).text() == label:
            return {c: view.table.item(r, i).text() for i, c in enumerate(COLUMNS)}
    raise AssertionError(f"no row for {label}")


def row_tooltip(view: QueuesView, label: str) -> str:
    for r in range(view.table.rowCount()):
        if view.table.item(r, 0).text() == label:
            return view.table.item(r, 0).toolTip()
    raise AssertionError(f"no row for {label}")


def last_y(view: QueuesView, plot, label: str) -> float:
    for item in plot.listDataItems():
        if item.name() == label:
            ys = item.yData
            return float(ys[-1]) if ys is not None and len(ys) else math.nan
    raise AssertionError(f"no curve for {label} on {plot.plotItem.titleLabel.text}")


async def test_depths_over_time_with_warning_and_rates(qtbot, settings: Settings,
                                                       namespace: str) -> None:
    console = Console(BROKER_URL, settings, namespace=namespace, host_workers=False)
    await console.start()
    management = ManagementAPI(BROKER_URL)
    controller = QueuesController(console.bus, lambda: ["door"], management, interval=0.3)
    view = QueuesView(controller)
    qtbot.addWidget(view)
    release = asyncio.Event()
    try:
        await until(lambda: console.started, 20, "the broker connection")
        t = console.bus.topology
        jobs = t.name("analytics.processing")
        label = controller.label(jobs)
        controller.start()
        await until(lambda: controller.samples, 10, "a first sample")
        assert last_y(view, view.ready_plot, label) == 0
        warn = controller.warn_level(jobs)  # a tenth of the job queue's capacity
        for i in range(warn + 10):
            await console.bus.publish(t.analytics_jobs, "analytics.hourly.door", {"n": i})
        await until(lambda: last_y(view, view.ready_plot, label) == warn + 10, 15,
                    "the ready curve to reach what was published")
        assert row_of(view, label)["ready"] == str(warn + 10)
        assert row_tooltip(view, label) == (
            "10% of its 100,000-message capacity: its consumer is behind or stopped")

        async def hold(_: Delivery, d: Delivery) -> None:
            await release.wait()  # a slow worker: its messages stay unacked

        await console.bus.consume(jobs, hold, prefetch=5, concurrency=5)
        await until(lambda: last_y(view, view.unacked_plot, label) == 5, 15,
                    "the unacked curve to show the slow worker's prefetch")
        await until(lambda: row_of(view, label)["consumers"] == "1", 10, "one consumer")
        await until(lambda: row_of(view, label)["in/s"] != "–", 30,
                    "publish rates from the broker's HTTP API")
    finally:
        release.set()
        await controller.stop()
        await management.close()
        await console.stop()
        await purge_namespace(BROKER_URL, console.bus.topology)


def test_every_queue_and_figure_is_on_screen_in_a_panel_of_the_default_height(
        qtbot, settings: Settings) -> None:
    console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
    controller = QueuesController(console.bus, lambda: ["entrance"])
    view = QueuesView(controller)
    qtbot.addWidget(view)
    view.resize(1560, 230)  # the Panels dock of a 1600x1000 window
    names = controller.queue_names()
    controller.samples.append(Sample(time.monotonic(), {
        n: QueueDepth(ready=i, unacked=0, consumers=1) for i, n in enumerate(names)},
        {n: (1.5, 1.5) for n in names}))
    view.refresh()
    with qtbot.waitExposed(view):
        view.show()
    header = view.table.horizontalHeader()
    right = header.sectionPosition(header.count() - 1) + header.sectionSize(header.count() - 1)
    assert right <= view.table.viewport().width(), "the rate columns are on screen"
    assert view.ready_plot.height() > 0.7 * view.height(), "the chart has the panel's height"
    # the table is the charts' legend: every queue, in its curve's colour
    colors = {item.name(): item.opts["pen"].color().name()
              for item in view.ready_plot.listDataItems()}
    for r in range(view.table.rowCount()):
        item = view.table.item(r, 0)
        swatch = item.icon().pixmap(12, 12).toImage().pixelColor(6, 6).name()
        assert swatch == colors[item.text()]
    assert view.table.rowCount() == len(names) > 6
