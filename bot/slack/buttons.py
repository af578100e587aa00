"""What every answer button needs: who pressed it where, what it remembers, and whether the
answer it sits on is too old to act on."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain.calendar import day_label
from bot.slack.blocks import AnswerRef, Message, escape
from bot.slack.notices import notice

MAX_ANSWER_AGE_DAYS = 1  # awareness months and conference tags turn over; share today's answer
OLD_BUTTON = (
    "That button belongs to an answer I can't read any more (it may be from an older version "
    "of the bot). Run `/hashtag` again for a fresh one."
)


def pressed(body: dict[str, Any]) -> tuple[str, str, str, str, AnswerRef | None]:
    """(user, team, channel id, channel name, what the button remembers) from a block_actions body."""
    actions = body.get("actions") or [{}]
    user = body.get("user") or {}
    channel = body.get("channel") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    ref = AnswerRef.decode(actions[0].get("value"))
    return user.get("id", ""), team, channel.get("id", ""), channel.get("name", ""), ref


def stale(ref: AnswerRef, today: date) -> Message | None:
    """A notice when the answer is from an earlier day than buttons may act on, else None."""
    if (today - ref.as_of).days <= MAX_ANSWER_AGE_DAYS:
        return None
    return notice(
        f"That answer is from {day_label(ref.as_of)}, and hashtags change with awareness months "
        f"and conferences. Ask again for today's: `/hashtag {escape(ref.query)}`"
    )
