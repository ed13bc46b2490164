"""Run a function in a child process of its own, for work whose imports must not stay behind.

Exporting or checking a YOLO model imports ultralytics and torch, some 700 MB that a process
keeps until it ends; a detector worker that then runs the export on OpenVINO, or a console that
only wanted to know whether a file is a model, needs none of it. The child is started with
``spawn`` (a fresh interpreter, as on Windows and macOS; the frozen apps' entry points call
``multiprocessing.freeze_support`` for it) and ends with the call, taking its memory with it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def run_in_child(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a new process; its result, or the exception it raised (both
    pickled back). Blocking: call it from a thread. ``fn`` must be importable by name."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_stdout_to_stderr) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def _stdout_to_stderr() -> None:
    """Libraries print progress to stdout (the exporters do, from C++ too); a parent such as
    ``count-video --json`` owns its stdout, so the child writes all of it to stderr."""
    os.dup2(2, 1)
