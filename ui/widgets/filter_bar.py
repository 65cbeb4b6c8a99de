"""The filter bar above the request table: status, owner, section, flags, instant search, dashboard refs."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.models.request_table_model import RequestCriteria
from workbook.model import Status

ANY = "__any__"
NOT_READY = "__not_ready__"
UNASSIGNED = ""


class FilterBar(QWidget):
    """Emits `criteria_changed` on every change, including each keystroke in the search box.

    Below the filters, while the table shows a number clicked on the dashboard: "Showing N requests from the
    dashboard: <what> ✕", and the ✕ shows every request again.
    """

    criteria_changed = Signal(object)
    # The user changed a filter (typed, chose, ticked, cleared): the table it filters should be in view.
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filter_bar")
        self._quiet = False
        self._refs: tuple[str, ...] = ()
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(4)
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        rows.addLayout(layout)
        self.refs_bar = QFrame()
        self.refs_bar.setObjectName("dashboard_refs")
        self.refs_bar.setStyleSheet(
            "QFrame#dashboard_refs { background: palette(alternate-base); border: 1px solid palette(mid);"
            " border-radius: 4px; }"
        )
        chip = QHBoxLayout(self.refs_bar)
        chip.setContentsMargins(8, 2, 2, 2)
        self.refs_label = QLabel()
        self.refs_label.setObjectName("dashboard_refs_text")
        self.refs_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.refs_clear = QToolButton()
        self.refs_clear.setObjectName("dashboard_refs_clear")
        self.refs_clear.setText("✕")
        self.refs_clear.setAutoRaise(True)
        self.refs_clear.setAccessibleName("Show all requests again")
        self.refs_clear.setToolTip("Show all requests again")
        self.refs_clear.clicked.connect(self.clear_refs)
        chip.addWidget(self.refs_label, 1)
        chip.addWidget(self.refs_clear)
        self.refs_bar.hide()
        rows.addWidget(self.refs_bar)
        self.search = QLineEdit()
        self.search.setObjectName("search_box")
        self.search.setAccessibleName("Search requests")
        self.search.setPlaceholderText("Search ref, text, criteria, evidence… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._emit)
        self.search.textEdited.connect(self.edited)
        self.status = QComboBox()
        self.status.setObjectName("status_filter")
        self.status.setAccessibleName("Filter by status")
        self.status.addItem("Any status", ANY)
        self.status.addItem("Not ready yet", NOT_READY)
        for status in Status:
            self.status.addItem(status.label, status.value)
        self.owner = QComboBox()
        self.owner.setObjectName("owner_filter")
        self.owner.setAccessibleName("Filter by owner")
        self.section = QComboBox()
        self.section.setObjectName("section_filter")
        self.section.setAccessibleName("Filter by section")
        self.set_choices([], [])
        self.overdue = QCheckBox("Overdue")
        self.overdue.setAccessibleName("Only overdue requests")
        self.missing = QCheckBox("No evidence")
        self.missing.setAccessibleName("Only requests missing evidence")
        self.flagged = QCheckBox("Dates flagged")
        self.flagged.setAccessibleName("Only requests whose evidence dates are flagged")
        self.flagged.setToolTip(
            "Requests with evidence dated outside the audit period, older than the freshness window or "
            "undated (the ⚠ in their evidence list), or reworded by the auditor since evidence was attached"
        )
        self.reset = QToolButton()
        self.reset.setText("Clear filters")
        self.reset.setAccessibleName("Clear filters")
        self.reset.clicked.connect(self.clear)
        for combo in (self.status, self.owner, self.section):
            combo.currentIndexChanged.connect(self._emit)
            combo.activated.connect(self.edited)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMaximumWidth(170)
        for box in (self.overdue, self.missing, self.flagged):
            box.toggled.connect(self._emit)
            box.clicked.connect(self.edited)
        layout.addWidget(self.search, 3)
        layout.addWidget(self.status)
        layout.addWidget(self.owner)
        layout.addWidget(self.section)
        layout.addWidget(self.overdue)
        layout.addWidget(self.missing)
        layout.addWidget(self.flagged)
        layout.addWidget(self.reset)

    def set_choices(self, owners: Sequence[str], sections: Sequence[str]) -> None:
        """Refill the owner and section lists, keeping what is chosen."""
        self._quiet = True
        owner, section = self.owner.currentData(), self.section.currentData()
        self.owner.clear()
        self.owner.addItem("Any owner", ANY)
        self.owner.addItem("Unassigned", UNASSIGNED)
        for name in owners:
            self.owner.addItem(name, name)
        self.section.clear()
        self.section.addItem("Any section", ANY)
        for name in sections:
            self.section.addItem(name, name)
        self._select(self.owner, owner)
        self._select(self.section, section)
        self._quiet = False
        kept = [(combo.currentData(), data) for combo, data in ((self.owner, owner), (self.section, section))]
        if any(data is not None and now != data for now, data in kept):
            # The chosen owner or section is gone (undo, merge, import): the table must stop filtering by it.
            self._emit()

    @staticmethod
    def _select(combo: QComboBox, data: object) -> None:
        index = combo.findData(data) if data is not None else -1
        combo.setCurrentIndex(max(index, 0))

    def criteria(self) -> RequestCriteria:
        status = self.status.currentData()
        if status == NOT_READY:
            statuses = tuple(s for s in Status if not s.is_ready)
        elif status in (ANY, None):
            statuses = ()
        else:
            statuses = (Status(status),)
        owner = self.owner.currentData()
        section = self.section.currentData()
        return RequestCriteria(
            statuses=statuses,
            owner=None if owner in (ANY, None) else str(owner),
            section=None if section in (ANY, None) else str(section),
            overdue=self.overdue.isChecked(),
            missing_evidence=self.missing.isChecked(),
            flagged=self.flagged.isChecked(),
            text=self.search.text(),
            refs=self._refs,
        )

    def state(self) -> dict[str, object]:
        """What is remembered between sessions (not the search text)."""
        return {
            "status": self.status.currentData(),
            "owner": self.owner.currentData(),
            "section": self.section.currentData(),
            "overdue": self.overdue.isChecked(),
            "missing": self.missing.isChecked(),
            "flagged": self.flagged.isChecked(),
        }

    @property
    def refs(self) -> tuple[str, ...]:
        """The requests a dashboard click asked for (empty: no such filter)."""
        return self._refs

    def show_refs(self, refs: Sequence[str], description: str) -> None:
        """Exactly `refs` (a number clicked on the dashboard), the other filters and the search cleared."""
        self._quiet = True
        self.search.clear()
        self._apply({})
        self._set_refs(refs, description)
        self._quiet = False
        self._emit()

    def clear_refs(self) -> None:
        """Back from the dashboard's requests to every request (the other filters stay)."""
        if self._refs:
            self._set_refs((), "")
            self._emit()

    def _set_refs(self, refs: Sequence[str], description: str) -> None:
        self._refs = tuple(dict.fromkeys(refs))
        count = len(self._refs)
        text = f"Showing {count:,} request{'' if count == 1 else 's'} from the dashboard: {description}"
        self.refs_label.setText(text)
        self.refs_label.setToolTip(text)
        self.refs_bar.setAccessibleName(text)
        self.refs_bar.setVisible(bool(self._refs))

    def restore(self, state: dict[str, object]) -> None:
        """The remembered filters; a dashboard click's refs are never remembered, so they go."""
        self._quiet = True
        self._apply(state)
        self._quiet = False
        self._emit()

    def _apply(self, state: dict[str, object]) -> None:
        self._set_refs((), "")
        self._select(self.status, state.get("status", ANY))
        self._select(self.owner, state.get("owner", ANY))
        self._select(self.section, state.get("section", ANY))
        self.overdue.setChecked(bool(state.get("overdue", False)))
        self.missing.setChecked(bool(state.get("missing", False)))
        self.flagged.setChecked(bool(state.get("flagged", False)))

    def clear(self) -> None:
        self._quiet = True
        self.search.clear()
        self.restore({})

    def _emit(self) -> None:
        if not self._quiet:
            self.criteria_changed.emit(self.criteria())
