"""``camcount-desktop --self-test``: local mode end to end, as packaging smoke tests run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_self_test_sees_a_detection_result_on_a_tile_in_local_mode() -> None:
    run = subprocess.run([sys.executable, "-m", "camcount_desktop.app", "--self-test",
                          "--log-level", "WARNING"], capture_output=True, text=True, timeout=150,
                         cwd=ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert run.returncode == 0, summary.get("reason", run.stderr[-2000:])
    assert summary["ok"] and summary["camera"] == "entrance"
    assert summary["detector"], "which detector is in use is reported"
    assert set(summary["workers"]) == {"camera", "detector", "analytics", "notifier"}
    assert summary["detections"] > 0 and summary["crossings"] >= 1


@pytest.mark.slow
def test_self_test_fails_when_the_sample_video_gives_no_detections() -> None:
    """A model with random weights (an architecture ``.yaml``) runs the whole pipeline and sees
    nobody: the result reaches a tile, but the self-test must not pass on that."""
    run = subprocess.run([sys.executable, "-m", "camcount_desktop.app", "--self-test",
                          "--timeout", "40", "--log-level", "WARNING"], capture_output=True,
                         text=True, timeout=150, cwd=ROOT,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                              "CAMCOUNT_MODEL": "yolo11n.yaml"})
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert run.returncode == 1 and not summary["ok"]
    assert summary["reason"].startswith("the sample video gave 0 detections at most and 0 "
                                        "counted crossings within 40 s"), summary["reason"]


def test_the_console_loads_no_torch_or_ultralytics_at_import() -> None:
    code = ("import sys, camcount_desktop.app, camcount_desktop.main_window, camcount_desktop.console\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'ultralytics'))\n"
            "print(bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stdout + run.stderr
