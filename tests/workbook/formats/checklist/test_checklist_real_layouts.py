"""Layouts seen in real checklists that the rules once tuned to our own files got wrong, rebuilt in code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl.styles import Font

from workbook.formats.checklist.reader import analyse_sheet


def bold(ws: Any, row: int) -> None:
    for cell in ws[row]:
        cell.font = Font(bold=True)


def test_rows_starting_with_sample_are_requests(make_xlsx: Any) -> None:
    rows = [["PBC #", "Request", "Owner"]] + [
        [
            f"PBC-{i}",
            ("Sample of change tickets, period " if i % 3 == 0 else "Provide the list ") + str(i),
            "Ann",
        ]
        for i in range(1, 15)
    ]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}))
    assert len(analysis.rows) == 14 and analysis.skipped == ()


def test_a_form_with_no_id_column_keeps_every_question_and_says_refs_were_made(make_xlsx: Any) -> None:
    rows: list[list[Any]] = [
        ["Vendor security questionnaire"],
        [],
        ["Question", "Answer (Yes/No)", "Comments"],
    ]
    for section in range(1, 4):
        rows.append([f"Section {section}: Governance"])
        rows += [[f"Do you review item {section}.{q} at least yearly?"] for q in range(1, 11)]

    def style(wb: Any) -> None:
        for number in (4, 15, 26):
            bold(wb["Form"], number)

    analysis = analyse_sheet(make_xlsx({"Form": rows}, edit=style))
    assert len(analysis.rows) == 30
    assert analysis.generated_refs and analysis.needs_review
    assert [s.kind for s in analysis.skipped] == ["section"] * 3
    assert analysis.rows[10].section == "Section 2: Governance"


def test_bold_control_rows_without_a_safeguard_number_are_headings(make_xlsx: Any) -> None:
    rows: list[list[Any]] = [["CIS Control", "CIS Safeguard", "Title", "Description"]]
    bold_rows = []
    for control in range(1, 5):
        rows.append(
            [control, None, f"Inventory of assets {control}", "Actively manage all assets connected."]
        )
        bold_rows.append(len(rows))
        for safeguard in range(1, 12):
            rows.append(
                [control, f"{control}.{safeguard}", "Establish an inventory", f"Maintain item {safeguard}."]
            )

    def style(wb: Any) -> None:
        for number in bold_rows:
            bold(wb["Controls"], number)

    analysis = analyse_sheet(make_xlsx({"Controls": rows}, edit=style))
    assert analysis.field_column("ref").header == "CIS Safeguard"  # type: ignore[union-attr]
    assert len(analysis.rows) == 44
    assert "3.10" in {r.ref for r in analysis.rows}
    assert [s.kind for s in analysis.skipped] == ["section"] * 4


def test_a_matrix_whose_only_code_column_repeats_keeps_every_row_apart(make_xlsx: Any) -> None:
    rows = [["Control", "Test procedure", "Population", "Sample size"]] + [
        [f"CC{6 + i // 8}.{1 + i % 3}", f"Inspect the evidence for step {i}.", "All users", "25"]
        for i in range(23)
    ]
    analysis = analyse_sheet(make_xlsx({"Matrix": rows}))
    assert len(analysis.rows) == 23 and len({r.ref for r in analysis.rows}) == 23
    assert analysis.ref_mode == "numbered" and analysis.needs_review


def test_a_guidance_row_under_each_question_joins_its_question(make_xlsx: Any) -> None:
    rows: list[list[Any]] = [["Ques Num", "Question/Request", "Response", "Additional Information"]]
    for i in range(1, 8):
        rows.append([f"A.{i}", f"Is there a documented policy for topic {i}?", None, None])
        rows.append([None, None, None, f"Guidance: attach the policy (topic {i})."])
    analysis = analyse_sheet(make_xlsx({"SIG": rows}))
    assert len(analysis.rows) == 7 and len(analysis.merged) == 7
    assert analysis.rows[0].comment == "Guidance: attach the policy (topic 1)."  # "Additional Information"


def test_a_sheet_of_retired_ids_ranks_below_the_checklist_beside_it(make_xlsx: Any) -> None:
    retired = [["Request ID", "Retired on"]] + [[f"PBC-{i:03d}", "2025-01-01"] for i in range(1, 40)]
    current = [["Request ID", "Request", "Owner"]] + [
        [f"PBC-{i:03d}", f"Provide evidence of control activity {i} for the period.", "Dana Ops"]
        for i in range(100, 124)
    ]
    analysis = analyse_sheet(make_xlsx({"Retired IDs": retired, "Sheet2": current}))
    assert (analysis.sheet, len(analysis.rows)) == ("Sheet2", 24)


def test_a_semicolon_csv_with_quoted_line_breaks_and_french_headers(tmp_path: Path) -> None:
    text = (
        "Référence;Contenu;Responsable;Échéance\n"
        '"A-1";"Politique de sécurité, version 2\nà jour";"Jean Dupont";"15/03/2026"\n'
        '"A-2";"Liste des accès; revue trimestrielle";"Marie Curie";"31/03/2026"\n'
        '"A-3";"Sauvegardes:\n- quotidiennes\n- testées";"Paul Martin";"30/04/2026"\n'
    )
    path = tmp_path / "demandes.csv"
    path.write_bytes(text.encode("utf-8"))
    analysis = analyse_sheet(path)
    assert analysis.mapping == {
        "ref": "Référence",
        "request": "Contenu",
        "owner": "Responsable",
        "due": "Échéance",
    }
    assert [r.ref for r in analysis.rows] == ["A-1", "A-2", "A-3"]
    assert analysis.rows[2].request == "Sauvegardes:\n- quotidiennes\n- testées"
    assert str(analysis.rows[0].due) == "2026-03-15"


def test_a_due_contact_column_of_names_is_the_owner_and_its_values_are_kept(make_xlsx: Any) -> None:
    rows = [["Ref", "Request", "Due Contact"]] + [
        [f"R-{i}", f"Provide document {i}", "Sam Chen" if i % 2 else "Casey Jones"] for i in range(1, 7)
    ]
    analysis = analyse_sheet(make_xlsx({"PBC": rows}))
    assert "due" not in analysis.mapping
    assert [r.owner for r in analysis.rows[:2]] == ["Sam Chen", "Casey Jones"]
