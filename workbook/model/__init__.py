"""Frozen dataclasses and enums: the shapes services hand to the GUI, the CLI and formats."""

from workbook.model.engagement import (
    ActivityEntry,
    Actor,
    Engagement,
    Problem,
    VerifyReport,
    WorkbookInfo,
)
from workbook.model.evidence import (
    AttachResult,
    Evidence,
    EvidenceDetails,
    EvidenceFlag,
    EvidenceLink,
    flag_label,
)
from workbook.model.exporting import ExportOptions, ExportOutput, ExportResult, PageSize
from workbook.model.importing import (
    DiffKind,
    FieldDiff,
    ImportSummary,
    MergedRowInfo,
    RequestDiff,
    SkippedRowInfo,
)
from workbook.model.requests import (
    FIELDS,
    MAPPABLE_FIELDS,
    STATUS_LABELS,
    Changes,
    Comment,
    FieldChange,
    Person,
    Request,
    RequestFilter,
    Status,
)

__all__ = [
    "FIELDS",
    "MAPPABLE_FIELDS",
    "STATUS_LABELS",
    "ActivityEntry",
    "Actor",
    "AttachResult",
    "Changes",
    "Comment",
    "DiffKind",
    "Engagement",
    "Evidence",
    "EvidenceDetails",
    "EvidenceFlag",
    "EvidenceLink",
    "ExportOptions",
    "ExportOutput",
    "ExportResult",
    "FieldChange",
    "FieldDiff",
    "ImportSummary",
    "MergedRowInfo",
    "PageSize",
    "Person",
    "Problem",
    "Request",
    "RequestDiff",
    "RequestFilter",
    "SkippedRowInfo",
    "Status",
    "VerifyReport",
    "WorkbookInfo",
    "flag_label",
]
