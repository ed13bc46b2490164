"""Counting lines and polygon zones, as drawn by admins and applied by detectors.

A ``ZoneSet`` is one camera's whole configuration at one version. It is validated as a unit so
the editor, the control message and ``count-video --zones`` refuse the same mistakes with the
same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workers.contracts.phrases import refuse
from workers.geometry import Point, polygon_area, self_intersection

Anchor = Literal["bottom_center", "center", "top_center"]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    name: str = ""
    color: str = Field(default="#00c8ff", pattern=r"^#[0-9a-fA-F]{6}$")
    #: COCO class names this shape counts; empty means every class the detector reports.
    classes: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name or self.id


class LineDef(_Shape):
    """A counting line. "in" is a crossing from the left of P1→P2 to its right, as seen on screen."""

    kind: Literal["line"] = "line"
    points: tuple[Point, Point]

    @model_validator(mode="after")
    def _distinct(self) -> LineDef:
        (x1, y1), (x2, y2) = self.points
        if abs(x1 - x2) < 1e-6 and abs(y1 - y2) < 1e-6:
            raise refuse("line_points_same", label=self.label)
        return self

    def flipped(self) -> LineDef:
        return self.model_copy(update={"points": (self.points[1], self.points[0])})


class OccupancySettings(BaseModel):
    """How analytics keeps a zone's occupancy true when a door misses someone
    (``workers/analytics/occupancy.py``, docs/analytics.md#occupancy-that-stays-true)."""

    model_config = ConfigDict(extra="forbid")

    #: local time of day ("HH:MM", e.g. closing time) at which occupancy is set to zero
    reset_at: str | None = Field(default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    #: an exit with nobody counted inside is a missed entry, not a negative occupancy
    never_below_zero: bool = True
    #: the average visit; given, a corrected figure is kept beside the raw one: Little's law,
    #: entries over the last visit-length window, with the raw figure trusted within ``margin``
    mean_visit_seconds: float | None = Field(default=None, gt=0, le=86_400)
    margin: float = Field(default=0.25, ge=0, le=5)


class ZoneDef(_Shape):
    """A polygon zone: occupancy, entries, exits and dwell time."""

    kind: Literal["zone"] = "zone"
    points: list[Point]
    #: left out of the JSON when unset, so files without it read as before
    occupancy: OccupancySettings | None = Field(default=None, exclude_if=lambda v: v is None)

    @model_validator(mode="after")
    def _simple_polygon(self) -> ZoneDef:
        if len(self.points) < 3:
            raise refuse("polygon_too_few_points", label=self.label, count=len(self.points))
        hit = self_intersection(self.points)
        if hit is not None:
            i, j = hit
            raise refuse("polygon_edges_cross", label=self.label, first=i + 1, second=j + 1)
        if polygon_area(self.points) < 1.0:
            raise refuse("polygon_flat", label=self.label)
        return self


class RouteStep(BaseModel):
    """One step of a route: a crossing of a line, or an entry to / exit from a zone."""

    model_config = ConfigDict(extra="forbid")

    shape_id: str = Field(min_length=1, max_length=64)
    #: a line's "in"/"out" crossing, a zone's entry ("in") or exit ("out"); "any": either
    direction: Literal["in", "out", "any"] = "any"


class RouteDef(BaseModel):
    """An ordered chain of lines/zones one person passes through: "in by door A, out by door B".

    A person completes the route when their count events match every step in order, the last
    within ``within_seconds`` of the first; each completion is one ``route`` count event dated
    to the last step, with the transit time (last step minus first) as its dwell.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    name: str = ""
    steps: list[RouteStep] = Field(min_length=2, max_length=8)
    within_seconds: float = Field(default=60.0, gt=0, le=3600)
    #: COCO class names this route counts; empty means every class
    classes: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def origin(self) -> str:
        return self.steps[0].shape_id

    @property
    def destination(self) -> str:
        return self.steps[-1].shape_id
class MaskDef(ZoneDef):
    """A privacy mask: a polygon always hidden in every picture people see (filled, on the wall,
    in snapshots and heatmap pictures). It counts nothing."""

    kind: Literal["mask"] = "mask"  # type: ignore[assignment]
    color: str = Field(default="#404040", pattern=r"^#[0-9a-fA-F]{6}$")


class ZoneSet(BaseModel):
    """Every line and zone of one camera, at one version, in the pixel space of a frame size."""

    model_config = ConfigDict(extra="forbid")

    camera_id: str = Field(min_length=1)
    version: int = Field(default=1, ge=1)
    frame_width: int = Field(gt=0)
    frame_height: int = Field(gt=0)
    anchor: Anchor = "bottom_center"
    #: frames an object must be seen on the new side of a line before the crossing counts
    hysteresis_frames: int = Field(default=2, ge=1, le=30)
    #: half-width of a band along each line, as a fraction of the frame width, where an anchor is
    #: on neither side: swaying on the line never counts, a crossing needs the far side of it
    line_dead_band: float = Field(default=0.03, ge=0.0, le=0.2)
    #: frames a track must be seen before it counts anything (a detection that flickers for a
    #: frame or two never counts); once reached, what it did meanwhile counts
    min_track_frames: int = Field(default=3, ge=1, le=30)
    #: seconds a track the tracker lost is remembered for a new track id to continue it, so a
    #: person hidden for a moment, or given a new id, is not counted a second time (0: never)
    rejoin_seconds: float = Field(default=1.5, ge=0.0, le=10.0)
    #: how far from where a lost track was heading a new id may appear to continue it, in the
    #: person's heights
    rejoin_distance: float = Field(default=0.5, ge=0.0, le=3.0)
    #: a person first seen this close to a line (in their heights) who walks away from it crossed
    #: it unseen (hidden, or lost by the tracker on the line) and is counted (0: never)
    appear_distance: float = Field(default=0.25, ge=0.0, le=2.0)
    lines: list[LineDef] = Field(default_factory=list)
    zones: list[ZoneDef] = Field(default_factory=list)
    #: origin -> destination chains of the shapes above (absent in older zone files)
    routes: list[RouteDef] = Field(default_factory=list, exclude_if=lambda v: not v)
    #: fixed regions hidden in every picture people see (empty in sets saved before masks)
    privacy_masks: list[MaskDef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ZoneSet:
        seen: set[str] = set()
        shapes = {s.id for s in [*self.lines, *self.zones]}
        for shape in [*self.lines, *self.zones, *self.privacy_masks]:
            if shape.id in seen:
                raise refuse("shape_id_twice", id=shape.id)
            seen.add(shape.id)
            for x, y in shape.points:
                if not (0 <= x <= self.frame_width and 0 <= y <= self.frame_height):
                    raise refuse("point_outside_frame", label=shape.label, x=f"{x:g}",
                                 y=f"{y:g}", width=self.frame_width, height=self.frame_height)
        for route in self.routes:
            if route.id in seen:
                raise refuse("route_id_taken", label=route.label, id=route.id)
            seen.add(route.id)
            for n, step in enumerate(route.steps, 1):
                if step.shape_id not in shapes:
                    raise refuse("route_step_unknown", label=route.label, step=n,
                                 shape=step.shape_id)
        return self

    def scaled_to(self, width: int, height: int) -> ZoneSet:
        """The same shapes in the pixels of a frame of another size (zones drawn on a snapshot
        still count when the camera's resolution changes)."""
        if (self.frame_width, self.frame_height) == (width, height):
            return self
        sx, sy = width / self.frame_width, height / self.frame_height

        def scale(points: Sequence[Point]) -> list[Point]:
            return [(x * sx, y * sy) for x, y in points]

        return self.model_copy(update={
            "frame_width": width, "frame_height": height,
            "lines": [ln.model_copy(update={"points": tuple(scale(ln.points))}) for ln in self.lines],
            "zones": [z.model_copy(update={"points": scale(z.points)}) for z in self.zones],
            "privacy_masks": [m.model_copy(update={"points": scale(m.points)})
                              for m in self.privacy_masks]})
