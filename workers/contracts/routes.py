"""The origin → destination matrix of a camera's routes (``routes`` on ``rpc.analytics``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from workers.contracts.phrases import refuse


class RoutesQuery(BaseModel):
    """Route completions of one camera in [since, until), per route and class."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["routes"] = "routes"
    camera_id: str = Field(min_length=1)
    since: AwareDatetime
    until: AwareDatetime
    class_name: str | None = None

    @model_validator(mode="after")
    def _range(self) -> RoutesQuery:
        if self.until <= self.since:
            raise refuse("until_before_since")
        return self


class RouteRow(BaseModel):
    route_id: str
    #: the route's name in the camera's newest zone set (its id when it has none or is gone)
    name: str
    origin: str
    destination: str
    origin_name: str
    destination_name: str
    class_name: str
    count: int
    mean_transit_seconds: float | None


class RoutesReply(BaseModel):
    camera_id: str
    since: datetime
    until: datetime
    rows: list[RouteRow]

    def matrix(self) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
        return matrix(self.rows)


def matrix(rows: list[RouteRow]) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Origin names (rows), destination names (columns) and the count of each pair, every
    class together; the busiest door first, in the same order on both sides."""
    cells: dict[tuple[str, str], int] = {}
    traffic: dict[str, int] = {}
    for r in rows:
        key = (r.origin_name, r.destination_name)
        cells[key] = cells.get(key, 0) + r.count
        for name in key:
            traffic[name] = traffic.get(name, 0) + r.count
    order = sorted(traffic, key=lambda name: (-traffic[name], name))
    return ([n for n in order if any(o == n for o, _ in cells)],
            [n for n in order if any(d == n for _, d in cells)], cells)


def mean_transits(rows: list[RouteRow]) -> list[tuple[str, int, float]]:
    """(route name, people, mean transit seconds) per route, every class together."""
    acc: dict[str, list[float]] = {}
    for r in rows:
        a = acc.setdefault(r.name, [0, 0.0])
        a[0] += r.count
        a[1] += (r.mean_transit_seconds or 0.0) * r.count
    return [(name, int(n), t / n if n else 0.0) for name, (n, t) in acc.items()]
