"""Sites: a named place with several doors, maybe on several cameras, and/or zones.

A door is a counting line of a camera and the direction of its crossings that means *entering*
(the other one leaves); a zone counts with its own entries and exits. Inside = entries minus
exits over all of them, kept true by the site's own ``OccupancySettings`` (closing-time reset,
never below zero, average visit) as a zone's is, with an optional maximum occupancy that the
site's alert rules use when they name no limit of their own. Stored by the analytics worker
(``sites`` table), edited by admins over ``rpc.analytics`` (``SaveSite``, ``DeleteSite``), read
by anyone (``SitesQuery``).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workers.contracts.alerting import Id
from workers.contracts.zones import OccupancySettings

#: ``SystemEvent(event_type="config").data["config"]`` when the stored sites changed
SITES_CONFIG = "sites"


class SiteDoor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera_id: str = Field(min_length=1)
    line_id: str = Field(min_length=1)
    #: the crossing direction of this line that enters the site
    entering: Literal["in", "out"] = "in"


class SiteZone(BaseModel):
    """A zone of a camera inside the site: its entries add people, its exits remove them."""

    model_config = ConfigDict(extra="forbid")

    camera_id: str = Field(min_length=1)
    zone_id: str = Field(min_length=1)


class Site(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    name: str = Field(min_length=1, max_length=200)
    doors: list[SiteDoor] = Field(default_factory=list, max_length=64)
    zones: list[SiteZone] = Field(default_factory=list, max_length=64)
    occupancy: OccupancySettings = Field(default_factory=OccupancySettings)
    #: the most people allowed inside (None: no limit set)
    max_occupancy: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _something_counts(self) -> Self:
        if not self.doors and not self.zones:
            raise ValueError(f"site {self.name!r} has no door and no zone: nothing would count "
                             "who is inside")
        doors = [(d.camera_id, d.line_id) for d in self.doors]
        if len(set(doors)) != len(doors):
            raise ValueError(f"site {self.name!r} lists a door twice")
        return self

    def cameras(self) -> set[str]:
        return {d.camera_id for d in self.doors} | {z.camera_id for z in self.zones}
