"""The dead-letter panel's state: the error queue's messages on hand and the operator's actions."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from qasync import asyncSlot

from workers.bus import DeadLetter, DeadLetters, NotAllowed

log = logging.getLogger(__name__)


class DeadLetterController(QObject):
    changed = Signal()
    message = Signal(str)  # outcome of the last action, or why it failed

    def __init__(self, source: DeadLetters, parent: QObject | None = None):
        super().__init__(parent)
        self.source = source
        self.letters: list[DeadLetter] = []
        #: the broker refused this account the error queue (the buttons that act stay off)
        self.refused = False

    async def refresh(self) -> None:
        try:
            self.letters = await self.source.fetch()
        except NotAllowed as exc:
            log.info("dead letters not shown: %s", exc)
            self.refused = True
            self.letters = []
            self.message.emit(self.tr(
                "This account may not read the error queue: reviewing, requeueing and "
                "discarding dead letters is for admin accounts. Ask an admin, or connect with an "
                "admin account."))
            self.changed.emit()
            return
        except Exception as exc:
            log.warning("reading the error queue failed: %s", exc)
            self.message.emit(self.tr("cannot read the error queue: {why}").format(why=exc))
            return
        self.refused = False
        self.message.emit(self.tr("{n} message(s) in the error queue").format(n=len(self.letters)))
        self.changed.emit()

    async def requeue(self, keys: list[str]) -> None:
        await self._act(self.tr("{n} message(s) requeued"), self.tr("not requeued: {why}"),
                        self.source.requeue, keys)

    async def discard(self, keys: list[str]) -> None:
        await self._act(self.tr("{n} message(s) discarded"), self.tr("not discarded: {why}"),
                        self.source.discard, keys)

    async def _act(self, done: str, failed: str, action, keys: list[str]) -> None:
        try:
            n = await action(keys)
            self.message.emit(done.format(n=n))
        except Exception as exc:
            log.warning("dead letters: %s", failed.format(why=exc))
            self.message.emit(failed.format(why=exc))
        self.letters = list(self.source.letters.values())
        self.changed.emit()

    @asyncSlot()
    async def refresh_slot(self) -> None:
        await self.refresh()

    @asyncSlot(list)
    async def requeue_slot(self, keys: list[str]) -> None:
        await self.requeue(keys)

    @asyncSlot(list)
    async def discard_slot(self, keys: list[str]) -> None:
        await self.discard(keys)
