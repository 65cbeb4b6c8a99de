"""The import wizard: choose the checklist, its sheet, header row and columns; review the rows; import."""

from ui.dialogs.import_wizard.mapping_page import MappingPage
from ui.dialogs.import_wizard.review_pages import ChangesPage, ProblemsPage, SummaryPage
from ui.dialogs.import_wizard.source_pages import FilePage, SheetPage
from ui.dialogs.import_wizard.steps import (
    CHECKLIST_SUFFIXES,
    PAGE_CHANGES,
    PAGE_FILE,
    PAGE_MAPPING,
    PAGE_PROBLEMS,
    PAGE_SHEET,
    PAGE_SUMMARY,
    PREVIEW_ROWS,
    column_width,
    is_checklist,
)
from ui.dialogs.import_wizard.wizard import OPENING_SIZE, ImportWizard

__all__ = [
    "CHECKLIST_SUFFIXES",
    "OPENING_SIZE",
    "PAGE_CHANGES",
    "PAGE_FILE",
    "PAGE_MAPPING",
    "PAGE_PROBLEMS",
    "PAGE_SHEET",
    "PAGE_SUMMARY",
    "PREVIEW_ROWS",
    "ChangesPage",
    "FilePage",
    "ImportWizard",
    "MappingPage",
    "ProblemsPage",
    "SheetPage",
    "SummaryPage",
    "column_width",
    "is_checklist",
]
