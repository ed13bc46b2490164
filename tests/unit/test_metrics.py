"""What a worker's /metrics says, as Prometheus parses it: heartbeat figures under names of their
own (never a second family of an existing name, which Prometheus refuses), breakers as numbers,
the detector pipeline's counters per camera."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import numpy as np
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import REGISTRY

from workers.contracts import ZoneSet
from workers.detector.base import DetectorConfig
from workers.detector.hog import HogDetector
from workers.detector.pipeline import CameraPipeline
from workers.metrics import WorkerCollector


class FakeWorker:
    role = "detector"

    def stats(self) -> dict[str, Any]:  # the shapes real workers report
        return {"frames": 12, "motion_skipped": 3, "fallback": True, "model_version": "hog",
                "fps": {"door": 4.9}, "breakers": {"ops-mail": "open", "hook": "closed"},
                "cameras": {"door": {"frames": 12, "state": "online", "detail": ""}}}


def scrape(collector: WorkerCollector) -> str:
    REGISTRY.register(collector)
    try:
        return generate_latest(REGISTRY).decode()
    finally:
        REGISTRY.unregister(collector)


def test_heartbeat_figures_become_metrics_without_clashing_with_counters() -> None:
    zones = ZoneSet.model_validate({"camera_id": "door", "frame_width": 320, "frame_height": 240,
                                    "lines": [{"id": "l", "points": [[160, 0], [160, 240]]}]})
    pipeline = CameraPipeline(HogDetector(DetectorConfig()), zones, DetectorConfig())
    for _ in range(3):
        pipeline.process(np.zeros((240, 320, 3), np.uint8), datetime.now(UTC))
    families = list(text_string_to_metric_families(scrape(WorkerCollector(FakeWorker(), "d-1"))))
    twice = [n for n, c in Counter(f.name for f in families).items() if c > 1]
    assert not twice, f"families exposed twice (Prometheus refuses the scrape): {twice}"
    values = {(s.name, tuple(sorted(s.labels.items()))): s.value
              for f in families for s in f.samples}
    assert values[("camcount_detector_frames", ())] == 12
    assert values[("camcount_detector_fallback", ())] == 1
    assert values[("camcount_detector_fps", (("key", "door"),))] == 4.9
    assert values[("camcount_detector_breaker_state", (("target", "ops-mail"),))] == 2
    assert values[("camcount_detector_breaker_state", (("target", "hook"),))] == 0
    assert values[("camcount_detector_cameras_online", (("item", "door"),))] == 1
    assert values[("camcount_pipeline_frames_total", (("camera", "door"),))] >= 3
    assert ("camcount_pipeline_tracks", (("camera", "door"),)) in values
