"""Console tests: real widgets (offscreen), real buses; async tests run on qasync's loop inside
Qt's, as the console does, so widgets paint and signals flow while a test awaits."""

from __future__ import annotations

import asyncio
import faulthandler
import functools
import inspect
import sys
from pathlib import Path

import pytest
import qasync
from _pytest.faulthandler import fault_handler_stderr_fd_key
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from camcount_desktop.console import Console
from camcount_desktop.settings import Settings


def _qt_loop() -> qasync.QEventLoop:
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # as camcount-desktop: closing a window is not quitting
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(config, item):
    return {"qasync": _qt_loop}


GUI_TEST_TIMEOUT_S = 120


GUI_HARD_TIMEOUT_S = 240


GUI_GIL_TIMEOUT_S = 300


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.gui)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(GUI_HARD_TIMEOUT_S, method="thread"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    if item.get_closest_marker("gui") is None:
        return (yield)
    # pytest's own faulthandler plugin keeps the terminal's stderr (test output is captured)
    stderr = item.config.stash.get(fault_handler_stderr_fd_key, sys.__stderr__.fileno())
    faulthandler.dump_traceback_later(GUI_GIL_TIMEOUT_S, exit=True, file=stderr)
    try:
        return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Run each async console test under an asyncio timeout, so that a test waiting for
    something that never comes fails by itself instead of holding up the run."""
    test = getattr(item, "obj", None)
    if not inspect.iscoroutinefunction(test):
        return (yield)

    @functools.wraps(test)
    async def bounded(*args, **kwargs):
        limit = asyncio.timeout(GUI_TEST_TIMEOUT_S)
        try:
            async with limit:
                return await test(*args, **kwargs)
        except TimeoutError as exc:
            if limit.expired():
                raise AssertionError(
                    f"the test did not finish within {GUI_TEST_TIMEOUT_S} s") from exc
            raise

    item.obj = bounded
    try:
        return (yield)
    finally:
        item.obj = test


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
async def console(settings: Settings, namespace: str):
    """A console on a started in-process bus, without hosted workers: tests publish what
    workers would."""
    c = Console("local", settings, namespace=namespace, local_cameras=[], local_zones=[],
                host_workers=False)
    await c.start()
    try:
        yield c
    finally:
        await c.stop()
