"""The one installation this bot serves, as Slack's auth.test described it at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web import SlackResponse


@dataclass(frozen=True)
class Installation:
    """Workspace (or Enterprise org), app and bot user the bot token belongs to."""

    team_id: str
    enterprise_id: str | None = None
    org_wide: bool = False  # an Enterprise Grid org-wide install serves every team in the org
    app_id: str | None = None  # auth.test says it for most tokens; when it doesn't, not checked
    bot_id: str | None = None
    bot_user_id: str | None = None
    scopes: str | None = None

    @classmethod
    def from_auth_test(cls, response: SlackResponse) -> Installation:
        def text(name: str) -> str | None:
            value = response.get(name)
            return str(value) if value else None

        return cls(
            team_id=text("team_id") or "",
            enterprise_id=text("enterprise_id"),
            org_wide=bool(response.get("is_enterprise_install")),
            app_id=text("app_id"),
            bot_id=text("bot_id"),
            bot_user_id=text("user_id"),
            scopes=next(
                (
                    str(v)
                    for k, v in (response.headers or {}).items()
                    if k.lower() == "x-oauth-scopes"
                ),
                None,
            ),
        )

    def __str__(self) -> str:
        where = f"org {self.enterprise_id}" if self.org_wide else f"team {self.team_id}"
        return f"installed in {where}" + (f" as app {self.app_id}" if self.app_id else "")

    def foreign(self, *, team_id: str | None, enterprise_id: str | None, app_id: Any) -> str | None:
        """Whose request this is, when it is not this installation's (None when it is, or when
        the payload doesn't say, as Slack's own url_verification doesn't)."""
        if app_id and self.app_id and app_id != self.app_id:
            return f"app {app_id}"
        if self.org_wide:
            if enterprise_id and enterprise_id != self.enterprise_id:
                return f"org {enterprise_id}"
        elif team_id and team_id != self.team_id:
            return f"team {team_id}"
        return None

    def authorize(self, bot_token: str) -> AuthorizeResult:
        """What Bolt's single-workspace authorization would build, without a second auth.test."""
        return AuthorizeResult(
            enterprise_id=self.enterprise_id,
            team_id=self.team_id,
            bot_id=self.bot_id,
            bot_user_id=self.bot_user_id,
            bot_token=bot_token,
            bot_scopes=self.scopes,
        )
