"""A read-only HTTP API over the analytics worker's queries, for spreadsheets and BI tools.

``camcount-worker analytics --http [HOST:]PORT`` serves the answers the console gets over
``rpc.analytics`` (cameras with their lines and zones, series per bucket in a time zone,
occupancy, totals, recent alerts) as JSON or CSV, with an OpenAPI description at
``/api/v1/openapi.json``. Every data path needs the token (``Authorization: Bearer …``, or
``?token=`` for tools that cannot send headers); it comes from ``CAMCOUNT_API_TOKEN`` or the OS
keyring (service ``camcount-api``, user ``token``) and is never logged. Without a host the API
listens on loopback only.

Queries run on the worker's own ``QueryService`` (same process, same database), so the API and
the console always agree.

A refused request is answered 400 with ``error``, one sentence per fault in the site's language
(the stored site settings', as the reports), and ``problems``, each fault's field, code and values
for a program to read (the same in every language).
"""

from __future__ import annotations

import csv
import hmac
import io
import ipaddress
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, ValidationError

from workers import __version__, i18n
from workers.alerting import store as alerting_store
from workers.analytics.queries import QueryService
from workers.analytics.route_matrix import route_matrix
from workers.bus import Bus, PermanentError
from workers.contracts.phrases import Phrase, phrases_of, say
from workers.contracts.queries import (
    AlertsQuery,
    AlertsReply,
    CamerasQuery,
    OccupancyQuery,
    OccupancyReply,
    SeriesQuery,
    SeriesReply,
    SiteOccupancyQuery,
    SiteOccupancyReply,
    SitesQuery,
    SitesReply,
    TotalsQuery,
    TotalsReply,
    ZoneSetQuery,
)
from workers.contracts.routes import RoutesQuery, RoutesReply

log = logging.getLogger(__name__)

ENV_TOKEN = "CAMCOUNT_API_TOKEN"
KEYRING_SERVICE = "camcount-api"
PREFIX = "/api/v1"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiConfigError(ValueError):
    pass


def parse_address(value: str) -> tuple[str, int]:
    """``PORT`` (loopback), ``HOST:PORT`` or ``[v6]:PORT``."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise ApiConfigError(f"--http {value!r}: give PORT or HOST:PORT") from None
    if not 0 <= number <= 65535:
        raise ApiConfigError(f"--http {value!r}: port out of range")
    return host, number


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_from_environment() -> str:
    token = os.environ.get(ENV_TOKEN)
    if not token:
        try:
            import keyring
            from keyring.errors import KeyringError

            try:
                token = keyring.get_password(KEYRING_SERVICE, "token")
            except KeyringError:
                token = None
        except ImportError:  # pragma: no cover - a frozen build may drop keyring
            token = None
    if not token or len(token) < 16:
        raise ApiConfigError(f"the counts API needs a token of 16 characters or more: put it in "
                             f"{ENV_TOKEN} or the OS keyring (service {KEYRING_SERVICE!r}, user "
                             "'token')")
    return token


class BadRequest(Exception):
    """A parameter the API refuses, said as a phrase (``workers.contracts.phrases``)."""

    def __init__(self, phrase: Phrase, field: str = ""):
        super().__init__(phrase.english())
        self.phrase, self.field = phrase, field


class CountsApi:
    def __init__(self, queries: QueryService, token: str, host: str = "127.0.0.1",
                 port: int = 8080):
        self.queries, self.host, self.port = queries, host, port
        self._token = token.encode()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{PREFIX}"

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors, self._auth])
        for path, handler in (("/cameras", self.cameras), ("/series", self.series),
                              ("/occupancy", self.occupancy), ("/totals", self.totals),
                              ("/routes", self.routes), ("/sites", self.sites),
                              ("/site-occupancy", self.site_occupancy),
                              ("/alerts", self.alerts), ("/openapi.json", self.openapi)):
            app.router.add_get(PREFIX + path, handler)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)  # URLs may carry the token
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        log.info("counts API on %s%s", self.url,
                 "" if is_loopback(self.host) else " (reachable from other machines)")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- middleware ---------------------------------------------------------------------------
    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == PREFIX + "/openapi.json":
            return await handler(request)
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() \
            or request.query.get("token", "")
        if not given or not hmac.compare_digest(given.encode(), self._token):
            return web.json_response(
                _refusal(await self._language(), [("", say("api_token_required"))]),
                status=401, headers={"WWW-Authenticate": "Bearer"})
        return await handler(request)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except BadRequest as exc:
            return web.json_response(_refusal(await self._language(), [(exc.field, exc.phrase)]),
                                     status=400)
        except ValidationError as exc:
            return web.json_response(_refusal(await self._language(), phrases_of(exc)),
                                     status=400)

    async def _language(self) -> str:
        """The site's language (the stored alerting settings'; English before there are any)."""
        try:
            versioned = await alerting_store.current(self.queries.db)
        except Exception:  # an unreachable database must not turn a 400 into a 500
            log.debug("site language unknown, answering in English", exc_info=True)
            return "en"
        return versioned.config.language if versioned is not None else "en"

    # -- endpoints ----------------------------------------------------------------------------
    async def cameras(self, request: web.Request) -> web.StreamResponse:
        listed = await self.queries.cameras(CamerasQuery(
            include_removed=_flag(request, "include_removed")))
        cameras = []
        for c in listed.cameras:
            zones = (await self.queries.zone_set(ZoneSetQuery(camera_id=c.camera_id))).zone_set
            cameras.append({
                "camera_id": c.camera_id, "name": c.name, "enabled": c.enabled,
                "zones_version": c.zones_version, "removed_at": c.removed_at,
                "lines": [{"id": ln.id, "name": ln.label} for ln in zones.lines] if zones else [],
                "zones": [{"id": z.id, "name": z.label} for z in zones.zones] if zones else []})
        rows = [{"camera_id": c["camera_id"], "camera_name": c["name"], "kind": kind,
                 "shape_id": s["id"], "shape_name": s["name"]}
                for c in cameras for kind in ("line", "zone") for s in c[f"{kind}s"]]
        return _answer(request, {"cameras": cameras}, rows,
                       ["camera_id", "camera_name", "kind", "shape_id", "shape_name"])

    async def series(self, request: web.Request) -> web.StreamResponse:
        reply: SeriesReply = await self.queries.series(SeriesQuery(**self._range(request)))
        rows = [{"camera_id": reply.camera_id, "period": reply.period, "label": p.label,
                 "start": p.start.isoformat(), "end": p.end.isoformat(), "count_in": p.count_in,
                 "count_out": p.count_out, "mean_dwell_seconds": p.mean_dwell_seconds}
                for p in reply.points]
        return _answer(request, reply, rows, list(rows[0]) if rows else ["label"])

    async def occupancy(self, request: web.Request) -> web.StreamResponse:
        fields = self._range(request)
        fields.pop("shape_kind", None)
        reply: OccupancyReply = await self.queries.occupancy(OccupancyQuery(**fields))
        rows = [{"camera_id": reply.camera_id, "period": reply.period, "label": p.label,
                 "start": p.start.isoformat(), "end": p.end.isoformat(), "at_end": p.at_end,
                 "peak": p.peak, "corrected": p.corrected} for p in reply.points]
        return _answer(request, reply, rows, list(rows[0]) if rows else ["label"])

    async def sites(self, request: web.Request) -> web.StreamResponse:
        reply: SitesReply = await self.queries.site_list(SitesQuery())
        rows = [{"site_id": s.id, "name": s.name,
                 "doors": " ".join(f"{d.camera_id}/{d.line_id}:{d.entering}" for d in s.doors),
                 "zones": " ".join(f"{z.camera_id}/{z.zone_id}" for z in s.zones),
                 "max_occupancy": s.max_occupancy} for s in reply.sites]
        return _answer(request, reply, rows, ["site_id", "name", "doors", "zones",
                                              "max_occupancy"])

    async def site_occupancy(self, request: web.Request) -> web.StreamResponse:
        if not request.query.get("site"):
            raise BadRequest(say("missing"), "site")
        fields = self._range(request, camera=False)
        for unused in ("shape_id", "shape_kind"):
            fields.pop(unused)
        try:
            reply: SiteOccupancyReply = await self.queries.site_occupancy(
                SiteOccupancyQuery(site_id=request.query["site"], **fields))
        except PermanentError:  # no such site
            raise BadRequest(say("site_unknown", site=request.query["site"]), "site") from None
        rows = [{"site_id": reply.site_id, "name": reply.name, "period": reply.period,
                 "label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(),
                 "at_end": p.at_end, "peak": p.peak, "corrected": p.corrected,
                 "max_occupancy": reply.max_occupancy} for p in reply.points]
        return _answer(request, reply, rows, list(rows[0]) if rows else ["label"])

    async def totals(self, request: web.Request) -> web.StreamResponse:
        tz = self._tz(request)
        reply: TotalsReply = await self.queries.totals(TotalsQuery(
            camera_id=request.query.get("camera") or None,
            since=_when(request, "since", tz), until=_when(request, "until", tz)))
        if reply.until <= reply.since:
            raise BadRequest(say("until_before_since"), "until")
        names: dict[str, dict[str, str]] = {}
        for cam in {r.camera_id for r in reply.rows}:
            zones = (await self.queries.zone_set(ZoneSetQuery(camera_id=cam))).zone_set
            names[cam] = ({s.id: s.label for s in [*zones.lines, *zones.zones, *zones.routes]}
                          if zones else {})
        rows = [{"camera_id": r.camera_id, "kind": r.kind, "shape_id": r.shape_id,
                 "shape_name": names[r.camera_id].get(r.shape_id, r.shape_id),
                 "class_name": r.class_name, "count_in": r.count_in, "count_out": r.count_out,
                 "since": reply.since.isoformat(), "until": reply.until.isoformat()}
                for r in reply.rows]
        return _answer(request, {"since": reply.since, "until": reply.until, "rows": rows}, rows,
                       ["camera_id", "kind", "shape_id", "shape_name", "class_name", "count_in",
                        "count_out", "since", "until"])

    async def routes(self, request: web.Request) -> web.StreamResponse:
        tz = self._tz(request)
        q = request.query
        for required in ("camera", "start", "end"):
            if not q.get(required):
                raise BadRequest(say("missing"), required)
        reply: RoutesReply = await route_matrix(self.queries.db, RoutesQuery(
            camera_id=q["camera"], since=_when(request, "start", tz),
            until=_when(request, "end", tz), class_name=q.get("class") or None))
        rows = [{"camera_id": reply.camera_id, **r.model_dump(), "start": reply.since.isoformat(),
                 "end": reply.until.isoformat()} for r in reply.rows]
        return _answer(request, reply, rows, [
            "camera_id", "route_id", "name", "origin", "origin_name", "destination",
            "destination_name", "class_name", "count", "mean_transit_seconds", "start", "end"])

    async def alerts(self, request: web.Request) -> web.StreamResponse:
        try:
            limit = int(request.query.get("limit", "50"))
        except ValueError:
            raise BadRequest(say("int_parsing"), "limit") from None
        reply: AlertsReply = await self.queries.alerts(AlertsQuery(
            camera_id=request.query.get("camera") or None, limit=limit,
            unacknowledged_only=_flag(request, "unacknowledged")))
        rows = [{"alert_id": a.alert_id, "raised_at": a.raised_at.isoformat(),
                 "severity": a.severity, "camera_id": a.camera_id, "zone_id": a.zone_id,
                 "message": a.data.get("message", ""), "acknowledged_by": a.acknowledged_by,
                 "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None}
                for a in reply.alerts]
        return _answer(request, reply, rows, ["alert_id", "raised_at", "severity", "camera_id",
                                              "zone_id", "message", "acknowledged_by",
                                              "acknowledged_at"])

    async def openapi(self, _: web.Request) -> web.StreamResponse:
        from workers.analytics.openapi import describe

        return web.json_response(describe(__version__, self.queries.timezone))

    # -- parameters ---------------------------------------------------------------------------
    def _tz(self, request: web.Request) -> ZoneInfo:
        name = request.query.get("tz") or self.queries.timezone
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            raise BadRequest(say("unknown_time_zone", name=name), "tz") from None

    def _range(self, request: web.Request, *, camera: bool = True) -> dict[str, Any]:
        tz = self._tz(request)
        q = request.query
        for required in ("camera", "start", "end")[0 if camera else 1:]:
            if not q.get(required):
                raise BadRequest(say("missing"), required)
        return {**({"camera_id": q["camera"]} if camera else {}), "period": q.get("period", "hourly"),
                "start": _when(request, "start", tz), "end": _when(request, "end", tz),
                "shape_id": q.get("shape") or None, "shape_kind": q.get("kind") or None,
                "class_name": q.get("class") or None, "timezone": str(tz)}


def _when(request: web.Request, name: str, tz: ZoneInfo) -> datetime | None:
    """ISO-8601 date or date-time; without an offset it is a local time in ``tz``."""
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw.replace(" ", "+") if "T" in raw else raw)
    except ValueError:
        raise BadRequest(say("api_not_a_date", value=raw), name) from None
    return at if at.tzinfo else at.replace(tzinfo=tz)


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("1", "true", "yes")


def _refusal(lang: str, problems: list[tuple[str, Phrase]]) -> dict[str, Any]:
    """A refusal's body: the sentences in ``lang``, and each fault for programs."""
    return {"error": "; ".join(f"{field}: {i18n.say(p, lang)}" if field else i18n.say(p, lang)
                               for field, p in problems),
            "problems": [{"field": field, "code": p.code, "params": p.model_dump(mode="json")[
                "params"]} for field, p in problems]}


def _answer(request: web.Request, body: BaseModel | dict[str, Any], rows: list[dict[str, Any]],
            columns: list[str]) -> web.StreamResponse:
    wants_csv = request.query.get("format") == "csv" or (
        "format" not in request.query and "text/csv" in request.headers.get("Accept", ""))
    if not wants_csv:
        data = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
        return web.json_response(data, dumps=_dumps)
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    name = request.path.rsplit("/", 1)[-1]
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _dumps(data: Any) -> str:
    import json

    return json.dumps(data, default=lambda o: o.isoformat() if isinstance(o, datetime) else str(o))


class WithCountsApi:
    """The analytics worker with the counts API beside it: started after it, stopped before."""

    def __init__(self, worker: Any, api_address: tuple[str, int], token: str):
        self.worker = worker
        self.role = worker.role
        self.api = CountsApi(worker.queries, token, *api_address)

    async def start(self, bus: Bus) -> None:
        await self.worker.start(bus)
        await self.api.start()

    async def stop(self) -> None:
        await self.api.stop()
        await self.worker.stop()

    def stats(self) -> dict[str, Any]:
        return {**self.worker.stats(), "counts_api": self.api.url}
