"""The request panel's evidence tab acting as a user: PDF preview, details with undo, versions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from pytestqt.qtbot import QtBot
from reportlab.pdfgen import canvas

from ui.main_window import MainWindow
from workbook.model import EvidenceLink


def write_pdf(path: Path, pages: int) -> Path:
    pdf = canvas.Canvas(str(path))
    for number in range(1, pages + 1):
        pdf.drawString(72, 720, f"Access review, page {number}")
        pdf.showPage()
    pdf.save()
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
    panel = opened.panel
    assert panel.pdf_view is not None and panel.pdf_view.isVisible()
    qtbot.waitUntil(lambda: panel.pdf_page_count() == 3)
    assert not panel.preview.isVisible()


def test_details_and_provenance_are_saved_and_undone(qtbot: QtBot, opened: MainWindow) -> None:
    opened.select_refs(["PBC-002"])
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    QGuiApplication.clipboard().setImage(image)
    with qtbot.waitSignal(opened.attach_finished, timeout=10000):
        opened.paste_action.trigger()
    select_first_evidence(qtbot, opened)
    panel = opened.panel
    assert panel.details.isVisible()
    assert panel.provenance_hint.isVisible()
    assert panel.provenance_hint.text().startswith("This screenshot does not say where it comes from.")

    qtbot.keyClicks(panel.detail_edits["source_system"], "Okta admin console")
    qtbot.keyClicks(panel.detail_edits["shows"], "MFA enforced for every user")
    qtbot.keyClicks(panel.detail_edits["population"], "212 active accounts")
    qtbot.mouseClick(panel.save_details, Qt.MouseButton.LeftButton)
    evidence = links(opened, "PBC-002")[0].evidence
    assert (evidence.source_system, evidence.shows, evidence.population) == (
        "Okta admin console",
        "MFA enforced for every user",
        "212 active accounts",
    )
    assert panel.details.isVisible()
    assert not panel.provenance_hint.isVisible()
    assert opened.undo_action.text() == f"&Undo Edit details of {evidence.name}"

    opened.undo_action.trigger()
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
    assert opened.panel.replace_button.isEnabled()
    old_sha = opened.panel.evidence.selected_links()[0][0]

    with qtbot.waitSignal(opened.evidence_replaced, timeout=10000):
        opened.replace_evidence(old_sha, "policy-v1.txt", new)
    assert [(link.evidence.name, link.current) for link in links(opened, "PBC-003")] == [
        ("policy-v1.txt", False),
        ("policy-v2.txt", True),
    ]
    assert opened.panel.evidence.item(0).text().startswith("policy-v2.txt\n")

    opened.undo_action.trigger()
    assert [(link.evidence.name, link.current) for link in links(opened, "PBC-003")] == [
        ("policy-v1.txt", True),
        ("policy-v2.txt", False),
    ]
    opened.redo_action.trigger()
    assert [link.current for link in links(opened, "PBC-003")] == [False, True]

    opened.panel.versions.setChecked(True)
    evidence = opened.panel.evidence
    assert [evidence.item(r).text().split("\n")[0] for r in range(evidence.count())] == [
        "policy-v1.txt",
        "policy-v2.txt",
    ]
    evidence.setCurrentRow(0)
    assert opened.panel.restore_button.isVisible() and not opened.panel.replace_button.isEnabled()
    qtbot.mouseClick(opened.panel.restore_button, Qt.MouseButton.LeftButton)
    assert [link.current for link in links(opened, "PBC-003")] == [True, False]
    assert opened.undo_action.text() == "&Undo Restore policy-v1.txt in PBC-003"
    opened.undo_action.trigger()
    assert [link.current for link in links(opened, "PBC-003")] == [False, True]
