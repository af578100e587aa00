"""What alerts read and keep: the posts of a few hours, and a log that sends each event once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.storage import Store
from tests.factories import NOW, author, post


def test_the_hours_read_hold_their_posts_with_every_tag_and_nothing_else(store: Store) -> None:
    inside = post("#LCSM #WCLC26 live from Barcelona", at=NOW - timedelta(minutes=10), by=1)
    before = post("#LCSM yesterday", at=NOW - timedelta(hours=2), by=2)
    after = post("#LCSM later", at=NOW + timedelta(minutes=1), by=3)
    untagged = post("no tags at all", at=NOW - timedelta(minutes=5), by=4)
    store.save_posts([inside, before, after, untagged], [author(n) for n in (1, 2, 3, 4)], now=NOW)
    (found,) = store.tagged_posts_between(NOW - timedelta(hours=1), NOW)
    assert found.id == inside.id
    assert sorted(found.tags) == ["lcsm", "wclc26"]
    assert "WCLC26" in found.forms
    assert found.created_at == inside.created_at
    store.forget_authors([("x:u1", "asked")], now=NOW)
    assert store.tagged_posts_between(NOW - timedelta(hours=1), NOW) == []


def test_an_event_is_claimed_once_per_channel_and_a_day_holds_at_most_the_cap(
    store: Store,
) -> None:
    day = date(2026, 11, 27)

    def claim(channel: str, key: str) -> bool:
        return store.claim_alert(
            channel,
            key,
            topic_key="lung cancer",
            kind="volume",
            summary="s",
            local_day=day,
            cap=2,
            claimer="1",
            now=NOW,
        )

    assert claim("C1", "volume:lung cancer:2026-11-27")
    assert not claim("C1", "volume:lung cancer:2026-11-27")  # never twice
    assert claim("C2", "volume:lung cancer:2026-11-27")  # another channel hears of it too
    store.settle_alert("C1", "volume:lung cancer:2026-11-27", "pending", now=NOW)  # refused
    assert store.alert_log("C1", NOW - timedelta(days=1)) == {
        "volume:lung cancer:2026-11-27": "pending"
    }
    assert claim("C1", "volume:lung cancer:2026-11-27")  # tried again later
    assert claim("C1", "tag:lung cancer:wclc26:2026-11-27")
    assert not claim("C1", "conversation:lung cancer:x:9")  # the cap of 2 a day
    assert store.alerts_on_day("C1", day) == 2


def test_one_burst_stamped_at_two_minutes_is_claimed_once(store: Store) -> None:
    """Two processes may stamp the same burst a minute apart: the second claim is refused."""

    def claim(key: str, at: datetime) -> bool:
        return store.claim_alert(
            "C1",
            key,
            topic_key="lung cancer",
            kind="volume",
            summary="s",
            local_day=at.date(),
            cap=3,
            claimer="1",
            now=at,
            same_since=at - timedelta(hours=24),
        )

    assert claim("volume:lung cancer@2026-11-27T12:00Z", NOW)
    assert not claim("volume:lung cancer@2026-11-27T12:01Z", NOW + timedelta(minutes=1))
    assert claim("volume:lung cancer@2026-11-28T12:01Z", NOW + timedelta(hours=24, minutes=1))
