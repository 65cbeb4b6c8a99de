"""Services say in their `Changes` what they created or pushed aside, so undo never works it out itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbook.errors import UserError
from workbook.model import FieldChange
from workbook.services.workbook import Workbook


def stored(workbook: Workbook, tmp_path: Path, ref: str, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return workbook.evidence.attach(ref, [path])[0].evidence.sha256


def current(workbook: Workbook, ref: str) -> list[str]:
    return sorted(link.evidence.name for link in workbook.evidence.for_request(ref) if link.current)


def test_setting_an_owner_nobody_had_reports_the_person_it_created(workbook: Workbook) -> None:
    workbook.people.add("Ann Smith")
    changes = workbook.requests.bulk_set(["PBC-001"], FieldChange(owner="  Priya   Shah "))
    assert changes.created_people == frozenset({"Priya Shah"})
    assert changes.people
    # A known person, in another spelling, is not created again.
    again = workbook.requests.bulk_set(["PBC-002"], FieldChange(owner="ann smith"))
    assert again.created_people == frozenset()
    assert (
        workbook.requests.bulk_set(["PBC-003"], FieldChange(status=None, notes="x")).created_people
        == frozenset()
    )


def test_restoring_a_version_reports_the_version_it_pushed_aside(workbook: Workbook, tmp_path: Path) -> None:
    old = stored(workbook, tmp_path, "PBC-001", "policy-v1.txt", "v1\n")
    newer = tmp_path / "policy-v2.txt"
    newer.write_text("v2\n")
    new = workbook.evidence.replace("PBC-001", old, newer).evidence.sha256
    changes = workbook.evidence.restore_version("PBC-001", old)
    assert changes.demoted == frozenset({new})
    assert current(workbook, "PBC-001") == ["policy-v1.txt"]
    # With the newer version unlinked, a restore pushes nothing aside.
    workbook.evidence.restore_version("PBC-001", new)
    workbook.evidence.unlink("PBC-001", new)
    assert workbook.evidence.restore_version("PBC-001", old).demoted == frozenset()


def test_links_are_made_and_removed_together_or_not_at_all(workbook: Workbook, tmp_path: Path) -> None:
    shas = [stored(workbook, tmp_path, "PBC-001", f"{n}.txt", f"file {n}\n") for n in "abc"]
    workbook.evidence.link_all("PBC-002", shas)
    assert current(workbook, "PBC-002") == ["a.txt", "b.txt", "c.txt"]
    with pytest.raises(UserError):
        workbook.evidence.unlink_all("PBC-002", [*shas[:2], "0" * 64])
    # The unknown file stopped the whole step: nothing was unlinked.
    assert current(workbook, "PBC-002") == ["a.txt", "b.txt", "c.txt"]
    workbook.evidence.unlink_all("PBC-002", shas[:2])
    assert current(workbook, "PBC-002") == ["c.txt"]
    with pytest.raises(UserError):
        workbook.evidence.link_all("PBC-003", [shas[0], "f" * 64])
    assert current(workbook, "PBC-003") == []
