"""Answers and digests as a person reads them in a terminal (digests from bot/templates)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from bot.domain.calendar import day_label
from bot.domain.suggestion import TOP, SuggestionResult
from bot.domain.text import clean_text

if TYPE_CHECKING:
    from jinja2 import Environment

    from bot.domain.digest import Digest


@cache
def _templates() -> Environment:
    """Made when a digest is first shown: `suggest` needs no templates, and Jinja2's import (like
    the digest rules') is a noticeable share of its start-up."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from bot.domain.digest import EXCERPT_CHARS

    env = Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=False,  # plain text for a terminal, never HTML
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    env.filters["day"] = day_label
    env.filters["excerpt"] = lambda text: clean_text(text, limit=EXCERPT_CHARS)[0]
    env.filters["tagged"] = lambda tag: f"#{tag}"
    return env


def digest_text(digest: Digest) -> str:
    """The digest as the terminal shows it."""
    from bot.domain.digest import CONVERSATION_HOURS
    from bot.domain.voices import ADVOCATE_DAYS

    template = _templates().get_template("digest.txt.j2")
    return template.render(
        digest=digest, hours=CONVERSATION_HOURS, advocate_days=ADVOCATE_DAYS
    ).rstrip()


def suggestion_text(
    result: SuggestionResult, *, explain: bool = False, asks_region: str = ""
) -> str:
    """The answer as a person reads it in a terminal: one line a tag, as in Slack; `explain`
    adds every reason under each tag; `asks_region`, the line that asks for the team's country
    when none is set."""
    matches = result.understanding.matches
    if matches:
        names = ", ".join(f"{m.condition.name} (from “{m.matched}”)" for m in matches)
        head = f"Hashtags for {names}"
    else:
        head = (
            f"Hashtags for “{result.understanding.text}”"
            if result.understanding.text
            else "hashtag-bot"
        )
    lines = [
        head,
        f"as of {result.as_of.isoformat()} · knowledge base {result.knowledge_version}",
        "",
    ]
    for n, suggestion in enumerate(result.suggestions, 1):
        if n == result.top_count + 1 and n <= TOP:
            lines.append("    (the top ends here: fewer than five tags fit it)")
        lines.append(f"{n:>2}. #{suggestion.tag}  {suggestion.what} · {suggestion.evidence}")
        if suggestion.warning:
            lines.append(f"      ! {suggestion.warning}")
        if explain:
            lines += [f"      - {reason}" for reason in suggestion.reasons]
    if result.suggestions:
        lines += ["", "Copy: " + " ".join(f"#{tag}" for tag in result.copy)]
    if result.notes:
        lines += [""] + [f"Note: {note}" for note in result.notes]
    if asks_region and result.asks_region:
        lines += ["", asks_region]
    if result.suggestions and not explain:
        lines += ["", "Add --explain for the reasons behind each tag."]
    return "\n".join(lines)
