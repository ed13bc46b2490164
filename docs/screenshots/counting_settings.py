"""The picture in docs/detector.md of the counting settings, drawn on generated scenes.

    python docs/screenshots/counting_settings.py

Left: a person stands on the line for two seconds swaying over it, then goes on; their feet on
every frame, coloured by the side the counter sees (the dead band is neither). Right: a walker
hidden behind a nearer one at the line; the frames with no box, and the new id that continues
them. Qt-free: OpenCV draws on frames of ``workers.samples.scenarios``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from workers.accuracy.noise import _covered  # noqa: E402
from workers.contracts.zones import ZoneSet  # noqa: E402
from workers.samples.scenarios import make_scenario  # noqa: E402

OUT = Path(__file__).resolve().parent / "counting_settings.png"
CYAN, GREY, ORANGE = (255, 200, 0), (200, 200, 200), (0, 140, 255)
GREEN, WHITE = (80, 220, 80), (255, 255, 255)
BAND = ZoneSet(camera_id="x", frame_width=960, frame_height=540).line_dead_band


def _text(img: np.ndarray, text: str, org: tuple[int, int], colour=WHITE, scale: float = 0.62) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 4, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def _line_and_band(img: np.ndarray, x: int) -> None:
    band = round(BAND * img.shape[1])
    shade = img.copy()
    cv2.rectangle(shade, (x - band, 0), (x + band, img.shape[0]), CYAN, -1)
    img[:] = cv2.addWeighted(shade, 0.22, img, 0.78, 0)
    cv2.line(img, (x, 0), (x, img.shape[0]), CYAN, 2, cv2.LINE_AA)
    cv2.arrowedLine(img, (x, 60), (x + 60, 60), CYAN, 2, cv2.LINE_AA, tipLength=0.3)
    _text(img, "in", (x + 66, 66), CYAN)


def sway_panel() -> np.ndarray:
    scene = make_scenario("linger", people=2, fps=10, seed=4)
    truth = scene.truth
    c = truth.crossings[0]
    walker = next(w for w in truth.walkers if w.id == c.walker)
    at = (c.since + c.until) // 2
    img = next(im for i, im in enumerate(scene.frames()) if i == at)
    x = truth.line[0]
    band = BAND * truth.width
    _line_and_band(img, x)
    for f in range(walker.first_frame, walker.last_frame + 1):
        x1, _, x2, y2 = walker.box_at(f)
        fx = (x1 + x2) / 2
        colour = GREY if abs(fx - x) <= band else ORANGE if fx < x else GREEN
        cv2.circle(img, (round(fx), y2 + 8 + 3 * ((f - walker.first_frame) % 4)), 3, colour, -1,
                   cv2.LINE_AA)
    _text(img, f"dead band: {100 * BAND:g} % of the width each side", (12, 30))
    _text(img, "feet in the band are on neither side:", (12, 120))
    _text(img, "swaying over the line never counts", (12, 145))
    _text(img, "counted once, when the feet leave", (545, 120), GREEN)
    _text(img, "the band on the far side", (545, 145), GREEN)
    return img


def occlusion_panel() -> np.ndarray:
    scene = make_scenario("occlusion", people=2, fps=10, seed=0)
    truth = scene.truth
    near, far = sorted(truth.walkers, key=lambda w: w.boxes[0][3], reverse=True)[:2]
    hidden = []
    for f in range(far.first_frame, far.last_frame + 1):
        mine, other = far.box_at(f), near.box_at(f)
        covered = other is not None and _covered(np.array(mine, float), [np.array(other, float)])
        hidden.append(covered >= 0.5)
    middle = far.first_frame + (hidden.index(True) + len(hidden) - hidden[::-1].index(True)) // 2
    img = next(im for i, im in enumerate(scene.frames()) if i == middle)
    x = truth.line[0]
    _line_and_band(img, x)
    seen_before = True
    for k, f in enumerate(range(far.first_frame, far.last_frame + 1)):
        x1, _, x2, y2 = far.box_at(f)
        if hidden[k]:
            seen_before = False
            cv2.circle(img, (round((x1 + x2) / 2), y2 - 6), 4, GREY, 1, cv2.LINE_AA)
            continue
        colour = ORANGE if seen_before else GREEN
        cv2.circle(img, (round((x1 + x2) / 2), y2 - 6), 4, colour, -1, cv2.LINE_AA)
    _text(img, "the far walker is hidden behind the near one at the line", (12, 30))
    _text(img, "its track is lost (hollow: no box)", (12, 120), ORANGE)
    _text(img, "a new id where it was heading", (560, 120), GREEN)
    _text(img, "continues it: one crossing", (560, 145), GREEN)
    return img


def main() -> None:
    panels = [cv2.resize(p, (640, 360), interpolation=cv2.INTER_AREA)
              for p in (sway_panel(), occlusion_panel())]
    gap = np.full((360, 8, 3), 255, np.uint8)
    cv2.imwrite(str(OUT), np.hstack([panels[0], gap, panels[1]]), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(OUT)


if __name__ == "__main__":
    main()
