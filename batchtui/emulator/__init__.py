"""A local Azure Batch service: the Batch REST API over aiohttp, state in SQLite,
tasks run as real local processes on simulated compute nodes.

Nothing here imports Textual or the client-side `batchtui.service` layer: the
emulator is tested through the official SDK, exactly like Azure itself.
"""

API_VERSION = "2025-06-01"
DEFAULT_ACCOUNT = "emulator"
# A fixed, public development key, like Azurite's well-known key. It protects
# nothing: the emulator binds to loopback and holds no real data.
DEFAULT_KEY = "YmF0Y2h0dWktZW11bGF0b3ItZGV2ZWxvcG1lbnQta2V5LW5vdC1hLXNlY3JldA=="
DEFAULT_PORT = 8200
# Where a key other than DEFAULT_KEY, and the auto-storage connection string,
# reach `batchtui emulator` (never on its command line, which `ps` shows to all).
KEY_ENV = "BATCHTUI_EMULATOR_KEY"
STORAGE_ENV = "BATCHTUI_EMULATOR_STORAGE_CONNECTION_STRING"
