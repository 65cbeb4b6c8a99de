"""Dashboard | Requests: the switch in the request table's place, the dashboard kept in step with the table.

The dashboard reads the table model's rows (the requests the window shows, with the refs whose evidence dates
are flagged), so a number clicked on it filters the same rows it counted; the samples missing per owner are
read through the open workbook's sample service. It is what a workbook with requests
opens on unless the user last chose the requests; an empty workbook opens on the table, which offers the
import.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QBoxLayout, QMenu, QScrollArea, QSplitter, QStackedWidget, QTabBar

from ui.models.request_table_model import Column, RequestTableModel
from ui.request_list import RequestList
from ui.settings import Settings
from ui.widgets.dashboard import Dashboard
from ui.widgets.filter_bar import FilterBar
from ui.widgets.request_table import RequestTableView
from workbook.readiness import readiness

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class View(enum.StrEnum):
    DASHBOARD = "dashboard"
    REQUESTS = "requests"


VIEW_TITLES = {View.DASHBOARD: "Dashboard", View.REQUESTS: "Requests"}


class DashboardView(QObject):
    """The dashboard beside the request table, one shown at a time; the user's choice is remembered."""

    # The view shown changed; carries the View.
    view_changed = Signal(object)

    def __init__(
        self,
        window: MainWindow,
        model: RequestTableModel,
        table: RequestTableView,
        filter_bar: FilterBar,
        request_list: RequestList,
        settings: Settings,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._model = model
        self._table = table
        self._filter_bar = filter_bar
        self._request_list = request_list
        self._settings = settings
        self.view = View.REQUESTS
        # The file the view was chosen for: the choice is made once per opening, not at every refresh.
        self._chosen_for: str | None = None
        self._stale = True
        # How long the last count of the rows took (seconds): it paces the next one.
        self.last_refresh = 0.0

        self.dashboard = Dashboard()
        self.scroller = QScrollArea()
        self.scroller.setObjectName("dashboard_scroller")
        self.scroller.setWidgetResizable(True)
        self.scroller.setWidget(self.dashboard)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        self.stack.setObjectName("workspace_views")
        self.switch = QTabBar()
        self.switch.setObjectName("view_switch")
        self.switch.setAccessibleName("View")
        self.switch.setExpanding(False)
        self.switch.setDrawBase(False)
        self.actions: dict[View, QAction] = {}
        group = QActionGroup(self)
        for view, keys in ((View.DASHBOARD, "Ctrl+D"), (View.REQUESTS, "Ctrl+R")):
            self.switch.addTab(VIEW_TITLES[view])
            self.switch.setTabToolTip(self.switch.count() - 1, f"{VIEW_TITLES[view]} ({keys})")
            action = QAction(f"&{VIEW_TITLES[view]}", window)
            action.setObjectName(f"view_{view.value}")
            action.setShortcut(QKeySequence(keys))
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, v=view: self.choose(v))
            group.addAction(action)
            window.addAction(action)
            self.actions[view] = action
        self.switch.currentChanged.connect(self._on_switch_changed)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        for signal in (model.modelReset, model.flags_changed, model.day_changed):
            signal.connect(self._on_rows_changed)
        model.dataChanged.connect(self._on_data_changed)
        # A sample added or given a file may leave its request's row as it was: the samples are counted again.
        window.requests_changed.connect(lambda _changes: self._on_rows_changed())
        self.dashboard.show_refs.connect(self.show_refs)
        # A filter the user changes filters the table: it comes into view (Ctrl+F reaches the search box).
        filter_bar.edited.connect(self._on_filter_edited)
        # After the window has shown the file's rows: then the view can be chosen by whether there are any.
        window.snapshot_shown.connect(self._on_workbook_shown)
        window.workbook_opened.connect(self._on_workbook_shown)
        window.session.closed.connect(self._on_closed)
        self._set_enabled(False)

    def place_in(self, layout: QBoxLayout, splitter: QSplitter) -> None:
        """The switch above the filter bar; the views where the table was in the splitter."""
        layout.insertWidget(layout.indexOf(self._filter_bar), self.switch)
        self.stack.setSizePolicy(self._table.sizePolicy())  # the table's stretch in the splitter
        splitter.replaceWidget(splitter.indexOf(self._table), self.stack)
        self.stack.addWidget(self.scroller)
        self.stack.addWidget(self._table)
        self._show(View.REQUESTS)

    def add_to_menu(self, menu: QMenu, find: QAction) -> None:
        """Dashboard and Requests first in the View menu; Find (Ctrl+F) on the dashboard goes to search."""
        ours = list(self.actions.values())
        first = next(iter(menu.actions()), None)
        if first is None:
            menu.addActions(ours)
        else:
            menu.insertActions(first, ours)
            menu.insertSeparator(first)
        find.triggered.connect(self._on_find)

    def _on_closed(self) -> None:
        """The workbook closed: the next one chooses its view again."""
        self._chosen_for = None
        self._set_enabled(False)
        self.dashboard.set_readiness(None)
        self._stale = True

    # Which view

    def choose(self, view: View) -> None:
        """The user chose a view (switch, menu, shortcut): shown, focused and remembered."""
        self._show(view)
        self._settings.workspace_view = view.value
        (self.dashboard if view is View.DASHBOARD else self._table).setFocus(
            Qt.FocusReason.ShortcutFocusReason
        )

    def _on_switch_changed(self, index: int) -> None:
        if index >= 0:
            self._show(list(View)[index])
            self._settings.workspace_view = self.view.value

    def _show(self, view: View) -> None:
        self.view = view
        if view is View.DASHBOARD and self._stale:
            self.refresh()
        self.stack.setCurrentWidget(self.scroller if view is View.DASHBOARD else self._table)
        self._filter_bar.setVisible(view is View.REQUESTS)
        self.switch.blockSignals(True)
        self.switch.setCurrentIndex(list(View).index(view))
        self.switch.blockSignals(False)
        self.actions[view].setChecked(True)
        self.view_changed.emit(view)

    def _on_workbook_shown(self, path: str) -> None:
        """Once per opening: the dashboard when the workbook has requests and it was the last choice."""
        self._set_enabled(True)
        if self._chosen_for == path:
            return
        self._chosen_for = path
        wanted = View.DASHBOARD if self._settings.workspace_view != View.REQUESTS.value else View.REQUESTS
        self._show(wanted if self._model.rowCount() else View.REQUESTS)

    def _set_enabled(self, enabled: bool) -> None:
        for action in self.actions.values():
            action.setEnabled(enabled)
        self.switch.setEnabled(enabled)

    def _on_filter_edited(self) -> None:
        if self.view is not View.REQUESTS:
            self._show(View.REQUESTS)

    def _on_find(self) -> None:
        if self.view is View.DASHBOARD:
            self._show(View.REQUESTS)
            self._request_list.focus_search()

    # Click-through

    def show_refs(self, refs: Sequence[str], description: str) -> None:
        """The request table with exactly `refs` (a number clicked on the dashboard), saying so above it."""
        self._filter_bar.show_refs(refs, description)
        self._show(View.REQUESTS)
        if self._request_list.current_ref not in refs:
            self._request_list.select_first()
        self._table.setFocus(Qt.FocusReason.OtherFocusReason)

    # Keeping up with the rows

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        if top_left.column() == bottom_right.column() == Column.CHANGED:
            return  # "Last change" ageing by the minute: no figure depends on it
        self._on_rows_changed()

    def _on_rows_changed(self) -> None:
        self._stale = True
        if self.view is View.DASHBOARD and not self._timer.isActive():
            # A burst of changes is counted once. Counting 10,000 requests takes tens of milliseconds: then
            # at most one count per four times that, so edits and jobs keep the window responsive.
            slow = self.last_refresh > 0.02
            self._timer.start(min(int(self.last_refresh * 4000), 1000) if slow else 0)

    def refresh(self) -> None:
        """Count the table's rows again (soon after they change, while the dashboard is shown)."""
        self._timer.stop()
        started = time.perf_counter()
        model = self._model
        workbook = self._window.session.workbook
        samples = workbook.samples.summaries() if workbook is not None else ()
        self.dashboard.set_readiness(readiness(model.requests(), model.today, model.date_flagged, samples))
        self._stale = False
        self.last_refresh = time.perf_counter() - started
