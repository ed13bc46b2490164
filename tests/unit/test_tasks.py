"""Stopping a background loop ends even when a library swallows the cancel (the fault behind
a console that never closed: Python 3.11's wait_for can return instead of raising)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from workers.tasks import cancel_and_wait


async def loop_that_swallows_one_cancel(ticks: list[int]) -> None:
    swallowed = False
    while True:
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed = True  # what a library does when it returns a result instead
        ticks.append(1)


async def test_a_loop_that_swallowed_the_first_cancel_is_stopped() -> None:
    ticks: list[int] = []
    task = asyncio.create_task(loop_that_swallows_one_cancel(ticks))
    await asyncio.sleep(0.12)
    await asyncio.wait_for(cancel_and_wait(task, timeout=5), 3)
    assert task.cancelled()


async def test_a_task_that_never_stops_is_left_behind_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    stop = asyncio.Event()

    async def stubborn() -> None:
        while not stop.is_set():
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                pass

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING):
        await asyncio.wait_for(cancel_and_wait(task, timeout=0.3), 3)
    assert not task.done()
    assert "did not stop within 0.3 s: stubborn" in caplog.text
    stop.set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_failed_task_does_not_stop_the_others_from_stopping() -> None:
    async def fails() -> None:
        raise RuntimeError("boom")

    failed = asyncio.create_task(fails())
    await asyncio.sleep(0)
    sleeper = asyncio.create_task(asyncio.sleep(60))
    await cancel_and_wait(failed, sleeper, None)
    assert sleeper.cancelled() and isinstance(failed.exception(), RuntimeError)
