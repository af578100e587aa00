"""How measurements change an answer: plain-name tags never hidden, event candidates suggested
once measured while the event runs, collected posts still saying more where they exist."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace as dataclass_replace
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.domain.candidates import EVENT_CANDIDATE
from bot.domain.knowledge import KnowledgeBase
from bot.domain.suggestion import copy_tags
from bot.scheduling import census_job, create_scheduler
from bot.services import Services, build_services
from bot.storage import Store
from tests.census_world import World, census_world
from tests.factories import NOW, TODAY, author, post


@pytest.fixture
def world() -> Iterator[World]:
    with census_world(bluesky=False, now=NOW) as standing:  # the week to 27 Nov 2026
        yield standing


@pytest.fixture
def measuring(store: Store, kb: KnowledgeBase, world: World) -> Services:
    env = world.env()
    settings = Settings.from_env(env)
    return build_services(settings, store, kb=kb, clock=lambda: NOW)


def tags(services: Services, text: str) -> list[str]:
    found = services.suggester.suggest(text, today=TODAY, limit=25)
    return [s.tag for s in found.suggestions]


def test_an_unsourced_plain_tag_waits_below_sourced_community_tags_until_measured(
    measuring: Services,
) -> None:
    before = measuring.suggester.suggest("alzheimers", today=TODAY, limit=25).suggestions
    order = [s.tag for s in before]
    plain = next(s for s in before if s.tag == "Alzheimers")  # never hidden
    assert plain.evidence == "use not measured yet" and plain.reach is None
    assert order.index("Alzheimers") > max(
        order.index("ENDALZ"), order.index("AlzheimersAwareness")
    )
    assert "Alzheimers" not in copy_tags(before)
    measuring.census.run(["x", "mastodon"], ["alzheimers"])
    after = measuring.suggester.suggest("alzheimers", today=TODAY, limit=25).suggestions
    order = [s.tag for s in after]
    assert order.index("Alzheimers") < order.index("ENDALZ")  # ranked by its use, like any other
    measured = next(s for s in after if s.tag == "Alzheimers")
    assert measured.evidence == "≈5,200 posts a week on X · 120 on Mastodon"
    assert measured.what == "disease-name tag, no source names it"
    assert "Alzheimers" in copy_tags(after)


def test_an_events_candidate_tags_are_suggested_once_measured_while_it_runs(
    measuring: Services, world: World
) -> None:
    world.x.weekly["diabetesmonth"] = 800  # National Diabetes Month (November) has no verified tag
    assert "DiabetesMonth" not in tags(measuring, "type 2 diabetes")
    measuring.census.run(["x"], ["type 2 diabetes"])
    found = measuring.suggester.suggest("type 2 diabetes", today=TODAY, limit=25).suggestions
    month = next(s for s in found if s.tag == "DiabetesMonth")
    assert month.kind == "awareness" and month.evidence == "800 posts a week on X"
    assert EVENT_CANDIDATE in month.reasons
    assert "NationalDiabetesMonth" not in [s.tag for s in found]  # measured, and nobody uses it
    december = measuring.suggester.suggest("type 2 diabetes", today=TODAY + timedelta(days=5))
    assert "DiabetesMonth" not in [s.tag for s in december.suggestions]  # the month is over


def test_collected_posts_still_say_more_than_the_census(measuring: Services, store: Store) -> None:
    measuring.census.run(["x"], ["lung cancer"])
    posts = [post("#LCSM chat tonight #LungCancer", at=NOW, by=n) for n in range(6)]
    store.save_posts(posts, [author(n) for n in range(6)], now=NOW)
    store.rebuild_cooccur_window(TODAY)
    found = measuring.suggester.suggest("lung cancer", today=TODAY, limit=25)
    lcsm = next(s for s in found.suggestions if s.tag == "LCSM")
    assert lcsm.evidence == "6 posts by 6 people"  # what the bot collected, on topic
    assert lcsm.as_json()["measured"]["x"]["posts_7d"] == 2_400  # and what the census measured
    assert any(r.startswith("Measured on X: 2,400 posts") for r in lcsm.reasons)


def test_inside_run_a_full_pass_comes_first_then_refreshes_spread_over_the_week(
    store: Store, kb: KnowledgeBase, world: World
) -> None:
    env = world.env(login=False) | {"MASTODON_INSTANCES": ""}
    settings = replace_instances(Settings.from_env(env))
    moment = [NOW]
    services = build_services(settings, store, kb=kb, clock=lambda: moment[0])
    job = create_scheduler(services).get_job("census")
    assert job is not None and job.trigger.interval == timedelta(hours=1)
    terms, _ = services.census.terms()
    first = census_job(services)  # the database has no census: a full pass…
    assert first is not None
    [x] = [n for n in first.networks if n.network == "x"]
    assert x.measured == 300 and "rate limit for counts is used up" in x.stopped  # …X's window
    world.x.counts_window, world.x.counts_limit = (0.0, 0), 1_000  # an hour later: a new window
    rest = census_job(services)  # the tags never measured come first, all of them
    assert rest is not None
    measured = {f.tag for f in first.figures} | {f.tag for f in rest.figures}
    assert len(measured) == len(terms) == len(world.x.count_queries)  # none asked twice
    assert census_job(services) is None  # nothing due an hour later
    moment[0] = NOW + timedelta(days=8)
    world.x.now = moment[0]
    new = {t.key for t in services.census.terms()[0]} - {
        t.key for t in terms
    }  # next year's congresses
    refresh = census_job(services)
    assert refresh is not None
    share = -(-len(terms) // (7 * 24))  # each hour's share of a week
    assert len(refresh.figures) == len(new) + share == len(world.x.count_queries) - len(terms)
    assert {f.measurement.as_of for f in refresh.figures} == {moment[0].date()}


def replace_instances(settings: Settings) -> Settings:
    """No Mastodon instance: the full pass stays within what a test can wait for."""
    return dataclass_replace(settings, mastodon_instances=())


def test_earlier_weeks_are_kept_so_a_trend_is_measured_not_guessed(
    store: Store, kb: KnowledgeBase, world: World
) -> None:
    moment = [NOW - timedelta(days=28)]
    settings = replace_instances(Settings.from_env(world.env()))
    services = build_services(settings, store, kb=kb, clock=lambda: moment[0])
    world.x.now = moment[0]
    world.x.weekly["lcsm"] = 1_600
    services.census.run(["x"], ["lung cancer"])
    moment[0] = world.x.now = NOW
    world.x.weekly["lcsm"] = 2_400
    services.census.run(["x"], ["lung cancer"])
    found = services.suggester.suggest("lung cancer", today=TODAY, limit=25)
    lcsm = next(s for s in found.suggestions if s.tag == "LCSM")
    assert lcsm.reach is not None and lcsm.reach.trend == 0.5
    assert "Up 50% on four weeks before (1,600 posts in the week to 30 Oct 2026)" in lcsm.reasons
    assert lcsm.grade == "hot"  # 10% of #LungCancer's use, and up by half
    assert (
        "Graded hot: 10% of the use of #LungCancer, the busiest of the condition's own tags, "
        "and up 50% on four weeks before" in lcsm.reasons
    )
    earlier = services.suggester.suggest("lung cancer", today=TODAY - timedelta(days=28))
    then = next(s for s in earlier.suggestions if s.tag == "LCSM")
    assert then.as_json()["measured"]["x"] == {"posts_7d": 1_600, "as_of": "2026-10-30"}
