"""All SQL lives here: the Store over one SQLite file."""

from bot.storage.channels import Topic
from bot.storage.store import Store, StoreError

__all__ = ["Store", "StoreError", "Topic"]
