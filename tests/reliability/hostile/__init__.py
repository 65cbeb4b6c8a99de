"""Hostile inputs, each built in code and run through the real command line."""
