"""`/hashtag`: one listener and a table of sub-commands. Ack at once, answer via response_url.

The first word picks the sub-command; anything else is a condition to answer for. A sub-command
whose words don't fit gets its usage, and a near miss of one ("lsit") gets "did you mean",
never a hashtag answer with a Track button, unless the words name a real condition ("hEDS" is
two letters from "help").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import OSA
from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.permissions import Action, refusal
from bot.services import Services
from bot.slack import outreach
from bot.slack.audience import audience_line, language_in_channel, region_in_channel
from bot.slack.blocks import Message, answer, context, escape
from bot.slack.channel import (
    PEOPLE_ONLY,
    alerts_in_channel,
    is_private_conversation,
    mute_in_channel,
    schedule_in_channel,
    track_in_channel,
    untrack_in_channel,
    when_line,
)
from bot.slack.digest import digest_messages
from bot.slack.errors import acknowledge, answering_safely
from bot.slack.notices import channel_topics, notice, usage
from bot.slack.people import People

COMMAND = "/hashtag"

_MENTION = re.compile(r"<([@#!])[^>|]*(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]*)(?:\|([^>]*))?>")


def as_typed(text: str) -> str:
    """What the person typed: people and @channel mentions dropped, #channel and links as shown.

    Slack sends mentions and links as <…> markup and a typed &, < or > as an entity.
    """
    text = _MENTION.sub(
        lambda m: f" #{m.group(2)} " if m.group(1) == "#" and m.group(2) else " ", text
    )
    text = _LINK.sub(lambda m: f" {m.group(2) or m.group(1)} ", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True)
class Command:
    """One `/hashtag` request: the words after the sub-command, and who asked where."""

    text: str  # everything typed, mentions resolved
    rest: str  # the words after the sub-command word
    channel: str
    channel_name: str
    user: str
    team: str
    trigger_id: str

    @classmethod
    def of(cls, body: dict[str, Any], team: str = "") -> Command:
        """The command in `body`; `team` as Bolt found it (an org's id on org-wide installs)."""
        text = as_typed(str(body.get("text") or ""))
        words = text.split(maxsplit=1)
        return cls(
            text,
            words[1] if len(words) > 1 else "",
            str(body.get("channel_id") or ""),
            str(body.get("channel_name") or ""),
            str(body.get("user_id") or ""),
            team or str(body.get("team_id") or ""),
            str(body.get("trigger_id") or ""),
        )

    @property
    def private(self) -> bool:
        return is_private_conversation(self.channel, self.channel_name)


Handler = Callable[[Services, Command, WebClient], list[Message]]


@dataclass(frozen=True)
class SubCommand:
    handler: Handler
    usage: str  # what to type, shown when the words don't fit
    fits: Callable[[str], bool]  # whether the words after it are what it takes (a handler that
    # takes anything says itself what is missing: "Say what to track, e.g. …")
    in_channels: str = ""  # what only a channel can ask for, in the refusal's words
    action: Callable[[str], Action] = lambda rest: Action.ASK  # what it does, by its words


def changes(rest: str) -> Action:
    return Action.CHANGE


def approves(rest: str) -> Action:
    return Action.APPROVE


def _set_or_ask(rest: str) -> Action:
    """`/hashtag region` says what is set; `/hashtag region GB` changes it."""
    return Action.CHANGE if rest.strip() else Action.ASK


def _digest_action(rest: str) -> Action:
    """`/hashtag digest` previews; `/hashtag digest daily 09:00 …` changes the schedule."""
    return Action.CHANGE if rest.strip() else Action.ASK


def _nothing(rest: str) -> bool:
    return not rest.strip()


def _anything(rest: str) -> bool:
    return True


def _help(services: Services, command: Command, client: WebClient) -> list[Message]:
    return [usage()]


def _list(services: Services, command: Command, client: WebClient) -> list[Message]:
    overview = services.channels.overview(command.channel)
    clock = overview.clock
    return [
        channel_topics(
            command.channel,
            overview.topics,
            overview.muted,
            schedule=when_line(clock, services.now()) if clock else "",
            alerts=clock.alerts if clock else False,
            last_change=services.channels.last_change(command.channel),
            audience=audience_line(services, command.channel),
        )
    ]


def _digest(services: Services, command: Command, client: WebClient) -> list[Message]:
    if command.rest.strip():
        return [schedule_in_channel(services, command.channel, command.rest, user=command.user)]
    return digest_preview(services, command.channel)


def _alerts(services: Services, command: Command, client: WebClient) -> list[Message]:
    return [alerts_in_channel(services, command.channel, command.rest, user=command.user)]


def _track(services: Services, command: Command, client: WebClient) -> list[Message]:
    return [
        track_in_channel(
            services, command.channel, command.rest, user=command.user, team=command.team
        )
    ]


def _untrack(services: Services, command: Command, client: WebClient) -> list[Message]:
    return [untrack_in_channel(services, command.channel, command.rest, user=command.user)]


def _mute(services: Services, command: Command, client: WebClient) -> list[Message]:
    return [mute_in_channel(services, command.channel, command.rest, user=command.user, mute=True)]


def _unmute(services: Services, command: Command, client: WebClient) -> list[Message]:
    return [mute_in_channel(services, command.channel, command.rest, user=command.user, mute=False)]


def _messages(services: Services, command: Command, client: WebClient) -> list[Message]:
    opened = outreach.open_message_form(
        services, client, command.rest, command.channel, command.trigger_id
    )
    return [] if opened is None else [opened]


def _compose(services: Services, command: Command, client: WebClient) -> list[Message]:
    return outreach.compose(services, command.rest, command.channel)


def _available(services: Services, command: Command, client: WebClient) -> list[Message]:
    return [outreach.available(services, command.rest)]


def _region(services: Services, command: Command, client: WebClient) -> list[Message]:
    return [region_in_channel(services, command.channel, command.rest, user=command.user)]


def _language(services: Services, command: Command, client: WebClient) -> list[Message]:
    return [language_in_channel(services, command.channel, command.rest, user=command.user)]


def _on_or_off(rest: str) -> bool:
    return rest.strip().casefold() in {"on", "off"}


def _one_word(rest: str) -> bool:
    return len(rest.split()) <= 1


def _message_id(rest: str) -> bool:
    return not rest.strip() or rest.strip().lstrip("#").isdigit()


SUB_COMMANDS: dict[str, SubCommand] = {
    "help": SubCommand(_help, "`/hashtag help`", _anything),
    "list": SubCommand(_list, "`/hashtag list` (what this channel tracks)", _nothing),
    "digest": SubCommand(
        _digest,
        "`/hashtag digest` (a preview here), or `/hashtag digest daily 09:00 America/New_York`",
        _anything,
        "The digest",
        _digest_action,
    ),
    "alerts": SubCommand(
        _alerts, "`/hashtag alerts on` or `/hashtag alerts off`", _on_or_off, "Alerts", changes
    ),
    "track": SubCommand(_track, "`/hashtag track lung cancer`", _anything, "Tracking", changes),
    "untrack": SubCommand(
        _untrack, "`/hashtag untrack lung cancer`", _anything, "Tracking", changes
    ),
    "mute": SubCommand(_mute, "`/hashtag mute @handle`", _anything, "Muting", changes),
    "unmute": SubCommand(_unmute, "`/hashtag unmute @handle`", _anything, "Muting", changes),
    "messages": SubCommand(
        _messages,
        "`/hashtag messages` (add one) or `/hashtag messages 3` (edit 3)",
        _message_id,
        action=approves,
    ),
    "compose": SubCommand(_compose, "`/hashtag compose lung cancer`", _anything),
    "available": SubCommand(_available, "`/hashtag available #LungStudy26`", _anything),
    "region": SubCommand(
        _region, "`/hashtag region US` (or `global`)", _one_word, action=_set_or_ask
    ),
    "language": SubCommand(
        _language, "`/hashtag language es` (or `en`)", _one_word, action=_set_or_ask
    ),
}


def route(text: str) -> tuple[str, SubCommand | None]:
    """The sub-command the words start with, or None: the words name a condition to answer for.
    Empty text is `help`."""
    words = text.split(maxsplit=1)
    if not words:
        return "help", SUB_COMMANDS["help"]
    first = words[0].casefold()
    return first, SUB_COMMANDS.get(first)


def near_miss(services: Services, command: Command) -> str | None:
    """The sub-command a mistyped first word was meant to be ("lsit", "tracks"), unless the word
    is part of a condition's name; None when it isn't close to one."""
    first = command.text.split(maxsplit=1)[0].casefold()
    if len(first) < 3:
        return None
    allowed = 1 if len(first) <= 5 else 2
    word = min(SUB_COMMANDS, key=lambda w: OSA.distance(first, w))
    if OSA.distance(first, word) > allowed:
        return None
    unexplained = {w.casefold() for w in services.understand(command.text).unmatched}
    return word if first in unexplained else None


def digest_preview(services: Services, channel_id: str) -> list[Message]:
    """This channel's digest as it stands now, for the person who asked; nothing is recorded."""
    digest = services.channels.digest_preview(channel_id, now=services.now())
    messages = digest_messages(digest)
    if digest.topics:
        clock = services.channels.clock(channel_id)
        when = when_line(clock, services.now()) if clock else "off"
        messages[0]["blocks"].insert(
            1,
            context(
                f"_A preview only you can see. <#{channel_id}> gets its digest {escape(when)};"
                " accounts are introduced once, when it is posted._"
            ),
        )
    return messages


def replies_to(
    services: Services,
    body: dict[str, Any],
    client: WebClient,
    people: People,
    team: str = "",
) -> list[Message]:
    """The whole command as a recipe: route, check where it was asked and who asks, call the
    handler. One message, or a digest long enough to need several; none when a form opened."""
    command = Command.of(body, team)
    word, sub = route(command.text)
    if sub is None:
        meant = near_miss(services, command)
        if meant is not None:
            typed = f"/hashtag {meant} {command.rest}".strip()
            return [
                notice(
                    f"Did you mean `{escape(typed)}`? Nothing was changed. "
                    f"`/hashtag help` lists what I can do."
                )
            ]
        result = services.suggester.suggest(
            command.text, today=services.today(), audience=services.audience(command.channel)
        )
        return [answer(result, can_share=not command.private, can_track=not command.private)]
    if not sub.fits(command.rest):
        return [notice(f"`/hashtag {escape(word)}` needs other words: try {sub.usage}.")]
    if sub.in_channels and command.private:
        return [notice(PEOPLE_ONLY.format(what=sub.in_channels))]
    action = sub.action(command.rest)
    if action is not Action.ASK:  # answers never wait on Slack to say who is asking
        standing = people.standing(command.user, str(body.get("team_id") or ""))
        if not standing.may(action):
            return [notice(refusal(standing, action, people.approvers_named))]
    return sub.handler(services, command, client)


def register(app: App, services: Services, people: People) -> None:
    @answering_safely
    def answer_command(
        body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        team = context.team_id or context.enterprise_id or ""
        for reply in replies_to(services, body, client, people, team):
            respond(**reply, response_type="ephemeral", replace_original=False)

    app.command(COMMAND)(ack=acknowledge, lazy=[answer_command])
