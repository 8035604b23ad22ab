"""Modal screens: help, raw JSON, the no-accounts welcome."""
