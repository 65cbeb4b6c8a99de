"""Every remembered option declared once with its default, over QSettings."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QLocale, QSettings

MAX_RECENT = 12
THEMES = ("system", "light", "dark")
EXPORT_OUTPUTS = ("pdf", "zip", "xlsx")


class Key(enum.StrEnum):
    """Every remembered option and view state, by its QSettings key: the one place they are named."""

    DISPLAY_NAME = "identity/display_name"
    LAST_FOLDER = "paths/last_folder"
    DEMO_FOLDER = "paths/demo_folder"
    # Where evidence was last picked from, and where the last package was exported ("": the workbook's).
    EVIDENCE_FOLDER = "paths/evidence_folder"
    EXPORT_FOLDER = "paths/export_folder"
    RECENT = "recent/workbooks"
    # Preferences: "system", "light" or "dark"; the export dialog's defaults.
    THEME = "appearance/theme"
    EXPORT_PAGE_SIZE = "export/page_size"
    EXPORT_FINAL = "export/final"
    EXPORT_OUTPUTS = "export/outputs"
    BACKUPS_KEPT = "backups/daily_kept"
    FILTERS = "filters/requests"
    # What a workbook with requests opens on: "dashboard" or "requests" (the user's last choice).
    WORKSPACE_VIEW = "view/workspace"
    MAIN_GEOMETRY = "state/main_window/geometry"
    MAIN_STATE = "state/main_window/state"
    MAIN_SPLITTER = "state/main_splitter"
    TABLE_HEADER = "state/request_table/header"


# Each option's default, beside its key; view states default to "nothing saved".
DEFAULTS: dict[Key, str] = {
    Key.DISPLAY_NAME: "",
    Key.LAST_FOLDER: str(Path.home()),
    Key.DEMO_FOLDER: str(Path.home() / "AuditWorkbookDemo"),
    Key.EVIDENCE_FOLDER: "",
    Key.EXPORT_FOLDER: "",
    Key.RECENT: "[]",
    Key.THEME: "system",
    # "": the locale's paper (Letter in the US and Canada, A4 elsewhere).
    Key.EXPORT_PAGE_SIZE: "",
    Key.EXPORT_FINAL: "0",
    Key.EXPORT_OUTPUTS: "pdf,zip,xlsx",
    Key.BACKUPS_KEPT: "7",
    Key.FILTERS: "{}",
    Key.WORKSPACE_VIEW: "dashboard",
}


@dataclass(frozen=True)
class RecentWorkbook:
    """What the start page shows without opening the file."""

    path: str
    client: str = ""
    ready: int = 0
    total: int = 0
    last_opened: str = ""

    @property
    def exists(self) -> bool:
        return Path(self.path).is_file()


class Settings:
    """Typed access to the app's QSettings; the composition root hands one instance to whoever needs it."""

    def __init__(self, store: QSettings) -> None:
        self._store = store

    @property
    def store(self) -> QSettings:
        return self._store

    def _text(self, key: Key) -> str:
        default = DEFAULTS.get(key, "")
        value = self._store.value(key.value, default)
        return value if isinstance(value, str) else default

    @property
    def display_name(self) -> str:
        return self._text(Key.DISPLAY_NAME)

    @display_name.setter
    def display_name(self, name: str) -> None:
        self._store.setValue(Key.DISPLAY_NAME.value, name.strip())

    @property
    def last_folder(self) -> str:
        return self._text(Key.LAST_FOLDER)

    @last_folder.setter
    def last_folder(self, folder: str) -> None:
        self._store.setValue(Key.LAST_FOLDER.value, folder)

    @property
    def demo_folder(self) -> str:
        return self._text(Key.DEMO_FOLDER)

    @property
    def evidence_folder(self) -> str:
        """Where Add files… and Replace… start: the folder evidence last came from, else the last folder."""
        return self._text(Key.EVIDENCE_FOLDER) or self.last_folder

    @evidence_folder.setter
    def evidence_folder(self, folder: str) -> None:
        self._store.setValue(Key.EVIDENCE_FOLDER.value, folder)

    @property
    def export_folder(self) -> str:
        """The folder the last package was exported to; "" until the first export (the workbook's folder)."""
        return self._text(Key.EXPORT_FOLDER)

    @export_folder.setter
    def export_folder(self, folder: str) -> None:
        self._store.setValue(Key.EXPORT_FOLDER.value, folder)

    @property
    def workspace_view(self) -> str:
        """ "dashboard" or "requests": the view a workbook with requests opens on."""
        return self._text(Key.WORKSPACE_VIEW)

    @workspace_view.setter
    def workspace_view(self, view: str) -> None:
        self._store.setValue(Key.WORKSPACE_VIEW.value, view)

    @property
    def theme(self) -> str:
        """ "system", "light" or "dark"."""
        value = self._text(Key.THEME)
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self._store.setValue(Key.THEME.value, value if value in THEMES else "system")

    @property
    def export_page_size(self) -> str:
        """ "letter" or "a4": as set, else the locale's paper."""
        value = self._text(Key.EXPORT_PAGE_SIZE)
        if value in ("letter", "a4"):
            return value
        us = QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
        return "letter" if us or QLocale().territory() == QLocale.Country.Canada else "a4"

    @export_page_size.setter
    def export_page_size(self, value: str) -> None:
        self._store.setValue(Key.EXPORT_PAGE_SIZE.value, value if value in ("letter", "a4") else "")

    @property
    def export_final(self) -> bool:
        return self._text(Key.EXPORT_FINAL) == "1"

    @export_final.setter
    def export_final(self, final: bool) -> None:
        self._store.setValue(Key.EXPORT_FINAL.value, "1" if final else "0")

    @property
    def export_outputs(self) -> tuple[str, ...]:
        """Which of "pdf", "zip", "xlsx" the export dialog starts with ticked."""
        chosen = tuple(part for part in self._text(Key.EXPORT_OUTPUTS).split(",") if part in EXPORT_OUTPUTS)
        return chosen

    @export_outputs.setter
    def export_outputs(self, outputs: tuple[str, ...]) -> None:
        self._store.setValue(Key.EXPORT_OUTPUTS.value, ",".join(o for o in EXPORT_OUTPUTS if o in outputs))

    @property
    def backups_kept(self) -> int:
        """Daily automatic backups kept beside each workbook (0: none taken)."""
        try:
            return max(0, min(365, int(self._text(Key.BACKUPS_KEPT))))
        except ValueError:
            return 7

    @backups_kept.setter
    def backups_kept(self, count: int) -> None:
        self._store.setValue(Key.BACKUPS_KEPT.value, str(max(0, min(365, count))))

    def recent(self) -> list[RecentWorkbook]:
        try:
            items = json.loads(self._text(Key.RECENT))
            return [RecentWorkbook(**item) for item in items if isinstance(item, dict) and "path" in item]
        except (ValueError, TypeError):
            return []

    def remember(self, entry: RecentWorkbook) -> None:
        stamped = RecentWorkbook(
            entry.path,
            entry.client,
            entry.ready,
            entry.total,
            entry.last_opened or dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        )
        items = [stamped] + [r for r in self.recent() if Path(r.path) != Path(entry.path)]
        self._store.setValue(Key.RECENT.value, json.dumps([asdict(r) for r in items[:MAX_RECENT]]))

    def forget(self, path: str) -> None:
        items = [r for r in self.recent() if Path(r.path) != Path(path)]
        self._store.setValue(Key.RECENT.value, json.dumps([asdict(r) for r in items]))

    def state(self, key: Key) -> QByteArray | None:
        """A saved geometry/splitter/header state."""
        value = self._store.value(key.value)
        return value if isinstance(value, QByteArray) else None

    def set_state(self, key: Key, value: QByteArray) -> None:
        self._store.setValue(key.value, value)

    def filters(self) -> dict[str, object]:
        try:
            value = json.loads(self._text(Key.FILTERS))
            return value if isinstance(value, dict) else {}
        except ValueError:
            return {}

    def set_filters(self, value: dict[str, object]) -> None:
        self._store.setValue(Key.FILTERS.value, json.dumps(value))

    def sync(self) -> None:
        self._store.sync()
