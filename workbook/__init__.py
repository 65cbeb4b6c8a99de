"""Audit Workbook: the Qt-free library behind the app and the command line."""

__version__ = "0.1.0"
