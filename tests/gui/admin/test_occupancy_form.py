"""The occupancy form edits what it shows and keeps what it does not: a zone whose JSON gives
the correction's margin, or a visit in seconds, keeps them when an admin ticks a box."""

from __future__ import annotations

from camcount_desktop.admin.occupancy_form import OccupancyForm
from workers.contracts.zones import OccupancySettings


def test_an_edit_keeps_the_margin_and_a_visit_given_in_seconds(qtbot) -> None:
    edits: list[OccupancySettings | None] = []
    form = OccupancyForm(edits.append)
    qtbot.addWidget(form)
    form.show_settings(OccupancySettings(mean_visit_seconds=90, margin=0.5))

    form.floor.setChecked(False)
    assert edits[-1] == OccupancySettings(never_below_zero=False, mean_visit_seconds=90,
                                          margin=0.5)

    form.visit.setValue(5)  # the admin sets the visit: minutes, as shown
    assert edits[-1] == OccupancySettings(never_below_zero=False, mean_visit_seconds=300,
                                          margin=0.5)
