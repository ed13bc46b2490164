"""Screenshot of the alert rule form for docs/admin.md: cameras and their zones picked by name.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_rule_form.py

Two named cameras with named zones, as a console knows them; the form of a new zone occupancy
rule with one camera and one of its zones ticked.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from shots import HERE, grab, run, scratch

from camcount_desktop.admin.alerting_controller import AlertingController
from camcount_desktop.admin.permissions import AdminAccess
from camcount_desktop.admin.rule_form import RuleForm
from camcount_desktop.console import Console
from workers.contracts import CameraConfig, ZoneDef, ZoneSet
from workers.contracts.alerting import AlertingConfig, WebhookTarget

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "rule_form.png"
SQUARE = [(0, 0), (100, 0), (100, 100), (0, 100)]


async def capture() -> None:
    with scratch() as (settings, _):
        console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
        await console.start()
        for cid, name, zones in (("entrance", "Entrance", [("queue", "Ticket queue"),
                                                           ("left", "Left half")]),
                                 ("yard", "Yard gate", [("gate", "Gate")])):
            console.cameras.add_configured(CameraConfig(camera_id=cid, name=name, source="0"))
            console.wall.on_zones(ZoneSet(camera_id=cid, frame_width=960, frame_height=540, zones=[
                ZoneDef(id=zid, name=zname, points=SQUARE) for zid, zname in zones]))
        controller = AlertingController(console, AdminAccess(console))
        controller.config = AlertingConfig(targets=[
            WebhookTarget(id="desk-hook", url="https://desk.example.org/alerts",
                          secret="env:DESK_SECRET"),
            WebhookTarget(id="ops-hook", url="https://hooks.example.org/camcount",
                          secret="env:HOOK_SECRET")])
        form = RuleForm(controller, None)
        form.id.setText("queue-crowded")
        form.name.setText("Ticket queue too long")
        form.picks["cameras"].pick(["entrance"])
        form.picks["zones"].pick(["queue"])
        form.numbers["above"].setText("8")
        form.numbers["for_seconds"].setText("60")
        form.show()
        await asyncio.sleep(1.0)
        grab(form, OUT)
        form.close()
        await console.stop()


if __name__ == "__main__":
    run(capture)
