"""What a worker tells people (a camera's trouble) reaches the console as a code and values and is
shown in the console's language; the English beside it is for logs and older consoles."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from PySide6.QtCore import Qt

from camcount_desktop import i18n
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.waiting import until
from workers.camera import CameraWorker, Timing
from workers.contracts import CameraConfig


def refused_port() -> int:
    """A local port nothing listens on: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def camera_worker(console: Console) -> AsyncIterator[Callable[..., Awaitable[CameraWorker]]]:
    started: list[CameraWorker] = []

    async def start(cameras: list[CameraConfig]) -> CameraWorker:
        worker = CameraWorker(cameras, timing=Timing(status_every=1.0))
        await worker.start(console.bus)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        await worker.stop()


async def test_a_camera_that_refuses_the_connection_is_explained_in_korean(
        qtbot, console: Console, settings: Settings, camera_worker) -> None:
    i18n.install("ko")
    try:
        window = MainWindow(console, settings)
        qtbot.addWidget(window)
        window.show()
        port = refused_port()
        # known to this console only by its status (no configuration seen): listed by its id
        await camera_worker([CameraConfig(camera_id="gate", name="Gate",
                                          source=f"rtsp://admin:s3cret@127.0.0.1:{port}/s1")])
        cameras = console.cameras.cameras
        await until(lambda: "gate" in cameras and "다시 시도" in cameras["gate"].detail, 10,
                    "the camera's failure, in Korean")
        detail = cameras["gate"].detail
        assert detail.startswith(f"rtsp://admin:***@127.0.0.1:{port}/s1에 연결할 수 없습니다: "
                                 "연결이 거부되었습니다")
        assert "s3cret" not in detail and "connection refused" not in detail
        assert detail.endswith("초 후 다시 시도합니다")
        # the camera list shows it in the camera's tooltip
        view = window.cameras_view
        await until(lambda: view.proxy.match(view.proxy.index(0, 0), Qt.ItemDataRole.DisplayRole,
                                             "gate", 1, Qt.MatchFlag.MatchRecursive), 5, "listed")
        [index] = view.proxy.match(view.proxy.index(0, 0), Qt.ItemDataRole.DisplayRole, "gate", 1,
                                   Qt.MatchFlag.MatchRecursive)
        assert "연결이 거부되었습니다" in index.data(Qt.ItemDataRole.ToolTipRole)
    finally:
        i18n.uninstall()
