"""Dialogs: new workbook, import wizard, export, preferences."""
