"""The Detection page's state: a download (progress, cancel, checks) or a chosen file, then the
hosted detector switched to it. Downloads run on the event loop (aiohttp), checks and model
loads in threads: the Qt thread never waits for either."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication, QObject, Signal

from camcount_desktop import i18n
from camcount_desktop.console import Console
from camcount_desktop.settings import Settings
from workers.models.catalogue import CATALOGUE, DEFAULT_MODEL, ModelEntry, base_url
from workers.paths import models_dir as default_models_dir

log = logging.getLogger(__name__)

#: what the page is doing; the first three are busy
BUSY = ("downloading", "checking", "loading")


def megabytes(n: int) -> str:
    """``5.6 MB`` in the console's language (its decimal mark, its unit)."""
    return QCoreApplication.translate("DetectionController", "{size} MB").format(
        size=i18n.number(n / 1e6, 1))


class DetectionController(QObject):
    changed = Signal()
    #: bytes so far, bytes in all (0 when the server does not say)
    progress = Signal(int, int)

    def __init__(self, console: Console, settings: Settings, *, models_dir: Path | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.console, self.settings = console, settings
        self.models_dir = models_dir or default_models_dir()
        self.state, self.message = "idle", ""
        self._task: asyncio.Task[None] | None = None

    # -- what the page shows ------------------------------------------------------------------
    @property
    def local(self) -> bool:
        """Whether this console hosts the detector (local mode), so it can switch its model."""
        return self.console.runtime is not None

    @property
    def yolo_installed(self) -> bool:
        return importlib.util.find_spec("ultralytics") is not None

    @property
    def busy(self) -> bool:
        return self.state in BUSY

    def catalogue(self) -> list[ModelEntry]:
        return list(CATALOGUE.values())

    def default_model(self) -> str:
        return DEFAULT_MODEL

    def on_disk(self, entry: ModelEntry) -> Path | None:
        path = self.models_dir / entry.filename
        return path if path.is_file() else None

    def in_use(self) -> str:
        """The model local mode's detector was told to use ("" for the default lookup)."""
        runtime = self.console.runtime
        return (runtime.detector_config.model or "") if runtime else ""

    def source(self) -> str:
        return base_url(self.settings.models_url())

    # -- actions ------------------------------------------------------------------------------
    def set_source(self, url: str) -> None:
        self.settings.set_models_url(url.strip())

    def download(self, name: str) -> None:
        """Fetch the catalogue's model ``name`` (or take the copy on disk), then switch to it."""
        entry = CATALOGUE[name]
        self._start(self._download(entry) if self.on_disk(entry) is None
                    else self._use(self.models_dir / entry.filename))

    def choose(self, path: Path) -> None:
        """Check that ``path`` (weights, .onnx, OpenVINO folder) loads, then switch to it."""
        self._start(self._use(path))

    def cancel(self) -> None:
        """Stop a download (or its check); nothing is kept. A model being loaded into the
        detector cannot be stopped half way: the detector keeps what it was using until then."""
        if self._task is not None and self.state in ("downloading", "checking"):
            self._task.cancel()

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        if self.busy:
            work.close()
            return
        self._task = asyncio.get_running_loop().create_task(work)

    def _set(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.changed.emit()

    async def _download(self, entry: ModelEntry) -> None:
        from workers.models.check import check_model
        from workers.models.download import DownloadError, download

        url = entry.url(self.source())
        host = urlsplit(url).netloc or url
        self._set("downloading", self.tr("Downloading {file} from {host}…").format(
            file=entry.filename, host=host))
        dest = self.models_dir / entry.filename

        def progress(done: int, total: int | None) -> None:
            if done == 0 and total:  # the catalogue's size is approximate: the server's is not
                self._set("downloading", self.tr(
                    "Downloading {file} from {host}: {size}, as the server announces…").format(
                    file=entry.filename, host=host, size=megabytes(total)))
            self.progress.emit(done, total or 0)
            if total and done == total:
                self._set("checking", self.tr("Checking that {file} loads as a model…").format(
                    file=entry.filename))

        try:
            await download(url, dest, sha256=entry.sha256, progress=progress, check=check_model)
        except DownloadError as exc:
            self._set("error", i18n.say(exc.phrase, str(exc)))
            return
        except asyncio.CancelledError:
            self._set("cancelled", self.tr("Download cancelled; nothing was kept."))
            raise
        await self._switch(dest)

    async def _use(self, path: Path) -> None:
        from workers.models.check import NotAModel, check_model

        self._set("checking", self.tr("Checking that {file} loads as a model…").format(
            file=path.name))
        try:
            await asyncio.to_thread(check_model, path)
        except NotAModel as exc:
            self._set("error", self.tr("{file} cannot be used: {reason}").format(
                file=path.name, reason=exc))
            return
        await self._switch(path)

    async def _switch(self, path: Path) -> None:
        runtime = self.console.runtime
        if runtime is None:  # distributed: the workers have their own model folders
            self._set("done", self.tr("{file} is ready in {folder}").format(
                file=path.name, folder=path.parent))
            return
        self._set("loading", self.tr("Loading {file} into the detector (the first time, "
                                     "exporting it for OpenVINO may take a minute)…").format(
            file=path.name))
        try:
            version = await runtime.use_model(str(path))
        except Exception as exc:  # the detector goes on with what it had
            log.warning("switching the detector to %s failed", path, exc_info=True)
            self._set("error", self.tr("The detector cannot use {file}: {reason}").format(
                file=path.name, reason=exc))
            return
        self.settings.set_detector_model(str(path))
        self._set("done", self.tr("Detecting with {model}.").format(model=version))
