"""The request panel's samples tab: what each sample needs, the grid of samples × items, one sample's details.

Every action is emitted as an intent for the window's sample actions (`ui/sample_actions.py`), as the
evidence tab does; the tab shows the `SampleGrid` it is given and keeps the cell selected across refreshes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.sample_grid import (
    SampleGridModel,
    SampleGridView,
    grid_summary,
    sample_words,
)
from workbook.model import Sample, SampleFile, SampleGrid, Status

PLACEHOLDER = (
    "No samples yet. Use Add samples… to paste the auditor's selection (one id per line) "
    "or read it from their spreadsheet."
)


class SamplesTab(QWidget):
    """Shows a request's samples; every edit is emitted as an intent, never written here."""

    # The ref whose grid the tab wants (shown, or shown again after a change).
    grid_wanted = Signal(str)
    # "paste" or "spreadsheet".
    add_requested = Signal(str)
    remove_requested = Signal(list)
    # (before, after, {old: new}) of the required items.
    required_changed = Signal(tuple, tuple, dict)
    # (sample id, field, value): "status" with a Status, "notes" with text.
    sample_edited = Signal(str, str, object)
    # (sample id, requirement): pick files to give for that cell.
    attach_requested = Signal(str, str)
    files_dropped = Signal(str, str, list)
    open_requested = Signal(str, str)
    # (sample id, [(sha256, name, requirement)]).
    unlink_requested = Signal(str, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ref: str | None = None
        self.grid: SampleGrid | None = None
        self._writable = False
        self._loading = False
        self.context_menu: QMenu | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)

        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("sample_summary")
        self.summary.setAccessibleName("Samples provided")
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.summary.setWordWrap(True)
        self.summary.setMinimumWidth(1)
        self.paste_action = QAction("&Paste or type ids…", self)
        self.paste_action.setObjectName("add_samples_paste")
        self.paste_action.triggered.connect(lambda: self.add_requested.emit("paste"))
        self.import_action = QAction("&Import from spreadsheet…", self)
        self.import_action.setObjectName("add_samples_import")
        self.import_action.triggered.connect(lambda: self.add_requested.emit("spreadsheet"))
        add_menu = QMenu(self)
        add_menu.addActions([self.paste_action, self.import_action])
        self.add_button = QToolButton()
        self.add_button.setObjectName("add_samples_button")
        self.add_button.setText("Add samples…")
        self.add_button.setAccessibleName("Add samples to this request")
        self.add_button.setToolTip("Paste or type the auditor's selection, or import their spreadsheet")
        self.add_button.setMenu(add_menu)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.add_button.clicked.connect(lambda: self.add_requested.emit("paste"))
        self.remove_button = QToolButton()
        self.remove_button.setObjectName("remove_samples_button")
        self.remove_button.setText("Remove")
        self.remove_button.setAccessibleName("Remove the selected samples")
        self.remove_button.setToolTip(
            "Remove the selected samples (their files stay stored; undo brings them back)"
        )
        self.remove_button.clicked.connect(self._on_remove_clicked)
        top.addWidget(self.summary, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.remove_button)
        layout.addLayout(top)

        self.needs_toggle = QToolButton()
        self.needs_toggle.setObjectName("required_toggle")
        self.needs_toggle.setCheckable(True)
        self.needs_toggle.setAutoRaise(True)
        self.needs_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.needs_toggle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.needs_toggle.toggled.connect(self._on_needs_toggled)
        # Once the user opens or closes the list, it stays so for that request.
        self.needs_toggle.clicked.connect(lambda: setattr(self, "_needs_chosen", True))
        self._needs_chosen = False
        layout.addWidget(self.needs_toggle)
        self.needs_box = QWidget()
        needs = QVBoxLayout(self.needs_box)
        needs.setContentsMargins(16, 0, 0, 4)
        add_row = QHBoxLayout()
        self.new_item = QLineEdit()
        self.new_item.setObjectName("new_required_item")
        self.new_item.setAccessibleName("New required item")
        self.new_item.setPlaceholderText("What each sample needs, e.g. offer letter")
        self.new_item.returnPressed.connect(self._on_add_item)
        self.add_item_button = QPushButton("Add")
        self.add_item_button.setAccessibleName("Add required item")
        self.add_item_button.clicked.connect(self._on_add_item)
        self.remove_item_button = QPushButton("Remove")
        self.remove_item_button.setObjectName("remove_required_item")
        self.remove_item_button.setAccessibleName("Remove the selected required item")
        self.remove_item_button.clicked.connect(self._on_remove_item)
        add_row.addWidget(self.new_item, 1)
        add_row.addWidget(self.add_item_button)
        add_row.addWidget(self.remove_item_button)
        needs.addLayout(add_row)
        self.required_list = QListWidget()
        self.required_list.setObjectName("required_items")
        self.required_list.setAccessibleName("Required items (double-click to rename)")
        self.required_list.setToolTip(
            "Double-click (or F2) an item to rename it; its files follow the new name"
        )
        self.required_list.setMaximumHeight(self.fontMetrics().height() * 5)
        self.required_list.itemChanged.connect(self._on_item_renamed)
        self.required_list.currentRowChanged.connect(lambda _row: self._update_buttons())
        needs.addWidget(self.required_list)
        layout.addWidget(self.needs_box)

        self.model = SampleGridModel(self)
        self.view = SampleGridView()
        self.view.setModel(self.model)
        self.view.placeholder = PLACEHOLDER
        # The grid yields its room to the buttons and the sample's details when the panel runs out of height.
        self.view.setMinimumHeight(self.view.verticalHeader().defaultSectionSize() * 4)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.view.files_dropped.connect(self.files_dropped)
        self.view.activated.connect(self._on_cell_activated)
        self.view.doubleClicked.connect(self._on_cell_activated)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._on_selection_changed())
        self.view.selectionModel().currentChanged.connect(lambda *_: self._on_selection_changed())
        layout.addWidget(self.view, 1)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.view)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._on_unlink_clicked)

        cell_row = QHBoxLayout()
        self.cell_label = QLabel()
        self.cell_label.setObjectName("sample_cell_label")
        self.cell_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.attach_button = QPushButton("Attach…")
        self.attach_button.setObjectName("attach_sample_file")
        self.attach_button.setAccessibleName("Attach files for the selected cell")
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("open_sample_file")
        self.open_button.setAccessibleName("Open the selected cell's file")
        self.unlink_button = QPushButton("Remove file")
        self.unlink_button.setObjectName("unlink_sample_file")
        self.unlink_button.setAccessibleName("Remove the selected cell's file from the sample")
        self.unlink_button.setToolTip(
            "Take the file off this sample (Delete); it stays stored, undo gives it back"
        )
        self.attach_button.clicked.connect(self._on_attach_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.unlink_button.clicked.connect(self._on_unlink_clicked)
        cell_row.addWidget(self.cell_label, 1)
        for button in (self.attach_button, self.open_button, self.unlink_button):
            cell_row.addWidget(button)
        layout.addLayout(cell_row)

        detail = QHBoxLayout()
        self.sample_status = QComboBox()
        self.sample_status.setObjectName("sample_status")
        self.sample_status.setAccessibleName("Status of the selected sample")
        for status in Status:
            self.sample_status.addItem(status.label, status.value)
        self.sample_status.activated.connect(self._on_status_activated)
        self.sample_notes = QLineEdit()
        self.sample_notes.setObjectName("sample_notes")
        self.sample_notes.setAccessibleName("Notes on the selected sample")
        self.sample_notes.setPlaceholderText("Notes on this sample (Enter saves)")
        self.sample_notes.editingFinished.connect(self._on_notes_finished)
        detail.addWidget(self.sample_status)
        detail.addWidget(self.sample_notes, 1)
        layout.addLayout(detail)
        self.clear()

    # What is shown

    def show_request(self, ref: str, *, writable: bool) -> None:
        """The panel shows `ref`: its grid is asked for (`grid_wanted`), kept until it arrives if same."""
        if ref != self.ref:
            self.ref = ref
            self._needs_chosen = False
            self.grid = None
            self.set_grid(None, writable=writable)
        self._writable = writable
        self.grid_wanted.emit(ref)

    def clear(self) -> None:
        self.ref = None
        self.set_grid(None, writable=False)

    def set_grid(self, grid: SampleGrid | None, *, writable: bool) -> None:
        """Show `grid` (None: nothing yet); the selected cells and the notes being typed are kept."""
        kept = self._selected_cells()
        current = self.view.currentIndex()
        current_key = self._cell_key(current) if current.isValid() else None
        self._loading = True
        self.grid = grid
        self._writable = writable
        self.model.set_grid(grid)
        self.view.fit_columns()
        self._show_required(grid.required if grid is not None else ())
        self.summary.setText(
            grid_summary(grid) if grid is not None or self.ref is None else "Reading the samples…"
        )
        selection = self.view.selectionModel()
        for code, column in kept:
            row = self.model.row_of(code)
            if row is not None and column < self.model.columnCount():
                selection.select(self.model.index(row, column), QItemSelectionModel.SelectionFlag.Select)
        if current_key is not None:
            row = self.model.row_of(current_key[0])
            if row is not None and current_key[1] < self.model.columnCount():
                selection.setCurrentIndex(
                    self.model.index(row, current_key[1]), QItemSelectionModel.SelectionFlag.NoUpdate
                )
        self._loading = False
        for widget in (self.add_button, self.new_item, self.add_item_button, self.required_list):
            widget.setEnabled(writable)
        self.view.setAcceptDrops(writable)
        self._on_selection_changed()

    def _show_required(self, required: Sequence[str]) -> None:
        self.required_list.blockSignals(True)
        self.required_list.clear()
        for item in required:
            entry = QListWidgetItem(item)
            entry.setData(Qt.ItemDataRole.UserRole, item)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsEditable)
            self.required_list.addItem(entry)
        self.required_list.blockSignals(False)
        words = ", ".join(required) if required else "any one file (name the items to check them one by one)"
        self.needs_toggle.setText(f"Each sample needs: {words}")
        self.needs_toggle.setToolTip(f"Each sample needs: {words}\nClick to edit the list")
        # Open while nothing is named (the grid gets the room once the list is made), unless the user chose.
        if not self._needs_chosen and self.grid is not None:
            self.needs_toggle.setChecked(not required)
        self._on_needs_toggled(self.needs_toggle.isChecked())

    def _on_needs_toggled(self, shown: bool) -> None:
        self.needs_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.needs_box.setVisible(shown)
        self._update_buttons()

    # Selection

    def _cell_key(self, index: QModelIndex) -> tuple[str, int]:
        return self.model.sample_at(index.row()).code, index.column()

    def _selected_cells(self) -> list[tuple[str, int]]:
        if self.model.grid is None:
            return []
        return [self._cell_key(i) for i in self.view.selectionModel().selectedIndexes()]

    def selected_samples(self) -> list[Sample]:
        """The samples with a selected cell, in the grid's order."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()})
        return [self.model.sample_at(row) for row in rows] if self.model.grid is not None else []

    def current_cell(self) -> QModelIndex:
        """The cell the buttons act on: the current one when it is selected."""
        index = self.view.currentIndex()
        if index.isValid() and self.view.selectionModel().isSelected(index):
            return index
        selected = self.view.selectionModel().selectedIndexes()
        return selected[0] if len(selected) == 1 else QModelIndex()

    def select_cell(self, code: str, column: int) -> None:
        row = self.model.row_of(code)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row, column))

    def _on_selection_changed(self) -> None:
        if self._loading:
            return
        cell = self.current_cell()
        samples = self.selected_samples()
        one = samples[0] if len(samples) == 1 else None
        files = self.model.files_at(cell) if cell.isValid() else ()
        writable = self._writable
        self.remove_button.setEnabled(writable and bool(samples))
        self.attach_button.setEnabled(writable and cell.isValid())
        self.open_button.setEnabled(bool(files))
        self.unlink_button.setEnabled(writable and bool(files))
        if cell.isValid() and one is not None:
            item = self.model.item_at(cell.column())
            what = item if item is not None and self.grid and self.grid.required else "any file"
            self.cell_label.setText(f"{one.code} · {what}" if item is not None else sample_words(one))
        else:
            self.cell_label.setText(
                f"{len(samples)} samples selected" if samples else "Select a cell to attach or open its file"
            )
        self.sample_status.setEnabled(writable and one is not None)
        if one is not None:
            self.sample_status.setCurrentIndex(list(Status).index(one.status))
        # The notes being typed are not replaced by a refresh of the same sample.
        editing = self.sample_notes.hasFocus() and self.sample_notes.isModified()
        shown_for = self.sample_notes.property("sample")
        if not (editing and one is not None and shown_for == one.code):
            self.sample_notes.setText(one.notes if one is not None else "")
            self.sample_notes.setModified(False)
            self.sample_notes.setProperty("sample", one.code if one is not None else "")
        self.sample_notes.setEnabled(writable and one is not None)

    def _update_buttons(self) -> None:
        self.remove_item_button.setEnabled(self._writable and self.required_list.currentRow() >= 0)

    # Intents

    def _required(self) -> tuple[str, ...]:
        return self.grid.required if self.grid is not None else ()

    def _on_add_item(self) -> None:
        name = " ".join(self.new_item.text().split())
        before = self._required()
        if not name or not self._writable or self.ref is None:
            return
        self.new_item.clear()
        if name.casefold() in {i.casefold() for i in before}:
            return
        self.required_changed.emit(before, (*before, name), {})

    def _on_remove_item(self) -> None:
        row = self.required_list.currentRow()
        before = self._required()
        if row < 0 or row >= len(before) or not self._writable:
            return
        self.required_changed.emit(before, tuple(i for n, i in enumerate(before) if n != row), {})

    def _on_item_renamed(self, entry: QListWidgetItem) -> None:
        before = self._required()
        old = str(entry.data(Qt.ItemDataRole.UserRole))
        new = " ".join(entry.text().split())
        others = {i.casefold() for i in before if i != old}
        if not new or new == old or new.casefold() in others or old not in before:
            self.required_list.blockSignals(True)
            entry.setText(old)  # blank or a name already used: the old name stays
            self.required_list.blockSignals(False)
            return
        after = tuple(new if i == old else i for i in before)
        self.required_changed.emit(before, after, {old: new})

    def _on_remove_clicked(self) -> None:
        codes = [s.code for s in self.selected_samples()]
        if codes and self._writable:
            self.remove_requested.emit(codes)

    def _on_status_activated(self, index: int) -> None:
        samples = self.selected_samples()
        if self._loading or len(samples) != 1:
            return
        status = Status(str(self.sample_status.itemData(index)))
        if status is not samples[0].status:
            self.sample_edited.emit(samples[0].code, "status", status)

    def _on_notes_finished(self) -> None:
        samples = self.selected_samples()
        code = str(self.sample_notes.property("sample") or "")
        sample = next((s for s in samples if s.code == code), None)
        if self._loading or sample is None or not self._writable:
            return
        text = self.sample_notes.text().strip()
        self.sample_notes.setModified(False)
        if text != sample.notes:
            self.sample_edited.emit(sample.code, "notes", text)

    def _on_cell_activated(self, index: QModelIndex) -> None:
        """Double-click or Enter: a cell with a file opens it; an empty one asks for files to attach."""
        if not index.isValid():
            return
        files = self.model.files_at(index)
        if files:
            self._open(files, self.view.visualRect(index).bottomLeft())
        elif self.model.item_at(index.column()) is not None and self._writable:
            self.attach_requested.emit(
                self.model.sample_at(index.row()).code, self.model.requirement_at(index.column())
            )

    def _on_attach_clicked(self) -> None:
        cell = self.current_cell()
        if cell.isValid() and self._writable:
            code = self.model.sample_at(cell.row()).code
            self.attach_requested.emit(code, self.model.requirement_at(cell.column()))

    def _on_open_clicked(self) -> None:
        cell = self.current_cell()
        files = self.model.files_at(cell) if cell.isValid() else ()
        if files:
            self._open(files, self.open_button.rect().bottomLeft(), self.open_button)

    def _open(self, files: Sequence[SampleFile], at: QPoint, widget: QWidget | None = None) -> None:
        if len(files) == 1:
            self.open_requested.emit(files[0].sha256, files[0].name)
            return
        menu = QMenu(self)
        for file in files:
            menu.addAction(file.name, partial(self.open_requested.emit, file.sha256, file.name))
        menu.popup((widget or self.view.viewport()).mapToGlobal(at))

    def _on_unlink_clicked(self) -> None:
        cell = self.current_cell()
        files = self.model.files_at(cell) if cell.isValid() else ()
        if not files or not self._writable:
            return
        code = self.model.sample_at(cell.row()).code
        links = [(f.sha256, f.name, f.requirement) for f in files]
        if len(files) == 1 or self.sender() is not self.unlink_button:
            self.unlink_requested.emit(code, links)
            return
        menu = QMenu(self)
        for link in links:
            menu.addAction(f"Remove {link[1]}", partial(self.unlink_requested.emit, code, [link]))
        menu.addSeparator()
        menu.addAction("Remove all of them", lambda: self.unlink_requested.emit(code, links))
        menu.popup(self.unlink_button.mapToGlobal(self.unlink_button.rect().bottomLeft()))

    def _on_view_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        if not self.view.selectionModel().isSelected(index):
            self.view.setCurrentIndex(index)
        sample = self.model.sample_at(index.row())
        menu = QMenu(self)
        menu.setObjectName("sample_menu")
        requirement = self.model.requirement_at(index.column())
        attach = menu.addAction(
            f"Attach files for {requirement or 'this sample'}…",
            lambda: self.attach_requested.emit(sample.code, requirement),
        )
        attach.setEnabled(self._writable)
        files = self.model.files_at(index)
        for file in files:
            menu.addAction(f"Open {file.name}", partial(self.open_requested.emit, file.sha256, file.name))
        for file in files:
            remove = menu.addAction(
                f"Remove {file.name} from {sample.code}",
                partial(
                    self.unlink_requested.emit, sample.code, [(file.sha256, file.name, file.requirement)]
                ),
            )
            remove.setEnabled(self._writable)
        menu.addSeparator()
        removing = self.selected_samples() or [sample]
        words = sample.code if len(removing) == 1 else f"{len(removing)} samples"
        remove_samples = menu.addAction(
            f"Remove {words} from the request", lambda: self.remove_requested.emit([s.code for s in removing])
        )
        remove_samples.setEnabled(self._writable)
        menu.popup(self.view.viewport().mapToGlobal(pos))
        self.context_menu = menu
