"""A digest as a person reads it in a terminal, from the Jinja2 template in bot/templates."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.domain.calendar import day_label
from bot.domain.digest import CONVERSATION_HOURS, Digest
from bot.domain.text import clean_text
from bot.domain.voices import ADVOCATE_DAYS

EXCERPT = 160

_env = Environment(
    loader=PackageLoader("bot", "templates"),
    autoescape=False,  # plain text for a terminal, never HTML
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
_env.filters["day"] = day_label
_env.filters["excerpt"] = lambda text: clean_text(text, limit=EXCERPT)[0]
_env.filters["tagged"] = lambda tag: f"#{tag}"


def digest_text(digest: Digest) -> str:
    template = _env.get_template("digest.txt.j2")
    return template.render(
        digest=digest, hours=CONVERSATION_HOURS, advocate_days=ADVOCATE_DAYS
    ).rstrip()
