"""Textual user interface for batchtui."""
