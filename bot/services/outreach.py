"""Approved outreach: the library of IRB-approved messages, per-network drafts, campaign tags.

The bot never posts to social networks and never messages anyone: drafts are for a person to
post, after reading them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.domain.approvals import EXPIRING_DAYS, Approval, ApprovedMessage
from bot.domain.audience import Audience
from bot.domain.campaign_tags import TagReport, collisions, known_tags, readability
from bot.domain.conditions import ConditionMatcher
from bot.domain.drafts import Composition, compose_message, draft_tags
from bot.domain.hashtags import is_valid_tag
from bot.domain.knowledge import KnowledgeBase
from bot.domain.text import topic_key
from bot.domain.wording import WordingWarning, check_wording
from bot.services.suggestions import Suggester
from bot.storage import LIBRARY, Store
from bot.storage.approved_messages import StaleVersion

if TYPE_CHECKING:
    from bot.sources.tag_lookups import LiveLook

__all__ = ["Outreach", "SavedMessage", "StaleVersion"]

MAX_COMPOSED = 8  # messages composed per answer; Slack shows three drafts for each

LiveLooks = Callable[[Settings, str], "LiveLook"]


@dataclass(frozen=True)
class SavedMessage:
    message: ApprovedMessage
    saved: bool  # False: the same as the newest version, so no new version was made
    warnings: list[WordingWarning]


class Outreach:
    """`/hashtag messages|compose|available` and `hashtag-bot messages|compose|available`."""

    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        store: Store,
        suggester: Suggester,
        *,
        looks: tuple[LiveLooks, ...] | None = None,
    ) -> None:
        self.settings = settings
        self.kb = kb
        self.store = store
        self.suggester = suggester
        self._looks = looks

    def looks(self) -> tuple[LiveLooks, ...]:
        """Bluesky and Mastodon by default, imported when first asked: atproto alone takes most
        of a second to import, and every `hashtag-bot` command would pay it."""
        if self._looks is None:
            from bot.sources.tag_lookups import look_on_bluesky, look_on_mastodon

            self._looks = (look_on_bluesky, look_on_mastodon)
        return self._looks

    @property
    def matcher(self) -> ConditionMatcher:
        return self.suggester.matcher

    # The library ---------------------------------------------------------------------------
    def save(
        self,
        approval: Approval,
        *,
        by: str,
        now: datetime,
        message_id: int | None = None,
        expected_version: int | None = None,
    ) -> SavedMessage:
        """Add a message or a new version of one (StaleVersion if someone saved one meanwhile);
        the audit trail keeps who saved what, before and after."""
        before = self.store.message(message_id) if message_id is not None else None
        with self.store.transaction():
            message, saved = self.store.save_message(
                approval, by=by, now=now, message_id=message_id, expected_version=expected_version
            )
            self.store.record_change(
                LIBRARY,
                "approved message",
                actor=by,
                before=summary_of(before) if before else "",
                after=summary_of(message),
                now=now,
            )
        return SavedMessage(message, saved, check_wording(message.approval.text))

    def messages(self) -> list[ApprovedMessage]:
        return self.store.messages()

    def message(self, message_id: int) -> ApprovedMessage | None:
        return self.store.message(message_id)

    def versions(self, message_id: int) -> list[ApprovedMessage]:
        return self.store.message_versions(message_id)

    def expiring(self, today: date, within: int = EXPIRING_DAYS) -> list[ApprovedMessage]:
        """Approvals in use that end within `within` days, soonest first."""
        soon = [
            m
            for m in self.store.messages()
            if m.approval.status(today) == "active" and m.approval.days_left(today) <= within
        ]
        return sorted(soon, key=lambda m: (m.approval.expires_on, m.id))

    # Drafts --------------------------------------------------------------------------------
    def _condition_ids(self, text: str) -> set[str]:
        return {m.condition.id for m in self.matcher.understand(text).matches}

    def _related(self, a: str, b: str) -> bool:
        """The same condition, or one is a kind of the other (NSCLC and lung cancer)."""
        return a in {c.id for c in self.kb.lineage(b)} or b in {c.id for c in self.kb.lineage(a)}

    def for_topic(self, topic: str) -> list[ApprovedMessage]:
        """The messages whose conditions are the topic's, broader or narrower, or typed alike."""
        wanted = self._condition_ids(topic)
        found = []
        for message in self.store.messages():
            names = message.approval.conditions
            if any(topic_key(name) == topic_key(topic) for name in names):
                found.append(message)
                continue
            ids = {i for name in names for i in self._condition_ids(name)}
            if any(self._related(a, b) for a in wanted for b in ids):
                found.append(message)
        return found

    def compose(self, topic: str, today: date, audience: Audience | None = None) -> Composition:
        """A draft per network of every unexpired message for the topic, with today's best tags
        for the team `audience` describes."""
        result = self.suggester.suggest(topic, today=today, audience=audience)
        primary = result.understanding.primary
        condition = (
            None
            if primary is None
            else {"id": primary.condition.id, "name": primary.condition.name}
        )
        tags = draft_tags(result.suggestions)
        messages = self.for_topic(topic)
        notes: list[str] = []
        if not messages:
            notes.append(
                f"No approved message is for “{topic}” yet. Add one with `/hashtag messages` "
                "or `hashtag-bot messages add`."
            )
        drafts = []
        composed = 0
        for message in messages:
            made, said = compose_message(message, tags, today)
            if made and composed == MAX_COMPOSED:
                notes.append(f"Only the first {MAX_COMPOSED} messages are composed here.")
                break
            drafts += made
            notes += said
            composed += bool(made)
        if drafts and not tags and any(m.approval.hashtags_allowed for m in messages):
            notes.append("No hashtag fits this topic today, so the drafts carry none.")
        notes.append(
            "Drafts are for a person to read and post: the bot never posts to social networks."
        )
        return Composition(topic, condition, tuple(drafts), tuple(notes))

    # Campaign tags -------------------------------------------------------------------------
    def available(self, tag: str, today: date) -> TagReport:
        """Is a new campaign tag in use (stored posts, a live look), what it collides with, how
        it reads."""
        body = tag.strip().lstrip("#＃")
        usage = self.store.tag_usage(body)
        stored = {
            "posts": usage.posts,
            "authors": usage.authors,
            "first_day": usage.first_day,
            "last_day": usage.last_day,
            "accounts": [{"source": s, "handle": h, "posts": n} for s, h, n in usage.accounts],
            "with_tags": [t for t, _ in usage.with_tags],
        }
        live = []
        if is_valid_tag(body):  # a broken tag is not looked up: no network links it
            for look in self.looks():
                seen = look(self.settings, body)
                live.append(
                    {
                        "network": seen.network,
                        "posts": seen.posts,
                        "accounts": list(seen.accounts),
                        "with_tags": list(seen.with_tags),
                        "error": seen.error or None,
                    }
                )
        known = known_tags(self.kb, self.suggester.index, today)
        return TagReport(
            tag=body,
            stored=stored,
            live=live,
            collisions=collisions(body, known, self.kb.also_means),
            readability=readability(body),
        )


def summary_of(message: ApprovedMessage) -> str:
    """An approved message's version as the audit trail keeps it."""
    approval = message.approval
    return (
        f"message {message.id} v{message.version}: {approval.study}, IRB {approval.irb_ref}, "
        f"approved {approval.approved_on}, expires {approval.expires_on}, "
        f"conditions {', '.join(approval.conditions)}, {approval.url}, "
        f"hashtags {'allowed' if approval.hashtags_allowed else 'none'}: {approval.text}"
    )


def tag_of(text: str) -> str:
    """The tag a person typed: '#LungStudy26', 'LungStudy26' or '<#C123|LungStudy26>' alike."""
    return text.strip().split()[0].lstrip("#＃") if text.strip() else ""
