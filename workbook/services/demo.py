"""The demo workbook: the bundled sample checklist imported for real, then people, statuses and evidence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from workbook.atomic import FOLDER_MODE
from workbook.errors import UserError
from workbook.model import Actor, FieldChange, Status
from workbook.resources import resource
from workbook.services.importing import ImportService
from workbook.services.workbook import Workbook

DEMO_NAME = "demo.auditwb"


def load_plan() -> dict[str, Any]:
    plan: dict[str, Any] = json.loads(resource("samples", "demo_plan.json").read_text("utf-8"))
    return plan


def build_demo(folder: Path, actor: Actor, *, replace: bool = True) -> Path:
    """Build FOLDER/demo.auditwb afresh; an existing demo is replaced (it holds nothing of the user's)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError("the demo folder is a file", where=str(folder), hint="give a folder")
    try:
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)  # owner-only when we make it
    except OSError as exc:
        raise UserError(f"cannot make the demo folder ({exc.strerror})", where=str(folder)) from exc
    target = folder / DEMO_NAME
    if target.exists():
        if not replace:
            raise UserError("a demo workbook already exists", where=str(target))
        target.unlink()
    plan = load_plan()
    engagement = plan["engagement"]
    building = folder / "demo.building.auditwb"
    building.unlink(missing_ok=True)
    try:
        with Workbook.create(
            building,
            actor,
            client=engagement["client"],
            framework=engagement["framework"],
            period_start=dt.date.fromisoformat(engagement["period_start"]),
            period_end=dt.date.fromisoformat(engagement["period_end"]),
            auditor=engagement["auditor"],
        ) as workbook:
            _fill(workbook, plan)
        building.replace(target)
    finally:
        building.unlink(missing_ok=True)
    return target


def _fill(workbook: Workbook, plan: dict[str, Any]) -> None:
    checklist = resource("samples", plan["checklist"])
    ImportService(workbook.db, workbook.actor).import_checklist(checklist, remember=False)
    known = {p.name.casefold() for p in workbook.people.list()}
    for person in plan["people"]:
        if person["name"].casefold() not in known:
            workbook.people.add(person["name"], person.get("email", ""))
    for item in plan["requests"]:
        workbook.requests.set(
            item["ref"],
            FieldChange(
                owner=item.get("owner"),
                status=Status(item["status"]) if item.get("status") else None,
                due=dt.date.fromisoformat(item["due"]) if item.get("due") else None,
                notes=item.get("note"),
            ),
        )
        for comment in item.get("comments", []):
            workbook.requests.add_comment(item["ref"], comment)
    evidence_dir = resource("samples", "evidence")
    for evidence in plan["evidence"]:
        effective = dt.date.fromisoformat(evidence["effective"]) if evidence.get("effective") else None
        for ref in evidence["refs"]:
            workbook.evidence.attach(
                ref,
                [evidence_dir / evidence["file"]],
                effective_date=effective,
                description=evidence.get("description", ""),
            )
