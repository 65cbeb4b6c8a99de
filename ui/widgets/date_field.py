"""A date typed as text (ISO or the locale's short date) or picked on a calendar; empty means no date."""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Two-digit years typed in the locale's short form (`9/30/25`) are read as 2000-2099.
BASE_YEAR = 2000
EXAMPLE = dt.date(2026, 9, 30)
INVALID_STYLE = "QLineEdit { border: 1px solid #c62828; }"


def _to_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def short_formats(locale: QLocale) -> list[str]:
    """The locale's short date format, with a four-digit year first (people type `30/09/2026` too)."""
    short = locale.dateFormat(QLocale.FormatType.ShortFormat)
    four = re.sub(r"(?<!y)yy(?!y)", "yyyy", short)
    return list(dict.fromkeys([four, short]))


def parse_date(text: str, locale: QLocale | None = None) -> dt.date | None:
    """The date in `text`: ISO `2026-09-30` or the locale's short date; None for empty text.

    Raises ValueError (with words saying what is accepted) for anything else.
    """
    text = text.strip()
    if not text:
        return None
    iso = ISO_DATE.fullmatch(text)
    if iso is not None:
        try:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            raise ValueError(f"“{text}” is not a date. {accepted_words(locale)}") from None
    for form in short_formats(locale or QLocale()):
        value = QDate.fromString(text, form, BASE_YEAR)
        if value.isValid():
            return _to_date(value)
    raise ValueError(f"“{text}” is not a date. {accepted_words(locale)}")


def accepted_words(locale: QLocale | None = None) -> str:
    """What a date field accepts, with examples: `Type it as 2026-09-30 or 9/30/2026.`"""
    local = (locale or QLocale()).toString(
        QDate(EXAMPLE.year, EXAMPLE.month, EXAMPLE.day), short_formats(locale or QLocale())[0]
    )
    iso = EXAMPLE.isoformat()
    return f"Type it as {iso}" + (f" or {local}." if local and local != iso else ".")


class DateField(QWidget):
    """A line edit for a date and a button that opens a calendar on the date shown (or today).

    Typing replaces what is there, whole: `2025-09-30` typed over `2026-01-01` is 2025-09-30. Empty text
    means "no date" and shows `empty_text` greyed, so there is nothing special to type over. `edited` is
    emitted when the user finished typing (Enter or leaving the field) or picked a day on the calendar.
    """

    edited = Signal()

    def __init__(self, name: str, label: str, empty_text: str = "", parent: QWidget | None = None) -> None:
        """`name`: the line edit's object name; `label`: its accessible name (`Due date`)."""
        super().__init__(parent)
        self._locale = QLocale()
        self.setObjectName(f"{name}_field")
        self.edit = QLineEdit()
        self.edit.setObjectName(name)
        self.edit.setAccessibleName(label)
        self.edit.setPlaceholderText(empty_text)
        self.edit.setToolTip(accepted_words(self._locale))
        self.edit.editingFinished.connect(self._on_edit_editing_finished)
        self.edit.textChanged.connect(self._on_edit_text_changed)
        self.calendar_button = QToolButton()
        self.calendar_button.setObjectName(f"{name}_calendar_button")
        self.calendar_button.setArrowType(Qt.ArrowType.DownArrow)
        # The arrow is the button's whole face; the menu's own small indicator would be a second one.
        self.calendar_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.calendar_button.setToolTip("Pick the date on a calendar")
        self.calendar_button.setAccessibleName(f"Pick the {label.lower()} on a calendar")
        self.calendar_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("date_calendar")
        self.calendar.setGridVisible(False)
        self.calendar.clicked.connect(self._on_calendar_clicked)
        self.calendar.activated.connect(self._on_calendar_clicked)
        self._menu = QMenu(self)
        holder = QWidgetAction(self._menu)
        holder.setDefaultWidget(self.calendar)
        self._menu.addAction(holder)
        self._menu.aboutToShow.connect(self._on_menu_about_to_show)
        self.calendar_button.setMenu(self._menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.calendar_button)
        self.setFocusProxy(self.edit)

    def set_date(self, value: dt.date | None) -> None:
        """Show `value` (None: empty, "no date")."""
        self.edit.setText(value.isoformat() if value else "")

    def text(self) -> str:
        return self.edit.text()

    def is_valid(self) -> bool:
        try:
            parse_date(self.edit.text(), self._locale)
        except ValueError:
            return False
        return True

    def date(self) -> dt.date | None:
        """The date typed or picked; None when empty. Raises ValueError when the text is not a date."""
        return parse_date(self.edit.text(), self._locale)

    def problem(self) -> str:
        """Why the text is not a date, and what is accepted; empty when it is one (or empty)."""
        try:
            parse_date(self.edit.text(), self._locale)
        except ValueError as error:
            return str(error)
        return ""

    def _on_edit_text_changed(self, _text: str) -> None:
        self.edit.setStyleSheet("" if self.is_valid() else INVALID_STYLE)

    def _on_edit_editing_finished(self) -> None:
        try:
            value = self.date()
        except ValueError:
            value = None
        if value is not None:
            # Shown the one way the app writes dates, whatever form it was typed in.
            self.edit.setText(value.isoformat())
        self.edited.emit()

    def _on_menu_about_to_show(self) -> None:
        try:
            value = self.date()
        except ValueError:
            value = None
        shown = value or dt.date.today()
        self.calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        self.calendar.setCurrentPage(shown.year, shown.month)
        self.calendar.setFocus(Qt.FocusReason.PopupFocusReason)

    def _on_calendar_clicked(self, value: QDate) -> None:
        self._menu.close()
        self.edit.setText(_to_date(value).isoformat())
        self.edited.emit()
