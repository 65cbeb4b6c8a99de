"""Column mapping judged from the data: which column is the ref, the request, the owner."""

from __future__ import annotations

from collections.abc import Sequence

from workbook.formats.checklist.mapping import choose_mapping, prefixed_id_share
from workbook.formats.checklist.profile import is_id_list, looks_like_code, profile_columns


def mapped(headers: Sequence[str], rows: Sequence[Sequence[str | None]]) -> dict[str, int]:
    width = max(len(headers), *(len(r) for r in rows))
    profiles = profile_columns(rows, width)
    prefixed = {
        p.index: share
        for p in profiles
        if (share := prefixed_id_share([r[p.index] or "" for r in rows if p.index < len(r)])) >= 0.8
    }
    choice = choose_mapping(headers, profiles, prefixed=prefixed)
    return {field: c.column for field, c in choice.choices.items()}


def test_each_field_takes_one_column_and_the_clearest_header_wins() -> None:
    headers = ["Ref", "Request", "Comments", "Notes", "Request Description"]
    rows = [[f"PBC-{i}", f"Provide the access list number {i}", "", "", ""] for i in range(1, 6)]
    assert mapped(headers, rows) == {"ref": 0, "request": 1, "comment": 2}


def test_a_row_counter_loses_to_the_auditors_own_codes() -> None:
    headers = ["#", "ERL #", "Request"]
    rows = [[str(i), f"E-GOV-{i:02d}", f"Provide the governance document {i}"] for i in range(1, 12)]
    assert mapped(headers, rows)["ref"] == 1


def test_a_row_counter_is_the_ref_when_no_other_column_is_unique() -> None:
    headers = ["Request #", "Control ID", "Evidence Description"]
    rows = [[str(i), f"CM.0{i % 3}", f"Provide evidence item {i}"] for i in range(1, 10)]
    result = mapped(headers, rows)
    assert result["ref"] == 0
    assert result["criteria"] == 1  # repeating codes group the requests


def test_a_repeating_control_id_loses_to_unique_procedure_ids() -> None:
    headers = ["Control ID", "Procedure ID", "Procedure"]
    rows = [
        [f"AC-{i // 5 + 1}", f"AC-{i // 5 + 1}.a.1.{i % 5}", f"Examine the policy, step {i}"]
        for i in range(20)
    ]
    assert mapped(headers, rows)["ref"] == 1


def test_a_mostly_empty_control_number_loses_to_a_full_unique_safeguard_column() -> None:
    headers = ["Control #", "Safeguard", "Title"]
    rows = [
        ["3" if i == 0 else "", f"3.{i + 1}", f"Safeguard number {i} of the data protection list"]
        for i in range(14)
    ]
    result = mapped(headers, rows)
    assert result["ref"] == 1


def test_a_guid_column_under_a_misleading_header_is_the_ref() -> None:
    headers = ["Checklist item", "Severity", "Status", "GUID", "Secure"]
    guids = ["54174158-33fb-43ae-9c2d-e743165c3acb", "349f0364-d28d-442e-abbb-c868255abc91"]
    rows = [
        [f"Habilitar el control {i}", "Alto", "No verificado", None, guids[i % 2][:-2] + f"{i:02d}"]
        for i in range(8)
    ]
    result = mapped(headers, rows)
    assert (result["ref"], result["request"], result["status"]) == (4, 0, 2)
    assert result["priority"] == 1


def test_a_column_of_names_is_never_a_due_date_and_its_values_are_not_lost() -> None:
    headers = ["Ref", "Request", "Due Contact"]
    rows = [[f"R-{i}", f"Provide document {i}", "Sam Chen" if i % 2 else "Casey Jones"] for i in range(6)]
    result = mapped(headers, rows)
    assert "due" not in result
    assert result.get("owner") == 2


def test_without_any_matching_header_the_shape_decides() -> None:
    headers = ["Colonne A", "Colonne B", "Colonne C"]
    rows = [
        [f"Q-{i}", f"Do you review privileged access at least every quarter, case {i}?", "Sam Chen"]
        for i in range(8)
    ]
    result = mapped(headers, rows)
    assert (result["ref"], result["request"]) == (0, 1)


def test_refs_can_come_from_id_prefixed_text() -> None:
    rows = [["GV.OC-01: The mission is understood", "x"], ["GV.OC-02: Stakeholders are known", "y"]]
    assert mapped(["Subcategory", "Examples"], rows)["ref"] == 0


def test_a_column_of_control_id_lists_maps_to_criteria() -> None:
    rows = [["A-1", "AC-2, AC-3"], ["A-2", "CM-8, CM-9"], ["A-3", "PM-5, PM-9"]]
    assert mapped(["Ref", "Control"], rows)["criteria"] == 1
    assert mapped(["Ref", "Mapped controls"], rows)["criteria"] == 1
    assert is_id_list("A.9.2.1, A.9.2.2*") and is_id_list("CC6.1\nCC6.2") and is_id_list("AU-2, AU-6.")
    assert not is_id_list("Access review of privileged users")


def test_an_answer_column_is_named_so_and_empty_and_a_filled_one_is_the_auditors() -> None:
    headers = ["Ref", "Question", "Your answer", "Correct Answer", "Evidence Category", "Evidence"]
    rows = [[f"{i}", f"Do you encrypt data at rest, case {i}?", "", "Yes", "Policy", ""] for i in range(6)]
    result = mapped(headers, rows)
    assert result["response"] == 2 and result["evidence"] == 5
    assert result.get("section") == 4  # "Evidence Category" groups requests; it is not where evidence goes


def test_codes_are_short_tokens_with_a_digit() -> None:
    codes = (
        "PBC-012",
        "3.10",
        "AC-2(1)",
        "CC 6.1",
        "SYS.1.2.3.A1",
        "1.d.i",
        "54174158-33fb-43ae-9c2d-e743165c3acb",
    )
    assert all(looks_like_code(c) for c in codes)
    assert not any(looks_like_code(t) for t in ("Access control policies", "2026-03-31", "Sam Chen", "Yes"))
