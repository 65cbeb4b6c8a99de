"""Widgets: the request panel, the evidence list with its drop zone, the filter bar."""
