from __future__ import annotations

import json
from urllib.parse import urlparse

from bot.config import Settings
from bot.domain.digest import Digest
from bot.domain.knowledge import KnowledgeBase
from bot.domain.topic_plan import TopicPlan
from bot.render.text import digest_text
from bot.services.collection import SourceReport, drain
from bot.services.digests import Digester
from bot.services.topics import TopicSpec
from bot.slack.digest import digest_messages
from bot.sources.mastodon import MastodonSource, html_text
from bot.storage import Store
from tests.factories import heard_alone
from tests.sources.source_standins import LIVE_NOW, Answer
from tests.sources.standins_mastodon import (
    MastodonStandIn,
    accepted_quote,
    custom_emoji,
    status,
)

LCSM = TopicPlan("lung cancer", tags=("LCSM",))
LUNG = TopicSpec("Lung cancer", "lung-cancer")


def mastodon_cycle(store: Store, *instances: str, query: TopicPlan = LCSM) -> SourceReport:
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
    host = urlparse(mastodon_api.url).netloc
    assert store.known_authors({f"mastodon:dave@{host}", "mastodon:erin@other.social"}) == set()
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


def lung_digest(kb: KnowledgeBase, store: Store) -> Digest:
    heard_alone(store, "LCSM", on=LIVE_NOW.date())  # a sample showed #LCSM means lung cancer
    store.rebuild_cooccur_window(LIVE_NOW.date())
    return Digester(kb, store).for_topics([LUNG], now=LIVE_NOW)


def test_replies_join_their_thread_in_the_digest(
    store: Store, mastodon_api: MastodonStandIn, kb: KnowledgeBase
) -> None:
    mastodon_api.statuses = [
        status(110, "Our #LCSM chat: what helped you most after treatment?", acct="carol"),
        status(111, "Walking every day #LCSM", acct="dave", in_reply_to=110),
        status(112, "Breathing exercises, honestly", acct="erin", in_reply_to=110),  # no tag
        status(113, "Same here, breathing helped #LCSM", acct="gina", in_reply_to=112),
    ]
    report = mastodon_cycle(store, mastodon_api.url)
    assert report.new_posts == 3
    # 111 answers a post on the same page; only 113's parent had to be asked for
    assert [c.path for c in mastodon_api.context_calls] == ["/api/v1/statuses/113/context"]
    (thread,) = lung_digest(kb, store).topics[0].conversations
    assert (thread.posts, thread.people, thread.replies) == (3, 3, 2)
    assert thread.shown is not None and thread.shown.url.endswith("/@carol/110")


def test_a_reply_whose_thread_the_instance_wont_show_stands_alone(
    store: Store, mastodon_api: MastodonStandIn, kb: KnowledgeBase
) -> None:
    mastodon_api.statuses = [
        status(120, "Our #LCSM chat starts now", acct="carol"),
        status(121, "Late to this #LCSM", acct="dave", in_reply_to=119),  # parent not public
    ]
    report = mastodon_cycle(store, mastodon_api.url)
    assert report.new_posts == 2 and not report.error
    assert len(mastodon_api.context_calls) == 1  # asked once; the instance had no ancestors
    threads = lung_digest(kb, store).topics[0].conversations
    assert sorted(t.shown.url.rsplit("/", 1)[1] for t in threads if t.shown) == ["120", "121"]
    assert [t.replies for t in threads if t.shown and t.shown.url.endswith("121")] == [1]


def test_a_content_warning_is_kept_and_shown_instead_of_the_text(
    store: Store, mastodon_api: MastodonStandIn, kb: KnowledgeBase
) -> None:
    mastodon_api.statuses = [
        status(130, "My #LCSM scar, two weeks after surgery", spoiler_text="Surgery photo"),
        status(131, "Healing well #LCSM", acct="dave", in_reply_to=130),
    ]
    mastodon_cycle(store, mastodon_api.url)
    digest = lung_digest(kb, store)
    (thread,) = digest.topics[0].conversations
    assert thread.shown is not None and thread.shown.content_warning == "Surgery photo"
    slack = json.dumps(digest_messages(digest))
    terminal = digest_text(digest)
    for shown in (slack, terminal):
        assert "CW: Surgery photo" in shown and "scar" not in shown
    as_json = thread.as_json()
    assert as_json["content_warning"] == "Surgery photo" and "scar" not in as_json["text"]


def test_quote_posts_and_custom_emoji_read_as_on_mastodon(
    store: Store, mastodon_api: MastodonStandIn, kb: KnowledgeBase
) -> None:
    quoted = status(140, "Screening found mine early #LCSM", acct="hal")
    mastodon_api.statuses = [
        quoted,
        status(
            141,
            "This is why we screen #LCSM",
            acct="ida",
            quote=accepted_quote(quoted),
            display_name="Ida \u200b:blobcat:\u200b :verified:",
            emojis=[custom_emoji("blobcat"), custom_emoji("verified")],
        ),
    ]
    mastodon_cycle(store, mastodon_api.url)
    shown = store.post_views(["mastodon:https://example.social/users/ida/statuses/141"])
    (view,) = shown.values()
    assert view.text == "This is why we screen #LCSM" and "RE:" not in view.text
    assert view.author_name == "Ida"
    ida = f"mastodon:ida@{urlparse(mastodon_api.url).netloc}"
    assert store.profiles([ida])[ida].name == "Ida"


def test_suspended_accounts_are_not_stored(store: Store, mastodon_api: MastodonStandIn) -> None:
    mastodon_api.statuses = [
        status(150, "#LCSM from a person", acct="carol"),
        status(151, "#LCSM from a suspended account", acct="spam", suspended=True),
    ]
    report = mastodon_cycle(store, mastodon_api.url)
    host = urlparse(mastodon_api.url).netloc
    assert report.new_posts == 1
    assert store.known_authors({f"mastodon:spam@{host}", f"mastodon:carol@{host}"}) == {
        f"mastodon:carol@{host}"
    }
