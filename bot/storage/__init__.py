"""All SQL lives here: the Store over one SQLite file."""

from bot.storage.audit import LIBRARY, Change
from bot.storage.channels import DigestPart, Topic
from bot.storage.store import Store, StoreError

__all__ = ["LIBRARY", "Change", "DigestPart", "Store", "StoreError", "Topic"]
