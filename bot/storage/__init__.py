"""All SQL lives here: the Store over one SQLite file."""

from bot.storage.channels import DigestPart, Topic
from bot.storage.store import Store, StoreError

__all__ = ["DigestPart", "Store", "StoreError", "Topic"]
