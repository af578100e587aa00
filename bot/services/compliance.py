"""Honouring X deletions: once a day every stored X post and account is checked with X's batch
compliance endpoints, and whatever X says is deleted, protected, suspended or deactivated goes.

A check spans hours (X processes a job in its own time), so each call of `compliance_step` does
the next piece and records where it is: start a job and upload the ids, or see whether X has
finished and apply the results. The record lives in the cursors table, so restarts lose nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.sources.base import SourceError
from bot.sources.x_compliance import (
    FINISHED_BADLY,
    WAITING,
    ComplianceJob,
    XCompliance,
    id_file,
)
from bot.storage import Store

log = logging.getLogger(__name__)

STATE = "x compliance"  # cursors key space and health row
EVERY = timedelta(hours=24)  # a new check once a day
GIVE_UP_AFTER = timedelta(days=6)  # X keeps results a week from a job's creation
# X's job types (post ids, account ids) and the table the bot keeps them in.
KINDS = {"tweets": "posts", "users": "authors"}


@dataclass
class KindReport:
    kind: str  # "tweets" or "users"
    done: str = ""  # what happened, for people
    removed: int = 0
    waiting: bool = False


@dataclass
class ComplianceReport:
    kinds: list[KindReport] = field(default_factory=list)
    error: str = ""
    skipped: str = ""

    @property
    def waiting(self) -> bool:
        return not self.error and any(k.waiting for k in self.kinds)

    def summary(self) -> str:
        if self.skipped:
            return f"X compliance: {self.skipped}"
        lines = [f"X compliance: {k.done}" for k in self.kinds if k.done]
        if self.error:
            lines.append(f"X compliance: {self.error}")
        return "\n".join(lines) or "X compliance: nothing to do"


def _noun(kind: str, n: int) -> str:
    one, many = ("post", "posts") if kind == "tweets" else ("account", "accounts")
    return f"{n:,} {one if n == 1 else many}"


def _state(store: Store, kind: str) -> dict[str, Any]:
    try:
        state = json.loads(store.cursor(STATE, kind) or "{}")
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}


def _when(value: object) -> datetime | None:
    """A time the record holds; None when it holds none (or something that is not one)."""
    try:
        when = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return when if when is None or when.tzinfo else when.replace(tzinfo=UTC)


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0


def _save(store: Store, kind: str, state: dict[str, Any], now: datetime) -> None:
    store.set_cursor(STATE, kind, json.dumps(state, sort_keys=True), now=now)


def compliance_step(
    settings: Settings,
    store: Store,
    *,
    clock: Clock = utc_now,
    service: XCompliance | None = None,
) -> ComplianceReport:
    """The next piece of the daily check for posts and for accounts; recorded for `doctor`."""
    report = ComplianceReport()
    if not settings.x_bearer_token:
        report.skipped = "skipped: set X_BEARER_TOKEN to check stored X posts with X"
        return report
    owned = service is None
    service = service or XCompliance(settings)
    try:
        for kind in KINDS:
            kind_report = KindReport(kind)
            report.kinds.append(kind_report)
            _step(store, service, kind, clock(), kind_report)
    except SourceError as err:
        report.error = str(err)
    finally:
        if owned:
            service.close()
    if report.error or any(k.done for k in report.kinds):  # a step that did something
        said = report.error or "; ".join(k.done for k in report.kinds if k.done)
        store.set_health(STATE, not report.error, said, now=clock())
    return report


def _step(store: Store, service: XCompliance, kind: str, now: datetime, report: KindReport) -> None:
    state = _state(store, kind)
    if state.get("job"):
        job = service.job(str(state["job"]), kind)
        started = _when(state.get("started")) or now
        unsent = job.status == "created" and not state.get("uploaded")  # its upload failed
        if job.status in WAITING and now - started < GIVE_UP_AFTER and not unsent:
            report.waiting = True
            report.done = f"X is still checking {_noun(kind, _count(state.get('ids')))}"
            return
        if job.status == "complete":
            if not job.download_url:  # X gave it when the job was made
                job = replace(job, download_url=str(state.get("download_url", "")))
            _apply(store, service, job, _count(state.get("ids")), now, report)
            return
        why = (
            job.status
            if job.status in FINISHED_BADLY
            else "without its ids"
            if unsent
            else f"{job.status or 'lost'} too long"
        )
        log.warning("x compliance: the %s job %s ended %s; starting another", kind, job.id, why)
        state = {}
    checked = _when(state.get("checked"))
    if checked and now - checked < EVERY:
        return  # checked within the day
    with id_file(store.platform_ids("x", KINDS[kind])) as ids:
        if not ids.count:
            return  # nothing from X stored: nothing to check
        job = service.create(kind)
        state = {"job": job.id, "download_url": job.download_url, "started": now.isoformat()}
        _save(store, kind, state, now)  # known before the upload: X runs one job of a kind at once
        service.upload(job, ids)
    sent = ids.count
    _save(store, kind, {**state, "ids": sent, "uploaded": True}, now)
    report.waiting = True
    report.done = f"asked X to check {_noun(kind, sent)}"


def _apply(
    store: Store,
    service: XCompliance,
    job: ComplianceJob,
    sent: int,
    now: datetime,
    report: KindReport,
) -> None:
    kind = job.kind
    results = service.results(job)
    gone = [e for e in results.events if e.removes]
    if kind == "tweets":
        report.removed = store.delete_posts([f"x:{e.id}" for e in gone])
        what = "removed"
    else:
        reasons = [(f"x:{e.id}", f"account {e.reason or 'gone'} on X") for e in gone]
        report.removed = store.forget_authors(reasons, now=now)
        what = "forgotten, with their posts"
    report.done = f"X checked {_noun(kind, sent)}: {_noun(kind, report.removed)} {what}"
    if results.unreadable:
        report.done += f"; {results.unreadable:,} unreadable result lines skipped"
    _save(store, kind, {"checked": now.isoformat(), "ids": sent, "removed": report.removed}, now)
