"""Every remembered option declared once with its default, over QSettings."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 12


class Key(enum.StrEnum):
    """Every remembered option and view state, by its QSettings key: the one place they are named."""

    DISPLAY_NAME = "identity/display_name"
    LAST_FOLDER = "paths/last_folder"
    DEMO_FOLDER = "paths/demo_folder"
    # Where evidence was last picked from, and where the last package was exported ("": the workbook's).
    EVIDENCE_FOLDER = "paths/evidence_folder"
    EXPORT_FOLDER = "paths/export_folder"
    RECENT = "recent/workbooks"
    FILTERS = "filters/requests"
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
    Key.FILTERS: "{}",
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
