"""One camera's lines, zones and privacy masks while an admin edits them: the shapes, undo/redo,
validation and the JSON ``count-video --zones`` reads. Qt-free.

Validation is the contract's (``workers/contracts/zones.py``, which the counting engine and
``count-video`` use): each shape is checked on its own inside a one-shape ``ZoneSet``, so every
faulty shape gets its own message, in the same words a detector would refuse it with, in the
draft's ``language`` (the editor gives the console's).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import ValidationError

from workers import i18n
from workers.contracts import LineDef, ZoneDef, ZoneSet
from workers.contracts.phrases import FIELD_CHECKS, phrases_of, say
from workers.contracts.zones import MaskDef, OccupancySettings, RouteDef
from workers.geometry import Point

Kind = Literal["line", "zone", "mask"]
#: the zone set field each kind is saved in: a mask never goes in ``zones``, so it counts nothing
FIELDS = {"line": "lines", "zone": "zones", "mask": "privacy_masks"}
#: kinds drawn as polygons (corners can be added and deleted)
POLYGONS = ("zone", "mask")
#: a new mask's colour: the grey the detector fills masks with (MaskDef's default)
MASK_COLOR = MaskDef.model_fields["color"].default
#: colours given to new shapes in turn
PALETTE = ("#00e0ff", "#ff7ad9", "#ffd400", "#7dff6a", "#ff8a3d", "#b08cff")
#: undo steps kept
HISTORY = 200
#: the zone set's counting settings, edited beside the shapes (see workers/contracts/zones.py)
SETTINGS = ("anchor", "hysteresis_frames", "line_dead_band", "min_track_frames",
            "rejoin_seconds", "rejoin_distance", "appear_distance")


@dataclass(frozen=True)
class Shape:
    kind: Kind
    id: str
    name: str
    color: str
    points: tuple[Point, ...]
    classes: tuple[str, ...] = ()
    #: a zone's occupancy settings, kept as loaded (not drawn)
    occupancy: OccupancySettings | None = None

    @property
    def label(self) -> str:
        return self.name or self.id

    def as_dict(self) -> dict:
        d = {"id": self.id, "name": self.name, "color": self.color,
             "points": [list(p) for p in self.points], "classes": list(self.classes)}
        if self.occupancy is not None:
            d["occupancy"] = self.occupancy.model_dump()
        return d

    @classmethod
    def of(cls, d: LineDef | ZoneDef | MaskDef) -> Shape:
        return cls(d.kind, d.id, d.name, d.color, tuple((float(x), float(y)) for x, y in d.points),
                   tuple(d.classes), getattr(d, "occupancy", None))


#: what one undo step restores: the shapes and the routes through them
State = tuple[tuple[Shape, ...], tuple[RouteDef, ...]]


class ZoneDraft:
    """Edits replace the tuple of shapes or of routes; each one that counts pushes the previous
    pair on the undo stack, so a shape deleted with the routes through it comes back with them
    in one Undo. Drags call ``preview`` on every mouse move and ``commit`` once at release, so
    one drag is one undo step."""

    def __init__(self, base: ZoneSet, base_version: int | None = None):
        """``base_version``: the stored version ``base`` is (0: nothing stored yet); default
        ``base.version``."""
        self.camera_id = base.camera_id
        self.width, self.height = base.frame_width, base.frame_height
        self._undo: list[State] = []
        self._redo: list[State] = []
        self.shapes: tuple[Shape, ...] = ()
        #: origin -> destination chains of the shapes, in order
        self.routes: tuple[RouteDef, ...] = ()
        #: how a new shape is named (the editor gives them in the console's language)
        self.name_templates: dict[str, str] = {"line": "Line {n}", "zone": "Zone {n}",
                                               "mask": "Mask {n}"}
        #: the language of the reasons a shape or route is refused
        self.language = "en"
        self._take(base, base.version if base_version is None else base_version)
        self._undo = []

    def _take(self, base: ZoneSet, version: int) -> None:
        self.settings: dict[str, object] = {k: getattr(base, k) for k in SETTINGS}
        self.base_version = version
        #: ids of the shapes the base version has: only those carry on a shape's totals
        self.base_ids = frozenset(d.id for d in [*base.lines, *base.zones])
        self._set(tuple(Shape.of(d) for d in [*base.lines, *base.zones, *base.privacy_masks]),
                  tuple(base.routes))
        self.mark_stored()

    def mark_stored(self) -> None:
        """What is drawn now is what the stored version holds."""
        self._stored = (self.shapes, self.routes, dict(self.settings))

    @property
    def unchanged(self) -> bool:
        """Nothing drawn, routed or set differs from the stored version: nothing to save."""
        return (self.shapes, self.routes, self.settings) == self._stored

    def rebase(self, stored: ZoneSet, version: int) -> None:
        """Draw on ``stored`` (the version analytics holds now) instead: its shapes and routes
        replace the drawing as one undo step, so Undo brings the drawing back."""
        self._take(stored.scaled_to(self.width, self.height), version)

    # -- history ------------------------------------------------------------------------------
    def _set(self, shapes: tuple[Shape, ...] | None = None,
             routes: tuple[RouteDef, ...] | None = None) -> None:
        """Make (shapes, routes) the drawing as one undo step; None keeps that part as it is."""
        after = (self.shapes if shapes is None else shapes,
                 self.routes if routes is None else routes)
        if after == (self.shapes, self.routes):
            return
        self._undo = [*self._undo[-HISTORY + 1:], (self.shapes, self.routes)]
        self._redo = []
        self.shapes, self.routes = after

    def preview(self, shapes: tuple[Shape, ...]) -> None:
        """Show an edit in progress without recording it."""
        self.shapes = shapes

    def commit(self, before: tuple[Shape, ...]) -> None:
        """Record what changed since ``before`` as one undo step."""
        after, self.shapes = self.shapes, before
        self._set(after)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        if self._undo:
            self._redo.append((self.shapes, self.routes))
            self.shapes, self.routes = self._undo.pop()

    def redo(self) -> None:
        if self._redo:
            self._undo.append((self.shapes, self.routes))
            self.shapes, self.routes = self._redo.pop()

    # -- shapes -------------------------------------------------------------------------------
    def get(self, shape_id: str) -> Shape | None:
        return next((s for s in self.shapes if s.id == shape_id), None)

    @staticmethod
    def new_id(kind: Kind) -> str:
        """An id no earlier version of any camera used: a new line or zone never carries on the
        totals of one drawn before it (counts are kept per shape id)."""
        return f"{kind}-{uuid.uuid4().hex[:8]}"

    def _new_name(self, kind: Kind) -> str:
        template = self.name_templates[kind]
        used = {s.name for s in self.shapes}
        n = sum(s.kind == kind for s in self.shapes) + 1
        while template.format(n=n) in used:
            n += 1
        return template.format(n=n)

    def add(self, kind: Kind, points: list[Point]) -> Shape:
        color = MASK_COLOR if kind == "mask" else PALETTE[len(self.shapes) % len(PALETTE)]
        shape = Shape(kind, self.new_id(kind), self._new_name(kind), color, tuple(points))
        self._set((*self.shapes, shape))
        return shape

    def change(self, shape_id: str, **fields: object) -> None:
        self._set(self.with_change(shape_id, **fields))

    def with_change(self, shape_id: str, **fields: object) -> tuple[Shape, ...]:
        return tuple(replace(s, **fields) if s.id == shape_id else s for s in self.shapes)  # type: ignore[arg-type]

    def delete(self, shape_id: str) -> None:
        """Delete a shape and the routes through it (``routes_through`` says which), as one
        undo step: a route never names a shape that is gone."""
        self._set(tuple(s for s in self.shapes if s.id != shape_id),
                  tuple(r for r in self.routes if r not in self.routes_through(shape_id)))

    def flip(self, shape_id: str) -> None:
        """Swap a line's ends: what counted as "in" now counts as "out"."""
        shape = self.get(shape_id)
        if shape is not None and shape.kind == "line":
            self.change(shape_id, points=shape.points[::-1])

    def insert_point(self, shape_id: str, index: int, p: Point) -> None:
        shape = self.get(shape_id)
        if shape is not None and shape.kind in POLYGONS:
            self.change(shape_id, points=(*shape.points[:index], p, *shape.points[index:]))

    def delete_point(self, shape_id: str, index: int) -> str | None:
        """Remove a zone's or mask's corner; returns why not when it would leave fewer than 3."""
        shape = self.get(shape_id)
        if shape is None or shape.kind not in POLYGONS:
            return "only a zone's corners can be deleted; a line always has two ends"
        if len(shape.points) <= 3:
            return (f"{shape.kind} {shape.label!r} needs at least 3 points; "
                    f"delete the {shape.kind} instead")
        self.change(shape_id, points=shape.points[:index] + shape.points[index + 1:])
        return None

    def moved(self, shape: Shape, dx: float, dy: float) -> tuple[Point, ...]:
        """``shape``'s points moved by (dx, dy), held inside the frame."""
        xs, ys = [p[0] for p in shape.points], [p[1] for p in shape.points]
        dx = min(max(dx, -min(xs)), self.width - max(xs))
        dy = min(max(dy, -min(ys)), self.height - max(ys))
        return tuple((x + dx, y + dy) for x, y in shape.points)

    def clamp(self, p: Point) -> Point:
        return min(max(p[0], 0.0), float(self.width)), min(max(p[1], 0.0), float(self.height))

    # -- routes -------------------------------------------------------------------------------
    def _route(self, route_id: str, name: str, steps: list[tuple[str, str]],
               within_seconds: float, classes: tuple[str, ...]) -> RouteDef:
        counting = {s.id for s in self.shapes if s.kind != "mask"}
        if gone := [sid for sid, _ in steps if sid not in counting]:
            # what the zone set would refuse on Save, said now, while the route is being edited
            raise ValueError(i18n.say(say("route_shape_not_here", shapes=", ".join(map(repr, gone))),
                                      self.language))
        try:
            return RouteDef(id=route_id, name=name,
                            steps=[{"shape_id": sid, "direction": d} for sid, d in steps],
                            within_seconds=within_seconds, classes=list(classes))
        except ValidationError as exc:
            raise ValueError(self._message(exc)) from exc

    def get_route(self, route_id: str) -> RouteDef | None:
        return next((r for r in self.routes if r.id == route_id), None)

    def add_route(self, name: str, steps: list[tuple[str, str]], within_seconds: float,
                  classes: tuple[str, ...] = ()) -> RouteDef:
        """A route through ``steps`` ((shape id, "in" / "out" / "any"), in order), counting
        ``classes`` (none: every class); one undo step. Raises ValueError with the contract's
        reason when it is not one."""
        route = self._route(f"route-{uuid.uuid4().hex[:8]}", name, steps, within_seconds, classes)
        self._set(routes=(*self.routes, route))
        return route

    def edit_route(self, route_id: str, name: str, steps: list[tuple[str, str]],
                   within_seconds: float, classes: tuple[str, ...] = ()) -> RouteDef:
        """Replace a route's name, steps, time and classes in place (its id, which its counts
        are kept by, stays); one undo step. Raises ValueError as ``add_route`` does."""
        route = self._route(route_id, name, steps, within_seconds, classes)
        self._set(routes=tuple(route if r.id == route_id else r for r in self.routes))
        return route

    def delete_route(self, route_id: str) -> None:
        self._set(routes=tuple(r for r in self.routes if r.id != route_id))

    def routes_through(self, shape_id: str) -> list[RouteDef]:
        """The routes with a step on ``shape_id``."""
        return [r for r in self.routes if any(st.shape_id == shape_id for st in r.steps)]

    def route_text(self, route: RouteDef, words: dict[str, str] | None = None) -> str:
        """"Door A (in) → Door B (out)", by the shapes' names now; ``words`` names the
        directions in the reader's language."""
        labels = {s.id: s.label for s in self.shapes}
        words = words or {}
        return " → ".join(labels.get(st.shape_id, st.shape_id)
                          + ("" if st.direction == "any"
                             else f" ({words.get(st.direction, st.direction)})")
                          for st in route.steps)

    # -- validation and output ----------------------------------------------------------------
    def _message(self, exc: ValidationError) -> str:
        """The contract's reasons in the draft's language; one of pydantic's own checks names
        its field (the shape's own refusals name the shape)."""
        parts = []
        for field, phrase in phrases_of(exc):
            text = i18n.say(phrase, self.language)
            field = ".".join(p for p in re.sub(r"\[\d+\]", "", field).split(".")
                             if p and p not in FIELDS.values())
            parts.append(f"{field}: {text}" if field and phrase.code in FIELD_CHECKS else text)
        return "; ".join(parts)

    def errors(self) -> dict[str, str]:
        """Why each faulty shape would be refused, by shape id."""
        out: dict[str, str] = {}
        seen: set[str] = set()
        for s in self.shapes:
            try:
                ZoneSet(camera_id=self.camera_id, frame_width=self.width, frame_height=self.height,
                        **{FIELDS[s.kind]: [s.as_dict()]})
            except ValidationError as exc:
                out[s.id] = self._message(exc)
            if s.id in seen:
                out.setdefault(s.id, i18n.say(say("shape_id_twice", id=s.id), self.language))
            seen.add(s.id)
        return out

    def zone_set(self, version: int) -> ZoneSet:
        """The shapes as a ZoneSet; raises ValueError with the reasons when any is faulty."""
        if errors := self.errors():
            raise ValueError("; ".join(errors.values()))  # each names its shape
        return ZoneSet(
            camera_id=self.camera_id, version=version, frame_width=self.width,
            frame_height=self.height, **self.settings,
            **{field: [s.as_dict() for s in self.shapes if s.kind == kind]
               for kind, field in FIELDS.items()},
            routes=[r.model_dump() for r in self.routes])

    def export_json(self) -> str:
        """The drawing as a file, numbered as the version it would be saved as (a draft: only
        analytics gives out versions, and imports ignore the number)."""
        return self.zone_set(self.base_version + 1).model_dump_json(indent=2)

    def import_json(self, text: str) -> None:
        """Take the shapes of a ZoneSet file (as ``count-video --zones`` reads), scaled to this
        frame; one undo step. Raises ValueError saying what is wrong with the file."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(i18n.say(say("zones_file_not_json", error=str(exc)),
                                      self.language)) from exc
        if not isinstance(raw, dict):
            raise ValueError(i18n.say(say("zones_file_not_object"), self.language))
        raw["camera_id"] = self.camera_id
        raw.setdefault("frame_width", self.width)
        raw.setdefault("frame_height", self.height)
        try:
            zs = ZoneSet.model_validate(raw).scaled_to(self.width, self.height)
        except ValidationError as exc:
            raise ValueError(self._message(exc)) from exc
        self.settings = {k: getattr(zs, k) for k in SETTINGS}
        # a shape of the file that the stored version does not have is a new one: a new id
        ids = {d.id: d.id if d.id in self.base_ids else self.new_id(d.kind)
               for d in [*zs.lines, *zs.zones, *zs.privacy_masks]}
        self._set(tuple(replace(s, id=ids[s.id])
                        for s in map(Shape.of, [*zs.lines, *zs.zones, *zs.privacy_masks])),
                  tuple(r.model_copy(update={"steps": [
                      st.model_copy(update={"shape_id": ids[st.shape_id]}) for st in r.steps]})
                      for r in zs.routes))
