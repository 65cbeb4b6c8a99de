"""The fields the log vouches for: what an import writes, the answers, and an evidence file's details."""

from __future__ import annotations

# What an import writes into a request from the checklist, and the answers it takes from it when it adds one.
IMPORT_FIELDS = (
    "title",
    "request_text",
    "criteria",
    "section",
    "priority",
    "auditor_comment",
    "extra",
    "source_sheet",
    "source_row",
    "position",
)
ANSWER_FIELDS = ("owner", "status", "due")
REQUEST_FIELDS = (*IMPORT_FIELDS, *ANSWER_FIELDS, "notes", "archived", "recheck_evidence")
EVIDENCE_FIELDS = (
    "name",
    "added_by",
    "effective_date",
    "description",
    "source_system",
    "shows",
    "population",
    "period_covered",
    "never_export",
)
