"""batchtui: a keyboard-driven terminal UI for Azure Batch, with a local Batch emulator."""

__version__ = "0.1.0"
