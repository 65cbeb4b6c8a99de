"""The dashboard as a user meets it: what the demo opens on, numbers the services agree with, clicks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers.requests import make_request
from helpers.writes import saved
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from pytestqt.qtbot import QtBot

from ui.dashboard_view import View
from ui.main_window import MainWindow
from ui.widgets.dashboard import Dashboard
from ui.widgets.dashboard_paint import Hit, contrast, palette_colors
from workbook.model import Actor, FieldChange, Request, RequestFilter, Status, date_flagged_refs
from workbook.readiness import readiness
from workbook.services.demo import build_demo
from workbook.services.workbook import Workbook

READY = tuple(s for s in Status if s.is_ready)
NOT_READY = tuple(s for s in Status if not s.is_ready)


@pytest.fixture
def demo(qtbot: QtBot, window: MainWindow, tmp_path: Path, actor: Actor) -> MainWindow:
    """The window with the demo workbook open, as Open demo leaves it."""
    path = build_demo(tmp_path / "demo", actor)
    with qtbot.waitSignal(window.workbook_opened, timeout=30000):
        window.open_path(path)
    return window


def shown_refs(window: MainWindow) -> list[str]:
    return [window.proxy.ref_at(row) for row in range(window.proxy.rowCount())]


def click(qtbot: QtBot, window: MainWindow, name: str) -> Hit:
    """Scroll the item into view and click it where it is painted."""
    dashboard = window.views.dashboard
    hit = dashboard.hit(name)
    window.views.scroller.ensureVisible(hit.rect.center().x(), hit.rect.center().y(), 20, 40)
    qtbot.mouseClick(dashboard, Qt.MouseButton.LeftButton, pos=hit.rect.center())
    return hit


def expected_by_services(window: MainWindow) -> dict[str, set[str]]:
    """Each dashboard item's requests, asked of the request and evidence services directly."""
    workbook = window.workbook
    assert workbook is not None
    today = window.model.today

    def refs(**wanted: object) -> set[str]:
        return {r.ref for r in workbook.requests.list(RequestFilter(today=today, **wanted))}  # type: ignore[arg-type]

    every = workbook.requests.list(RequestFilter())
    dates = date_flagged_refs(workbook.evidence.flagged(today=today))
    expected = {
        "requests": refs(),
        "ready": refs(statuses=READY),
        "overdue": refs(overdue=True),
        "missing_evidence": refs(missing_evidence=True),
        "flagged": refs(flagged=True) | dates,
    }
    expected.update({f"status:{s.value}": refs(statuses=(s,)) for s in Status})
    for owner in {r.owner for r in every}:
        label = owner or "Unassigned"
        expected[f"owner:{label}"] = refs(owners=(owner,))
        expected[f"owner:{label}:open"] = refs(owners=(owner,), statuses=NOT_READY)
        expected[f"owner:{label}:overdue"] = refs(owners=(owner,), overdue=True)
        expected[f"owner:{label}:missing_evidence"] = refs(owners=(owner,), missing_evidence=True)
    for section in {r.section for r in every}:
        label = section or "(no section)"
        expected[f"section:{label}:requests"] = refs(sections=(section,))
        expected[f"section:{label}:ready"] = refs(sections=(section,), statuses=READY)
        expected[f"section:{label}:bar_not_ready"] = refs(sections=(section,), statuses=NOT_READY)
    for key in ("overdue", "missing_evidence", "flagged"):
        expected[f"{key.split('_')[0]}:all"] = expected[key]
    return expected


def test_the_demo_opens_on_the_dashboard_and_every_number_equals_the_services(demo: MainWindow) -> None:
    views = demo.views
    assert views.view is View.DASHBOARD
    assert views.scroller.isVisible() and not demo.table.isVisible()
    assert not demo.filter_bar.isVisible()
    assert views.switch.tabText(views.switch.currentIndex()) == "Dashboard"
    expected = expected_by_services(demo)
    hits = views.dashboard.hits()
    checked = [hit for hit in hits if hit.name in expected]
    assert len(checked) >= 60, [hit.name for hit in hits]
    for hit in checked:
        assert set(hit.refs) == expected[hit.name], hit.name
        assert len(hit.refs) == len(set(hit.refs)), hit.name
    # The drawn figures are those counts: the summary says what the services say.
    count = {name: len(refs) for name, refs in expected.items()}
    assert demo.workbook is not None
    samples = sum(s.total - s.provided for s in demo.workbook.samples.summaries())
    assert views.dashboard.summary() == (
        f"{count['ready']} of 112 requests ready; {count['overdue']} overdue, "
        f"{count['missing_evidence']} missing evidence, {count['flagged']} with flagged evidence."
        + (f" {samples} sample{'s' if samples != 1 else ''} missing." if samples else "")
    )
    # Every item of the three lists is one request, the one it names.
    entries = [hit for hit in hits if hit.name.partition(":")[0] in ("overdue", "missing", "flagged")]
    singles = [hit for hit in entries if ":" in hit.name and not hit.name.endswith((":all", ":more"))]
    assert singles and all(hit.refs == (hit.name.split(":", 1)[1],) for hit in singles)


def test_a_click_on_a_number_shows_exactly_its_requests_and_one_click_shows_all_again(
    qtbot: QtBot, demo: MainWindow
) -> None:
    expected = expected_by_services(demo)
    name = "owner:Sarah Lindqvist:missing_evidence"
    assert len(expected[name]) > 1
    hit = click(qtbot, demo, name)
    assert demo.views.view is View.REQUESTS and demo.table.isVisible()
    assert set(shown_refs(demo)) == expected[name] and demo.proxy.rowCount() == len(hit.refs)
    bar = demo.filter_bar
    assert bar.refs_bar.isVisible()
    assert bar.refs_label.text() == (
        f"Showing {len(hit.refs)} requests from the dashboard: Sarah Lindqvist: missing evidence"
    )
    assert demo.header.text().endswith(f"showing {len(hit.refs)}")
    assert demo.request_list.current_ref in hit.refs

    qtbot.mouseClick(bar.refs_clear, Qt.MouseButton.LeftButton)
    assert not bar.refs_bar.isVisible()
    assert demo.proxy.rowCount() == 112
    assert demo.views.view is View.REQUESTS


def test_a_clicked_status_bar_and_a_list_entry_filter_the_table_too(qtbot: QtBot, demo: MainWindow) -> None:
    expected = expected_by_services(demo)
    demo.views.choose(View.DASHBOARD)
    click(qtbot, demo, "stack:in_progress")
    assert set(shown_refs(demo)) == expected["status:in_progress"]
    assert demo.filter_bar.refs_label.text().endswith("status In progress")

    demo.views.choose(View.DASHBOARD)
    entry = next(h for h in demo.views.dashboard.hits() if h.name.startswith("missing:PBC-"))
    click(qtbot, demo, entry.name)
    ref = entry.name.split(":", 1)[1]
    assert shown_refs(demo) == [ref]
    assert demo.selected_refs() == [ref]
    assert demo.panel.heading.text().startswith(ref)
    assert demo.filter_bar.refs_label.text() == f"Showing 1 request from the dashboard: {ref}"

    # Going back to the dashboard and choosing another number replaces the filter, it does not narrow it.
    demo.views.choose(View.DASHBOARD)
    click(qtbot, demo, "requests")
    assert demo.proxy.rowCount() == 112


def test_the_view_chosen_is_remembered_and_an_empty_workbook_opens_on_its_import_offer(
    qtbot: QtBot, demo: MainWindow, tmp_path: Path, actor: Actor
) -> None:
    path = Path(demo.windowFilePath())
    qtbot.keyClick(demo, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert demo.views.view is View.REQUESTS and demo.table.isVisible()
    assert demo.settings.workspace_view == "requests"
    assert demo.close_workbook()
    with qtbot.waitSignal(demo.workbook_opened, timeout=30000):
        demo.open_path(path)
    assert demo.views.view is View.REQUESTS

    qtbot.keyClick(demo, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert demo.views.view is View.DASHBOARD and demo.settings.workspace_view == "dashboard"
    assert demo.views.dashboard.hasFocus()
    empty = tmp_path / "empty.auditwb"
    Workbook.create(empty, actor, client="Brightpath Labs Inc.").close()
    with qtbot.waitSignal(demo.workbook_opened, timeout=30000):
        demo.open_path(empty)
    assert demo.views.view is View.REQUESTS
    assert demo.table.message.isVisible() and demo.table.message.button.text() == "Import checklist…"
    assert demo.settings.workspace_view == "dashboard"  # the choice stays for the next workbook


def test_the_tabs_above_the_table_switch_the_view_and_the_choice_is_kept(
    qtbot: QtBot, opened: MainWindow
) -> None:
    switch = opened.views.switch
    assert [switch.tabText(i) for i in range(switch.count())] == ["Dashboard", "Requests"]
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton, pos=switch.tabRect(1).center())
    assert opened.views.view is View.REQUESTS and opened.table.isVisible() and opened.filter_bar.isVisible()
    assert opened.settings.workspace_view == "requests"
    assert opened.views.actions[View.REQUESTS].isChecked()
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton, pos=switch.tabRect(0).center())
    assert opened.views.view is View.DASHBOARD and opened.views.scroller.isVisible()
    assert opened.settings.workspace_view == "dashboard"


def test_find_on_the_dashboard_goes_to_the_search_box(qtbot: QtBot, demo: MainWindow) -> None:
    demo.find_action.trigger()
    assert demo.views.view is View.REQUESTS
    qtbot.waitUntil(lambda: demo.filter_bar.search.hasFocus(), timeout=2000)


def test_the_dashboard_follows_an_edit_and_its_undo(qtbot: QtBot, opened: MainWindow) -> None:
    dashboard = opened.views.dashboard
    assert opened.views.view is View.DASHBOARD
    with pytest.raises(KeyError):
        dashboard.hit("ready")  # nothing ready yet: a zero is not clickable
    opened.select_refs(["PBC-002"])
    opened.edits.apply_change(["PBC-002"], FieldChange(status=Status.ACCEPTED))
    saved(qtbot, opened)
    qtbot.waitUntil(
        lambda: dashboard.readiness is not None and dashboard.readiness.ready.refs == ("PBC-002",)
    )
    assert dashboard.hit("ready").refs == ("PBC-002",)
    opened.undo_action.trigger()
    saved(qtbot, opened)
    qtbot.waitUntil(lambda: dashboard.readiness is not None and not dashboard.readiness.ready.refs)


def test_an_edit_made_on_the_table_shows_on_the_dashboard_when_it_comes_back(
    qtbot: QtBot, opened: MainWindow
) -> None:
    opened.views.choose(View.REQUESTS)
    opened.select_refs(["PBC-003"])
    opened.status_actions[list(Status).index(Status.NOT_APPLICABLE)].trigger()
    saved(qtbot, opened)
    opened.views.choose(View.DASHBOARD)
    figures = opened.views.dashboard.readiness
    assert figures is not None and figures.ready.refs == ("PBC-003",)
    assert "PBC-003" not in opened.views.dashboard.hit("missing_evidence").refs


def request(ref: str, **changes: object) -> Request:
    values: dict[str, object] = {
        "title": f"Title of {ref}",
        "request": "",
        "criteria": (),
        "owner": "Priya Shah",
    }
    return make_request(ref, **{**values, **changes})


TODAY = dt.date(2026, 3, 2)
ROWS = [
    request("PBC-001", due=dt.date(2026, 2, 1)),
    request("PBC-002", status=Status.ACCEPTED, evidence_count=1, owner=""),
    request("PBC-003", status=Status.IN_PROGRESS, section="Change management", recheck_evidence=True),
    request("PBC-004", status=Status.NOT_APPLICABLE, owner="Sam Lee", section=""),
]


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#1b1b1d"),
        (QPalette.ColorRole.AlternateBase, "#2a2a2d"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.Button, "#2d2e31"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"),
        (QPalette.ColorRole.Highlight, "#8ab4f8"),
        (QPalette.ColorRole.HighlightedText, "#202124"),
    ):
        palette.setColor(role, QColor(color))
    return palette


def count_near(image: QImage, color: QColor, tolerance: int = 40) -> int:
    found = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixelColor(x, y)
            distance = sum(abs(a - b) for a, b in zip(pixel.getRgb()[:3], color.getRgb()[:3], strict=True))
            found += distance < tolerance
    return found


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_palette_colours_read_in_light_and_dark(qtbot: QtBot, dark: bool) -> None:
    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    if dark:
        dashboard.setPalette(dark_palette())
    dashboard.set_readiness(readiness(ROWS, TODAY, {"PBC-002"}))
    dashboard.resize(720, dashboard.heightForWidth(720))
    image = dashboard.grab().toImage()
    colors = palette_colors(dashboard.palette())
    assert image.pixelColor(2, 2) == colors.base
    assert contrast(colors.text, colors.base) >= 7
    assert contrast(colors.dim, colors.base) >= 4.5
    assert contrast(colors.overdue, colors.base) >= 3
    assert contrast(colors.track, colors.base) > 1.1  # the empty part of a bar still shows
    assert count_near(image, colors.text) > 200  # the labels are drawn in the text colour
    if dark:
        assert colors.base.lightness() < 60 and colors.text.lightness() > 200


def test_every_item_is_reachable_with_the_keyboard(qtbot: QtBot) -> None:
    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    dashboard.set_readiness(readiness(ROWS, TODAY))
    dashboard.resize(720, dashboard.heightForWidth(720))
    dashboard.show()
    dashboard.setFocus()
    qtbot.waitUntil(dashboard.hasFocus)
    hits = dashboard.hits()
    with qtbot.waitSignal(dashboard.show_refs) as shown:
        qtbot.keyClick(dashboard, Qt.Key.Key_Return)
    assert shown.args == [list(hits[0].refs), hits[0].description]
    qtbot.keyClick(dashboard, Qt.Key.Key_Tab)
    with qtbot.waitSignal(dashboard.show_refs) as shown:
        qtbot.keyClick(dashboard, Qt.Key.Key_Space)
    assert shown.args[0] == list(hits[1].refs)
    # Zeros are drawn but lead nowhere: only counts with requests behind them are items.
    assert all(hit.refs for hit in hits)
    assert dashboard.hit_at(QPoint(-10, -10)) == -1


def test_a_dashboard_click_clears_the_other_filters_and_opening_a_workbook_forgets_it(qtbot: QtBot) -> None:
    from ui.widgets.filter_bar import FilterBar

    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_choices(["Priya Shah"], ["Access"])
    bar.search.setText("quarterly")
    bar.overdue.setChecked(True)
    with qtbot.waitSignal(bar.criteria_changed) as changed:
        bar.show_refs(["PBC-002", "PBC-001"], "status Open")
    criteria = changed.args[0]
    assert (criteria.refs, criteria.text, criteria.overdue) == (("PBC-002", "PBC-001"), "", False)
    assert "refs" not in bar.state()
    bar.restore({"overdue": True})
    assert bar.criteria().refs == () and bar.refs_bar.isHidden()


def test_samples_missing_are_counted_per_owner_and_a_click_shows_their_requests(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    workbook = opened.workbook
    assert workbook is not None
    workbook.requests.bulk_set(["PBC-002", "PBC-004"], FieldChange(owner="Dana Ops"))
    workbook.requests.bulk_set(["PBC-005"], FieldChange(owner="Sam Lee"))
    workbook.samples.set_required("PBC-002", ["offer letter"])
    workbook.samples.add("PBC-002", [("EMP-1", ""), ("EMP-2", ""), ("EMP-3", "")])
    workbook.samples.add("PBC-004", [("CHG-1", "")])
    workbook.samples.add("PBC-005", [("TCK-1", "")])
    proof = tmp_path / "ticket.txt"
    proof.write_text("ticket\n")
    workbook.samples.attach("PBC-005", "TCK-1", [proof])
    workbook.samples.attach("PBC-002", "EMP-1", [proof], requirement="offer letter")
    dashboard = opened.views.dashboard
    with qtbot.waitSignal(opened.requests_reloaded, timeout=10000):
        opened.reload_requests()
    opened.views.refresh()
    r = dashboard.readiness
    assert r is not None
    assert [(o.label, o.missing, o.samples) for o in r.samples_missing] == [("Dana Ops", 3, 4)]
    assert dashboard.hit("samples:Dana Ops:missing").refs == ("PBC-002", "PBC-004")
    assert "Sam Lee" not in {
        hit.name.split(":")[1] for hit in dashboard.hits() if hit.name.startswith("samples:")
    }
    assert dashboard.summary().endswith(" 3 samples missing.")
    image = QImage(dashboard.size(), QImage.Format.Format_RGB32)
    dashboard.render(image)  # the figure is painted, not only laid out

    click(qtbot, opened, "samples:Dana Ops:missing")
    assert opened.views.view is View.REQUESTS
    assert shown_refs(opened) == ["PBC-002", "PBC-004"]

    # A sample given its file is counted again without the request's row changing.
    opened.views.choose(View.DASHBOARD)
    opened.select_refs(["PBC-004"])
    from ui.sample_actions import sample_actions_for

    actions = getattr(opened, "sample_actions", None) or sample_actions_for(opened)
    with qtbot.waitSignal(actions.attach_finished, timeout=10000):
        actions.attach_files("CHG-1", "", [proof])
    saved(qtbot, opened)
    qtbot.waitUntil(
        lambda: (
            dashboard.readiness is not None
            and [(o.missing, o.requests.refs) for o in dashboard.readiness.samples_missing]
            == [(2, ("PBC-002",))]
        )
    )


def test_a_workbook_without_samples_shows_no_samples_figure(opened: MainWindow) -> None:
    opened.views.refresh()
    assert not any(hit.name.startswith("samples:") for hit in opened.views.dashboard.hits())
    assert "sample" not in opened.views.dashboard.summary()
