"""Make workers/i18n/fonts/CamCountSans-Regular.ttf: Noto Sans CJK KR (SIL OFL 1.1) cut down to what
the console and the reports write (Latin with Vietnamese, Cyrillic, Hangul syllables and jamo,
common symbols), its CFF outlines turned into TrueType ones because ReportLab embeds only those.

    python scripts/subset_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc 1 \\
        workers/i18n/fonts/CamCountSans-Regular.ttf

(index 1 of Debian's fonts-noto-cjk collection is the KR face). The family is renamed, as the OFL
asks of a modified version, so it never stands in for a full Noto installed on the system.
"""

import sys

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

RANGES = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x400, 0x45F), (0x1E00, 0x1EFF),
          (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF),
          (0x2300, 0x23FF), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x1100, 0x11FF), (0x3000, 0x303F),
          (0x3130, 0x318F), (0xAC00, 0xD7A3), (0xFF00, 0xFFEF)]
NAMES = {1: "CamCount Sans", 3: "CamCount Sans Regular (Noto Sans CJK KR subset)",
         4: "CamCount Sans Regular", 6: "CamCountSans-Regular", 16: "CamCount Sans",
         17: "Regular", 21: "CamCount Sans", 22: "Regular"}


def to_truetype(font) -> None:
    """Quadratic (glyf) outlines in place of the CFF ones, within 1 unit of the originals."""
    glyphs, order = font.getGlyphSet(), font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


def main(source: str, index: str, out: str) -> None:
    font = TTCollection(source).fonts[int(index)]
    options = subset.Options()
    options.layout_features, options.name_IDs = ["*"], ["*"]
    options.notdef_outline, options.hinting, options.desubroutinize = True, False, True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for a, b in RANGES for u in range(a, b + 1)])
    subsetter.subset(font)
    to_truetype(font)
    for record in font["name"].names:
        if record.nameID in NAMES:
            record.string = NAMES[record.nameID]
    font.save(out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
