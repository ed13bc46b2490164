"""Sentences for people as a stable code and its values, so each reader gets them in their language.

A validator refuses with ``raise refuse(code, **values)``: pydantic keeps the code as the error's
``type`` and the values as its ``ctx``, and writes the English sentence as ``msg`` (what logs,
dead-letter reasons and an older console read). A worker's status for people (a camera's detail,
why the detector fell back, a download's failure) carries a ``Phrase``, the code and values beside
the English text it also sends.

Translation happens where a person reads the sentence, never here: ``workers.i18n.say`` and
``explain`` in the language of whoever reads (the console's, the site's). The templates below are
the catalog's source (``python -m workers.i18n extract`` reads them); a value may be a ``Phrase``
itself ("<why>; retrying in 4 s"), translated in its turn.
"""

from __future__ import annotations

import re
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError


def N_(text: str) -> str:
    """Marks a template for the catalog (``workers.i18n.N_``, which this package cannot import)."""
    return text


PHRASES: dict[str, str] = {
    # -- lines, zones, masks and routes (workers/contracts/zones.py, the zone editor) ----------
    "line_points_same": N_("'%(label)s': the line's two points are the same; a line needs two "
                           "distinct points"),
    "polygon_too_few_points": N_("'%(label)s': a polygon needs at least 3 points, got %(count)s"),
    "polygon_edges_cross": N_("'%(label)s': edges %(first)s and %(second)s cross; the outline "
                              "must not cross itself"),
    "polygon_flat": N_("'%(label)s': its points are in a line; it needs an area"),
    "shape_id_twice": N_("two shapes share the id '%(id)s'; ids must be unique per camera"),
    "point_outside_frame": N_("'%(label)s': point (%(x)s, %(y)s) lies outside the "
                              "%(width)sx%(height)s frame"),
    "route_id_taken": N_("route '%(label)s': the id '%(id)s' is taken; ids must be unique per "
                         "camera"),
    "route_step_unknown": N_("route '%(label)s': step %(step)s names '%(shape)s', which is no "
                             "line or zone of this camera"),
    "zones_file_not_json": N_("not JSON: %(error)s"),
    "zones_file_not_object": N_("the file must hold one JSON object (a zone set)"),
    "route_shape_not_here": N_("%(shapes)s is not a line or zone drawn here"),
    # -- a stored zone set refused (workers/analytics/zone_store.py), said in the zone editor --
    "zones_none_stored": N_("camera %(camera)s has no stored zones yet: the first version is 1, "
                            "not %(version)s"),
    "zones_version_taken": N_("version %(version)s is stored already with other shapes, and the "
                              "newest stored zones of camera %(camera)s are version %(latest)s: "
                              "load them and draw on them"),
    "zones_drawn_on_old": N_("these were drawn on version %(base)s, and the newest stored zones "
                             "of camera %(camera)s are version %(latest)s: load them and draw on "
                             "them"),
    "zones_id_retired": N_("%(ids)s: the id of a line or zone that an earlier version removed; a "
                           "new shape needs a new id, or it would carry on the old one's totals"),
    "zones_stored_meanwhile": N_("zones version %(version)s of camera %(camera)s was stored "
                                 "meanwhile"),
    # -- cameras, queries, alerting -------------------------------------------------------------
    "site_unknown": N_("no site '%(site)s' is stored"),
    "site_gone": N_("no site '%(site)s' is stored (deleted meanwhile?)"),
    "site_id_taken": N_("a site with the id '%(id)s' exists already"),
    "site_name_taken": N_("a site named '%(name)s' exists already"),
    "imgsz_steps": N_("an input size is a multiple of %(step)s from %(low)s to %(high)s, not "
                      "%(value)s"),
    "end_before_start": N_("end must be after start"),
    "until_before_since": N_("until must be after since"),
    "series_too_long": N_("a series of %(period)s buckets spans at most %(days)s days"),
    "heatmap_too_long": N_("a heatmap spans at most %(days)s days"),
    "unknown_time_zone": N_("unknown time zone '%(name)s'"),
    "crossings_needs_bound": N_("give 'above', 'below' or both"),
    "target_ids_twice": N_("target ids used twice: %(ids)s"),
    "rule_ids_twice": N_("rule ids used twice: %(ids)s"),
    "rule_unknown_targets": N_("rule '%(rule)s' names unknown targets: %(targets)s"),
    "email_needs_smtp": N_("email targets need an 'smtp' section"),
    # -- a stored alerting edit refused (workers/alerting/store.py), said in the admin forms ---
    "alerting_none_stored": N_("no alerting configuration is stored yet"),
    "alerting_busy": N_("the configuration is being changed by someone else: try again"),
    "alerting_no_sender": N_("the request does not say which broker account sent it (user_id): "
                             "nothing was saved"),
    "alert_rule_gone": N_("rule '%(id)s' no longer exists (removed by someone else): reload"),
    "alert_target_gone": N_("target '%(id)s' no longer exists (removed by someone else): reload"),
    "alert_rule_id_exists": N_("a rule with id '%(id)s' exists already"),
    "alert_target_id_exists": N_("a target with id '%(id)s' exists already"),
    "alert_rule_changed": N_("rule '%(id)s' was changed (version %(version)s) since you opened "
                             "it: reload and edit it again"),
    "alert_rule_changed_by": N_("rule '%(id)s' was changed by %(by)s (version %(version)s) since "
                                "you opened it: reload and edit it again"),
    "alert_target_changed": N_("target '%(id)s' was changed (version %(version)s) since you "
                               "opened it: reload and edit it again"),
    "alert_target_changed_by": N_("target '%(id)s' was changed by %(by)s (version %(version)s) "
                                  "since you opened it: reload and edit it again"),
    "alert_target_in_use": N_("target '%(id)s' is used by rules %(rules)s: take it out of them "
                              "first"),
    "alert_settings_changed": N_("settings were changed (version %(version)s) since you opened "
                                 "them: reload and edit them again"),
    "alert_settings_changed_by": N_("settings were changed by %(by)s (version %(version)s) since "
                                    "you opened them: reload and edit them again"),
    # -- pydantic's own checks, as said of the field they are shown with (``FIELD_CHECKS``) ---
    "missing": N_("a value is needed"),
    "string_too_short": N_("at least %(min_length)s characters are needed"),
    "string_too_long": N_("at most %(max_length)s characters"),
    "too_short": N_("give at least %(min_length)s"),
    "too_long": N_("give at most %(max_length)s"),
    "int_parsing": N_("a whole number is needed, e.g. 10"),
    "float_parsing": N_("a number is needed, e.g. 2.5"),
    "bool_parsing": N_("yes or no (true or false) is needed"),
    "greater_than": N_("must be more than %(gt)s"),
    "greater_than_equal": N_("must be %(ge)s or more"),
    "less_than": N_("must be less than %(lt)s"),
    "less_than_equal": N_("must be %(le)s at most"),
    "literal_error": N_("must be one of %(expected)s"),
    "string_pattern_mismatch": N_("does not match the pattern %(pattern)s"),
    "extra_forbidden": N_("no such setting"),
    "datetime_parsing": N_("a date and time is needed, e.g. 2026-06-10T08:00+02:00"),
    "timezone_aware": N_("the time needs its offset from UTC, e.g. +02:00"),
    "url_parsing": N_("not a web address (http:// or https://)"),
    "string_type": N_("text is needed"),
    #: a check without a sentence here: pydantic's English reason (not in the catalog)
    "invalid_value": "%(reason)s",
    # -- a typed request client's failure (workers/bus/client.py), said where the console asked -
    "request_not_allowed": N_("This broker account (%(user)s) may not ask the %(service)s worker. "
                              "Ask an admin, or connect with an admin account."),
    "request_refused": N_("The %(service)s worker refused: %(reason)s"),
    "request_no_answer": N_("No %(service)s worker answered within %(seconds)s s. Is one running "
                            "(camcount-worker %(service)s) on this broker?"),
    "request_unreachable": N_("No %(service)s worker could be asked (%(error)s). Is the broker "
                              "reachable?"),
    # -- the counts API (workers/analytics/http_api.py) -----------------------------------------
    "api_token_required": N_("a valid token is required: Authorization: Bearer <token>"),
    "api_not_a_date": N_("'%(value)s' is not an ISO-8601 date or date-time (e.g. 2026-06-10 or "
                         "2026-06-10T08:00+02:00)"),
    # -- camera sources (workers/camera), shown on tiles and in the camera list -----------------
    "source_needed": N_("a source is needed: rtsp://, http(s)://, a video file or a webcam "
                        "number"),
    "source_unknown_scheme": N_("%(source)s: unknown kind of address %(scheme)s; use rtsp://, "
                                "rtsps://, http://, https://, file:// or a file path"),
    "source_no_host": N_("%(source)s: no host name or address after %(scheme)s"),
    "source_bad_port": N_("%(source)s: the port must be a number from 1 to 65535"),
    "source_cannot_open": N_("cannot open %(problem)s"),
    "source_file_not_found": N_("cannot open %(source)s: file not found"),
    "source_not_video": N_("cannot open %(source)s: not a video OpenCV can read"),
    "source_no_webcam": N_("cannot open %(source)s: no such camera, or it is in use"),
    "source_no_video": N_("cannot open %(source)s: the server answered but sent no video (check "
                          "the path, the credentials and that it streams MJPEG/RTSP)"),
    "source_unknown_host": N_("cannot reach %(source)s: unknown host '%(host)s'"),
    "source_refused": N_("cannot reach %(source)s: connection refused (is the camera or stream "
                         "server running?)"),
    "source_no_answer": N_("cannot reach %(source)s: no answer within %(seconds)s s"),
    "source_unreachable": N_("cannot reach %(source)s: %(error)s"),
    "source_open_error": N_("cannot open %(source)s: %(error)s"),
    "source_read_error": N_("cannot read %(source)s: %(error)s"),
    "source_stream_lost": N_("lost the video stream from %(source)s"),
    "source_no_restart": N_("cannot read %(source)s again from the start"),
    "camera_connecting": N_("connecting to %(source)s"),
    "camera_open_timeout": N_("cannot open %(source)s: no answer within %(seconds)s s"),
    "camera_frozen": N_("picture frozen: %(source)s keeps sending the same image"),
    "camera_no_picture": N_("no picture from %(source)s for %(seconds)s s"),
    "camera_retrying": N_("%(why)s; retrying in %(seconds)s s"),
    "camera_worker_error": N_("camera worker error: %(error)s"),
    "camera_not_started": N_("not started"),
    "camera_end_of_file": N_("end of file"),
    "camera_disabled": N_("disabled in its configuration"),
    "camera_worker_stopped": N_("camera worker stopped"),
    "camera_strict_refused": N_("frames not published: the site's privacy is strict and this "
                                "camera worker has no detector of its own, so its frames would "
                                "cross the broker as taken; run it with --detect"),
    "camera_stopped_by_operator": N_("stopped by operator"),
    "camera_removed": N_("removed"),
    "camera_moved_group": N_("moved to group '%(group)s'"),
    # -- a report's progress (workers/analytics/reports.py), in the console's reports list ------
    "report_waiting": N_("waiting for a report worker"),
    "report_counting": N_("counting"),
    "report_writing": N_("writing the %(format)s"),
    "report_stored": N_("stored"),
    "report_finished": N_("finished"),
    "report_retrying": N_("attempt %(attempt)s failed (%(reason)s); it will be tried again"),
    "report_gave_up": N_("gave up: every run's worker stopped"),
    "report_unknown_cameras": N_("unknown camera(s) %(cameras)s"),
    "report_span_too_long": N_("the date range spans more than %(days)s days"),
    #: why, as a phrase above or a library's English (a database error)
    "report_failed": "%(reason)s",
    # -- the detector's model (workers/detector/yolo.py), shown on the detector chip -----------
    "yolo_not_installed": N_("YOLO needs the ultralytics package, which is not installed here"),
    "yolo_weights_missing": N_("no YOLO weights: %(path)s does not exist. Put the weights file "
                               "there, or point --model / %(env)s at one"),
    "yolo_weights_not_here": N_("no YOLO weights: %(source)s is not on disk (not downloaded "
                                "here). Put weights at %(target)s or set %(env)s to a weights "
                                "file"),
    "yolo_weights_offline": N_("no YOLO weights: %(source)s is not on disk and cannot be "
                               "downloaded (offline?). Put weights at %(target)s or set %(env)s "
                               "to a weights file"),
    "yolo_weights_unreadable": N_("YOLO weights %(path)s cannot be loaded (%(error)s). Replace "
                                  "the file, or point --model / %(env)s at other weights"),
    # -- model downloads (workers/models/download.py) -------------------------------------------
    "download_not_expected": N_("%(file)s from %(host)s is not the expected file (SHA-256 "
                                "%(got)s…, expected %(expected)s…): refused"),
    "download_not_a_model": N_("%(file)s from %(host)s is not a usable model (%(error)s): "
                               "refused"),
    "download_http_status": N_("%(host)s answered %(status)s for %(url)s"),
    "download_unreachable": N_("cannot reach %(host)s: %(error)s"),
    "download_stalled": N_("%(host)s stopped sending: nothing for %(seconds)s s after %(size)s"),
    "download_failed": N_("downloading %(url)s failed: %(error)s"),
    "download_cut_short": N_("the download from %(host)s was cut short (%(got)s of %(total)s "
                             "bytes came): refused"),
    "download_cut_short_unsized": N_("the download from %(host)s was cut short (%(got)s bytes "
                                     "came): refused"),
}

Value = Union[str, int, float, "Phrase"]  # noqa: UP007 - pydantic resolves the forward reference


class Phrase(BaseModel):
    """A sentence as its code and values; ``english()`` is the text logs and old readers get."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1, max_length=64)
    params: dict[str, Value] = Field(default_factory=dict)

    def english(self) -> str:
        return render(self, lambda template: template)


def say(code: str, **params: Value) -> Phrase:
    if code not in PHRASES:  # a typo here would reach people as a bare code
        raise KeyError(f"no phrase {code!r}")
    return Phrase(code=code, params=params)


def refuse(code: str, **params: str | int | float) -> PydanticCustomError:
    """The error a validator raises: pydantic reports ``code`` as its type, ``params`` as its
    context and the English sentence as its message."""
    return PydanticCustomError(code, _braces(PHRASES[code]), params)  # type: ignore[arg-type]


def render(phrase: Phrase, translate: Any) -> str:
    """``phrase`` with its values (phrases among them rendered first) in the template
    ``translate`` gives for the English one."""
    values = {k: render(v, translate) if isinstance(v, Phrase) else shown(v)
              for k, v in phrase.params.items()}
    template = PHRASES.get(phrase.code)
    if template is None:  # a code from a newer worker: its values are all there is to show
        return "; ".join(str(v) for v in values.values()) or phrase.code
    try:
        return translate(template) % values
    except (KeyError, ValueError, TypeError):  # a translation that lost a value: the English
        return template % values


def shown(value: object) -> str:
    """A value as a sentence shows it: 2.0 s as "2 s"."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _braces(template: str) -> str:
    """pydantic fills ``{name}``; the catalog's templates are gettext's ``%(name)s``."""
    return re.sub(r"%\((\w+)\)s", r"{\1}", template)


#: pydantic's error types that mean the same to a person as one that has a sentence
SAME_AS = {"int_type": "int_parsing", "int_from_float": "int_parsing",
           "float_type": "float_parsing", "bool_type": "bool_parsing", "enum": "literal_error",
           "datetime_type": "datetime_parsing", "datetime_from_date_parsing": "datetime_parsing",
           "url_scheme": "url_parsing", "url_type": "url_parsing"}
#: pydantic's own checks: their sentence is said of a field, so it is shown with the field's name
FIELD_CHECKS = frozenset({
    "missing", "string_too_short", "string_too_long", "too_short", "too_long", "int_parsing",
    "float_parsing", "bool_parsing", "greater_than", "greater_than_equal", "less_than",
    "less_than_equal", "literal_error", "string_pattern_mismatch", "extra_forbidden",
    "datetime_parsing", "timezone_aware", "url_parsing", "string_type", "invalid_value"})


def phrase_of(err: Any) -> Phrase:
    """One pydantic error (an item of ``ValidationError.errors()``) as a phrase: a contract's own
    refusal with its values; any other check in words, pydantic's English only for a check
    without a sentence here (``invalid_value``)."""
    ctx = {k: v if isinstance(v, (int, float)) else str(v) for k, v in (err.get("ctx") or {}).items()}
    code = SAME_AS.get(err["type"], err["type"])
    if code == "string_too_short" and ctx.get("min_length") == 1:
        return Phrase(code="missing")
    if code in PHRASES:
        return Phrase(code=code, params=ctx)
    return Phrase(code="invalid_value", params={"reason": err["msg"].removeprefix("Value error, ")})


def phrases_of(exc: ValidationError) -> list[tuple[str, Phrase]]:
    """Each error of ``exc``: the path of its field (``zones[0].points``; "" for the whole
    message) and its phrase."""
    return [(field_path(err["loc"]), phrase_of(err)) for err in exc.errors(include_url=False)]


def field_path(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).removeprefix(".")
