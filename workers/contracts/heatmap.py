"""Heatmaps as facts: where one camera's tracked objects were, per cell of a coarse grid.

The detector adds every tracked box's anchor (bottom centre: the feet) to a grid of
``cols`` x ``rows`` cells over the frame and publishes what it gathered per hour (and every few
minutes within the hour, so a detector that dies loses minutes, not the hour) as one
``HeatmapFact``: two sparse lists, never one row per box. ``visits`` counts the tracks that
came into each cell (where people walk); ``dwell`` the seconds tracks spent in it (where people
stand longest). Analytics stores each fact once (by ``message_id``) and sums them over a period.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BeforeValidator, Field, PlainSerializer, model_validator

from workers.contracts.base import Contract

#: the grid's finest size: 128 x 128 cells is 16,384 cells, about 250 KB of JSON at worst
MAX_CELLS_PER_SIDE = 128
#: a reference picture small enough for the 1 MiB JSON limit with a full grid beside it
MAX_REFERENCE_BYTES = 96 << 10


def _from_base64(v: object) -> object:
    if isinstance(v, str):
        try:
            return base64.b64decode(v, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"not base64: {exc}") from exc
    return v


#: bytes in Python, base64 text in JSON
Base64Bytes = Annotated[bytes, BeforeValidator(_from_base64),
                        PlainSerializer(lambda b: base64.b64encode(b).decode(), return_type=str,
                                        when_used="json")]


class HeatmapFact(Contract):
    type_name: ClassVar[str] = "heatmap"

    camera_id: str = Field(min_length=1)
    #: the UTC hour the samples belong to (minutes and seconds zero)
    hour_start: AwareDatetime
    #: first and last frame time added
    first_at: AwareDatetime
    last_at: AwareDatetime
    cols: int = Field(ge=1, le=MAX_CELLS_PER_SIDE)
    rows: int = Field(ge=1, le=MAX_CELLS_PER_SIDE)
    frame_width: int = Field(gt=0)
    frame_height: int = Field(gt=0)
    frames: int = Field(ge=0)
    #: [cell, tracks that came into it]; cell = row * cols + col, row 0 at the top
    visits: list[tuple[int, int]] = Field(default_factory=list)
    #: [cell, seconds spent in it, summed over tracks]
    dwell: list[tuple[int, float]] = Field(default_factory=list)
    #: a small JPEG of the scene, people pixelated, to draw the grid over
    reference_jpeg: Base64Bytes | None = Field(default=None, repr=False)

    @model_validator(mode="after")
    def _cells(self) -> HeatmapFact:
        if self.hour_start.minute or self.hour_start.second or self.hour_start.microsecond:
            raise ValueError("hour_start must be on the hour")
        n = self.cols * self.rows
        for name, pairs in (("visits", self.visits), ("dwell", self.dwell)):
            cells = [c for c, _ in pairs]
            if any(c < 0 or c >= n for c in cells):
                raise ValueError(f"{name}: a cell outside the {self.cols}x{self.rows} grid")
            if len(set(cells)) != len(cells):
                raise ValueError(f"{name}: a cell is listed twice")
            if any(v < 0 for _, v in pairs):
                raise ValueError(f"{name}: a negative value")
        if self.reference_jpeg is not None and len(self.reference_jpeg) > MAX_REFERENCE_BYTES:
            raise ValueError(f"reference_jpeg: {len(self.reference_jpeg):,} bytes is over "
                             f"{MAX_REFERENCE_BYTES:,}")
        return self

    @property
    def hour(self) -> datetime:
        return self.hour_start
