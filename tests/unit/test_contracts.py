"""Message contracts: round trips, and refusals that name the field at fault."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from workers.contracts import (
    BY_TYPE,
    AnalyticsJob,
    CameraControl,
    ContractError,
    DetectionResult,
    EmailNotification,
    Frame,
    ReportRequest,
    Snapshot,
    WebhookNotification,
    ZoneSet,
)

RESULT = {
    "camera_id": "cam-1", "frame_id": "f-9", "frame_timestamp": "2026-03-01T10:00:00+01:00",
    "frame_width": 960, "frame_height": 540,
    "detection_results": {
        "detections": [{"class": "person", "confidence": 0.9, "bbox": [1, 2, 30, 80],
                        "track_id": 4}],
        "total_count": 1, "processing_time": 0.031, "model_version": "yolo11n"},
    "counting_data": {"count_in": 3, "count_out": 1, "total_count": 2,
                      "lines": {"door": {"count_in": 3, "count_out": 1}},
                      "zone_analysis": {"queue": {"occupancy": 1, "dwell_seconds": {"4": 12.5}}}},
}


def test_detection_result_round_trip_keeps_seed_field_names() -> None:
    msg = DetectionResult.validate_dict(RESULT)
    body, headers = msg.to_wire()
    data = json.loads(body)
    assert data["detection_results"]["detections"][0]["class"] == "person"
    assert data["counting_data"]["count_in"] == 3
    assert {"message_id", "timestamp", "schema_version", "metadata"} <= data.keys()
    assert data["metadata"] == {"priority": 5, "retry_count": 0, "source": "unknown"}
    again = DetectionResult.from_wire(body, headers)
    assert again == msg
    assert again.counting_data.zone_analysis["queue"].dwell_seconds == {4: 12.5}
    assert headers["x-camcount-type"] == "detection_result"


def test_timestamps_are_normalised_to_utc() -> None:
    msg = DetectionResult.validate_dict({**RESULT, "timestamp": "2026-03-01T10:00:00+01:00"})
    assert msg.timestamp == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(ContractError, match=r"DetectionResult\.timestamp: .*timezone"):
        DetectionResult.validate_dict({**RESULT, "timestamp": "2026-03-01T10:00:00"})


@pytest.mark.parametrize(("change", "expected"), [
    ({"camera_id": None}, "DetectionResult.camera_id: Input should be a valid string"),
    ({"frame_width": "wide"}, "DetectionResult.frame_width: Input should be a valid integer"),
    ({"schema_version": 2}, "DetectionResult.schema_version: unsupported schema_version 2"),
    ({"unexpected": 1}, "DetectionResult.unexpected: Extra inputs are not permitted"),
])
def test_invalid_fields_are_named(change: dict, expected: str) -> None:
    with pytest.raises(ContractError) as err:
        DetectionResult.validate_dict({**RESULT, **change})
    assert expected in err.value.reason


def test_missing_nested_field_is_named_by_path() -> None:
    bad = json.loads(json.dumps(RESULT))
    del bad["detection_results"]["model_version"]
    bad["detection_results"]["detections"][0]["confidence"] = 2
    with pytest.raises(ContractError) as err:
        DetectionResult.validate_dict(bad)
    assert "DetectionResult.detection_results.model_version: Field required" in err.value.reason
    assert ("DetectionResult.detection_results.detections.0.confidence: Input should be less "
            "than or equal to 1") in err.value.reason


def test_body_that_is_not_json_object() -> None:
    with pytest.raises(ContractError, match="not UTF-8 JSON"):
        DetectionResult.from_wire(b"\xff\xfe")
    with pytest.raises(ContractError, match="must be a JSON object, got list"):
        DetectionResult.from_wire(b"[1, 2]")


def test_frame_travels_as_jpeg_body_with_header_fields() -> None:
    frame = Frame(camera_id="cam-1", frame_id="cam-1:42", width=960, height=540, fps=5,
                  quality=80, jpeg=b"\xff\xd8\xff\xe0rest")
    body, headers = frame.to_wire()
    assert body == b"\xff\xd8\xff\xe0rest"
    assert headers["frame_id"] == "cam-1:42" and headers["width"] == 960
    assert headers["priority"] == 5 and headers["quality"] == 80
    assert all(not isinstance(v, bytes) for v in headers.values()), "no binary in headers"
    assert Frame.from_wire(body, headers) == frame
    with pytest.raises(ContractError, match="not a JPEG"):
        Frame.from_wire(b"GIF89a", headers)
    with pytest.raises(ContractError, match="Frame.width: Field required"):
        Frame.from_wire(body, {k: v for k, v in headers.items() if k != "width"})


def test_camera_control_needs_the_payload_of_its_action() -> None:
    with pytest.raises(ContractError, match="action 'set_fps' needs the field 'fps'"):
        CameraControl.validate_dict({"camera_id": "c", "action": "set_fps"})
    zones = {"camera_id": "other", "frame_width": 100, "frame_height": 100}
    with pytest.raises(ContractError, match="zones are for camera 'other'"):
        CameraControl.validate_dict({"camera_id": "c", "action": "set_zones", "zones": zones})
    ok = CameraControl.validate_dict({"camera_id": "c", "action": "set_fps", "fps": 2.5})
    assert ok.fps == 2.5



def test_a_camera_input_size_is_optional_and_a_multiple_of_32_from_160_to_1920() -> None:
    older = {"camera_id": "c", "action": "configure",  # as consoles sent before input sizes
             "config": {"camera_id": "c", "source": "0", "model": "yolo11s.pt"}}
    assert CameraControl.validate_dict(older).config.imgsz is None  # the detector worker's
    for size in (160, 416, 1920):
        sized = {**older, "config": {**older["config"], "imgsz": size}}
        assert CameraControl.validate_dict(sized).config.imgsz == size
    for size in (100, 400, 1952, 0):
        sized = {**older, "config": {**older["config"], "imgsz": size}}
        with pytest.raises(ContractError, match=f"CameraControl.config.imgsz: .*an input size is "
                                                f"a multiple of 32 from 160 to 1920, not {size}"):
            CameraControl.validate_dict(sized)

def zone_set(**shapes: list) -> dict:
    return {"camera_id": "c", "frame_width": 960, "frame_height": 540, **shapes}


@pytest.mark.parametrize(("shapes", "expected"), [
    ({"lines": [{"id": "door", "points": [[10, 10], [10, 10]]}]},
     "'door': the line's two points are the same"),
    ({"zones": [{"id": "q", "points": [[0, 0], [10, 0]]}]},
     "'q': a polygon needs at least 3 points, got 2"),
    ({"zones": [{"id": "bow", "name": "Bow tie",
                 "points": [[0, 0], [100, 100], [100, 0], [0, 100]]}]},
     "'Bow tie': edges 1 and 3 cross"),
    ({"zones": [{"id": "flat", "points": [[0, 0], [50, 50], [100, 100]]}]},
     "'flat': its points are in a line"),
    ({"lines": [{"id": "far", "points": [[10, 10], [1000, 10]]}]},
     "'far': point (1000, 10) lies outside the 960x540 frame"),
    ({"lines": [{"id": "a", "points": [[1, 1], [2, 2]]}],
      "zones": [{"id": "a", "points": [[0, 0], [10, 0], [0, 10]]}]},
     "two shapes share the id 'a'"),
])
def test_bad_zones_are_refused_with_a_reason(shapes: dict, expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        ZoneSet.model_validate(zone_set(**shapes))


def test_good_zone_set() -> None:
    zs = ZoneSet.model_validate(zone_set(
        lines=[{"id": "door", "points": [[480, 540], [480, 0]]}],
        zones=[{"id": "queue", "points": [[0, 0], [300, 0], [300, 300], [0, 300]]}]))
    assert zs.lines[0].flipped().points == ((480, 0), (480, 540))


def test_zones_drawn_on_a_snapshot_follow_the_camera_resolution() -> None:
    zs = ZoneSet.model_validate(zone_set(
        lines=[{"id": "door", "points": [[480, 540], [480, 0]]}],
        zones=[{"id": "queue", "points": [[0, 0], [300, 0], [300, 300], [0, 300]]}]))
    half = zs.scaled_to(480, 270)
    assert (half.frame_width, half.frame_height) == (480, 270)
    assert half.lines[0].points == ((240, 270), (240, 0))
    assert half.zones[0].points == [(0, 0), (150, 0), (150, 150), (0, 150)]
    assert zs.scaled_to(960, 540) is zs


def test_seed_shaped_jobs_reports_and_notifications() -> None:
    job = AnalyticsJob.validate_dict({
        "job_type": "hourly_aggregation", "camera_id": "cam-1",
        "time_range": {"start": "2026-03-29T00:00:00Z", "end": "2026-03-29T01:00:00Z"},
        "parameters": {"aggregation_level": "zone", "timezone": "Europe/Berlin"}})
    assert job.period == "hourly"
    with pytest.raises(ContractError, match=r"parameters\.timezone: unknown time zone 'Mars/Base'"):
        AnalyticsJob.validate_dict({**job.model_dump(mode="json"),
                                    "parameters": {"timezone": "Mars/Base"}})
    with pytest.raises(ContractError, match=r"time_range: end must be after start"):
        AnalyticsJob.validate_dict({**job.model_dump(mode="json"), "time_range": {
            "start": "2026-03-29T01:00:00Z", "end": "2026-03-29T00:00:00Z"}})
    report = ReportRequest.validate_dict({
        "report_type": "daily_summary", "format": "pdf", "camera_ids": ["cam-1"],
        "date_range": {"start": "2026-03-01T00:00:00Z", "end": "2026-03-02T00:00:00Z"},
        "targets": ["ops-mail"], "parameters": {"include_charts": True}})
    assert report.report_id == report.message_id
    # a report is mailed to configured targets, never to addresses the request carries
    with pytest.raises(ContractError, match=r"ReportRequest\.recipients: Extra inputs"):
        ReportRequest.validate_dict({**report.model_dump(mode="json"),
                                     "recipients": ["ops@example.com"]})
    email = EmailNotification.validate_dict({
        "target_id": "ops-mail", "about": {"kind": "report", "report_id": "r-1"},
        "scheduledAt": "2026-03-02T07:00:00+01:00"})
    assert email.scheduled_at is not None and email.report_id == "r-1"
    hook = WebhookNotification.validate_dict({"target_id": "ops-hook", "about": {
        "kind": "alert", "action": "raise", "alert_id": "a-1", "rule_id": "crowd",
        "severity": "warning", "message": "12 present", "at": "2026-03-02T07:00:00+01:00"}})
    assert hook.alert_id == "a-1"
    # where it goes, what headers and what body are the target's and the notifier's business
    with pytest.raises(ContractError, match=r"WebhookNotification\.url: Extra inputs"):
        WebhookNotification.validate_dict({**hook.model_dump(mode="json"),
                                           "url": "http://169.254.169.254/"})


def test_a_snapshot_travels_as_jpeg_body_keyed_by_its_count_events_and_is_capped() -> None:
    snap = Snapshot(camera_id="door", event_message_id="events-7", frame_id="door:42",
                    taken_at=datetime(2026, 11, 29, 10, 0, tzinfo=UTC), width=960, height=540,
                    shape_ids=["door", "queue"], jpeg=b"\xff\xd8\xff\xe0rest")
    body, headers = snap.to_wire()
    assert body == b"\xff\xd8\xff\xe0rest" and headers["event_message_id"] == "events-7"
    assert all(isinstance(v, (str, int, float)) for v in headers.values()), "plain headers only"
    assert Snapshot.from_wire(body, headers) == snap
    with pytest.raises(ContractError, match="Snapshot.jpeg: body is not a JPEG"):
        Snapshot.from_wire(b"GIF89a", headers)
    with pytest.raises(ContractError, match=r"Snapshot: body of 600,002 bytes is over the "
                                            r"524,288-byte limit"):
        Snapshot.from_wire(b"\xff\xd8" + b"x" * 600_000, headers)


def test_every_contract_is_registered_by_its_type_header() -> None:
    assert len(BY_TYPE) == 16
    for name, cls in BY_TYPE.items():
        assert cls.type_name == name


def test_an_oversized_body_is_refused_unread_with_the_limit_named() -> None:
    padded = b'{"camera_id": "door", "pad": "' + b"x" * (2 << 20) + b'"}'
    with pytest.raises(ContractError, match=r"DetectionResult: body of 2,097,1\d\d bytes is over "
                                            r"the 1,048,576-byte limit"):
        DetectionResult.from_wire(padded)
    jpeg = b"\xff\xd8" + b"\0" * (17 << 20)
    with pytest.raises(ContractError, match=r"Frame: body of .* over the 16,777,216-byte limit"):
        Frame.from_wire(jpeg, {"camera_id": "door"})
