"""``camcount-desktop``: the monitoring console.

With no arguments it runs in local mode (workers in-process, the sample video as a camera);
``--broker amqp://…`` connects to RabbitMQ instead. ``--self-test`` starts local mode offscreen,
waits until a detection result for the sample camera is drawn on a tile, prints one line of JSON
and exits 0 (non-zero, with the reason, otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from workers import __version__

log = logging.getLogger(__name__)

SELF_TEST_TIMEOUT_S = 90.0
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: libraries whose INFO lines say nothing an operator acts on (a migration run on every start)
QUIET_BELOW_DEBUG = ("alembic",)

#: what --help says: plain text for a terminal (the module docstring is for developers)
DESCRIPTION = """\
The CamCount monitoring console.

With no arguments it runs in local mode: workers in-process, the sample video as a camera.
--broker amqp://... connects to RabbitMQ instead. --self-test starts local mode offscreen,
waits until a detection result for the sample camera is drawn on a tile, prints one line of
JSON and exits 0 (non-zero, with the reason, otherwise)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="camcount-desktop", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"camcount-desktop {__version__}")
    parser.add_argument("--broker", help="amqp(s)://user@host/vhost, or 'local'; default: the last "
                        "one chosen in the settings, else $CAMCOUNT_BROKER_URL, else local mode")
    parser.add_argument("--namespace", default="", help="prefix of every exchange and queue")
    parser.add_argument("--self-test", action="store_true",
                        help="run local mode offscreen until a result reaches a tile; print JSON")
    parser.add_argument("--timeout", type=float, default=SELF_TEST_TIMEOUT_S,
                        help="self-test time limit in seconds (default %(default)s)")
    parser.add_argument("--language", choices=("en", "vi", "ru", "ko"),
                        help="the console's language; default: the one chosen in the settings, "
                             "else the OS's")
    parser.add_argument("--log-level", default="INFO", type=str.upper, choices=LOG_LEVELS,
                        help="what the console and its local workers log on stderr "
                             "(default %(default)s)")
    return parser


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":
        for name in QUIET_BELOW_DEBUG:
            logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    if args.self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Qt first, then the asyncio loop inside Qt's (qasync), then the app coroutine on it.
    import qasync
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from camcount_desktop.local_mode import resources_dir

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName("CamCount")
    app.setApplicationName("camcount-desktop")
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "camcount.png")))  # title bar, taskbar
    app.setQuitOnLastWindowClosed(False)  # the session closes the window after shutting down
    from camcount_desktop.i18n import install
    from camcount_desktop.settings import Settings

    install(args.language or ("en" if args.self_test else Settings().language()))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        if args.self_test:
            return loop.run_until_complete(self_test(args.timeout))
        return loop.run_until_complete(run_window(args))


async def run_window(args: argparse.Namespace) -> int:
    """Sessions until the window is closed; choosing another broker starts a new session."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from camcount_desktop.console import Console
    from camcount_desktop.main_window import MainWindow
    from camcount_desktop.settings import Settings

    settings = Settings()
    url = args.broker or settings.broker_url()
    loop = asyncio.get_running_loop()
    quit_requested = asyncio.Event()
    QApplication.instance().aboutToQuit.connect(quit_requested.set)
    # Ctrl+C / SIGTERM close the window the same way the user does. Python runs signal handlers
    # only between bytecodes, so a timer wakes the interpreter while Qt waits for events.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: loop.call_soon_threadsafe(quit_requested.set))
    waker = QTimer()
    waker.start(250)
    waker.timeout.connect(lambda: None)

    while True:
        console = Console(url, settings, namespace=args.namespace)
        window = MainWindow(console, settings)
        ending: asyncio.Future[str | None] = loop.create_future()
        window.close_requested.connect(lambda f=ending: f.done() or f.set_result(None))
        window.broker_change_requested.connect(lambda u, f=ending: f.done() or f.set_result(u))
        window.show()
        await console.start()
        quitting = loop.create_task(quit_requested.wait())
        await asyncio.wait([quitting, ending], return_when=asyncio.FIRST_COMPLETED)
        quitting.cancel()
        await console.stop()
        window.close_now()
        window.deleteLater()
        if quit_requested.is_set() or not ending.done() or ending.result() is None:
            return 0
        url = ending.result()


async def self_test(timeout: float) -> int:
    """Local mode offscreen, on a data folder of its own, until a detection result for the
    sample camera is on a tile, the sample video gave detections and a crossing was counted."""
    from PySide6.QtCore import QSettings

    from camcount_desktop.console import Console
    from camcount_desktop.local_mode import SAMPLE_CAMERA_ID, LocalData
    from camcount_desktop.main_window import MainWindow
    from camcount_desktop.settings import Settings

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="camcount-self-test-") as tmp:
        # fresh settings: the user's own wall and broker are neither used nor changed
        settings = Settings(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))
        console = Console("local", settings, data=LocalData(Path(tmp)))
        window = MainWindow(console, settings)
        window.resize(1280, 800)
        window.show()
        shown: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def on_shown(camera_id: str, frame_id: str) -> None:
            if camera_id == SAMPLE_CAMERA_ID and not shown.done():
                shown.set_result(frame_id)

        console.wall.result_shown.connect(on_shown)
        seen = {"detections": 0, "crossings": 0}
        counted: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_result(result) -> None:
            if result.camera_id != SAMPLE_CAMERA_ID:
                return
            seen["detections"] = max(seen["detections"], len(result.detection_results.detections))
            c = result.counting_data
            seen["crossings"] = max(seen["crossings"], c.count_in + c.count_out)
            if seen["detections"] and seen["crossings"] and not counted.done():
                counted.set_result(None)

        console.adapter.result_received.connect(on_result)
        summary: dict[str, object] = {"ok": False, "camera": SAMPLE_CAMERA_ID}
        try:
            await console.start()
            frame_id = await asyncio.wait_for(shown, timeout)
            try:
                await asyncio.wait_for(counted, started + timeout - time.monotonic())
            except TimeoutError:
                raise SelfTestFailed(
                    f"the sample video gave {seen['detections']} detections at most and "
                    f"{seen['crossings']} counted crossings within {timeout:g} s; it must give "
                    "both (is the detector seeing people?)") from None
            workers = await _hosted_workers_up(console, started + timeout - time.monotonic())
            if isinstance(workers, str):
                raise SelfTestFailed(workers)
            summary["workers"] = workers
            state = console.wall.state(SAMPLE_CAMERA_ID)
            result = state.shown.result if state.shown else None
            detector = console.health.detector()
            summary.update(
                ok=True, frame_id=frame_id, seconds=round(time.monotonic() - started, 1),
                detections=seen["detections"], crossings=seen["crossings"],
                model=result.detection_results.model_version if result else None,
                detector=detector.text if detector else None,
                fallback=detector.fallback if detector else None)
        except TimeoutError:
            missing = "; ".join(f"{r}: {why}" for r, why in console.health.missing.items())
            state = console.wall.state(SAMPLE_CAMERA_ID)
            summary["reason"] = (f"no detection result reached a tile within {timeout:g} s"
                                 f" (frames received: {'yes' if state.last_frame_at else 'none'}"
                                 f"{'; missing workers: ' + missing if missing else ''})")
        except SelfTestFailed as exc:
            summary["reason"] = str(exc)
        except Exception as exc:
            log.exception("self-test failed")
            summary["reason"] = f"{type(exc).__name__}: {exc}"
        finally:
            await console.stop()
            window.close_now()
        summary["seconds"] = round(time.monotonic() - started, 1)
        print(json.dumps(summary), flush=True)
        return 0 if summary["ok"] else 1



class SelfTestFailed(Exception):
    """The self-test saw something a user would notice; the message says what."""


async def _hosted_workers_up(console, timeout: float) -> dict[str, str] | str:
    """Each worker local mode hosts, by role, once all have sent a heartbeat; else why not."""
    from camcount_desktop.local_mode import STOP_ORDER

    deadline = time.monotonic() + max(timeout, 0.0)
    while True:
        health = console.health
        if health.missing:
            return "local workers did not start: " + "; ".join(
                f"{role}: {why}" for role, why in health.missing.items())
        up = {w.role: w.worker_id for w in health.workers.values() if w.state == "running"}
        if set(STOP_ORDER) <= up.keys():
            return {role: up[role] for role in STOP_ORDER}
        if time.monotonic() > deadline:
            return "no heartbeat within the time limit from: " + ", ".join(
                sorted(set(STOP_ORDER) - up.keys()))
        await asyncio.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
