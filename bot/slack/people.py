"""Who is asking, as Slack describes them: a guest, a member or an approver (domain/permissions).

Slack's `users.info` says whether someone is a guest (`is_restricted`, `is_ultra_restricted`),
an owner or an admin, and which team they belong to; someone from another organisation in a
shared channel (Slack Connect) belongs to another team. Approvers are the user ids and user
groups in HASHTAG_BOT_APPROVERS (groups read with `usergroups.users.list`), or, when none are
set, the workspace's owners and admins. Each person's standing is kept for a few minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.permissions import Role, Standing
from bot.slack.errors import error_code
from bot.slack.installation import Installation

log = logging.getLogger("bot.slack")

STANDING_TTL_S = 300.0  # a guest made a member (or the other way) counts within five minutes


def is_group(approver: str) -> bool:
    return approver.startswith("S")


PEOPLE_SCOPES = ("users:read",)  # users.info: guests, owners and admins, other organisations
GROUP_SCOPES = ("usergroups:read",)  # usergroups.users.list, only when approvers name a group


def needed_scopes(approvers: Sequence[str]) -> tuple[str, ...]:
    return PEOPLE_SCOPES + (GROUP_SCOPES if any(is_group(a) for a in approvers) else ())


def named(approvers: Sequence[str]) -> str:
    """Who may approve, as Slack shows people and groups."""
    if not approvers:
        return "the workspace's owners and admins (HASHTAG_BOT_APPROVERS is not set)"
    return ", ".join(f"<!subteam^{a}>" if is_group(a) else f"<@{a}>" for a in approvers)


class People:
    """Standings, read from Slack on first need and kept for STANDING_TTL_S."""

    def __init__(
        self,
        client: WebClient,
        installation: Installation | None,
        approvers: Sequence[str],
        *,
        ttl_s: float = STANDING_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.installation = installation
        self.approvers = tuple(approvers)
        self.ttl_s = ttl_s
        self.clock = clock
        self._known: dict[str, tuple[float, Standing]] = {}
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    @property
    def approvers_named(self) -> str:
        return named(self.approvers)

    def missing_scopes(self) -> list[str]:
        """The scopes telling people apart needs that the install lacks (an install from before
        they were asked for): reinstalling the app grants them."""
        granted = (self.installation.scopes or "") if self.installation else ""
        if not granted:
            return []  # not known: users.info itself will say
        have = {scope.strip() for scope in granted.split(",")}
        return [scope for scope in needed_scopes(self.approvers) if scope not in have]

    def standing(self, user_id: str, user_team: str = "") -> Standing:
        """The person's standing; `user_team` is the team the request says they belong to,
        for when Slack's own profile of them doesn't say."""
        now = self.clock()
        key = f"{user_id}@{user_team}"
        with self._lock:
            known = self._known.get(key)
            if known and known[0] > now:
                return known[1]
        standing = self._read(user_id, user_team)
        if not standing.unknown:  # a failed look-up is asked again next time
            with self._lock:
                self._known[key] = (now + self.ttl_s, standing)
        return standing

    def _read(self, user_id: str, user_team: str) -> Standing:
        if not user_id:
            return Standing(Role.GUEST, unknown="the request names nobody")
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except SlackApiError as err:
            code = error_code(err)
            log.warning("users.info for %s: Slack said %s", user_id, code)
            return Standing(Role.GUEST, unknown=code, reinstall=code == "missing_scope")
        except (SlackClientError, OSError) as err:
            log.warning("users.info for %s: %s", user_id, err)
            return Standing(Role.GUEST, unknown="Slack could not be reached")
        if user.get("is_ultra_restricted"):
            return Standing(Role.GUEST, "a single-channel guest")
        if user.get("is_restricted"):
            return Standing(Role.GUEST, "a multi-channel guest")
        if self._elsewhere(str(user.get("team_id") or "") or user_team, user):
            return Standing(Role.GUEST, "someone from another organisation in a shared channel")
        if self._approves(user_id, user):
            return Standing(Role.APPROVER)
        return Standing(Role.MEMBER)

    def _elsewhere(self, team: str, user: dict[str, object]) -> bool:
        """Whether the person belongs to another organisation than the one the bot serves."""
        ours = self.installation
        if ours is None or not team:
            return False
        if ours.org_wide:
            enterprise = (user.get("enterprise_user") or {}).get("enterprise_id")  # type: ignore[attr-defined]
            return bool(enterprise) and enterprise != ours.enterprise_id
        return team != ours.team_id

    def _approves(self, user_id: str, user: dict[str, object]) -> bool:
        if not self.approvers:
            return bool(user.get("is_owner") or user.get("is_admin"))
        if user_id in self.approvers:
            return True
        return any(user_id in self.members(group) for group in self.approvers if is_group(group))

    def members(self, group: str) -> frozenset[str]:
        """A user group's members (kept like standings); none when Slack won't say."""
        now = self.clock()
        with self._lock:
            known = self._groups.get(group)
            if known and known[0] > now:
                return known[1]
        try:
            users = self.client.usergroups_users_list(usergroup=group).get("users") or []
        except SlackApiError as err:
            # plan_upgrade_required on free plans, missing_scope without usergroups:read:
            # doctor says so; user ids still work.
            log.warning("usergroups.users.list for %s: Slack said %s", group, error_code(err))
            return frozenset()
        except (SlackClientError, OSError) as err:
            log.warning("usergroups.users.list for %s: %s", group, err)
            return frozenset()
        found = frozenset(str(u) for u in users)
        with self._lock:
            self._groups[group] = (now + self.ttl_s, found)
        return found
