from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.topic_plan import TopicPlan
from bot.services.collection import SourceReport, drain, run_cycle
from bot.services.x_spend import x_spend
from bot.sources.x import XSource
from bot.sources.x_plan import MAX_QUERY_CHARS, Term, TermState, plan, query_text, terms_for
from bot.storage import Store
from tests.sources.source_standins import FIRST_ID, LIVE_NOW, Answer
from tests.sources.standins_x import XStandIn, tweet, x_user

LCSM = TopicPlan("lung cancer", tags=("LCSM", "LungCancer"))


def x_cycle(store: Store, settings: Settings, *queries: TopicPlan, **options: Any) -> SourceReport:
    """One X cycle as `ingest` runs it, with the budget read from the store."""

    def spend() -> tuple[float, float]:
        current = x_spend(store, settings, LIVE_NOW.date())
        return current.usd, current.budget_usd

    options.setdefault("sleep", lambda seconds: None)
    source = XSource(settings, spend=spend, clock=lambda: LIVE_NOW, **options)
    try:
        return drain(store, source, list(queries) or [LCSM], clock=lambda: LIVE_NOW)
    finally:
        source.close()


def test_requests_reach_x_api_url_with_the_fields_the_bot_needs(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(1, "Tonight's #LCSM chat on screening")]
    report = x_cycle(store, x_settings)
    assert report.new_posts == 1 and not report.error
    (asked,) = x_api.searches
    assert asked["max_results"] == "100"
    assert asked["query"] == "(#LCSM OR #LungCancer) -is:retweet"
    assert set(asked["tweet.fields"].split(",")) >= {
        "created_at",
        "public_metrics",
        "entities",
        "conversation_id",
        "lang",
        "referenced_tweets",
        "author_id",
    }
    assert "expansions" not in asked  # profiles come from the users lookup, when needed
    (lookup,) = x_api.lookups
    assert lookup["ids"] == "101"
    assert set(lookup["user.fields"].split(",")) >= {
        "description",
        "public_metrics",
        "username",
        "name",
        "verified",
        "created_at",
        "url",
    }
    assert store.health()["x"][0] is True


def test_a_second_cycle_asks_only_for_newer_posts(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(n, f"post {n} #LCSM", user=n % 3) for n in range(1, 6)]
    first = x_cycle(store, x_settings)
    x_api.tweets.append(tweet(9, "newer #LungCancer news"))
    second = x_cycle(store, x_settings)
    assert (first.new_posts, second.new_posts, second.updated_posts) == (5, 1, 0)
    assert x_api.searches[1]["since_id"] == str(FIRST_ID + 5)
    assert second.post_reads == 1  # nothing read (or billed) twice
    third = x_cycle(store, x_settings)
    assert third.post_reads == 0 and x_api.searches[2]["since_id"] == str(FIRST_ID + 9)


def test_pages_are_followed_with_next_token_until_the_last(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(n, "#LCSM") for n in range(1, 4)]
    x_cycle(store, x_settings)  # the term is known from now on
    x_api.tweets += [tweet(n, f"update {n} #LCSM", user=n % 40) for n in range(10, 260)]
    report = x_cycle(store, x_settings)
    tokens = [s.get("next_token") for s in x_api.searches[1:]]
    assert tokens == [None, "100", "200"]
    assert report.new_posts == 250 and store.counts()["posts"] == 253


def test_topics_are_or_combined_up_to_512_characters_and_no_further() -> None:
    def terms(lengths: list[int]) -> list[Term]:
        return [Term(f"#t{i}", "#" + chr(97 + i) * (n - 1)) for i, n in enumerate(lengths)]

    suffix = len(" -is:retweet") + 2  # "(" + ")"
    sizes = [100, 100, 100, 100]
    room = MAX_QUERY_CHARS - suffix - sum(sizes) - len(" OR ") * 4
    exact = terms([*sizes, room])
    batches, _ = plan(exact, {}, now=LIVE_NOW)
    assert [len(b.query) for b in batches] == [MAX_QUERY_CHARS]
    one_more = terms([*sizes, room + 1])
    batches, _ = plan(one_more, {}, now=LIVE_NOW)
    assert len(batches) == 2 and all(len(b.query) <= MAX_QUERY_CHARS for b in batches)
    assert {t.key for b in batches for t in b.terms} == {t.key for t in one_more}
    assert query_text(one_more[:1]) == f"{one_more[0].text} -is:retweet"


def test_many_topics_share_few_queries_and_each_post_is_read_once(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    topics = [TopicPlan(f"topic {i}", tags=(f"CommunityTag{i:03d}", "LCSM")) for i in range(40)]
    x_api.tweets = [
        tweet(n, f"#CommunityTag{n % 40:03d} and #LCSM together") for n in range(1, 121)
    ]
    report = x_cycle(store, x_settings, *topics)
    queries = {s["query"] for s in x_api.searches}
    assert all(len(q) <= MAX_QUERY_CHARS for q in queries)
    assert len(queries) == 2  # 41 distinct tags in two queries, not 40
    assert sum("#LCSM" in q for q in queries) == 1
    assert (
        report.new_posts == 120 and report.post_reads == 120
    )  # overlaps read, billed, stored once


def test_a_short_rate_limit_is_waited_out(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(1, "#LCSM")]
    reset = int(LIVE_NOW.timestamp()) + 20
    x_api.faults = [Answer(429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": str(reset)})]
    waits: list[float] = []
    report = x_cycle(store, x_settings, sleep=waits.append)
    assert waits == [21.0] and report.new_posts == 1 and not report.stopped


def test_a_long_rate_limit_stops_the_cycle_and_the_next_fills_the_gap(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(n, "#LCSM") for n in range(1, 4)]
    x_cycle(store, x_settings)
    x_api.tweets += [tweet(n, f"#LCSM {n}") for n in range(10, 260)]
    reset = int(LIVE_NOW.timestamp()) + 900
    answer = x_api.answer

    def limit_the_third_search(asked: Any) -> Answer:
        if len(x_api.searches) == 3:
            return Answer(429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": str(reset)})
        return answer(asked)

    x_api.answer = limit_the_third_search  # type: ignore[method-assign]
    stopped = x_cycle(store, x_settings)
    assert "rate limit" in stopped.stopped and "resumes" in stopped.stopped
    assert stopped.new_posts == 100 and store.health()["x"][0] is True
    resumed = x_cycle(store, x_settings)
    gap = x_api.searches[3]
    assert gap["until_id"] == str(FIRST_ID + 160) and gap["since_id"] == str(FIRST_ID + 3)
    assert (resumed.new_posts, resumed.updated_posts) == (150, 0)
    assert store.counts()["posts"] == 253


def test_a_refused_token_marks_x_unhealthy_with_what_to_do(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    bad = Settings(x_bearer_token="wrong", x_api_url=x_api.url)
    report = x_cycle(store, bad)
    healthy, message, _ = store.health()["x"]
    assert not healthy and "401" in message and "X_BEARER_TOKEN" in message
    assert report.error == message and store.counts()["posts"] == 0


def test_fetching_stops_before_the_monthly_budget_is_passed(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(n, "#LCSM") for n in range(1, 4)]
    cheap = Settings(**{**x_settings.__dict__, "x_monthly_budget_usd": 4.0})
    x_cycle(store, cheap)
    x_api.tweets += [tweet(n, "#LCSM", user=n % 10) for n in range(10, 1000)]
    report = x_cycle(store, cheap)
    spent = x_spend(store, cheap, LIVE_NOW.date())
    assert "budget reached" in report.stopped and "X_MONTHLY_BUDGET_USD" in report.stopped
    assert spent.usd <= 4.0 and report.new_posts == 100 * (len(x_api.searches) - 1)
    requests = len(x_api.searches)
    again = x_cycle(store, cheap)
    assert len(x_api.searches) == requests and "budget reached" in again.stopped


def test_server_errors_and_broken_json_are_retried_then_left_for_the_next_cycle(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(n, "#LCSM") for n in range(1, 4)]
    x_api.faults = [Answer(503, {"title": "Service Unavailable"}), Answer(200, b'{"data": [')]
    recovered = x_cycle(store, x_settings)
    assert recovered.new_posts == 3 and not recovered.error
    x_api.tweets.append(tweet(7, "#LCSM later"))
    x_api.faults = [Answer(503, {"title": "Service Unavailable"})] * 3
    failed = x_cycle(store, x_settings)
    assert "unavailable" in failed.error and "next cycle" in failed.error
    assert store.health()["x"][0] is False
    again = x_cycle(store, x_settings)
    assert again.new_posts == 1 and store.health()["x"][0] is True


def test_a_crash_between_saving_a_page_and_moving_its_cursor_loses_and_doubles_nothing(
    store: Store, x_api: XStandIn, x_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    x_api.tweets = [tweet(n, "#LCSM") for n in range(1, 51)]
    calls = {"n": 0}
    real = store.set_cursor

    def crash(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        raise KeyboardInterrupt  # the process dies after the page was saved

    monkeypatch.setattr(store, "set_cursor", crash)
    with pytest.raises(KeyboardInterrupt):
        x_cycle(store, x_settings)
    monkeypatch.setattr(store, "set_cursor", real)
    assert store.counts()["posts"] == 50
    again = x_cycle(store, x_settings)
    assert (again.new_posts, again.updated_posts, store.counts()["posts"]) == (0, 50, 50)


def test_retweets_are_excluded_and_opted_out_profiles_forgotten(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [
        tweet(1, "#LCSM original"),
        tweet(2, "RT #LCSM original", retweet=True),
        tweet(3, "#LCSM", user=5),
    ]
    x_api.users[str(105)] = x_user(5, description="Lung cancer researcher. #NoBot please")
    report = x_cycle(store, x_settings)
    assert report.new_posts == 1 and store.counts()["posts"] == 1
    assert "-is:retweet" in x_api.searches[0]["query"]


def test_a_stale_since_id_is_dropped_rather_than_rejected() -> None:
    old = str((int((LIVE_NOW.timestamp() - 9 * 86400) * 1000) - 1_288_834_974_657) << 22)
    terms = terms_for([LCSM])
    batches, _ = plan(terms, {t.key: TermState(since_id=old) for t in terms}, now=LIVE_NOW)
    assert [b.state.since_id for b in batches] == [None]


def test_an_edited_post_replaces_its_earlier_version(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(1, "Join tonight's #LCSM chat at 8pm")]
    x_cycle(store, x_settings)
    edited = tweet(2, "Join tonight's #LCSM chat at 9pm ET")
    edited["edit_history_tweet_ids"] = [str(FIRST_ID + 1), str(FIRST_ID + 2)]
    x_api.tweets = [edited]  # X answers with the latest version only
    report = x_cycle(store, x_settings)
    assert report.new_posts == 1 and report.edited == 1
    assert "1 replaced by their edited version" in report.summary()
    rows = store.conns.db().conn.execute("SELECT id, text FROM posts").fetchall()
    assert rows == [(f"x:{FIRST_ID + 2}", "Join tonight's #LCSM chat at 9pm ET")]
    assert store.tag_activity(["lcsm"], LIVE_NOW.date())["lcsm"].posts == 1  # counted once


def test_a_post_whose_author_x_does_not_show_is_not_stored(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(1, "#LCSM from a person", user=1), tweet(2, "#LCSM hidden", user=2)]
    x_api.unavailable_users = {"102"}
    report = x_cycle(store, x_settings)
    assert (report.new_posts, report.unreadable) == (1, 1)
    assert store.known_authors({"x:101", "x:102"}) == {"x:101"}
    assert store.counts()["posts"] == 1


def test_a_post_x_returns_again_the_same_utc_day_is_billed_once(
    store: Store, x_api: XStandIn, x_settings: Settings
) -> None:
    x_api.tweets = [tweet(n, "#LCSM #LungCancer #NSCLC clinic", user=1) for n in range(1, 4)]

    def cycle(at: Any, *topics: TopicPlan) -> int:
        report = run_cycle(x_settings, store, list(topics), names=("x",), clock=lambda: at)
        (x,) = report.sources
        assert not x.error
        return x.post_reads

    first = cycle(LIVE_NOW, TopicPlan("lcsm", tags=("LCSM",)))
    # Another channel starts tracking #LungCancer later that day: its new term reads the three
    # posts again, which X does not bill twice in a UTC day, and neither does the meter.
    later = LIVE_NOW + timedelta(hours=1)
    again = cycle(later, TopicPlan("lcsm", tags=("LCSM",)), TopicPlan("lc", tags=("LungCancer",)))
    assert (first, again) == (3, 0)
    assert x_spend(store, x_settings, LIVE_NOW.date()).post_reads == 3
    assert "#LungCancer -is:retweet" in [s["query"] for s in x_api.searches]  # and sent them
    # A day on, a third term reads them once more: a new UTC day, billed again.
    tomorrow = LIVE_NOW + timedelta(days=1)
    assert cycle(tomorrow, TopicPlan("nsclc", tags=("NSCLC",))) == 3
