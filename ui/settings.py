"""Every remembered option declared once with its default, over QSettings."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 12


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

    def _text(self, key: str, default: str = "") -> str:
        value = self._store.value(key, default)
        return value if isinstance(value, str) else default

    @property
    def display_name(self) -> str:
        return self._text("identity/display_name")

    @display_name.setter
    def display_name(self, name: str) -> None:
        self._store.setValue("identity/display_name", name.strip())

    @property
    def last_folder(self) -> str:
        return self._text("paths/last_folder", str(Path.home()))

    @last_folder.setter
    def last_folder(self, folder: str) -> None:
        self._store.setValue("paths/last_folder", folder)

    def recent(self) -> list[RecentWorkbook]:
        try:
            items = json.loads(self._text("recent/workbooks", "[]"))
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
        self._store.setValue("recent/workbooks", json.dumps([asdict(r) for r in items[:MAX_RECENT]]))

    def forget(self, path: str) -> None:
        items = [r for r in self.recent() if Path(r.path) != Path(path)]
        self._store.setValue("recent/workbooks", json.dumps([asdict(r) for r in items]))

    def state(self, key: str) -> QByteArray | None:
        """Saved geometry/splitter/header state, by object name."""
        value = self._store.value(f"state/{key}")
        return value if isinstance(value, QByteArray) else None

    def set_state(self, key: str, value: QByteArray) -> None:
        self._store.setValue(f"state/{key}", value)

    def filters(self) -> dict[str, object]:
        try:
            value = json.loads(self._text("filters/requests", "{}"))
            return value if isinstance(value, dict) else {}
        except ValueError:
            return {}

    def set_filters(self, value: dict[str, object]) -> None:
        self._store.setValue("filters/requests", json.dumps(value))

    def sync(self) -> None:
        self._store.sync()
