"""The request table model and its proxy, without a window or a database."""

from __future__ import annotations

import datetime as dt

from helpers.requests import make_request as any_request
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.models.request_table_model import (
    REF_ROLE,
    RELATIVE_TIME_MS,
    SORT_ROLE,
    Column,
    RequestCriteria,
    RequestFilterProxyModel,
    RequestTableModel,
    display_values,
    ms_to_midnight,
    natural_key,
)
from workbook.model import Request, Status

TODAY = dt.date(2026, 3, 10)


def make_request(ref: str, **values: object) -> Request:
    fields: dict[str, object] = {
        "request": "Provide it",
        "owner": "",
        "source_sheet": "",
        "source_row": None,
        "updated_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    }
    return any_request(ref, **{**fields, **values})


ROWS = [
    make_request(
        "PBC-10",
        owner="Priya Shah",
        status=Status.ACCEPTED,
        evidence_count=2,
        evidence_names=("q1-users.csv", "policy.pdf"),
    ),
    make_request("PBC-2", due=dt.date(2026, 3, 1), section="Change management", criteria=("CC8.1",)),
    make_request("PBC-3", owner="Sam Lee", status=Status.NOT_APPLICABLE, recheck_evidence=True),
]


def filled() -> tuple[RequestTableModel, RequestFilterProxyModel]:
    model = RequestTableModel(today=TODAY)
    model.set_rows(ROWS)
    proxy = RequestFilterProxyModel()
    proxy.setSourceModel(model)
    return model, proxy


def refs(proxy: RequestFilterProxyModel) -> list[str]:
    return [proxy.ref_at(row) for row in range(proxy.rowCount())]


def test_model_and_proxy_pass_the_model_tester(qtmodeltester: ModelTester) -> None:
    model, proxy = filled()
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)


def test_sorting_and_filtering_keep_the_proxy_consistent(qtmodeltester: ModelTester) -> None:
    model, proxy = filled()
    qtmodeltester.check(proxy)
    proxy.sort(Column.DUE, Qt.SortOrder.AscendingOrder)
    proxy.set_criteria(RequestCriteria(text="pbc"))
    model.update_rows([make_request("PBC-2", status=Status.ACCEPTED)])
    assert refs(proxy) == ["PBC-2", "PBC-3", "PBC-10"]


def test_display_values_are_what_the_table_shows() -> None:
    model, _ = filled()
    row = [model.index(0, c).data() for c in Column]
    assert row == ["PBC-10", "Title PBC-10", "CC6.1", "Priya Shah", "Accepted", "", "2", row[Column.CHANGED]]
    assert model.index(1, Column.DUE).data() == "2026-03-01"
    assert model.headerData(Column.CHANGED, Qt.Orientation.Horizontal) == "Last change"


def test_refs_sort_naturally_so_2_comes_before_10() -> None:
    _, proxy = filled()
    proxy.sort(Column.REF, Qt.SortOrder.AscendingOrder)
    assert refs(proxy) == ["PBC-2", "PBC-3", "PBC-10"]
    proxy.sort(Column.REF, Qt.SortOrder.DescendingOrder)
    assert refs(proxy) == ["PBC-10", "PBC-3", "PBC-2"]
    assert natural_key("CC6.10") > natural_key("CC6.9")


def test_status_sorts_in_workflow_order_not_alphabetically() -> None:
    model, proxy = filled()
    proxy.sort(Column.STATUS, Qt.SortOrder.AscendingOrder)
    assert refs(proxy) == ["PBC-2", "PBC-10", "PBC-3"]
    assert model.index(0, Column.STATUS).data(SORT_ROLE) == 0


def test_empty_due_dates_sort_last() -> None:
    _, proxy = filled()
    proxy.sort(Column.DUE, Qt.SortOrder.AscendingOrder)
    assert refs(proxy)[0] == "PBC-2"


def test_search_matches_every_word_in_ref_text_criteria_and_evidence_names() -> None:
    _, proxy = filled()
    proxy.set_criteria(RequestCriteria(text="q1-users"))
    assert refs(proxy) == ["PBC-10"]
    proxy.set_criteria(RequestCriteria(text="cc8.1 change"))
    assert refs(proxy) == ["PBC-2"]
    proxy.set_criteria(RequestCriteria(text="(unbalanced [regex"))
    assert refs(proxy) == []


def test_filters_combine_status_owner_section_and_flags() -> None:
    _, proxy = filled()
    proxy.set_criteria(RequestCriteria(statuses=(Status.OPEN, Status.ACCEPTED)))
    assert refs(proxy) == ["PBC-10", "PBC-2"]
    proxy.set_criteria(RequestCriteria(owner="priya shah"))
    assert refs(proxy) == ["PBC-10"]
    proxy.set_criteria(RequestCriteria(owner=""))
    assert refs(proxy) == ["PBC-2"]
    proxy.set_criteria(RequestCriteria(section="Change management", overdue=True))
    assert refs(proxy) == ["PBC-2"]
    proxy.set_criteria(RequestCriteria(missing_evidence=True))
    assert refs(proxy) == ["PBC-2"]
    proxy.set_criteria(RequestCriteria(flagged=True))
    assert refs(proxy) == ["PBC-3"]
    proxy.set_criteria(RequestCriteria())
    assert len(refs(proxy)) == 3


def test_an_owner_name_cannot_match_another_owner_that_starts_the_same() -> None:
    model, proxy = filled()
    model.set_rows([*ROWS, make_request("PBC-4", owner="Priya Shahid")])
    proxy.set_criteria(RequestCriteria(owner="Priya Shah"))
    assert refs(proxy) == ["PBC-10"]


def test_updating_a_row_keeps_the_selection_stable_and_the_text_current() -> None:
    model, proxy = filled()
    model.update_rows([make_request("PBC-3", owner="Ana Ruiz")])
    assert model.index(2, Column.OWNER).data() == "Ana Ruiz"
    proxy.set_criteria(RequestCriteria(owner="Ana Ruiz"))
    assert refs(proxy) == ["PBC-3"]


def test_a_row_edited_out_of_the_status_filter_leaves_the_proxy() -> None:
    model, proxy = filled()
    proxy.set_criteria(RequestCriteria(statuses=(Status.OPEN,)))
    assert refs(proxy) == ["PBC-2"]
    model.update_rows([make_request("PBC-2", status=Status.ACCEPTED)])
    assert refs(proxy) == []
    model.update_rows([make_request("PBC-10", status=Status.OPEN)])
    assert refs(proxy) == ["PBC-10"]


def test_filtering_after_a_sort_matches_each_row_by_its_own_text() -> None:
    _, proxy = filled()
    proxy.set_criteria(RequestCriteria(text="policy"))
    proxy.sort(Column.REF, Qt.SortOrder.AscendingOrder)
    assert refs(proxy) == ["PBC-10"]
    proxy.set_criteria(RequestCriteria(owner="Sam Lee"))
    proxy.sort(Column.REF, Qt.SortOrder.DescendingOrder)
    assert refs(proxy) == ["PBC-3"]
    proxy.set_criteria(RequestCriteria())
    assert refs(proxy) == ["PBC-10", "PBC-3", "PBC-2"]


def test_sort_keys_and_display_follow_an_edited_row() -> None:
    model, proxy = filled()
    proxy.sort(Column.OWNER, Qt.SortOrder.AscendingOrder)
    assert refs(proxy) == ["PBC-10", "PBC-3", "PBC-2"]
    model.update_rows([make_request("PBC-2", owner="Aaron Bell")])
    proxy.sort(Column.OWNER, Qt.SortOrder.AscendingOrder)
    assert refs(proxy) == ["PBC-2", "PBC-10", "PBC-3"]
    assert model.index(0, Column.OWNER).data() == "Aaron Bell"
    assert model.index(0, Column.OWNER).data(SORT_ROLE) == "aaron bell"


def test_an_invalid_index_has_no_data_instead_of_the_last_row() -> None:
    model = RequestTableModel(today=TODAY)
    model.set_rows(ROWS)
    invalid = model.index(-1, -1)
    assert not invalid.isValid()
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE, REF_ROLE):
        assert model.data(invalid, role) is None


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def test_last_change_ages_each_minute_without_rebuilding_filter_facts(qtbot: QtBot) -> None:
    t0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    clock = FakeClock(t0)
    model = RequestTableModel(today=TODAY, clock=clock)
    model.set_rows([make_request("PBC-1", updated_at=t0), make_request("PBC-2", updated_at=t0)])
    assert model.index(0, Column.CHANGED).data() == "just now"
    timers = [t for t in model.findChildren(QTimer) if t.interval() == RELATIVE_TIME_MS]
    assert len(timers) == 1 and timers[0].isActive()
    generation = model.generation
    clock.now = t0 + dt.timedelta(minutes=5)
    with qtbot.waitSignal(model.dataChanged, timeout=1000) as changed:
        timers[0].timeout.emit()
    top_left, bottom_right = changed.args[0], changed.args[1]
    assert (top_left.column(), bottom_right.column()) == (Column.CHANGED, Column.CHANGED)
    assert (top_left.row(), bottom_right.row()) == (0, 1)
    assert model.index(0, Column.CHANGED).data() == "5 min ago"
    assert model.generation == generation


def test_overdue_follows_the_date_past_midnight(qtbot: QtBot) -> None:
    evening = dt.datetime(2026, 3, 10, 23, 59, 30).astimezone()
    clock = FakeClock(evening.astimezone(dt.UTC))
    model = RequestTableModel(clock=clock)
    proxy = RequestFilterProxyModel()
    proxy.setSourceModel(model)
    model.set_rows([make_request("PBC-1", due=dt.date(2026, 3, 10)), make_request("PBC-2")])
    proxy.set_criteria(RequestCriteria(overdue=True))
    assert proxy.rowCount() == 0
    assert model.counts() == (0, 0, 2)
    timers = [t for t in model.findChildren(QTimer) if t.isSingleShot()]
    assert len(timers) == 1 and timers[0].isActive()
    assert ms_to_midnight(evening) == 31_000  # half a minute to midnight, and one second past it
    clock.now = (evening + dt.timedelta(seconds=31)).astimezone(dt.UTC)
    with qtbot.waitSignal(model.day_changed, timeout=1000):
        timers[0].timeout.emit()
    assert model.today == dt.date(2026, 3, 11)
    assert model.index(0, Column.DUE).data(Qt.ItemDataRole.ForegroundRole) == QColor("#e53935")
    assert model.counts() == (0, 1, 2)
    assert proxy.rowCount() == 1
    assert timers[0].isActive()


def test_a_searched_ref_comes_first_then_refs_starting_with_it_each_group_in_the_tables_order(
    qtmodeltester: ModelTester,
) -> None:
    model = RequestTableModel(today=TODAY)
    model.set_rows([make_request(ref) for ref in ("2330", "2331", "33", "1330", "330", "2339", "12")])
    proxy = RequestFilterProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_criteria(RequestCriteria(text="33"))
    assert refs(proxy) == ["33", "330", "2330", "2331", "1330", "2339"]
    proxy.sort(Column.REF, Qt.SortOrder.DescendingOrder)
    assert refs(proxy) == ["33", "330", "2339", "2331", "2330", "1330"]
    proxy.set_criteria(RequestCriteria())
    assert refs(proxy) == ["2339", "2331", "2330", "1330", "330", "33", "12"]


def test_without_a_sort_clearing_the_search_gives_the_checklists_order_back() -> None:
    model = RequestTableModel(today=TODAY)
    model.set_rows([make_request(ref) for ref in ("2330", "33", "1330")])
    proxy = RequestFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.set_criteria(RequestCriteria(text=" 33 "))
    assert refs(proxy) == ["33", "2330", "1330"]
    model.set_rows([make_request(ref) for ref in ("2330", "1330", "33")])  # read again: still first
    assert refs(proxy) == ["33", "2330", "1330"]
    proxy.set_criteria(RequestCriteria())
    assert refs(proxy) == ["2330", "1330", "33"]


def test_dates_flagged_also_means_evidence_flagged_for_its_date() -> None:
    model, proxy = filled()
    proxy.set_criteria(RequestCriteria(flagged=True))
    assert refs(proxy) == ["PBC-3"]  # reworded by the auditor
    model.set_date_flagged(["PBC-10"])
    assert refs(proxy) == ["PBC-10", "PBC-3"]
    model.set_date_flagged([], only=["PBC-10"])
    assert refs(proxy) == ["PBC-3"]


def test_a_sampled_request_shows_how_many_samples_are_provided_in_the_evidence_column() -> None:
    now = dt.datetime.now(dt.UTC)
    plain = any_request("PBC-001", evidence_count=2)
    sampled = any_request("PBC-002", sample_count=10, samples_provided=6)
    both = any_request("PBC-003", evidence_count=1, sample_count=4, samples_provided=4)
    assert display_values(plain, now)[6] == "2"
    assert display_values(sampled, now)[6] == "6/10 samples"
    assert display_values(both, now)[6] == "1 · 4/4 samples"
    assert sampled.missing_evidence and not both.missing_evidence
