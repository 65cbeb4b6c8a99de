"""The Help menu: Getting started (F1), Keyboard shortcuts, Open the demo, About; non-modal dialogs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow

from ui.settings import Settings


class HelpMenu(QObject):
    """Adds the Help menu to `window`; `workbook_path` says which file is open (None: none)."""

    def __init__(
        self,
        window: QMainWindow,
        settings: Settings,
        demo_action: QAction,
        workbook_path: Callable[[], Path | None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        self._workbook_path = workbook_path
        self.dialog: QDialog | None = None
        self.guide_action = self._action(
            "&Getting started", self.show_guide, "help_guide", QKeySequence("F1")
        )
        self.shortcuts_action = self._action(
            "&Keyboard shortcuts", self.show_shortcuts, "help_shortcuts", QKeySequence("Ctrl+/")
        )
        self.about_action = self._action("&About Audit Workbook", self.show_about, "help_about")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        menu = window.menuBar().addMenu("&Help")
        menu.setObjectName("help_menu")
        menu.addAction(self.guide_action)
        menu.addAction(self.shortcuts_action)
        menu.addSeparator()
        menu.addAction(demo_action)
        menu.addSeparator()
        menu.addAction(self.about_action)
        self.menu = menu

    def _action(
        self, text: str, slot: Callable[[], object], name: str, keys: QKeySequence | None = None
    ) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        if keys is not None:
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self._window.addAction(action)
        action.triggered.connect(slot)
        return action

    def _show(self, dialog: QDialog) -> QDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: setattr(self, "dialog", None) if self.dialog is dialog else None)
        self.dialog = dialog
        dialog.show()
        return dialog

    def show_guide(self) -> QDialog:
        from ui.dialogs.help import GuideDialog

        return self._show(GuideDialog(self._window))

    def show_shortcuts(self) -> QDialog:
        from ui.dialogs.help import ShortcutsDialog

        return self._show(ShortcutsDialog(self._window.findChildren(QAction), self._window))

    def show_about(self) -> QDialog:
        from ui.dialogs.help import AboutDialog, about_html
        from workbook.services.import_profiles import profile_store_path

        html = about_html(
            self._workbook_path(),
            self._settings.store.fileName(),
            profile_store_path(),
            self._settings.demo_folder,
        )
        return self._show(AboutDialog(html, self._window))
