from __future__ import annotations

from bot.config import Settings
from bot.services.collection import SourceReport, drain
from bot.sources.base import Query
from bot.sources.mastodon import MastodonSource, html_text
from bot.storage import Store
from tests.sources.source_standins import LIVE_NOW, Answer
from tests.sources.standins_mastodon import MastodonStandIn, status

LCSM = Query("lung cancer", tags=("LCSM",))


def mastodon_cycle(store: Store, *instances: str, query: Query = LCSM) -> SourceReport:
    source = MastodonSource(Settings(mastodon_instances=instances))
    return drain(store, source, [query], clock=lambda: LIVE_NOW)


def test_hashtag_timelines_are_read_without_a_token_and_stored_with_their_tags(
    store: Store, mastodon_api: MastodonStandIn
) -> None:
    mastodon_api.statuses = [
        status(n, f"Screening saves lives #LCSM #LungCancer {n}") for n in range(1, 4)
    ]
    report = mastodon_cycle(store, mastodon_api.url)
    assert report.new_posts == 3 and not report.error
    (call,) = mastodon_api.timeline_calls
    assert call.path == "/api/v1/timelines/tag/LCSM" and "Authorization" not in call.headers
    activity = store.tag_activity(["lungcancer"], LIVE_NOW.date())["lungcancer"]
    assert activity.posts == 3 and activity.forms == {
        "LungCancer": 3
    }  # as written, not lower-cased


def test_a_second_cycle_reads_forward_from_the_newest_post(
    store: Store, mastodon_api: MastodonStandIn
) -> None:
    mastodon_api.statuses = [status(n, f"#LCSM {n}", acct=f"p{n % 5}") for n in range(100, 110)]
    mastodon_cycle(store, mastodon_api.url)
    mastodon_api.statuses += [status(n, f"#LCSM {n}", acct=f"p{n % 5}") for n in range(200, 250)]
    report = mastodon_cycle(store, mastodon_api.url)
    forward = [c.params.get("min_id") for c in mastodon_api.timeline_calls[1:]]
    assert forward[0] == "109" and forward[1] == "239"  # 40 a page, then on from the newest stored
    assert report.new_posts == 50 and report.updated_posts == 0
    assert store.counts()["posts"] == 60


def test_accounts_that_opt_out_are_forgotten_and_never_stored(
    store: Store, mastodon_api: MastodonStandIn
) -> None:
    mastodon_api.statuses = [
        status(1, "#LCSM from a person", acct="carol"),
        status(2, "#LCSM from someone who said no", acct="dave", note="Writer. #NoBot #fedi22"),
        status(3, "#LCSM not indexable", acct="erin@other.social", indexable=False),
        status(4, "#LCSM noindex", acct="frank", noindex=True),
    ]
    report = mastodon_cycle(store, mastodon_api.url)
    assert report.new_posts == 1 and report.opted_out == 3
    assert store.known_authors({"mastodon:dave@127.0.0.1", "mastodon:erin@other.social"}) == set()
    assert store.counts()["posts"] == 1
    mastodon_api.statuses.append(status(5, "#LCSM again", acct="dave", note="Writer"))
    later = mastodon_cycle(store, mastodon_api.url)
    assert later.new_posts == 0  # an opt-out stands even after the profile changes


def test_the_same_post_seen_through_two_instances_is_stored_once(store: Store) -> None:
    shared = "https://origin.social/users/gina/statuses/77"
    with MastodonStandIn() as one, MastodonStandIn() as two:
        one.statuses = [status(10, "#LCSM federated", acct="gina@origin.social", uri=shared)]
        two.statuses = [status(9000, "#LCSM federated", acct="gina@origin.social", uri=shared)]
        report = mastodon_cycle(store, one.url, two.url)
    assert (report.new_posts, report.updated_posts, store.counts()["posts"]) == (1, 1, 1)


def test_an_unreachable_instance_does_not_stop_the_others(
    store: Store, mastodon_api: MastodonStandIn
) -> None:
    mastodon_api.statuses = [status(1, "#LCSM")]
    with MastodonStandIn() as broken:
        broken.faults = [Answer(503, {"error": "down"})] * 4
        report = mastodon_cycle(store, broken.url, mastodon_api.url)
    assert report.new_posts == 1
    assert "unavailable" in report.error and "127.0.0.1" in report.error
    assert store.health()["mastodon"][0] is False


def test_post_html_becomes_the_text_people_read() -> None:
    html = '<p>Line one &amp; more<br>line two <a href="x">#<span>LCSM</span></a></p><p>Next</p>'
    assert html_text(html) == "Line one & more\nline two #LCSM\n\nNext"
