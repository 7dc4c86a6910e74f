"""Reusable widgets, one per file, with their styling in ``DEFAULT_CSS``."""
