"""The Batch access layer: fetches from Azure Batch (or the emulator) through
the official SDK and hands the UI plain models. No Textual import here, ever."""
