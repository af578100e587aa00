"""Stored X posts are checked with X's batch compliance jobs, and what X says is gone, goes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings
from bot.doctor import recorded_checks, report
from bot.domain.topic_plan import TopicPlan
from bot.scheduling import create_scheduler
from bot.services import build_services
from bot.services.collection import drain
from bot.services.compliance import compliance_step
from bot.sources.x import XSource
from bot.storage import Store
from tests.factories import post
from tests.sources.source_standins import FIRST_ID, GOOD_TOKEN, LIVE_NOW
from tests.sources.standins_x import XStandIn, tweet

LCSM = TopicPlan("lung cancer", tags=("LCSM",))


def collected(store: Store, settings: Settings, x_api: XStandIn) -> None:
    """Four #LCSM posts from X by three people, and one from Bluesky, stored as a cycle stores them."""
    x_api.tweets = [
        tweet(1, "Our #LCSM chat tonight", user=1),
        tweet(2, "Scan day #LCSM", user=2),
        tweet(3, "Still scanxious #LCSM", user=2),
        tweet(4, "Checked in from the clinic #LCSM", user=3),
    ]
    source = XSource(settings, clock=lambda: LIVE_NOW, sleep=lambda s: None)
    try:
        report = drain(store, source, [LCSM], clock=lambda: LIVE_NOW)
    finally:
        source.close()
    assert report.new_posts == 4
    store.save_posts([post("#LCSM from Bluesky", at=LIVE_NOW, source="bluesky")], [], now=LIVE_NOW)


def stored_texts(store: Store) -> set[str]:
    rows = store.conns.db().conn.execute("SELECT text FROM posts").fetchall()
    return {text for (text,) in rows}


def test_posts_deleted_on_x_and_accounts_gone_from_x_are_removed_once_x_has_checked(
    store: Store, x_settings: Settings, x_api: XStandIn
) -> None:
    collected(store, x_settings, x_api)
    x_api.compliance["tweets"] = {str(FIRST_ID + 1): "deleted", str(FIRST_ID + 4): "scrub_geo"}
    x_api.compliance["users"] = {"102": "protected"}

    started = compliance_step(x_settings, store, clock=lambda: LIVE_NOW)
    assert started.waiting and "asked X to check 4 posts" in started.summary()
    assert "asked X to check 3 accounts" in started.summary()
    posts_job, users_job = x_api.jobs
    assert sorted(x_api.uploaded_ids(posts_job)) == [str(FIRST_ID + n) for n in (1, 2, 3, 4)]
    assert sorted(x_api.uploaded_ids(users_job)) == ["101", "102", "103"]
    upload = x_api.uploads[posts_job]
    assert upload.headers.get("Content-Type") == "text/plain"
    assert "Authorization" not in upload.headers  # the X token never goes to the storage host
    assert len(stored_texts(store)) == 5  # nothing removed before X has answered

    applied = compliance_step(x_settings, store, clock=lambda: LIVE_NOW + timedelta(hours=1))
    assert not applied.waiting and not applied.error
    assert stored_texts(store) == {"Checked in from the clinic #LCSM", "#LCSM from Bluesky"}
    assert [len(list(store.platform_ids(s, "posts"))) for s in ("x", "bluesky")] == [1, 1]
    assert "X checked 4 posts: 1 post removed" in applied.summary()
    assert "X checked 3 accounts: 1 account forgotten, with their posts" in applied.summary()
    healthy, said, _ = store.health()["x compliance"]
    assert healthy and "1 post removed" in said
    assert store.known_authors(["x:102", "x:103"]) == {"x:103"}

    # A protected account stays forgotten: the next collection cycle doesn't store it again.
    x_api.tweets.append(tweet(5, "Back again #LCSM", user=2))
    source = XSource(x_settings, clock=lambda: LIVE_NOW, sleep=lambda s: None)
    try:
        drain(store, source, [LCSM], clock=lambda: LIVE_NOW + timedelta(hours=2))
    finally:
        source.close()
    assert "Back again #LCSM" not in stored_texts(store)


def test_the_check_runs_once_a_day(store: Store, x_settings: Settings, x_api: XStandIn) -> None:
    collected(store, x_settings, x_api)
    compliance_step(x_settings, store, clock=lambda: LIVE_NOW)
    compliance_step(x_settings, store, clock=lambda: LIVE_NOW + timedelta(hours=1))
    later = compliance_step(x_settings, store, clock=lambda: LIVE_NOW + timedelta(hours=5))
    assert len(x_api.jobs) == 2 and later.summary() == "X compliance: nothing to do"
    tomorrow = compliance_step(x_settings, store, clock=lambda: LIVE_NOW + timedelta(hours=25))
    assert len(x_api.jobs) == 4 and tomorrow.waiting


def test_a_job_x_is_still_processing_is_waited_for_not_started_again(
    store: Store, x_settings: Settings, x_api: XStandIn
) -> None:
    collected(store, x_settings, x_api)
    x_api.compliance["tweets"] = {str(FIRST_ID + 1): "deleted"}
    x_api.checks_until_complete = 2
    compliance_step(x_settings, store, clock=lambda: LIVE_NOW)
    waiting = compliance_step(x_settings, store, clock=lambda: LIVE_NOW + timedelta(hours=1))
    assert waiting.waiting and "X is still checking 4 posts" in waiting.summary()
    assert len(x_api.jobs) == 2 and len(stored_texts(store)) == 5
    done = compliance_step(x_settings, store, clock=lambda: LIVE_NOW + timedelta(hours=2))
    assert "1 post removed" in done.summary() and len(stored_texts(store)) == 4


def test_a_failed_or_forgotten_job_is_replaced_by_a_new_one(
    store: Store, x_settings: Settings, x_api: XStandIn
) -> None:
    collected(store, x_settings, x_api)
    x_api.checks_until_complete = 99
    compliance_step(x_settings, store, clock=lambda: LIVE_NOW)
    posts_job, users_job = x_api.jobs
    x_api.jobs[posts_job]["status"] = "failed"
    del x_api.jobs[users_job]  # X no longer knows it
    again = compliance_step(x_settings, store, clock=lambda: LIVE_NOW + timedelta(hours=1))
    assert not again.error and again.waiting
    assert len(x_api.jobs) == 3 and len(x_api.uploads) == 4
    assert "asked X to check 4 posts" in again.summary()


def test_unreadable_result_lines_are_skipped_and_counted(
    store: Store, x_settings: Settings, x_api: XStandIn
) -> None:
    collected(store, x_settings, x_api)
    x_api.compliance["tweets"] = {str(FIRST_ID + 2): "deleted"}
    x_api.extra_result_lines = [b"{not json", b'{"action": "delete"}', b'{"id": "x:1; DROP"}']
    compliance_step(x_settings, store, clock=lambda: LIVE_NOW)
    done = compliance_step(x_settings, store, clock=lambda: LIVE_NOW + timedelta(hours=1))
    assert "1 post removed; 3 unreadable result lines skipped" in done.summary()
    assert "Scan day #LCSM" not in stored_texts(store) and len(stored_texts(store)) == 4


def test_a_refused_token_is_said_plainly_and_shown_by_doctor(
    store: Store, x_settings: Settings, x_api: XStandIn
) -> None:
    collected(store, x_settings, x_api)
    refused = Settings(x_bearer_token="revoked", x_api_url=x_api.url)
    report = compliance_step(refused, store, clock=lambda: LIVE_NOW)
    assert "X refused X_BEARER_TOKEN (401 Unauthorized)" in report.summary()
    assert "Traceback" not in report.summary() and not x_api.jobs
    healthy, said, _ = store.health()["x compliance"]
    assert not healthy and "X_BEARER_TOKEN" in said
    assert len(stored_texts(store)) == 5


def test_storage_refusing_the_upload_is_reported_and_a_new_job_follows(
    store: Store, x_settings: Settings, x_api: XStandIn
) -> None:
    collected(store, x_settings, x_api)
    x_api.faults = []
    original = x_api._storage
    x_api._storage = lambda asked, what, job_id: (  # type: ignore[method-assign]
        original(asked, what, "expired")
    )
    report = compliance_step(x_settings, store, clock=lambda: LIVE_NOW)
    assert "the compliance upload was refused (HTTP 403)" in report.summary()
    x_api._storage = original  # type: ignore[method-assign]
    again = compliance_step(x_settings, store, clock=lambda: LIVE_NOW + timedelta(hours=1))
    assert not again.error and "asked X to check 4 posts" in again.summary()


def test_without_an_x_token_nothing_is_asked(store: Store, x_api: XStandIn) -> None:
    store.save_posts([post("#LCSM", at=LIVE_NOW)], [], now=LIVE_NOW)
    report = compliance_step(Settings(x_api_url=x_api.url), store, clock=lambda: LIVE_NOW)
    assert report.summary() == (
        "X compliance: skipped: set X_BEARER_TOKEN to check stored X posts with X"
    )
    assert x_api.asked == [] and "x compliance" not in store.health()


def test_with_nothing_stored_from_x_no_job_is_made(
    store: Store, x_settings: Settings, x_api: XStandIn
) -> None:
    store.save_posts([post("#LCSM", at=LIVE_NOW, source="mastodon")], [], now=LIVE_NOW)
    report = compliance_step(x_settings, store, clock=lambda: LIVE_NOW)
    assert report.summary() == "X compliance: nothing to do" and x_api.jobs == {}


def test_the_cli_waits_for_x_and_doctor_shows_the_last_check(
    tmp_path: Path, x_settings: Settings, x_api: XStandIn
) -> None:
    db = tmp_path / "bot.db"
    store = Store(db)
    try:
        collected(store, x_settings, x_api)
    finally:
        store.close()
    x_api.compliance["users"] = {"101": "suspended"}
    x_api.checks_until_complete = 2
    env = {"HASHTAG_BOT_DB": str(db), "X_BEARER_TOKEN": GOOD_TOKEN, "X_API_URL": x_api.url}
    result = CliRunner().invoke(main, ["compliance", "--wait", "--every", "0"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "X compliance: asked X to check 4 posts"
    assert "X compliance: X is still checking 4 posts" in lines
    assert lines[-1] == "X compliance: X checked 3 accounts: 1 account forgotten, with their posts"
    store = Store(db)
    try:
        assert "Our #LCSM chat tonight" not in stored_texts(store)
        assert len(stored_texts(store)) == 4
    finally:
        store.close()
    shown = report(recorded_checks(Settings.from_env(env), LIVE_NOW.date()))
    assert "X compliance" in shown and "1 account forgotten" in shown


def test_run_checks_with_x_hourly_only_when_x_is_configured(
    store: Store, x_settings: Settings
) -> None:
    job = create_scheduler(build_services(x_settings, store, clock=lambda: LIVE_NOW)).get_job(
        "x-compliance"
    )
    assert job is not None and job.trigger.interval == timedelta(hours=1)
    assert create_scheduler(build_services(Settings(), store)).get_job("x-compliance") is None


def test_a_damaged_record_of_the_last_check_starts_a_fresh_one(
    store: Store, x_settings: Settings, x_api: XStandIn
) -> None:
    collected(store, x_settings, x_api)
    store.set_cursor(
        "x compliance", "tweets", '{"checked": "yesterday", "ids": "many"}', now=LIVE_NOW
    )
    store.set_cursor("x compliance", "users", "not json", now=LIVE_NOW)
    report = compliance_step(x_settings, store, clock=lambda: LIVE_NOW)
    assert not report.error and "asked X to check 4 posts" in report.summary()
    assert "asked X to check 3 accounts" in report.summary()
