"""The health bar: broker state, worker heartbeats, and which detector is in use."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from camcount_desktop.console import Console
from camcount_desktop.health.controller import HealthController
from camcount_desktop.health.view import HealthView
from camcount_desktop.settings import Settings
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.rabbit_util import purge_namespace
from tests.tcp_proxy import TcpProxy
from workers.bus.errors import Unroutable
from workers.contracts import SystemEvent


def texts(view: HealthView) -> list[str]:
    return [label.text() for label in view.findChildren(QLabel) if not label.isHidden()]


def heartbeat(worker_id: str, role: str, **data) -> SystemEvent:
    return SystemEvent(event_type="health", source=worker_id,
                       data={"role": role, "state": "running", "interval_s": 5.0, **data})


def test_a_worker_silent_for_three_heartbeats_is_shown_gone(qtbot) -> None:
    now = [100.0]
    health = HealthController("local", clock=lambda: now[0])
    view = HealthView(health)
    qtbot.addWidget(view)
    health.on_health(heartbeat("camera-1", "camera"))
    assert "camera: running" in texts(view)
    now[0] += 14.0
    health.tick()
    assert "camera: running" in texts(view)
    now[0] += 2.0  # 16 s > 3 x 5 s
    health.tick()
    assert "camera: gone" in texts(view)


def test_a_gone_worker_replaced_by_a_restart_can_be_forgotten(qtbot) -> None:
    """A detector killed and started again comes back under a new id: the old one's red chip
    would stay for good beside the running one. Its right-click menu forgets it."""
    now = [100.0]
    health = HealthController("amqp://broker", clock=lambda: now[0])
    view = HealthView(health)
    qtbot.addWidget(view)
    health.on_health(heartbeat("detector-vm-1", "detector"))
    now[0] += 16.0
    health.tick()
    health.on_health(heartbeat("detector-vm-2", "detector"))
    assert texts(view).count("detector: gone") == 1 and "detector: running" in texts(view)
    [gone] = [w for w in view.findChildren(QLabel) if w.text() == "detector: gone"
              and not w.isHidden()]
    assert "Right-click to forget it" in gone.toolTip()
    [forget] = gone.actions()
    assert forget.text() == "Forget detector-vm-1"
    forget.trigger()
    assert "detector: gone" not in texts(view) and "detector: running" in texts(view)
    running = [w for w in view.findChildren(QLabel) if w.text() == "detector: running"
               and not w.isHidden()]
    assert all(not label.actions() for label in running), "a running worker is not forgotten"


def test_at_start_the_bar_says_connecting_and_waits_for_heartbeats_before_none_running(
        qtbot) -> None:
    now = [100.0]
    health = HealthController("amqp://broker", clock=lambda: now[0])
    view = HealthView(health)
    qtbot.addWidget(view)
    assert "Broker: connecting" in texts(view), "not down before any attempt failed"
    health.on_state("connected")
    now[0] += 2.0
    health.tick()
    assert "Detector: waiting for a heartbeat" in texts(view)
    now[0] += 3 * 5.0
    health.tick()
    assert "Detector: none running" in texts(view), "silence past three heartbeats means it"
    health.on_state("down")
    assert "Broker: down" in texts(view)


def test_chips_of_workers_that_stopped_and_were_restarted_do_not_pile_up(qtbot) -> None:
    health = HealthController("amqp://broker")
    view = HealthView(health)
    qtbot.addWidget(view)
    for restart in range(3):
        health.on_health(heartbeat(f"detector-{restart}", "detector"))
        health.on_health(heartbeat(f"detector-{restart}", "detector", state="stopped"))
    health.on_health(heartbeat("detector-3", "detector"))
    assert [t for t in texts(view) if t.startswith("detector:")] == ["detector: running"]
    # one that went silent without a goodbye is not history: it stays on the bar
    health.on_health(heartbeat("camera-1", "camera"))
    health.workers["camera-1"].state = "gone"
    health.on_health(heartbeat("camera-2", "camera"))
    assert "camera: gone" in texts(view) and "camera: running" in texts(view)


def test_a_notifier_that_cannot_serve_a_target_says_so_on_its_chip(qtbot) -> None:
    health = HealthController("local")
    view = HealthView(health)
    qtbot.addWidget(view)
    health.on_health(heartbeat("notifier-b", "notifier", cannot_serve={
        "ops-hook": "secret env:HOOK_SECRET is not set on notifier-b"}))
    [label] = [w for w in view.findChildren(QLabel) if w.text().startswith("notifier")]
    assert label.text() == "notifier: running · cannot send to ops-hook"
    assert "ops-hook: secret env:HOOK_SECRET is not set on notifier-b" in label.toolTip()
    health.on_health(heartbeat("notifier-b", "notifier", cannot_serve={}))  # secret set, restarted
    assert "notifier: running" in texts(view)


def test_on_a_narrow_window_the_chips_wrap_to_rows_and_each_reads_whole(qtbot) -> None:
    """The bar's width beside the docks and the alert pane of a 1280 px window: no chip is
    squeezed (its whole text fits), none is outside the bar, and the wall starts below it."""
    health = HealthController("local")
    health.on_state("connected")
    health.on_health(heartbeat("det-1", "detector", fallback=True, inference_ms=110.0,
                               fps={"door": 9.8}, model_version="opencv-hog",
                               fallback_reason="no YOLO weights: yolo11n.pt is not on disk"))
    for role in ("analytics", "camera", "alerts", "mqtt"):
        health.on_health(heartbeat(f"{role}-1", role))
    health.on_health(heartbeat("notifier-b", "notifier", cannot_serve={"ops-hook": "no secret"}))
    window = QWidget()
    col = QVBoxLayout(window)
    view = HealthView(health)
    wall = QLabel("wall")
    col.addWidget(view)
    col.addWidget(wall, 1)
    qtbot.addWidget(window)
    window.resize(560, 400)
    window.show()
    qtbot.waitExposed(window)
    chips = [w for w in view.findChildren(QLabel) if not w.isHidden()]
    assert len(chips) == 8
    for label in chips:
        assert label.width() >= label.sizeHint().width(), f"{label.text()!r} is cut"
        assert view.rect().contains(label.geometry()), f"{label.text()!r} is outside the bar"
    assert len({label.y() for label in chips}) > 1  # wrapped, not squeezed
    assert wall.y() >= max(label.geometry().bottom() for label in chips) + view.y()
    # wide enough, they stand in one row
    window.resize(2400, 400)
    qtbot.waitUntil(lambda: len({label.y() for label in chips}) == 1)


def test_a_camera_worker_refusing_frames_under_strict_privacy_says_so_in_red(qtbot) -> None:
    health = HealthController("local")
    view = HealthView(health)
    qtbot.addWidget(view)
    why = "not published: the site's privacy is strict … run it with --detect (docs/privacy.md)"
    health.on_health(heartbeat("camera-a", "camera", refused=why))
    [label] = [w for w in view.findChildren(QLabel) if w.text().startswith("camera")]
    assert label.text() == "camera: running · refuses to publish frames (strict privacy)"
    assert why in label.toolTip() and "#c23b3b" in label.styleSheet()
    health.on_health(heartbeat("camera-a", "camera", refused=None))  # restarted with --detect
    assert "camera: running" in texts(view)


def test_the_hog_fallback_is_said_on_screen_and_yolo_by_its_model(qtbot) -> None:
    health = HealthController("local")
    view = HealthView(health)
    qtbot.addWidget(view)
    health.on_health(heartbeat("det-1", "detector", fallback=True, inference_ms=84.0,
                               fps={"door": 4.0}, model_version="opencv-hog",
                               fallback_reason="no YOLO weights: yolo11n.pt is not on disk"))
    assert any("HOG fallback — no YOLO weights" in t and "84 ms" in t for t in texts(view))
    assert "yolo11n.pt is not on disk" in view.detector.toolTip()
    health.on_health(heartbeat("det-1", "detector", fallback=False, inference_ms=21.0,
                               fps={"door": 9.5}, model_version="yolo11n.pt/openvino@640"))
    assert any(t.startswith("Detector: YOLO yolo11n.pt/openvino@640") for t in texts(view))
    # HOG chosen on purpose (camcount-worker detector --detector hog): said as HOG, not YOLO
    health.on_health(heartbeat("det-1", "detector", fallback=False, inference_ms=200.0,
                               fps={"door": 5.0}, model_version="opencv-hog"))
    assert any(t.startswith("Detector: HOG people detector · 200 ms") for t in texts(view))
    assert not any("YOLO" in t for t in texts(view))


def test_counts_a_detector_keeps_for_the_broker_are_shown_until_sent(qtbot) -> None:
    health = HealthController("local")
    view = HealthView(health)
    qtbot.addWidget(view)
    health.on_health(heartbeat("det-1", "detector", facts_buffered=1234, facts_oldest_s=42.0,
                               facts_error="broker unavailable, message not confirmed"))
    [waiting] = [label for label in view.findChildren(QLabel)
                 if label.text() == "detector: 1,234 counts waiting"]
    assert "the oldest 42 s (broker unavailable" in waiting.toolTip()
    health.on_health(heartbeat("det-1", "detector", facts_buffered=0))
    assert "detector: running" in texts(view)


def test_a_worker_that_could_not_be_loaded_shows_as_missing(qtbot) -> None:
    health = HealthController("local")
    view = HealthView(health)
    qtbot.addWidget(view)
    health.set_missing("detector", "not available in this installation: No module named 'x'")
    assert "detector: missing" in texts(view)
    assert "Detector: missing" in texts(view)


@pytest.mark.rabbit
async def test_broker_down_and_back_is_shown_in_the_health_bar(qtbot, settings: Settings,
                                                               namespace: str) -> None:
    """The network to a real RabbitMQ is cut and restored (a relay in between, so the broker
    other tests share keeps running); the health bar follows, and results flow again after."""
    broker = urlsplit(BROKER_URL)
    proxy = TcpProxy(broker.hostname or "127.0.0.1", broker.port or 5672)
    await proxy.start()
    via_proxy = broker._replace(netloc=f"{broker.username}:{broker.password}@127.0.0.1:{proxy.port}")
    console = Console(urlunsplit(via_proxy), settings, namespace=namespace, host_workers=False)
    view = HealthView(console.health)
    qtbot.addWidget(view)
    try:
        await console.start()
        await until(lambda: console.started, 20, "connected and subscribed")
        assert "Broker: connected" in texts(view)
        await proxy.cut()
        await until(lambda: "Broker: reconnecting" in texts(view) or "Broker: down" in texts(view),
                    20, "the outage shown")
        await proxy.start()
        await until(lambda: "Broker: connected" in texts(view), 60, "the reconnection shown")
        # the console's subscriptions come back with the connection: a worker's heartbeat
        # published now reaches the health bar
        deadline = time.monotonic() + 30
        while True:
            try:
                await console.bus.publish(console.bus.topology.system_events, "",
                                          heartbeat("camera-1", "camera"))
                break
            except Unroutable:
                assert time.monotonic() < deadline, "the console's subscription never came back"
                await asyncio.sleep(0.5)
        await until(lambda: "camera: running" in texts(view), 10, "the heartbeat shown")
    finally:
        await console.stop()
        await proxy.cut()
        await purge_namespace(BROKER_URL, console.bus.topology)


@pytest.mark.rabbit
async def test_a_connection_lost_while_the_console_subscribes_is_retried(
        qtbot, settings: Settings, namespace: str) -> None:
    """The link drops right after the connection opens, while the console is still making its
    subscriptions: it must subscribe again once the broker is back, not sit there 'connected'
    and deaf."""
    broker = urlsplit(BROKER_URL)
    proxy = TcpProxy(broker.hostname or "127.0.0.1", broker.port or 5672)
    await proxy.start()
    via_proxy = broker._replace(netloc=f"{broker.username}:{broker.password}@127.0.0.1:{proxy.port}")
    console = Console(urlunsplit(via_proxy), settings, namespace=namespace, host_workers=False)
    cuts: list[asyncio.Task[None]] = []

    def cut_once_connected(state: str) -> None:
        if state == "connected" and not cuts:
            cuts.append(asyncio.get_running_loop().create_task(proxy.cut()))

    console.bus.on_state(cut_once_connected)
    view = HealthView(console.health)
    qtbot.addWidget(view)
    try:
        await console.start()
        await until(lambda: cuts and cuts[0].done(), 20, "the cut")
        assert not console.started
        await proxy.start()
        await until(lambda: console.started, 60, "subscribed after the outage")
        await console.bus.publish(console.bus.topology.system_events, "",
                                  heartbeat("camera-1", "camera"))
        await until(lambda: "camera: running" in texts(view), 10, "the heartbeat shown")
    finally:
        await console.stop()
        await proxy.cut()
        await purge_namespace(BROKER_URL, console.bus.topology)
