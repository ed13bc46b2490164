"""The camera worker fills privacy masks before a frame leaves it: a version announced later
(``zones_stored``) applies from the next frames, scaled to the camera's picture, and an older
version delivered late never brings back a region a newer one hides."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.helpers.camera import write_video
from tests.helpers.waiting import until
from workers.contracts import CameraConfig, MaskDef, ZoneSet
from workers.privacy import MASK_COLOUR


def filled(jpeg: bytes, x1: int, y1: int, x2: int, y2: int) -> bool:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    return bool(np.abs(image[y1:y2, x1:x2].astype(int) - MASK_COLOUR[0]).max() < 12)


async def test_an_announced_mask_is_filled_and_an_older_version_does_not_undo_it(
        recorder, start_worker, control, tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", seconds=20)  # 320x240, black with a moving disc
    await start_worker([CameraConfig(camera_id="cam", source=str(clip), analysis_fps=10,
                                     loop=True)])
    await until(lambda: len(recorder.frames_of("cam")) >= 3, 15, "the first frames")
    # no analytics here: nothing is known, the frames go out as taken
    assert not any(filled(f.jpeg, 8, 8, 72, 72) for _, f, _ in recorder.frames_of("cam"))

    # drawn on a 640x480 frame: (0, 0)-(160, 160) there is (0, 0)-(80, 80) on this camera
    v2 = ZoneSet(camera_id="cam", version=2, frame_width=640, frame_height=480,
                 privacy_masks=[MaskDef(id="a", points=[(0, 0), (160, 0), (160, 160), (0, 160)])])
    v1 = ZoneSet(camera_id="cam", version=1, frame_width=320, frame_height=240,
                 privacy_masks=[MaskDef(id="b", points=[(240, 160), (320, 160), (320, 240),
                                                        (240, 240)])])
    await control("cam", "zones_stored", zones=v2)
    await control("cam", "zones_stored", zones=v1)  # late: an older version
    first = await until(lambda: next((t for t, f, _ in recorder.frames_of("cam")
                                      if filled(f.jpeg, 8, 8, 72, 72)), None), 15,
                        "a frame with the mask of version 2 filled")
    await until(lambda: len(recorder.frames_of("cam", first)) >= 10, 15, "10 more frames")
    after = [f for _, f, _ in recorder.frames_of("cam", first)]
    assert all(filled(f.jpeg, 8, 8, 72, 72) for f in after)
    assert not any(filled(f.jpeg, 248, 168, 312, 232) for f in after)


async def test_only_the_masks_of_followed_cameras_are_kept_on_disk(bus, tmp_path: Path) -> None:
    """Every camera's announcements reach a camera worker; it keeps on disk those of its own
    cameras only, and a camera id from a message never names a file outside its folder."""
    from workers.camera.masks import MaskBook

    cache = tmp_path / "masks" / "site"
    book = MaskBook(bus, cache)
    book.ask("cam")  # followed (no analytics here: it keeps asking)
    mask = [MaskDef(id="a", points=[(0, 0), (10, 0), (10, 10)])]
    for camera in ("cam", "other", "../../escaped"):
        book.learn(ZoneSet(camera_id=camera, frame_width=320, frame_height=240,
                           privacy_masks=mask))
    await book.close()  # the last version learnt is on disk
    assert sorted(p.name for p in cache.iterdir()) == ["cam.json"]
    assert not (tmp_path / "escaped.json").exists()
    assert ZoneSet.model_validate_json((cache / "cam.json").read_bytes()).privacy_masks == mask
