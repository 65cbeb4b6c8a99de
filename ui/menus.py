"""The main window's menus (File, Edit, View, Help) and the bulk toolbar, built from its actions.

Also where the window's add-on controllers are made and wired: audit cycles, people, review, help.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from ui.widgets.menu_tool_button import MenuToolButton

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def build_menus(window: MainWindow) -> None:
    """Menus and toolbar of `window`, whose actions exist by now."""
    menu = window.menuBar().addMenu("&File")
    for action in (window.new_action, window.open_action, window.demo_action):
        menu.addAction(action)
    window.recent_menu = menu.addMenu("Open &recent")
    menu.addSeparator()
    menu.addAction(window.import_action)
    menu.addAction(window.export_action)
    menu.addAction(window.verify_action)
    menu.addAction(window.activity_log_action)
    menu.addSeparator()
    from ui.cycles_actions import CyclesActions

    window.cycles = CyclesActions(
        window.session,
        window.request_list,
        window.jobs,
        window.panel.evidence_tab,
        window.undo_stack,
        window.settings,
        window.statusBar(),
        window._show,
        open_path=window.open_path,
        recent_changed=window._refresh_recent_menu,
        on_changed=window._on_changed,
        parent=window,
    )
    menu.addAction(window.cycles.next_period_action)
    menu.addSeparator()
    menu.addAction(window.close_action)
    menu.addAction(window.quit_action)
    edit = window.menuBar().addMenu("&Edit")
    for action in (window.undo_action, window.redo_action):
        edit.addAction(action)
    edit.addSeparator()
    edit.addAction(window.find_action)
    edit.addAction(window.paste_action)
    edit.addSeparator()
    edit.addMenu(window.edits.status_menu)
    edit.addAction(window.edits.owner_action)
    edit.addAction(window.edits.due_action)
    from ui.people_action import PeopleAction

    window.people_action = PeopleAction(
        window,
        lambda: window.session.workbook,
        window.undo_stack,
        window.jobs,
        window._on_changed,
        window._show,
        [window.undo_action, window.redo_action],
        lambda: window.settings.export_folder or window.settings.last_folder,
    )
    window.requests_changed.connect(lambda _changes: window.people_action.refresh())
    window.session.closed.connect(window.people_action.refresh)
    edit.addAction(window.people_action)
    edit.addSeparator()
    edit.addAction(window.preferences_action)
    from ui.review_mode import ReviewMode

    window.review = ReviewMode(
        window.session,
        window.jobs,
        window.model,
        lambda: window.request_list.current_ref,
        window._on_changed,
        window._show,
        window,
    )
    window.review.changed.connect(window._on_review_changed)
    window.requests_changed.connect(lambda _changes: window.review.refresh())
    window.session.closing.connect(window.review.stop)
    window.view_menu = window.menuBar().addMenu("&View")
    window.view_menu.addAction(window.review.action)
    window.views.add_to_menu(window.view_menu, window.find_action)  # Dashboard, Requests: first in View
    from ui.help_menu import HelpMenu

    window.help = HelpMenu(window, window.settings, window.demo_action, lambda: window.session.shown)

    status_button = window.status_button = MenuToolButton("Status")
    status_button.setObjectName("status_button")
    status_button.setAccessibleName("Set status of the selected requests")
    status_button.setMenu(window.edits.status_menu)
    window.bulk_bar.addWidget(status_button)
    window.bulk_bar.addAction(window.edits.owner_action)
    window.bulk_bar.addAction(window.edits.due_action)
    window.bulk_bar.addSeparator()
    window.bulk_bar.addAction(window.undo_action)
    window.bulk_bar.addAction(window.redo_action)
    window.bulk_bar.addSeparator()
    window.bulk_bar.addAction(window.import_action)
    window.bulk_bar.addAction(window.export_action)
    spacer = QWidget()
    spacer.setSizePolicy(
        spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy().Preferred
    )
    window.bulk_bar.addWidget(spacer)
    window.bulk_bar.addWidget(window.selection_label)
