"""Tiles: overlays drawn on the frame their result was computed on, and a feed that stops shows
NO SIGNAL instead of a frozen picture."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QColor, QImage

from camcount_desktop.console import Console
from camcount_desktop.wall.frames import DecodedFrame
from camcount_desktop.wall.overlay import BOX_COLOR
from camcount_desktop.wall.tile_state import TileState
from camcount_desktop.wall.tile_view import HEADER_H, STATE_COLORS, TileView
from tests.helpers.gui import frame, result
from tests.helpers.waiting import until
from workers.contracts import CameraStatus, LineDef, ZoneDef, ZoneSet

W, H = 320, 180


def decoded(camera_id: str, n: int, rgb: tuple[int, int, int]) -> DecodedFrame:
    image = QImage(W, H, QImage.Format.Format_RGB32)
    image.fill(QColor(*rgb))
    return DecodedFrame(camera_id, f"{camera_id}:{n}", image, W, H, datetime.now(UTC), 10.0)


def near(c: QColor, rgb: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip((c.red(), c.green(), c.blue()), rgb, strict=True))


def tile_with(qtbot, state: TileState) -> TileView:
    tile = TileView(0)
    qtbot.addWidget(tile)
    tile.resize(W, H + HEADER_H)  # frame pixels map 1:1 below the header
    tile.set_state(state)
    return tile


def rgb(color: QColor) -> tuple[int, int, int]:
    return color.red(), color.green(), color.blue()


def test_boxes_and_lines_are_drawn_where_the_result_puts_them(qtbot) -> None:
    state = TileState("door")
    state.zones = ZoneSet(camera_id="door", frame_width=W, frame_height=H,
                          lines=[LineDef(id="l1", name="Door", color="#00e0ff",
                                         points=((160, H), (160, 0)))])
    state.add_frame(decoded("door", 1, (90, 90, 90)))
    assert state.add_result(result("door", 1, [(40, 30, 120, 170)], W, H))
    image = tile_with(qtbot, state).grab().toImage()
    box = BOX_COLOR.red(), BOX_COLOR.green(), BOX_COLOR.blue()
    assert near(image.pixelColor(40, HEADER_H + 100), box), "left edge of the box"
    assert near(image.pixelColor(120, HEADER_H + 100), box), "right edge of the box"
    assert near(image.pixelColor(80, HEADER_H + 170), box), "bottom edge of the box"
    assert near(image.pixelColor(80, HEADER_H + 100), (90, 90, 90)), "inside: the frame"
    assert near(image.pixelColor(160, HEADER_H + 150), (0, 224, 255)), "the counting line"


def test_boxes_can_be_switched_off(qtbot) -> None:
    state = TileState("door")
    state.add_frame(decoded("door", 1, (90, 90, 90)))
    state.add_result(result("door", 1, [(40, 30, 120, 170)], W, H))
    tile = tile_with(qtbot, state)
    tile.show_boxes = False
    assert near(tile.grab().toImage().pixelColor(40, HEADER_H + 100), (90, 90, 90))


def test_a_result_is_drawn_on_its_own_frame_not_the_newest(qtbot) -> None:
    state = TileState("door")
    state.add_frame(decoded("door", 1, (200, 30, 30)))  # red: the frame the detector saw
    state.add_frame(decoded("door", 2, (30, 30, 200)))  # blue: arrived while it was working
    assert state.add_result(result("door", 1, [(40, 30, 120, 170)], W, H))
    image = tile_with(qtbot, state).grab().toImage()
    assert near(image.pixelColor(250, HEADER_H + 90), (200, 30, 30))
    assert near(image.pixelColor(40, HEADER_H + 100), rgb(BOX_COLOR))


def test_without_a_detector_the_newest_frame_shows_without_boxes(qtbot) -> None:
    state = TileState("door")
    state.add_frame(decoded("door", 1, (200, 30, 30)))
    state.add_frame(decoded("door", 2, (30, 30, 200)))
    image = tile_with(qtbot, state).grab().toImage()
    assert near(image.pixelColor(250, HEADER_H + 90), (30, 30, 200))


def picture_has(image: QImage, rgb_: tuple[int, int, int]) -> bool:
    return any(near(image.pixelColor(x, y), rgb_, 25)
               for x in range(0, image.width(), 7) for y in range(HEADER_H + 2, image.height(), 7))


async def test_a_camera_that_stops_sending_shows_no_signal_with_the_last_frame_time(
        qtbot, console: Console) -> None:
    t = console.bus.topology
    console.wall.assign(0, "door")
    await until(lambda: "door" in console.adapter.followed, what="the console to follow door")
    tile = TileView(0)
    qtbot.addWidget(tile)
    tile.resize(W, H + HEADER_H)
    tile.set_state(console.wall.state("door"))
    green = (40, 160, 40)
    for n in range(5):  # the camera sends a few frames through the real bus and adapter...
        await console.bus.publish(t.camera_events, t.frame_key("door"), frame("door", n))
    await until(lambda: console.wall.state("door").signal_state() == "live", what="live")
    assert picture_has(tile.grab().toImage(), green)
    # ...then stops without a word: no status message, frames just do not come
    await until(lambda: console.wall.state("door").signal_state() == "no_signal", timeout=8,
                what="NO SIGNAL after the feed stalls")
    image = tile.grab().toImage()
    assert not picture_has(image, green), "the frozen frame must not pass for live"
    assert picture_has(image, rgb(STATE_COLORS["no_signal"])), "NO SIGNAL in red"
    assert console.wall.state("door").last_frame_at is not None


async def test_an_offline_status_shows_no_signal_at_once(qtbot, console: Console) -> None:
    t = console.bus.topology
    console.wall.assign(0, "door")
    await until(lambda: "door" in console.adapter.followed)
    await console.bus.publish(t.camera_events, t.frame_key("door"), frame("door", 1))
    await until(lambda: console.wall.state("door").signal_state() == "live")
    await console.bus.publish(t.camera_events, t.status_key("door"), CameraStatus(
        camera_id="door", state="offline", detail="camera worker stopped"))
    await until(lambda: console.wall.state("door").signal_state() == "no_signal", timeout=2)
    assert console.cameras.cameras["door"].state == "offline"


def crowded(size: tuple[int, int]) -> TileView:
    """A zone by the right edge, a line through the middle, two people side by side."""
    state = TileState("door")
    state.zones = ZoneSet(
        camera_id="door", frame_width=W, frame_height=H,
        zones=[ZoneDef(id="z", name="Waiting area by the window", color="#ff60c0",
                       points=[(300, 10), (320, 10), (320, 60), (300, 60)])],
        lines=[LineDef(id="l1", name="Main entrance counting line", color="#00e0ff",
                       points=((160, H), (160, 0)))])
    state.add_frame(decoded("door", 1, (90, 90, 90)))
    assert state.add_result(result("door", 1, [(140, 40, 170, 170), (150, 42, 180, 170)], W, H))
    tile = TileView(0)
    tile.resize(*size)
    tile.set_state(state)
    tile.grab()
    return tile


def test_overlay_labels_stay_inside_the_frame_apart_and_scale_with_the_tile(qtbot) -> None:
    small, large = crowded((W, H + HEADER_H)), crowded((4 * W, 4 * H + HEADER_H))
    qtbot.addWidget(small)
    qtbot.addWidget(large)
    for tile in (small, large):
        frame_rect = tile.picture_rect()
        rects = tile.labels.rects
        assert len(rects) == 4, "two boxes, a zone and a line, each labelled"
        for r in rects:
            assert frame_rect.contains(r), f"label {r} runs off the frame {frame_rect}"
            assert r.width() <= frame_rect.width() / 2, "a label takes at most half the frame"
        for i, a in enumerate(rects):
            assert not any(a.intersects(b) for b in rects[i + 1:]), "labels overlap"
    assert small.labels.line_height < large.labels.line_height, "labels scale with the tile"


def test_a_long_camera_name_gives_way_to_the_counts_on_a_narrow_tile(qtbot) -> None:
    """On a 4x4 wall of a 1280 px window a tile is ~150 px wide: the name is elided before the
    counts and rate, instead of both being drawn over each other."""
    name = "Entrance (sample video) by the north gate"
    state = TileState("door", name)
    state.add_frame(decoded("door", 1, (90, 90, 90)))
    state.add_result(result("door", 1, [(40, 30, 120, 170)], W, H))
    tile = tile_with(qtbot, state)
    tile.resize(640, 360)
    tile.grab()
    assert tile.header_name == name, "a wide tile shows the whole name"
    tile.resize(150, 100)
    tile.grab()
    assert "in 0" in tile.header_text
    assert tile.header_name.endswith("…") and len(tile.header_name) < len(name)
    tile.resize(640, 360)
    tile.grab()
    assert tile.header_name == name, "and whole again when the tile grows"


def test_a_live_picture_whose_results_stopped_says_nothing_counts_it(qtbot) -> None:
    """The detector dies: frames still come, the boxes go, and the counts stand still. The tile
    says so instead of passing for a camera where nobody walks by."""
    now = [0.0]
    state = TileState("door", clock=lambda: now[0])
    state.add_frame(decoded("door", 1, (90, 90, 90)))
    state.add_result(result("door", 1, [(40, 30, 120, 170)], W, H))
    tile = tile_with(qtbot, state)
    for n in range(2, 60):  # 5.8 s later, results still count as flowing (a slow detector)
        now[0] += 0.1
        state.add_frame(decoded("door", n, (90, 90, 90)))
    tile.grab()
    assert tile.notice == ""
    for n in range(60, 130):  # 12.8 s without a result
        now[0] += 0.1
        state.add_frame(decoded("door", n, (90, 90, 90)))
    tile.grab()
    assert state.signal_state() == "live"
    assert tile.notice == "no detection results for 13 s: is a detector running?"
    state.add_result(result("door", 129, [], W, H))  # a detector again
    tile.grab()
    assert tile.notice == ""
