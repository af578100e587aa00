"""X profiles are read only when needed: search asks for posts alone, and an author's profile is
looked up (GET /2/users, 100 ids a request) when it isn't stored or was read over a day ago.
Consent stays fail-closed: no post is stored before its author's profile was read live."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.domain.topic_plan import TopicPlan
from bot.services.collection import SourceReport, drain
from bot.sources.x import XSource
from bot.storage import Store
from tests.sources.source_standins import LIVE_NOW, Answer, Asked
from tests.sources.standins_x import XStandIn, tweet, x_user

LCSM = TopicPlan("lung cancer", tags=("LCSM",))


def cycle(store: Store, settings: Settings, at: datetime) -> SourceReport:
    source = XSource(
        settings,
        fresh_profiles=store.handles_checked_since,
        clock=lambda: at,
        sleep=lambda s: None,
    )
    try:
        return drain(store, source, [LCSM], clock=lambda: at)
    finally:
        source.close()


def test_a_stored_profile_read_within_a_day_is_not_read_again(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(n, f"#LCSM chat {n}", user=n % 3) for n in range(1, 7)]
    first = cycle(store, x_settings, LIVE_NOW)
    assert (first.new_posts, first.user_reads) == (6, 3)
    x_api.tweets += [tweet(n, f"#LCSM later {n}", user=n % 4) for n in range(7, 11)]
    later = cycle(store, x_settings, LIVE_NOW + timedelta(hours=6))
    assert later.new_posts == 4
    assert later.user_reads == 1  # only the new author
    assert x_api.lookups[-1]["ids"] == "103"
    rows = store.conns.db().conn.execute("SELECT url FROM posts WHERE text LIKE '%later 7'")
    assert rows.fetchone()[0].startswith("https://x.com/person3/status/")  # handle from the store
    assert x_api.billed_reads("users") == 4


def test_a_profile_older_than_a_day_is_read_again_and_an_opt_out_honoured_first(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(1, "#LCSM hello", user=1)]
    cycle(store, x_settings, LIVE_NOW)
    x_api.users["101"] = x_user(1, "Patient advocate. #nobot")  # changed their mind since
    x_api.tweets.append(tweet(2, "#LCSM again", user=1))
    report = cycle(store, x_settings, LIVE_NOW + timedelta(days=1, minutes=1))
    assert report.user_reads == 1
    assert store.counts()["posts"] == 0 and store.known_authors({"x:101"}) == set()


def test_nothing_is_stored_when_the_users_lookup_fails(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    answer = x_api.answer

    def no_lookups(asked: Asked) -> Answer:
        if asked.path == "/2/users":
            return Answer(503, {"title": "Service Unavailable"})
        return answer(asked)

    x_api.answer = no_lookups  # type: ignore[method-assign]
    x_api.tweets = [tweet(1, "#LCSM hello", user=1)]
    report = cycle(store, x_settings, LIVE_NOW)
    assert "X API unavailable" in report.error and store.counts()["posts"] == 0
    assert store.cursor("x", "#lcsm") is None  # read again next cycle


def test_authors_are_looked_up_a_hundred_at_a_time(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(n, f"#LCSM {n}", user=n) for n in range(1, 101)]
    x_api.unavailable_users = {"150"}  # suspended: its post is not stored
    report = cycle(store, x_settings, LIVE_NOW)
    assert [len(lookup["ids"].split(",")) for lookup in x_api.lookups] == [100]
    assert (report.new_posts, report.unreadable, report.user_reads) == (99, 1, 99)
    x_api.tweets += [tweet(n, f"#LCSM {n}", user=n) for n in range(101, 251)]
    cycle(store, x_settings, LIVE_NOW)
    assert [len(lookup["ids"].split(",")) for lookup in x_api.lookups[1:]] == [100, 50]
