"""The demo workbook: the bundled sample checklist imported for real, then people, statuses and evidence,
and one sampled request (new hires) with some of each sample's files given and some still missing."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
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
    for sampled in plan.get("samples", []):
        _fill_samples(workbook, plan, sampled)


# What each generated file of a sample says, by required item.
_SAMPLE_TEXT = {
    "offer letter": (
        "OFFER OF EMPLOYMENT\n\n{client}\n\nDear {name},\n\nWe are pleased to offer you the position of "
        "{role}, starting {start}. This offer is subject to a satisfactory background check and to your "
        "acceptance of the Code of Conduct and the Acceptable Use Policy.\n\nSigned and accepted by {name}.\n"
    ),
    "background check": (
        "BACKGROUND SCREENING REPORT\n\nCandidate: {name} ({id})\nPosition: {role}\nStart date: {start}\n\n"
        "Identity verification: clear\nEmployment history: verified\nCriminal record check: clear\n"
        "Result: CLEAR, completed before the start date.\n"
    ),
    "security training": (
        "SECURITY AWARENESS TRAINING - COMPLETION\n\nLearner: {name} ({id})\nCourse: Security Awareness "
        "for New Joiners 2026\nAssigned: {start}\nStatus: Completed within 30 days of the start date\n"
        "Score: 94%\n"
    ),
}


def _fill_samples(workbook: Workbook, plan: dict[str, Any], sampled: dict[str, Any]) -> None:
    """The request's required items and samples; each sample's files written as small texts and given."""
    ref = sampled["ref"]
    workbook.samples.set_required(ref, sampled["required"])
    workbook.samples.add(ref, [(s["id"], s["label"]) for s in sampled["samples"]])
    client = plan["engagement"]["client"]
    with tempfile.TemporaryDirectory(prefix="audit-workbook-demo-") as folder:
        for sample in sampled["samples"]:
            name, _sep, role = sample["label"].partition(", ")
            values = {
                "client": client,
                "name": name,
                "role": role,
                "id": sample["id"],
                "start": sample["start"],
            }
            for item in sample["files"]:
                path = Path(folder) / f"{sample['id']} {item}.txt"
                path.write_text(_SAMPLE_TEXT[item].format(**values), encoding="utf-8")
                workbook.samples.attach(ref, sample["id"], [path], requirement=item)
            if sample.get("notes"):
                workbook.samples.set(ref, sample["id"], notes=sample["notes"])
