"""Who may do what: guests ask, members change a channel's settings and share, approvers keep
the library of IRB-approved messages.

A Slack workspace holds more than the recruitment team: guests (vendors, agencies, site staff)
and people from other organisations in shared channels. They get answers, Explain and drafts
(agencies often do the posting, and drafts are private), but nothing they do changes a channel
or speaks in it. Whether a message is IRB-approved is declared by the approvers alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    GUEST = "guest"
    MEMBER = "member"
    APPROVER = "approver"


class Action(StrEnum):
    ASK = "ask"  # answers, Explain, Show more, help, list, a digest preview, drafts, available
    CHANGE = "change"  # track, untrack, mute, unmute, digest schedule, alerts, region, language
    SHARE = "share"  # Share in channel (and Remove one's own share)
    APPROVE = "approve"  # add or edit an IRB-approved message


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.ASK: frozenset(Role),
    Action.CHANGE: frozenset({Role.MEMBER, Role.APPROVER}),
    Action.SHARE: frozenset({Role.MEMBER, Role.APPROVER}),
    Action.APPROVE: frozenset({Role.APPROVER}),
}

WHAT = {  # an action as a refusal names it
    Action.CHANGE: "changing this channel's settings",
    Action.SHARE: "sharing answers into a channel",
    Action.APPROVE: "adding or editing IRB-approved messages",
}


@dataclass(frozen=True)
class Standing:
    """What Slack says about one person, as far as the bot could tell."""

    role: Role
    why: str = ""  # for a guest: "a single-channel guest", "from another organisation"
    unknown: str = ""  # Slack couldn't be asked: why (then changes are refused, answers given)
    reinstall: bool = False  # the app lacks the scope to ask: reinstall to grant it

    def may(self, action: Action) -> bool:
        if action is Action.ASK:
            return True  # open, even when the person's standing is unknown
        if self.unknown:
            return False  # closed for anything that changes a channel or the library
        return self.role in ALLOWED[action]


def refusal(standing: Standing, action: Action, approvers: str = "") -> str:
    """One line: why this person can't do this, and who can. `approvers` names who may approve."""
    if standing.unknown:
        if standing.reinstall:
            return (
                f"I can't check who you are in this workspace, so I didn't act on it: "
                f"reinstall the app to grant users:read ({standing.unknown})."
            )
        return (
            "I couldn't check your account with Slack just now, so I didn't change anything. "
            "Please try again in a minute."
        )
    if action is Action.APPROVE:
        return (
            f"Only approvers can add or edit IRB-approved messages: {approvers}. "
            "Ask one of them; drafts of the approved messages are open to everyone."
        )
    return (
        f"As {standing.why or 'a guest'}, you can ask for hashtags, Explain and drafts; "
        f"{WHAT[action]} is for members of this workspace."
    )
