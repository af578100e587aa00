"""Digests as a channel reads them: volume, conversations, rising tags, new voices, what's next."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.advocates import ROLES
from bot.domain.knowledge import KnowledgeBase
from bot.domain.posts import Author, Post
from bot.render.text import digest_text
from bot.services.digests import Digester, as_of_moment
from bot.services.topics import TopicSpec
from bot.slack.digest import digest_messages
from bot.storage import Store
from tests.factories import NOW, heard_alone, post

LUNG = TopicSpec("Lung cancer", "lung-cancer")


def person(n: int, description: str = "", *, followers: int = 50, name: str = "") -> Author:
    return Author(
        id=f"x:u{n}",
        source="x",
        handle=f"user{n}",
        name=name or f"User {n}",
        description=description,
        url=f"https://x.com/user{n}",
        followers=followers,
    )


def reply(text: str, *, to: Post, by: int, hours_later: int = 1) -> Post:
    answer = post(text, at=to.created_at + timedelta(hours=hours_later), by=by)
    answer.conversation_id = to.conversation_id or to.id
    answer.reply_to = to.id
    return answer


@pytest.fixture(autouse=True)
def _lcsm_heard_alone(store: Store) -> None:
    heard_alone(store, "LCSM")  # a sample showed #LCSM means lung cancer: heard on its own


def save(store: Store, posts: list[Post], authors: list[Author]) -> None:
    store.save_posts(posts, authors, now=NOW)
    store.rebuild_cooccur_window(NOW.date())


def lung_digest(kb: KnowledgeBase, store: Store, channel: str | None = None):
    digest = Digester(kb, store).for_topics([LUNG], now=NOW, channel_id=channel)
    return digest.topics[0]


def test_volume_counts_each_post_once_and_compares_the_week_before(
    kb: KnowledgeBase, store: Store
) -> None:
    posts = [post("#LCSM #LungCancer chat tonight", at=NOW, by=n % 3) for n in range(6)]
    posts += [post("#LCSM earlier", at=NOW, days_ago=9, by=7) for _ in range(2)]
    save(store, posts, [person(n) for n in (0, 1, 2, 7)])
    volume = lung_digest(kb, store).volume
    assert (volume.posts_7d, volume.posts_prev_7d, volume.authors_7d) == (6, 2, 3)
    assert volume.posts_last_day == 6 and volume.trend == 2.0


def test_a_thread_with_many_voices_beats_a_liked_post(kb: KnowledgeBase, store: Store) -> None:
    opener = post("Who else starts a new trial this month? #LCSM", at=NOW - timedelta(hours=5))
    opener.conversation_id = opener.id
    thread = [opener] + [
        reply(f"Me too, week {n} #LCSM", to=opener, by=n + 2, hours_later=n) for n in (1, 2, 3)
    ]
    liked = post("A very liked post #LungCancer", at=NOW - timedelta(hours=3), by=9, likes=30)
    old = post("Old news #LCSM", at=NOW - timedelta(days=4), by=10, likes=500)
    save(store, [*thread, liked, old], [person(n) for n in (1, 3, 4, 5, 9, 10)])
    conversations = lung_digest(kb, store).conversations
    first = conversations[0]
    assert (first.posts, first.people, first.replies) == (4, 4, 3)
    assert first.shown is not None and first.shown.text.startswith("Who else starts")
    assert first.shown.author_handle == "user1"
    assert [c.shown.text for c in conversations if c.shown][1] == "A very liked post #LungCancer"
    assert all("Old news" not in (c.shown.text if c.shown else "") for c in conversations)


def test_a_post_nobody_answered_is_not_a_conversation(kb: KnowledgeBase, store: Store) -> None:
    save(store, [post("Quiet post #LCSM", at=NOW, by=1)], [person(1)])
    assert lung_digest(kb, store).conversations == ()


def test_rising_tags_need_several_people_and_the_topic(kb: KnowledgeBase, store: Store) -> None:
    posts = [post("#LCSM #LCAM walk", at=NOW, days_ago=n % 3, by=n % 4) for n in range(12)]
    posts += [post("#LCSM #LCAM walk", at=NOW, days_ago=10, by=1)]
    posts += [post("#LCSM #OneManTag", at=NOW, days_ago=n % 3, by=5) for n in range(12)]
    posts += [post("#Health #LCSM", at=NOW, days_ago=1, by=n) for n in range(4)]
    posts += [post("#Health elsewhere", at=NOW, days_ago=1, by=20 + n) for n in range(60)]
    save(store, posts, [person(n) for n in (*range(6), *range(20, 80))])
    rising = lung_digest(kb, store).rising_hashtags
    assert [r.tag for r in rising] == ["LCAM"]
    assert rising[0].posts_7d == 12 and rising[0].posts_prev_7d == 1 and rising[0].authors == 4


def test_new_voices_take_their_role_from_their_own_profile_only(
    kb: KnowledgeBase, store: Store
) -> None:
    authors = [
        person(1, "Thoracic oncologist. Views my own.", followers=4_000),
        person(2, "Patient advocate | #LCSM", followers=300),
        person(3, "Stage IV lung cancer survivor, mum of 2", followers=120),
        person(4, "", followers=25_000, name="Lung Cancer Research Foundation"),
    ]
    posts = [
        post("#LCSM today", at=NOW, days_ago=n % 5, by=a) for a in (1, 2, 3, 4) for n in range(3)
    ]
    save(store, posts, authors)
    advocates = lung_digest(kb, store).new_advocates
    roles = {a.handle: a.role for a in advocates}
    assert roles == {"user1": "clinician", "user2": "advocate", "user4": "organization"}
    clinician = next(a for a in advocates if a.handle == "user1")
    assert clinician.evidence[0] == "Profile says “Thoracic oncologist”"
    assert "#LCSM in 3 posts on 3 days, the latest on 27 Nov" in clinician.evidence
    text = json.dumps([a.as_json() for a in advocates])
    assert "survivor" not in text and "user3" not in text  # a person's health is never a label
    assert all(a.role in ROLES for a in advocates)


def test_an_account_that_opts_out_disappears_from_digests(kb: KnowledgeBase, store: Store) -> None:
    posts = [post("#LCSM hello", at=NOW, days_ago=n, by=1, likes=20) for n in range(3)]
    save(store, posts, [person(1, "Oncology nurse")])
    assert lung_digest(kb, store).conversations
    assert [a.handle for a in lung_digest(kb, store, "C1").new_advocates] == ["user1"]
    store.record_digest("C1", NOW.date(), {"lung cancer": ["x:u1"]}, now=NOW)
    store.forget_authors([("x:u1", "profile opts out")], now=NOW)
    assert lung_digest(kb, store, "C2").new_advocates == ()
    assert lung_digest(kb, store).conversations == ()
    assert store.introduced("C1", "lung cancer") == set()


def test_each_channel_meets_an_account_once(kb: KnowledgeBase, store: Store) -> None:
    posts = [post("#LCSM hello", at=NOW, days_ago=n, by=a) for a in (1, 2) for n in range(3)]
    save(store, posts, [person(1, "Oncology nurse"), person(2, "Health reporter")])
    digester = Digester(kb, store)
    first = digester.for_channels({"C1": [LUNG], "C2": [LUNG]}, now=NOW)
    introduced = [a.author_id for a in first["C1"].topics[0].new_advocates]
    assert sorted(introduced) == ["x:u1", "x:u2"]
    store.record_digest("C1", NOW.date(), {"lung cancer": introduced[:1]}, now=NOW)
    later = digester.for_channels({"C1": [LUNG], "C2": [LUNG]}, now=NOW + timedelta(days=1))
    assert [a.author_id for a in later["C1"].topics[0].new_advocates] == introduced[1:]
    assert len(later["C2"].topics[0].new_advocates) == 2


@pytest.mark.parametrize(
    ("day", "happening", "starts"),
    [(date(2026, 11, 27), True, date(2026, 11, 1)), (date(2026, 10, 15), False, date(2026, 11, 1))],
)
def test_coming_up_shows_awareness_windows_for_the_condition(
    kb: KnowledgeBase, store: Store, day: date, happening: bool, starts: date
) -> None:
    digest = Digester(kb, store).for_topics([LUNG], now=as_of_moment(day))
    lcam = next(u for u in digest.topics[0].upcoming if "LCAM" in u.tags)
    assert lcam.happening_now is happening and lcam.window.start == starts
    assert lcam.source  # every calendar fact says where it comes from


def test_a_meeting_known_by_its_usual_months_says_so_in_both_digests(
    kb: KnowledgeBase, store: Store
) -> None:
    digest = Digester(kb, store).for_topics(
        [TopicSpec("Celiac disease", "celiac-disease")], now=as_of_moment(date(2027, 4, 15))
    )
    ddw = next(u for u in digest.topics[0].upcoming if "DDW2027" in u.tags)
    assert not ddw.dates_confirmed and not ddw.happening_now
    said = "usually May–Jun 2027; check the meeting's own dates"
    assert said in digest_text(digest)
    assert said in json.dumps(digest_messages(digest), ensure_ascii=False)


def test_a_topic_no_condition_matches_is_read_from_the_words(
    kb: KnowledgeBase, store: Store
) -> None:
    posts = [
        post(f"zebra stripes trial #Zebra{n % 2}", at=NOW, by=n, likes=n * 3) for n in range(4)
    ]
    save(store, posts, [person(n) for n in range(4)])
    topic = Digester(kb, store).for_topics([TopicSpec("zebra stripes")], now=NOW).topics[0]
    assert topic.condition is None and topic.volume.posts_7d == 4
    assert topic.conversations and topic.upcoming == ()


def test_a_topic_with_nothing_stored_says_so(kb: KnowledgeBase, store: Store) -> None:
    topic = lung_digest(kb, store)
    assert topic.volume.posts_7d == 0 and topic.conversations == ()
    assert "No stored posts" in topic.notes[0]
    assert topic.upcoming  # the calendar still has something to say


def test_a_channel_without_topics_is_told_how_to_start(kb: KnowledgeBase, store: Store) -> None:
    digest = Digester(kb, store).for_channels({"C1": []}, now=NOW)["C1"]
    assert digest.topics == () and "/hashtag track" in digest.notes[0]
    message = digest_messages(digest)[0]
    assert "/hashtag track" in json.dumps(message["blocks"])


def test_messages_stay_in_slacks_limits_and_escape_post_text(
    kb: KnowledgeBase, store: Store
) -> None:
    sneaky = post("<!channel> click <https://evil.example|here> & win #LCSM", at=NOW, by=1, likes=8)
    save(store, [sneaky], [person(1)])
    topics = [LUNG] + [TopicSpec(name) for name in ("breast cancer", "T1D", "Crohn's", "ALS")]
    topics += [TopicSpec(f"topic {n}") for n in range(5)]
    digest = Digester(kb, store).for_topics(topics, now=NOW, channel_id="C1")
    messages = digest_messages(digest)
    assert len(digest.topics) == 10
    for message in messages:
        assert 0 < len(message["blocks"]) <= 50 and message["text"]
    text = json.dumps([m["blocks"] for m in messages], ensure_ascii=False)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<!here>" not in text and "masto.example" not in text
    assert "Daily digest · 27 Nov 2026" in text


def test_digest_json_has_the_documented_shape(kb: KnowledgeBase, store: Store) -> None:
    save(store, [post("#LCSM hi", at=NOW, by=1, likes=5)], [person(1)])
    data = Digester(kb, store).for_topics([LUNG], now=NOW).as_json()
    assert datetime.fromisoformat(data["generated_at"]).tzinfo == UTC
    topic = data["topics"][0]
    assert {
        "topic",
        "volume",
        "conversations",
        "rising_hashtags",
        "new_advocates",
        "upcoming",
    } <= set(topic)
    assert topic["conversations"][0]["author"]["handle"] == "user1"


def test_a_muted_handle_is_neither_introduced_nor_shown_in_that_channel(
    kb: KnowledgeBase, store: Store
) -> None:
    posts = [post("#LCSM big news", at=NOW, days_ago=n, by=1, likes=50) for n in range(3)]
    posts += [post("#LCSM small news", at=NOW, by=2, likes=6)]
    save(store, posts, [person(1, "Health reporter"), person(2)])
    store.mute("C1", "USER1", created_by="U1", now=NOW)
    digests = Digester(kb, store).for_channels({"C1": [LUNG], "C2": [LUNG]}, now=NOW)
    muted, other = digests["C1"].topics[0], digests["C2"].topics[0]
    assert muted.new_advocates == () and [a.handle for a in other.new_advocates] == ["user1"]
    assert [c.shown.author_handle for c in muted.conversations if c.shown] == ["user2"]
    assert other.conversations[0].shown and other.conversations[0].shown.author_handle == "user1"


@pytest.mark.parametrize(
    "text",
    ['" OR 1=1; DROP TABLE posts; --', 'text:* AND "unbalanced NEAR(', "x" * 5000, "\x00\u202e🫁"],
)
def test_odd_topics_get_a_digest_not_an_error(kb: KnowledgeBase, store: Store, text: str) -> None:
    save(store, [post("#LCSM hello", at=NOW, by=1, likes=9)], [person(1)])
    digest = Digester(kb, store).for_topics([TopicSpec(text)], now=NOW)
    assert len(digest.topics) == 1 and digest.topics[0].volume.posts_7d == 0
    assert store.counts()["posts"] == 1


ASCO_OPENS = datetime(2026, 5, 29, 8, 0, tzinfo=UTC)  # ASCO 2026: 29 May – 2 Jun, Chicago


def asco_posts(store: Store) -> None:
    """What the lung cancer community posted under #ASCO26, beside posts of other topics."""
    posts = [
        post("Plenary on #LCSM screening data #ASCO26", at=ASCO_OPENS, days_ago=-1, by=1, likes=40),
        post("Packed hall for the lung cancer session #ASCO26", at=ASCO_OPENS, by=2, likes=12),
        post("Breast cancer poster walk #ASCO26 #BCSM", at=ASCO_OPENS, by=3, likes=90),
        post("Coffee queue #ASCO26", at=ASCO_OPENS, by=4, likes=70),
        post("Nobody liked this #ASCO26 #LCSM note", at=ASCO_OPENS, by=5),
    ]
    authors = [person(n) for n in range(1, 6)]
    store.save_posts(posts, authors, now=ASCO_OPENS + timedelta(days=2))


def test_while_a_congress_runs_the_digest_shows_what_the_topic_engaged_with_under_its_tag(
    kb: KnowledgeBase, store: Store
) -> None:
    asco_posts(store)
    digest = Digester(kb, store).for_topics([LUNG], now=datetime(2026, 5, 31, 12, tzinfo=UTC))
    congress = digest.topics[0].conference
    assert congress is not None and congress.tag == "ASCO26"
    assert congress.name == "ASCO Annual Meeting 2026"
    # the topic's tags or words beside the congress tag, most engaged first; not other topics'
    assert [p.shown.author_handle for p in congress.posts] == ["user1", "user2"]
    assert [p.engagement for p in congress.posts] == [40, 12]

    summary, *thread = digest_messages(digest)
    assert "2 posts from #ASCO26" in json.dumps(summary["blocks"])
    details = json.dumps([m["blocks"] for m in thread], ensure_ascii=False)
    assert "From #ASCO26 (ASCO Annual Meeting 2026, 29 May – 2 Jun 2026)" in details
    assert "Plenary on #LCSM screening data" in details and "Coffee queue" not in details
    text = digest_text(digest)
    assert "From #ASCO26 (ASCO Annual Meeting 2026" in text and "@user2 · 12 interactions" in text
    data = digest.as_json()["topics"][0]["conference"]
    assert data["tag"] == "ASCO26" and data["window"] == {
        "start": "2026-05-29",
        "end": "2026-06-02",
    }
    assert [p["author"]["handle"] for p in data["posts"]] == ["user1", "user2"]


@pytest.mark.parametrize(
    ("day", "shown"),
    [(date(2026, 5, 28), False), (date(2026, 6, 3), True), (date(2026, 6, 4), False)],
)
def test_the_congress_section_is_there_only_while_it_runs_and_the_day_after(
    kb: KnowledgeBase, store: Store, day: date, shown: bool
) -> None:
    asco_posts(store)
    early = post("Who's going? #ASCO26 #LCSM", at=ASCO_OPENS, days_ago=2, by=6, likes=30)
    store.save_posts([early], [person(6)], now=ASCO_OPENS)
    digest = Digester(kb, store).for_topics([LUNG], now=as_of_moment(day))
    topic = digest.topics[0]
    assert (topic.conference is not None) is shown
    assert ("From #ASCO26" in digest_text(digest)) is shown
    blocks = json.dumps([m["blocks"] for m in digest_messages(digest)])
    assert ("From #ASCO26" in blocks and "from #ASCO26" in blocks) is shown
    if topic.conference:  # posted before the meeting opened: not from it
        assert "user6" not in [p.shown.author_handle for p in topic.conference.posts]
    else:
        assert digest.as_json()["topics"][0]["conference"] is None


def test_a_congress_post_by_a_muted_handle_is_not_shown_in_that_channel(
    kb: KnowledgeBase, store: Store
) -> None:
    asco_posts(store)
    store.mute("C1", "user1", created_by="U1", now=ASCO_OPENS)
    now = datetime(2026, 5, 31, 12, tzinfo=UTC)
    digests = Digester(kb, store).for_channels({"C1": [LUNG], "C2": [LUNG]}, now=now)
    muted, other = (digests[c].topics[0].conference for c in ("C1", "C2"))
    assert muted and [p.shown.author_handle for p in muted.posts] == ["user2"]
    assert other and [p.shown.author_handle for p in other.posts] == ["user1", "user2"]


def test_two_posts_in_one_afternoon_are_a_passer_by_not_a_voice(
    kb: KnowledgeBase, store: Store
) -> None:
    burst = [post("#LCSM first", at=NOW, by=1), post("#LCSM second", at=NOW, by=1)]
    steady = [post("#LCSM again", at=NOW, days_ago=n, by=2) for n in (0, 2, 4)]
    save(store, [*burst, *steady], [person(1, "Oncology nurse"), person(2, "Oncology nurse")])
    assert [a.handle for a in lung_digest(kb, store).new_advocates] == ["user2"]


def test_an_account_others_answer_and_mention_is_spotted_after_one_busy_day(
    kb: KnowledgeBase, store: Store
) -> None:
    first = post("Our trial opens today #LCSM", at=NOW - timedelta(hours=6), by=1)
    second = post("Eligibility questions welcome #LCSM", at=NOW - timedelta(hours=5), by=1)
    answers = [
        reply("Is it open in Ohio?", to=first, by=2),
        reply("@user1 sharing with my group", to=second, by=3),
        reply("Adding: also for stage III", to=first, by=1),  # answering itself doesn't count
    ]
    mention = post("Talk to @user1 about the new trial #LungCancer", at=NOW, days_ago=1, by=4)
    authors = [person(1, "Clinical trial nurse navigator"), *(person(n) for n in (2, 3, 4))]
    save(store, [first, second, *answers, mention], authors)
    [spotted] = lung_digest(kb, store).new_advocates
    assert spotted.handle == "user1" and spotted.role == "clinician"
    assert "replied to, quoted or mentioned by 3 other accounts in the community" in (
        spotted.evidence
    )


def test_an_account_whose_posts_are_reposted_is_spotted(kb: KnowledgeBase, store: Store) -> None:
    posts = [post("#LCSM screening saves lives", at=NOW, by=1) for _ in range(2)]
    posts[0].reposts = 4
    save(store, posts, [person(1, "Health reporter")])
    [spotted] = lung_digest(kb, store).new_advocates
    assert "reposted or quoted 4 times" in spotted.evidence


def test_an_account_that_names_its_pharma_employer_is_introduced_as_industry(
    kb: KnowledgeBase, store: Store
) -> None:
    posts = [post("#LCSM trial update", at=NOW, days_ago=n, by=1) for n in (0, 1, 3)]
    save(store, posts, [person(1, "Pfizer employee. Views my own.", followers=200)])
    [spotted] = lung_digest(kb, store).new_advocates
    assert (spotted.role, spotted.evidence[0]) == ("industry", "Profile says “Pfizer employee”")


def test_a_digest_as_of_a_past_day_counts_nothing_after_it(kb: KnowledgeBase, store: Store) -> None:
    before = [post(f"#LCSM clinic day {d}", at=NOW, days_ago=d, by=1, likes=9) for d in (3, 4, 5)]
    after = [post("#LCSM news after the digest's day", at=NOW, by=1, likes=9)]
    save(store, [*before, *after], [person(1, "Thoracic oncology nurse")])
    day = (NOW - timedelta(days=3)).date()
    digest = Digester(kb, store).for_topics([LUNG], now=as_of_moment(day))
    [nurse] = digest.topics[0].new_advocates
    shown = json.dumps(digest.as_json(), ensure_ascii=False)
    assert nurse.last_active == day
    assert NOW.date().strftime("%-d %b") not in " ".join(nurse.evidence)
    assert "news after the digest's day" not in shown
