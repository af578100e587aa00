"""IRB-approved recruitment messages: what an approval says, and whether a form filled in makes one.

Dates are days on the team's calendar (the caller passes the team's `today`). An IRB's expiration
date is the last approved day: a message is active from its approval day through its expiry day,
both included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

MAX_STUDY = 120
MAX_IRB_REF = 80
MAX_CONDITIONS = 5
MAX_TEXT = 2000  # longer than any network takes: a text that doesn't fit is said so, never cut
MAX_URL = 500
EXPIRING_DAYS = 30  # the App Home lists approvals that end within this many days
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Approval:
    """What the IRB approved: the words and link exactly as approved, and what may be added."""

    study: str
    irb_ref: str
    approved_on: date
    expires_on: date
    conditions: tuple[str, ...]
    text: str
    url: str
    hashtags_allowed: bool

    def status(self, today: date) -> str:
        """'pending' before approval, 'active' from the approval day through the expiry day,
        'expired' after it."""
        if today < self.approved_on:
            return "pending"
        return "active" if today <= self.expires_on else "expired"

    def days_left(self, today: date) -> int:
        """Approved days left after today: 0 on the last day."""
        return (self.expires_on - today).days

    def as_json(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "irb_ref": self.irb_ref,
            "approved": self.approved_on.isoformat(),
            "expires": self.expires_on.isoformat(),
            "conditions": list(self.conditions),
            "text": self.text,
            "url": self.url,
            "hashtags": "allowed" if self.hashtags_allowed else "none",
        }


@dataclass(frozen=True)
class ApprovedMessage:
    """One version of a message in the library; every change is a new version, none overwritten."""

    id: int
    version: int
    approval: Approval
    changed_by: str
    changed_at: str

    def as_json(self, today: date) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            **self.approval.as_json(),
            "status": self.approval.status(today),
            "changed_by": self.changed_by,
            "changed_at": self.changed_at,
        }


def irb_label(ref: str) -> str:
    """An IRB reference with "IRB" before it once: "IRB 2026-114", but "IRB-77" as it is."""
    return ref if ref.casefold().startswith("irb") else f"IRB {ref}"


def split_conditions(text: str) -> tuple[str, ...]:
    """'lung cancer; NSCLC' or one per line: each condition once, as typed."""
    seen: dict[str, str] = {}
    for part in re.split(r"[;\n]", text):
        name = " ".join(part.split())
        if name:
            seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def _day(value: str | date | None) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def read_approval(
    *,
    study: str,
    irb_ref: str,
    approved: str | date | None,
    expires: str | date | None,
    conditions: str | tuple[str, ...],
    text: str,
    url: str,
    hashtags: str,
    today: date,
) -> tuple[Approval | None, dict[str, str]]:
    """The approval a form describes, or what to fix, field by field (the modal shows each inline).

    The text is kept exactly as typed (only surrounding blank space goes): it is what the IRB read.
    """
    errors: dict[str, str] = {}
    study, irb_ref, url = " ".join(study.split()), irb_ref.strip(), url.strip()
    text = text.strip()
    names = split_conditions(conditions) if isinstance(conditions, str) else conditions
    if not study:
        errors["study"] = "Name the study, as the team knows it."
    elif len(study) > MAX_STUDY:
        errors["study"] = f"Keep the study name under {MAX_STUDY} characters."
    if not irb_ref:
        errors["irb"] = "Give the IRB's reference for this approval."
    elif len(irb_ref) > MAX_IRB_REF:
        errors["irb"] = f"Keep the IRB reference under {MAX_IRB_REF} characters."
    approved_on, expires_on = _day(approved), _day(expires)
    if approved_on is None:
        errors["approved"] = "Give the day the IRB approved the message (YYYY-MM-DD)."
    elif approved_on > today:
        errors["approved"] = "The approval date can't be in the future."
    if expires_on is None:
        errors["expires"] = "Give the day the approval expires (YYYY-MM-DD)."
    elif approved_on is not None and expires_on <= approved_on:
        errors["expires"] = "The approval must expire after the day it was given."
    elif expires_on < today:
        errors["expires"] = (
            f"This approval's last day was {expires_on.isoformat()}: renew it with the IRB first."
        )
    if not names:
        errors["conditions"] = "Name at least one condition, e.g. lung cancer."
    elif len(names) > MAX_CONDITIONS:
        errors["conditions"] = f"At most {MAX_CONDITIONS} conditions per message."
    if not text:
        errors["text"] = "Paste the approved text, word for word."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"That is longer than any network takes ({MAX_TEXT} characters)."
    if not _URL.match(url) or len(url) > MAX_URL:
        errors["url"] = "Give the approved study link, starting with https://"
    if hashtags not in ("allowed", "none"):
        errors["hashtags"] = "Say whether the approval allows adding hashtags."
    if errors or approved_on is None or expires_on is None:
        return None, errors
    approval = Approval(
        study, irb_ref, approved_on, expires_on, names, text, url, hashtags == "allowed"
    )
    return approval, {}
