"""Sentences for people travel as a code and its values and are said in the reader's language;
what engineers read (dead-letter reasons, logs) stays in pydantic's and the workers' English."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

import workers
from workers.contracts import CameraControl, ZoneSet
from workers.contracts.base import ContractError
from workers.contracts.phrases import PHRASES, Phrase, phrases_of, say
from workers.i18n import explain
from workers.i18n import say as said_in

ROOT = Path(workers.__file__).parent.parent
BOW_TIE = {"id": "bow", "name": "Queue", "points": [[0, 0], [100, 100], [100, 0], [0, 100]]}


def test_every_code_the_code_says_has_a_sentence() -> None:
    """A typo in a code would reach people as a KeyError: every literal code passed to
    ``say``/``refuse`` in the workers and the console is one of the templates."""
    unknown, checked = [], 0
    for package in ("workers", "camcount_desktop"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("say", "refuse")
                        and node.args and isinstance(node.args[0], ast.Constant)):
                    checked += 1
                    if node.args[0].value not in PHRASES:
                        unknown.append(f"{path.relative_to(ROOT)}:{node.lineno}: "
                                       f"{node.args[0].value}")
    assert checked > 50  # the scan finds the calls
    assert unknown == []


def test_a_contract_refusal_keeps_its_code_and_values() -> None:
    with pytest.raises(ValidationError) as caught:
        ZoneSet(camera_id="door", frame_width=960, frame_height=540, zones=[BOW_TIE])
    [(field, phrase)] = phrases_of(caught.value)
    assert (field, phrase) == ("zones[0]", Phrase(code="polygon_edges_cross", params={
        "label": "Queue", "first": 1, "second": 3}))
    assert said_in(phrase, "ko") == ("'Queue': 1번 변과 3번 변이 교차합니다. 윤곽선은 자기 자신과 "
                                     "교차하면 안 됩니다")


def test_pydantic_checks_are_said_of_their_field_never_in_pydantics_words() -> None:
    with pytest.raises(ValidationError) as caught:
        ZoneSet.model_validate({"camera_id": "door", "frame_width": 0, "frame_height": "tall",
                                "hysteresis_frames": 99})
    assert explain(caught.value, "ru") == (
        "frame_width: должно быть больше 0; frame_height: нужно целое число, например 10; "
        "hysteresis_frames: должно быть не больше 30")
    assert "Input should" not in explain(caught.value, "en")


def test_a_nested_phrase_is_said_in_the_same_language() -> None:
    retrying = say("camera_retrying", why=say("source_refused", source="rtsp://cam/1"), seconds=4.0)
    assert retrying.english() == ("cannot reach rtsp://cam/1: connection refused (is the camera or "
                                  "stream server running?); retrying in 4 s")
    assert said_in(retrying, "vi") == ("không kết nối được rtsp://cam/1: kết nối bị từ chối (camera "
                                       "hoặc máy chủ phát có đang chạy không?); thử lại sau 4 giây")
    # it travels as data: a console parses the message and says it in its own language
    wire = Phrase.model_validate(json.loads(retrying.model_dump_json()))
    assert said_in(wire, "ru").endswith("; повтор через 4 с")


def test_dead_letter_reasons_stay_in_english() -> None:
    """The reason an invalid message is sent to the error queue with is for engineers: English,
    whatever the site's language."""
    body = json.dumps({"camera_id": "door", "action": "set_zones", "zones": {
        "camera_id": "door", "frame_width": 960, "frame_height": 540, "zones": [BOW_TIE]}}).encode()
    with pytest.raises(ContractError) as caught:
        CameraControl.from_wire(body)
    assert "'Queue': edges 1 and 3 cross; the outline must not cross itself" in caught.value.reason
