"""Local mode with the site's privacy off: a privacy mask saved for the sample camera is filled in
the frame the wall paints, from the frames after the save (the camera worker hosted in the
console fills it before the frame reaches the in-process bus), and the rest of the picture is the
camera's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from camcount_desktop.console import Console
from camcount_desktop.local_mode import SAMPLE_CAMERA_ID, LocalData, sample_zones
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.waiting import until
from workers.analytics import AnalyticsClient
from workers.contracts import MaskDef
from workers.privacy import MASK_COLOUR

pytestmark = pytest.mark.slow

#: in the right half of the 960x540 sample, clear of its zone
MASK = MaskDef(id="shop-window", name="Shop window", points=[(720, 200), (900, 200),
                                                              (900, 340), (720, 340)])


def grey_share(image: QImage, frame_w: int, x1: int, y1: int, x2: int, y2: int) -> float:
    """The share of the region (in frame pixels) that is the mask's grey, in the image painted."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    arr = arr[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3)
    s = rgb.width() / frame_w
    region = arr[round(y1 * s):round(y2 * s), round(x1 * s):round(x2 * s)].astype(int)
    return float((np.abs(region - MASK_COLOUR[0]).max(axis=2) < 12).mean())


async def test_the_wall_paints_the_mask_filled_in_local_mode(
        qtbot, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMCOUNT_PRIVACY", "off")
    console = Console("local", settings, data=LocalData(tmp_path / "data"))
    window = MainWindow(console, settings)
    window.show()
    await console.start()
    try:
        state = console.wall.state(SAMPLE_CAMERA_ID)
        await until(lambda: state.shown is not None, 60, "the sample's first frame on the wall")

        def painted() -> float:
            shown = state.shown
            assert shown is not None
            return grey_share(shown.frame.image, shown.frame.width, 730, 210, 890, 330)

        assert painted() < 0.5  # before: the camera's picture there
        client = AnalyticsClient(console.bus)
        stored = await client.latest_zone_set(SAMPLE_CAMERA_ID)
        assert stored is not None
        saved = await client.save_zone_set(
            sample_zones().model_copy(update={"version": stored.version + 1,
                                              "privacy_masks": [MASK]}),
            base_version=stored.version, requested_by="admin")
        assert saved.saved, saved.error
        await until(lambda: painted() > 0.98, 15, "the mask filled on the wall")
        shown = state.shown
        assert shown is not None
        # only the mask: the left of the picture is not grey
        assert grey_share(shown.frame.image, shown.frame.width, 40, 100, 400, 400) < 0.5
    finally:
        await console.stop()
        window.close_now()
