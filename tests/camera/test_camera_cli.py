"""``camcount-worker camera``: cameras from arguments and from a JSON file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workers.camera.cli import CameraConfigError, cameras_from_args
from workers.cli import build_parser, main


def parse(*argv: str):
    return build_parser().parse_args(["camera", *argv])


def test_cameras_from_arguments() -> None:
    cameras = cameras_from_args(parse("--camera", "door=rtsp://u:p@cam/1", "--camera", "hall=0",
                                      "--fps", "3", "--loop", "--quality", "60"))
    assert [(c.camera_id, c.source, c.analysis_fps, c.loop, c.jpeg_quality) for c in cameras] == [
        ("door", "rtsp://u:p@cam/1", 3, True, 60), ("hall", "0", 3, True, 60)]


def test_cameras_from_a_file_and_arguments(tmp_path: Path) -> None:
    config = tmp_path / "cameras.json"
    config.write_text(json.dumps([{"camera_id": "entrance", "source": "entrance.mp4", "loop": True,
                                   "analysis_fps": 8}]))
    cameras = cameras_from_args(parse("--config", str(config), "--camera", "door=0"))
    assert [(c.camera_id, c.analysis_fps) for c in cameras] == [("entrance", 8), ("door", 5)]


@pytest.mark.parametrize(("argv", "message"), [
    (["--camera", "door"], "expected ID=SOURCE"),
    (["--camera", "bad id=0"], "camera_id: does not match the pattern"),
    (["--camera", "door=0", "--fps", "0"], "analysis_fps: must be more than 0"),
])
def test_bad_camera_arguments_say_what_is_wrong(argv: list[str], message: str) -> None:
    with pytest.raises(CameraConfigError, match=message):
        cameras_from_args(parse(*argv))


def test_bad_config_file_names_the_field(tmp_path: Path) -> None:
    config = tmp_path / "cameras.json"
    config.write_text(json.dumps([{"camera_id": "x", "source": "a.mp4", "jpeg_quality": 500}]))
    with pytest.raises(CameraConfigError, match=r"\[0\]\.jpeg_quality: must be 100 at most"):
        cameras_from_args(parse("--config", str(config)))
    with pytest.raises(CameraConfigError, match="cannot read"):
        cameras_from_args(parse("--config", str(tmp_path / "missing.json")))


def test_same_camera_twice_is_refused_before_starting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["camera", "--camera", "door=0", "--camera", "door=1"]) == 2
    assert "repeated: door" in capsys.readouterr().err
