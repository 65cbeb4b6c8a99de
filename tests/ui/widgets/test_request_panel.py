"""The request panel's evidence tab as a user works it: add, menu, preview, details, undo, versions, flags."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers.files import pdf_bytes
from helpers.window import copy_image
from helpers.writes import saved
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4

from ui.main_window import MainWindow
from ui.widgets.request_panel import PanelTab
from workbook.model import EvidenceLink


def write_pdf(path: Path, pages: int) -> Path:
    path.write_bytes(pdf_bytes(([f"Access review, page {n}"] for n in range(1, pages + 1)), size=A4, top=720))
    return path


def attach(qtbot: QtBot, window: MainWindow, ref: str, path: Path) -> None:
    with qtbot.waitSignal(window.attach_finished, timeout=10000):
        window.attach_files(ref, [path])


def select_first_evidence(qtbot: QtBot, window: MainWindow) -> None:
    window.panel.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(window.preview_shown, timeout=10000):
        window.panel.evidence.setCurrentRow(0)


def links(window: MainWindow, ref: str) -> list[EvidenceLink]:
    assert window.workbook is not None
    return window.workbook.evidence.for_request(ref, include_history=True)


def test_a_pdf_is_previewed_page_by_page_with_qtpdf(qtbot: QtBot, opened: MainWindow, tmp_path: Path) -> None:
    attach(qtbot, opened, "PBC-001", write_pdf(tmp_path / "access-review.pdf", 3))
    select_first_evidence(qtbot, opened)
    panel = opened.panel.evidence_tab
    assert panel.pdf_view is not None and panel.pdf_view.isVisible()
    qtbot.waitUntil(lambda: panel.pdf_page_count() == 3)
    assert not panel.preview.isVisible()


def test_details_and_provenance_are_saved_and_undone(qtbot: QtBot, opened: MainWindow) -> None:
    opened.select_refs(["PBC-002"])
    copy_image(40, 30)
    with qtbot.waitSignal(opened.attach_finished, timeout=10000):
        opened.paste_action.trigger()
    select_first_evidence(qtbot, opened)
    panel = opened.panel.evidence_tab.details
    assert panel.isVisible()
    assert panel.provenance_hint.isVisible()
    assert panel.provenance_hint.text().startswith("This screenshot does not say where it comes from.")

    qtbot.keyClicks(panel.detail_edits["source_system"], "Okta admin console")
    qtbot.keyClicks(panel.detail_edits["shows"], "MFA enforced for every user")
    qtbot.keyClicks(panel.detail_edits["population"], "212 active accounts")
    qtbot.mouseClick(panel.save_details, Qt.MouseButton.LeftButton)
    saved(qtbot, opened)
    evidence = links(opened, "PBC-002")[0].evidence
    assert (evidence.source_system, evidence.shows, evidence.population) == (
        "Okta admin console",
        "MFA enforced for every user",
        "212 active accounts",
    )
    assert panel.isVisible()
    assert not panel.provenance_hint.isVisible()
    assert opened.undo_action.text() == f"&Undo Edit details of {evidence.name}"

    opened.undo_action.trigger()
    saved(qtbot, opened)
    evidence = links(opened, "PBC-002")[0].evidence
    assert (evidence.source_system, evidence.shows, evidence.population) == ("", "", "")
    assert panel.detail_edits["source_system"].text() == ""
    assert panel.provenance_hint.isVisible()


def test_replacing_with_a_newer_version_keeps_the_old_one_and_can_be_undone_or_restored(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    old = tmp_path / "policy-v1.txt"
    old.write_text("policy, version 1\n")
    new = tmp_path / "policy-v2.txt"
    new.write_text("policy, version 2\n")
    opened.select_refs(["PBC-003"])
    attach(qtbot, opened, "PBC-003", old)
    opened.panel.tabs.setCurrentIndex(1)
    opened.panel.evidence.setCurrentRow(0)
    assert opened.panel.evidence_tab.replace_button.isEnabled()
    old_sha = opened.panel.evidence.selected_links()[0][0]

    with qtbot.waitSignal(opened.evidence_replaced, timeout=10000):
        opened.replace_evidence(old_sha, "policy-v1.txt", new)
    assert [(link.evidence.name, link.current) for link in links(opened, "PBC-003")] == [
        ("policy-v1.txt", False),
        ("policy-v2.txt", True),
    ]
    assert opened.panel.evidence.item(0).text().startswith("policy-v2.txt\n")

    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert [(link.evidence.name, link.current) for link in links(opened, "PBC-003")] == [
        ("policy-v1.txt", True),
        ("policy-v2.txt", False),
    ]
    opened.redo_action.trigger()
    saved(qtbot, opened)
    assert [link.current for link in links(opened, "PBC-003")] == [False, True]

    opened.panel.evidence_tab.versions.setChecked(True)
    evidence = opened.panel.evidence
    assert [evidence.item(r).text().split("\n")[0] for r in range(evidence.count())] == [
        "policy-v1.txt",
        "policy-v2.txt",
    ]
    evidence.setCurrentRow(0)
    tab = opened.panel.evidence_tab
    assert tab.restore_button.isVisible() and not tab.replace_button.isEnabled()
    qtbot.mouseClick(tab.restore_button, Qt.MouseButton.LeftButton)
    saved(qtbot, opened)
    assert [link.current for link in links(opened, "PBC-003")] == [True, False]
    assert opened.undo_action.text() == "&Undo Restore policy-v1.txt in PBC-003"
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert [link.current for link in links(opened, "PBC-003")] == [False, True]


def test_add_files_and_add_folder_attach_what_is_picked_and_the_next_pick_starts_there(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picked = tmp_path / "picked"
    picked.mkdir()
    for name in ("users.csv", "policy.txt"):
        (picked / name).write_text(name)
    folder = tmp_path / "q3-review"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    (folder / ".hidden").write_text("skipped")
    asked: list[str] = []

    def open_files(parent: object, title: str, start: str, kinds: str) -> tuple[list[str], str]:
        asked.append(start)
        return [str(picked / "users.csv"), str(picked / "policy.txt")], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", open_files)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(folder))
    opened.select_refs(["PBC-002"])
    opened.panel.show_tab(PanelTab.EVIDENCE)
    tab = opened.panel.evidence_tab
    assert tab.add_button.isVisible() and tab.add_button.text() == "Add files…"
    with qtbot.waitSignal(opened.attach_finished, timeout=10000):
        qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(opened.attach_finished, timeout=10000):
        tab.add_folder_action.trigger()
    assert sorted(link.evidence.name for link in links(opened, "PBC-002")) == [
        "a.txt",
        "policy.txt",
        "users.csv",
    ]
    with qtbot.waitSignal(opened.attach_finished, timeout=10000):
        tab.add_files_action.trigger()
    assert asked[1] == str(folder)
    assert [a.text() for a in tab.add_button.menu().actions()] == [
        "Add f&older…",
        "&Paste screenshot\tCtrl+V",
    ]


def test_the_evidence_lists_menu_opens_replaces_removes_and_shows_details_of_the_selected_file(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    proof = tmp_path / "access-review.csv"
    proof.write_text("user,reviewed\n")
    attach(qtbot, opened, "PBC-001", proof)
    opened.select_refs(["PBC-001"])
    opened.panel.show_tab(PanelTab.EVIDENCE)
    tab = opened.panel.evidence_tab
    menu = [a.text() for a in tab.context_menu.actions()]
    assert menu == [
        "Add &files…",
        "Add f&older…",
        "&Paste screenshot\tCtrl+V",
        "",
        "&Open",
        "&Replace…",
        "Re&move from this request\tDel",
        "&Details",
        "",
        "&Never export",
    ]
    assert not tab.unlink_action.isEnabled() and not tab.details_action.isEnabled()
    tab.evidence_list.setCurrentRow(0)
    assert all(a.isEnabled() for a in (tab.open_action, tab.replace_action, tab.unlink_action))
    # A new file is left undated, and its details ask when it is from.
    assert tab.details.undated_prompt.isVisible()
    assert tab.details.undated_prompt.text().startswith("When is this evidence from?")
    tab.details_action.trigger()
    assert tab.details.effective.edit.hasFocus()
    tab.unlink_action.trigger()
    saved(qtbot, opened)
    assert links(opened, "PBC-001") == []
    assert tab.evidence_list.count() == 0
    opened.undo_action.trigger()
    saved(qtbot, opened)
    assert tab.evidence_list.count() == 1


def test_dates_flagged_shows_exactly_the_requests_whose_evidence_list_warns_about_a_date(
    qtbot: QtBot, opened: MainWindow, tmp_path: Path
) -> None:
    assert opened.workbook is not None
    evidence = opened.workbook.evidence
    for ref, name, date in (
        ("PBC-001", "in-period.txt", dt.date(2026, 3, 1)),
        ("PBC-002", "too-late.txt", dt.date(2026, 11, 30)),
        ("PBC-003", "undated.txt", None),
    ):
        path = tmp_path / name
        path.write_text(name)
        evidence.attach_one(ref, path, effective_date=date)
    opened.reload_requests()
    qtbot.waitSignal(opened.requests_reloaded, timeout=10000).wait()

    def warned() -> list[str]:
        """The requests whose evidence list shows a ⚠ (looked at with no filter on)."""
        opened.filter_bar.flagged.setChecked(False)
        refs = []
        for row in range(opened.model.rowCount()):
            opened.select_refs([opened.model.request_at(row).ref])
            items = [opened.panel.evidence.item(i).text() for i in range(opened.panel.evidence.count())]
            if any("⚠" in text for text in items):
                refs.append(opened.model.request_at(row).ref)
        return refs

    def shown() -> list[str]:
        return [opened.proxy.ref_at(row) for row in range(opened.proxy.rowCount())]

    assert warned() == ["PBC-002", "PBC-003"]
    opened.filter_bar.flagged.setChecked(True)
    assert shown() == ["PBC-002", "PBC-003"]
    # Dating the undated file inside the period takes it off both at once.
    opened.select_refs(["PBC-003"])
    opened.panel.show_tab(PanelTab.EVIDENCE)
    opened.panel.evidence.setCurrentRow(0)
    details = opened.panel.evidence_tab.details
    details.effective.set_date(dt.date(2026, 4, 1))
    details.save_details.click()
    saved(qtbot, opened)
    assert shown() == ["PBC-002"]
    assert warned() == ["PBC-002"]
