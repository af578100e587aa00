"""All SQL lives here: the Store over one SQLite file."""

from bot.storage.store import Store, StoreError

__all__ = ["Store", "StoreError"]
