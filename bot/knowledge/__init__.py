"""The shipped knowledge base: conditions, community tags, awareness calendar, conferences."""

from bot.knowledge.loader import KnowledgeError, load_knowledge

__all__ = ["KnowledgeError", "load_knowledge"]
