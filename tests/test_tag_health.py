"""Collected posts correct the knowledge base: a listened tag found mostly off topic is demoted,
heard only with the topic's words from then on, and `doctor` and the App Home say so. (#LCSM, a
short acronym, is heard on its own here because a sample showed it means lung cancer: see
test_listening_both_ways.py.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.domain.conditions import ConditionMatcher
from bot.domain.knowledge import KnowledgeBase
from bot.domain.tag_health import TagHealth, TopicContext, measure
from bot.services import Services
from bot.services.digests import Digester
from bot.services.overview import workspace_overview
from bot.services.tag_health import drifted_lines, review_listened_tags
from bot.services.topics import TopicPlanner, TopicSpec
from bot.slack.home import home_view
from bot.storage import Store
from tests.factories import NOW, TODAY, author, heard_alone, post
from tests.sources.standins_mastodon import MastodonStandIn


def planner(store: Store, kb: KnowledgeBase) -> TopicPlanner:
    return TopicPlanner(kb, store, ConditionMatcher(kb))


def collected(store: Store, texts: list[str], *, days_ago: int = 1) -> None:
    posts = [post(text, at=NOW, by=n % 7, days_ago=days_ago) for n, text in enumerate(texts)]
    store.save_posts(posts, [author(n) for n in range(7)], now=NOW)


def track(store: Store, topic: str = "lung cancer") -> None:
    store.track("C0LUNG", topic, condition_id=None, created_by="U1", now=NOW)
    heard_alone(store, "LCSM", on=TODAY - timedelta(days=10))  # a sample cleared it back then


@pytest.fixture
def drifting(store: Store) -> Store:
    """#LCSM taken over by a football league: 36 posts about matches, 4 about lung cancer."""
    track(store)
    collected(store, ["#LCSM derby tonight, kick-off at 8"] * 36)
    collected(store, ["Tonight's #LCSM chat: lung cancer screening", "#LCSM and #LungCancer"] * 2)
    collected(store, ["New #LungCancer screening data"] * 40)  # the tag says the topic itself
    return store


def test_a_tag_mostly_about_something_else_is_demoted_and_heard_only_with_context(
    drifting: Store, kb: KnowledgeBase
) -> None:
    [lung] = planner(drifting, kb).listening(today=TODAY)
    assert "LCSM" in lung.tags  # listened to alone while nothing says otherwise

    measured = {h.tag: h for h in review_listened_tags(planner(drifting, kb), TODAY)}

    assert measured["LCSM"].drifted
    assert (measured["LCSM"].posts, measured["LCSM"].on_topic) == (40, 4)
    assert "LungCancer" not in measured  # spells the condition's name: not in question
    [lung] = planner(drifting, kb).listening(today=TODAY)
    assert "LCSM" not in lung.tags and "LCSM" in lung.guarded
    assert "LungCancer" in lung.tags


def test_the_measurement_needs_enough_posts(store: Store, kb: KnowledgeBase) -> None:
    track(store)
    collected(store, ["#LCSM derby tonight"] * 29)
    assert not any(h.drifted for h in review_listened_tags(planner(store, kb), TODAY))
    assert store.drifted_keys() == set()


def test_posts_older_than_the_window_are_not_measured(store: Store, kb: KnowledgeBase) -> None:
    track(store)
    collected(store, ["#LCSM derby tonight"] * 40, days_ago=31)
    assert not any(h.drifted for h in review_listened_tags(planner(store, kb), TODAY))


def test_a_demotion_holds_once_posts_come_only_with_context(
    drifting: Store, kb: KnowledgeBase
) -> None:
    review_listened_tags(planner(drifting, kb), TODAY)
    collected(drifting, ["#LCSM chat: lung cancer trials"] * 200)  # what the guarded query hears
    again = review_listened_tags(planner(drifting, kb), TODAY)
    assert "LCSM" not in {h.tag for h in again}  # not measured again
    assert "LCSM" in planner(drifting, kb).listening(today=TODAY)[0].guarded
    [line] = drifted_lines(drifting)
    assert line.startswith("#LCSM: only 10% of 40 posts are about Lung cancer;")
    assert "now listened to only with the topic's words" in line


def test_doctor_says_which_tags_were_demoted(
    drifting: Store, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    review_listened_tags(planner(drifting, kb), TODAY)
    monkeypatch.setenv("HASHTAG_BOT_DB", drifting.path)
    result = CliRunner().invoke(main, ["doctor"])
    [line] = [text for text in result.output.splitlines() if "posts are about" in text]
    assert line.startswith("ok") and "#LCSM: only 10% of 40 posts are about Lung cancer" in line
    assert "listening" in line


def test_the_app_home_shows_demoted_tags(drifting: Store, services: Services) -> None:
    review_listened_tags(planner(drifting, services.kb), TODAY)
    view = home_view(workspace_overview(services, "T1"), services.now())
    texts = [b["text"]["text"] for b in view["blocks"] if b.get("type") == "section"]  # type: ignore[attr-defined]
    [drift] = [t for t in texts if "Listening: what measurement changed" in t]
    assert "#LCSM: only 10% of 40 posts are about Lung cancer" in drift


def test_a_word_counts_whole_and_a_word_spelling_the_tag_is_no_evidence() -> None:
    stroke = TopicContext("Stroke", frozenset({"strokesurvivor"}), ("stroke", "brain attack"))
    posts = [
        ("Great #Stroke on the 9th hole", {"stroke"}),
        ("#Stroke: know the signs of a brain  attack", {"stroke"}),
        ("#Stroke recovery #StrokeSurvivor", {"stroke", "strokesurvivor"}),
        ("Backstroke and #Stroke drills", {"stroke"}),
    ]
    health = measure("Stroke", [stroke], posts, today=TODAY)
    assert (health.posts, health.on_topic) == (4, 2)
    assert TagHealth("Stroke", "stroke", 30, 8, TODAY).drifted
    assert not TagHealth("Stroke", "stroke", 30, 9, TODAY).drifted


def test_ingest_by_hand_measures_first(
    drifting: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HASHTAG_BOT_DB", drifting.path)
    with MastodonStandIn() as mastodon:  # nothing to sample yet: the demotion holds
        monkeypatch.setenv("MASTODON_INSTANCES", mastodon.url)
        result = CliRunner().invoke(main, ["ingest", "--source", "mastodon"])
    assert "Demoted #LCSM: only 10% of 40 posts" in result.output
    assert "Sampled #LCSM: 0 sampled posts, too few to say what it means" in result.output


def test_a_digest_no_longer_counts_a_demoted_tags_posts(drifting: Store, kb: KnowledgeBase) -> None:
    lung = TopicSpec("Lung cancer", "lung-cancer")
    before = Digester(kb, drifting).for_topics([lung], now=NOW).topics[0].volume.posts_7d
    review_listened_tags(planner(drifting, kb), TODAY)
    after = Digester(kb, drifting).for_topics([lung], now=NOW).topics[0].volume.posts_7d
    assert (before, after) == (80, 42)  # the football posts are gone; #LungCancer ones stay
