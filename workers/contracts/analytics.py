"""Analytics jobs and report requests, in the seed's shape."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workers.contracts.base import Contract
from workers.contracts.phrases import Phrase, refuse

Period = Literal["hourly", "daily", "weekly", "monthly"]


def _check_tz(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise refuse("unknown_time_zone", name=v) from exc
    return v


class TimeRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end <= self.start:
            raise refuse("end_before_start")
        return self


class JobParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aggregation_level: Literal["camera", "zone", "class"] = "zone"
    include_zones: bool = True
    timezone: str = "UTC"

    _tz = field_validator("timezone")(_check_tz)


class AnalyticsJob(Contract):
    type_name: ClassVar[str] = "analytics_job"

    job_type: Literal["hourly_aggregation", "daily_aggregation", "weekly_aggregation",
                      "monthly_aggregation"]
    camera_id: str = Field(min_length=1)
    time_range: TimeRange
    parameters: JobParameters = Field(default_factory=JobParameters)

    @property
    def period(self) -> Period:
        return self.job_type.removesuffix("_aggregation")  # type: ignore[return-value]


class ReportParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_charts: bool = True
    timezone: str = "UTC"

    _tz = field_validator("timezone")(_check_tz)


class ReportRequest(Contract):
    type_name: ClassVar[str] = "report_request"

    report_id: str = Field(default="", description="defaults to message_id")
    report_type: Literal["daily_summary", "weekly_summary", "monthly_summary", "custom"]
    format: Literal["pdf", "csv"]
    camera_ids: list[str] = Field(min_length=1)
    date_range: TimeRange
    #: email targets (configured ids) the finished report is mailed to: the notifier sends it to
    #: their stored recipients, never to addresses a request carries
    targets: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list)
    parameters: ReportParameters = Field(default_factory=ReportParameters)

    @model_validator(mode="after")
    def _default_id(self) -> ReportRequest:
        if not self.report_id:
            self.report_id = self.message_id
        return self


class ReportProgress(Contract):
    type_name: ClassVar[str] = "report_progress"

    report_id: str
    state: Literal["queued", "running", "done", "failed"]
    percent: float = Field(ge=0, le=100)
    #: what is happening, in English (logs, older consoles)
    detail: str = ""
    #: the same as a code and values, which a console says in its language
    detail_phrase: Phrase | None = None
    #: where the finished file is stored (done only)
    path: str | None = None
