"""Admin → Sites against a real analytics worker on the console's bus: a site made of two
cameras' doors is saved, read back and named in the rule form; a site with nothing that counts
is refused at its field; a site is charted in the analytics window (raw and corrected occupancy
against its maximum)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from camcount_desktop.admin.rule_form import RuleForm
from camcount_desktop.admin.site_editor import door_key
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.analytics import event, facts
from tests.helpers.waiting import until, until_fetched
from workers.analytics import AnalyticsClient
from workers.contracts import CameraConfig, CameraControl, LineDef, ZoneDef, ZoneSet
from workers.contracts.sites import Site


async def two_cameras(console: Console) -> None:
    """"Front" with its door and a fitting-room zone, "Yard" with its gate, stored by analytics
    and known to the console."""
    t = console.bus.topology
    for cam, name, zones in (
            ("front", "Front", ZoneSet(camera_id="front", frame_width=960, frame_height=540,
                                       lines=[LineDef(id="door", name="Door",
                                                      points=((480, 540), (480, 0)))],
                                       zones=[ZoneDef(id="fitting", name="Fitting room",
                                                      points=[(0, 0), (300, 0), (300, 300)])])),
            ("yard", "Yard", ZoneSet(camera_id="yard", frame_width=960, frame_height=540,
                                     lines=[LineDef(id="gate", name="Gate",
                                                    points=((0, 270), (960, 270)))]))):
        for control in (CameraControl(camera_id=cam, action="configure",
                                      config=CameraConfig(camera_id=cam, name=name, source="0")),
                        CameraControl(camera_id=cam, action="set_zones", zones=zones)):
            await console.bus.publish(t.camera_events, t.control_key(cam), control)
    await until(lambda: all(c in console.wall.states and console.wall.state(c).zones
                            for c in ("front", "yard")), what="both zone sets on the console")


async def test_an_admin_makes_a_site_of_two_cameras_doors_and_a_rule_names_it(
        qtbot, console: Console, settings: Settings, analytics) -> None:
    await two_cameras(console)
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    editor = window.admin.open_sites()
    await editor.loaded
    labels = [editor.doors.item(i).text() for i in range(editor.doors.count())]
    assert "Door on Front: its 'in' crossing enters" in labels
    assert "Gate on Yard: its 'out' crossing enters" in labels

    # nothing that counts: refused at the doors, nothing saved
    QTest.keyClicks(editor.name, "Shop")
    assert editor.id.text() == "shop"  # a new site's id follows its name
    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "has no door and no zone" in editor.form.errors["doors"].text()
    assert await AnalyticsClient(console.bus).sites() == []

    editor.doors.pick([door_key("front", "door", "in"), door_key("yard", "gate", "out")])
    editor.zones.pick(["front\nfitting"])
    editor.occupancy.reset.setChecked(True)
    editor.occupancy.visit.setValue(30)
    editor.max_occupancy.setValue(40)
    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    stored = await until_fetched(lambda: AnalyticsClient(console.bus).sites(), what="the site")
    assert stored == [Site(id="shop", name="Shop", max_occupancy=40,
                           doors=[{"camera_id": "front", "line_id": "door"},
                                  {"camera_id": "yard", "line_id": "gate", "entering": "out"}],
                           zones=[{"camera_id": "front", "zone_id": "fitting"}],
                           occupancy={"reset_at": "22:00", "mean_visit_seconds": 1800})]
    await until(lambda: editor.list.count() == 1 and editor.list.item(0).text() == "Shop",
                what="the site listed")

    form = RuleForm(window.admin.alerting, None)  # no notifier here: the form alone
    qtbot.addWidget(form)
    form.kind.setCurrentIndex(form.kind.findData("site_occupancy"))
    assert form.form.visible("sites") and not form.form.visible("zones")
    await until(lambda: form.picks["sites"].count() == 1
                and form.picks["sites"].item(0).text() == "Shop", what="the site by name")
    form.id.setText("full")
    form.picks["sites"].pick(["shop"])
    rule = form.rule()
    assert rule is not None and rule.model_dump()["sites"] == ["shop"]
    assert rule.model_dump()["above"] is None  # the site's own maximum


async def test_a_site_is_charted_raw_and_corrected_against_its_maximum(
        qtbot, console: Console, settings: Settings, analytics) -> None:
    await two_cameras(console)
    client = AnalyticsClient(console.bus)
    shop = Site(id="shop", name="Shop", max_occupancy=3,
                doors=[{"camera_id": "front", "line_id": "door"},
                       {"camera_id": "yard", "line_id": "gate", "entering": "out"}])
    assert (await client.save_site(shop)).saved
    moves = [("front", "door", "in", "2026-03-02T09:10+01:00"),
             ("yard", "gate", "out", "2026-03-02T09:20+01:00"),
             ("front", "door", "in", "2026-03-02T10:05+01:00"),
             ("front", "door", "in", "2026-03-02T10:06+01:00"),
             ("yard", "gate", "in", "2026-03-02T11:30+01:00")]
    expected = analytics.ingestor.events_written + len(moves)
    t = console.bus.topology
    for k, (cam, line, direction, when) in enumerate(moves):
        await console.bus.publish(t.camera_events, t.counts_key(cam),
                                  facts(cam, [event(when, direction, track=k, shape=line)]))
    await until(lambda: analytics.ingestor.events_written >= expected, what="stored")
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    window.open_analytics()
    view = window.analytics_view
    view.controller.timezone = "Europe/Berlin"
    await until(lambda: view.site_box.findText("Shop") >= 0, what="the site to pick")
    view.site_box.setCurrentIndex(view.site_box.findText("Shop"))
    assert not view.camera_box.isEnabled()
    view.period_box.setCurrentIndex(view.period_box.findData("hourly"))
    view.set_days(date(2026, 3, 2), date(2026, 3, 2))
    await view.controller.wait()
    QTest.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    await until(lambda: view.controller.data is not None and view.controller.data.is_site,
                what="the site's chart")
    _, inside = view.chart.occupancy_curve.getData()
    assert list(inside[9:12]) == [2, 4, 3]  # at 10:00, 11:00 and 12:00
    assert view.chart.counts_plot.isHidden() and view.chart.limit_line.value() == 3
    assert "Peak inside 4" in view.totals_label.text()
    assert "maximum 3" in view.totals_label.text()
