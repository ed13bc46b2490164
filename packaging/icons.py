"""Draw CamCount's application icon and write it in each OS's format into ``resources/icons/``.

    python packaging/icons.py        (needs Pillow; the bundles use the files it writes)

A camera lens on a dark tile, crossed by the cyan counting line the console draws: recognisable
at 16 px, no font needed. Windows takes the .ico, macOS the .icns, Linux desktop files the .png.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZE = 1024


def draw(size: int = SIZE) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = size / 1024
    d.rounded_rectangle((40 * s, 40 * s, 984 * s, 984 * s), radius=200 * s, fill=(24, 32, 48, 255))
    c = size / 2
    for r, colour in ((330, (230, 236, 245)), (250, (24, 32, 48)), (190, (70, 90, 130)),
                      (90, (12, 16, 24))):
        d.ellipse((c - r * s, c - r * s, c + r * s, c + r * s), fill=colour + (255,))
    d.ellipse((c - 150 * s, c - 150 * s, c - 80 * s, c - 80 * s), fill=(230, 236, 245, 200))
    d.rounded_rectangle((c - 36 * s, 110 * s, c + 36 * s, 914 * s), radius=36 * s, fill=(0, 224, 255, 255))
    return img


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    img = draw()
    img.resize((512, 512), Image.Resampling.LANCZOS).save(ICONS / "camcount.png")
    img.save(ICONS / "camcount.ico", sizes=[(n, n) for n in (16, 24, 32, 48, 64, 128, 256)])
    img.save(ICONS / "camcount.icns")
    for name in ("camcount.png", "camcount.ico", "camcount.icns"):
        print(ICONS / name)


if __name__ == "__main__":
    main()
