"""The filter bar: what it shows and what it asks the table for agree."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ui.widgets.filter_bar import FilterBar


def test_an_owner_chosen_then_gone_from_the_list_stops_filtering_the_table(qtbot: QtBot) -> None:
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_choices(["Priya Shah", "Sam Lee"], ["Access"])
    bar.owner.setCurrentIndex(bar.owner.findText("Priya Shah"))
    assert bar.criteria().owner == "Priya Shah"
    with qtbot.waitSignal(bar.criteria_changed, timeout=1000) as changed:
        bar.set_choices(["Sam Lee"], ["Access"])
    assert bar.owner.currentText() == "Any owner"
    assert changed.args[0].owner is None


def test_refilling_with_the_chosen_owner_still_there_changes_nothing(qtbot: QtBot) -> None:
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_choices(["Priya Shah"], [])
    bar.owner.setCurrentIndex(bar.owner.findText("Priya Shah"))
    with qtbot.assertNotEmitted(bar.criteria_changed):
        bar.set_choices(["Priya Shah", "Sam Lee"], [])
    assert bar.criteria().owner == "Priya Shah"
