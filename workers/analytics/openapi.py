"""The OpenAPI 3.1 description of the counts API (``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

from workers.contracts.queries import (
    AlertsReply,
    OccupancyReply,
    SeriesReply,
    SiteOccupancyReply,
    SitesReply,
)
from workers.contracts.routes import RoutesReply

_CAMERA = {"name": "camera", "in": "query", "required": True, "schema": {"type": "string"},
           "description": "camera id (see /cameras)"}
_TZ = {"name": "tz", "in": "query", "schema": {"type": "string"},
       "description": "IANA time zone of the buckets and of times given without an offset "
                      "(default: the worker's)"}
_FORMAT = {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]},
           "description": "csv for spreadsheets (or send Accept: text/csv)"}


def _time(name: str, required: bool, what: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": what,
            "schema": {"type": "string", "examples": ["2026-06-10", "2026-06-10T08:00+02:00"]}}


def _range(shape_kind: bool) -> list[dict[str, Any]]:
    params = [_CAMERA,
              {"name": "period", "in": "query",
               "schema": {"enum": ["hourly", "daily", "weekly", "monthly"], "default": "hourly"}},
              _time("start", True, "first bucket contains this moment"),
              _time("end", True, "end of the range (after start)"),
              {"name": "shape", "in": "query", "schema": {"type": "string"},
               "description": "one line or zone id"},
              {"name": "class", "in": "query", "schema": {"type": "string"},
               "description": "one COCO class, e.g. person"}, _TZ, _FORMAT]
    if shape_kind:
        params.insert(4, {"name": "kind", "in": "query", "schema": {"enum": ["line", "zone"]},
                          "description": "only lines (crossings) or only zones (entries/exits)"})
    return params


def _get(summary: str, params: list[dict[str, Any]], schema: dict[str, Any],
         csv_columns: str) -> dict[str, Any]:
    return {"get": {
        "summary": summary, "parameters": params,
        "responses": {
            "200": {"description": "OK", "content": {
                "application/json": {"schema": schema},
                "text/csv": {"schema": {"type": "string"},
                             "example": csv_columns}}},
            "400": {"description": "a parameter is wrong; the message says which and why",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "401": {"description": "no token, or a wrong one"}}}}


def _schemas(ref: str) -> dict[str, Any]:
    out: dict[str, Any] = {"Error": {"type": "object", "properties": {"error": {"type": "string"}}}}
    for model in (SeriesReply, OccupancyReply, SiteOccupancyReply, SitesReply, AlertsReply,
                  RoutesReply):
        schema = model.model_json_schema(ref_template=ref + "{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


def describe(version: str, timezone: str) -> dict[str, Any]:
    ref = "#/components/schemas/"
    return {
        "openapi": "3.1.0",
        "info": {"title": "CamCount counts API", "version": version,
                 "description": "Read-only counts for spreadsheets and BI tools. Buckets are in "
                                f"the time zone given by tz (default {timezone})."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "paths": {
            "/cameras": _get("Cameras with their lines and zones",
                             [{"name": "include_removed", "in": "query",
                               "schema": {"type": "boolean"}}, _FORMAT],
                             {"type": "object"}, "camera_id,camera_name,kind,shape_id,shape_name"),
            "/series": _get("In/out counts per bucket", _range(True), {"$ref": ref + "SeriesReply"},
                            "camera_id,period,label,start,end,count_in,count_out,"
                            "mean_dwell_seconds"),
            "/occupancy": _get("People in a camera's zones per bucket", _range(False),
                               {"$ref": ref + "OccupancyReply"},
                               "camera_id,period,label,start,end,at_end,peak,corrected"),
            "/sites": _get("The stored sites: doors, zones and occupancy settings", [_FORMAT],
                           {"$ref": ref + "SitesReply"},
                           "site_id,name,doors,zones,max_occupancy"),
            "/site-occupancy": _get(
                "People inside a stored site per bucket, raw and corrected",
                [{"name": "site", "in": "query", "required": True,
                  "schema": {"type": "string"}, "description": "site id (see /sites)"},
                 *[p for p in _range(False) if p["name"] not in ("camera", "shape")]],
                {"$ref": ref + "SiteOccupancyReply"},
                "site_id,name,period,label,start,end,at_end,peak,corrected,max_occupancy"),
            "/routes": _get("People per route (origin -> destination) of a camera in [start, end)",
                            [_CAMERA, _time("start", True, "start of the range"),
                             _time("end", True, "end of the range (after start)"),
                             {"name": "class", "in": "query", "schema": {"type": "string"},
                              "description": "one COCO class, e.g. person"}, _TZ, _FORMAT],
                            {"$ref": ref + "RoutesReply"},
                            "camera_id,route_id,name,origin,origin_name,destination,"
                            "destination_name,class_name,count,mean_transit_seconds,start,end"),
            "/totals": _get("In/out per camera, line or zone and class in [since, until)",
                            [{**_CAMERA, "required": False},
                             _time("since", False, "default: local midnight"),
                             _time("until", False, "default: now"), _TZ, _FORMAT],
                            {"type": "object"},
                            "camera_id,kind,shape_id,shape_name,class_name,count_in,count_out,"
                            "since,until"),
            "/alerts": _get("Recent alerts, newest first",
                            [{**_CAMERA, "required": False},
                             {"name": "unacknowledged", "in": "query",
                              "schema": {"type": "boolean"}},
                             {"name": "limit", "in": "query",
                              "schema": {"type": "integer", "minimum": 1, "maximum": 1000,
                                         "default": 50}}, _FORMAT],
                            {"$ref": ref + "AlertsReply"},
                            "alert_id,raised_at,severity,camera_id,zone_id,message,"
                            "acknowledged_by,acknowledged_at"),
        },
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "or ?token= for tools without headers"}},
            "schemas": _schemas(ref),
        },
    }
