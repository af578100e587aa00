"""Each message of a digest reaches Slack once: killed mid-send, refused, or run twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import create_web_client
from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.domain.posts import Author
from bot.services.digest_delivery import deliver_digests
from bot.services.digests import Digester
from bot.services.topics import tracked_topics
from bot.slack.digest import digest_messages
from bot.slack.posting import SlackPublisher
from bot.storage import Store
from tests.factories import NOW, post
from tests.slack.slack_standins import BOT_TOKEN, SlackStandIn

CONDITIONS = [
    "lung-cancer",
    "breast-cancer",
    "crohns-disease",
    "type-1-diabetes",
    "systemic-lupus-erythematosus",
    "asthma",
    "psoriasis",
    "parkinsons-disease",
    "prostate-cancer",
    "colorectal-cancer",
]
DAY = NOW.date().isoformat()


def busy_channel(store: Store, kb: KnowledgeBase) -> None:
    """Ten tracked topics, each with conversations and an advocate active on three days: two messages."""
    for n, condition_id in enumerate(CONDITIONS):
        condition = kb.conditions[condition_id]
        tag = condition.tags[0].tag
        store.track("C1", condition.name, condition_id=condition_id, created_by="U1", now=NOW)
        voice = Author(f"x:u{n}", "x", f"voice{n}", f"Voice {n}", "Patient advocate", "", 50)
        posts = [
            post(f"#{tag} clinic day {i}", at=NOW, by=n, likes=9, days_ago=i) for i in range(3)
        ]
        store.save_posts(posts, [voice], now=NOW)


def posted_texts(slack: SlackStandIn) -> list[str]:
    return [c.params["text"] for c in slack.api_calls("chat.postMessage")]


def run_digest(db: Path, slack: SlackStandIn) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parents[2]),
        "HASHTAG_BOT_DB": str(db),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.api_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "digest", "--channel", "C1", "--as-of", DAY],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def parts(store: Store, kb: KnowledgeBase) -> int:
    busy_channel(store, kb)
    built = Digester(kb, store).for_topics(
        tracked_topics(store, "C1")["C1"], now=NOW, channel_id="C1"
    )
    count = len(digest_messages(built))
    assert count >= 2, "the channel's digest should need more than one message"
    return count


@pytest.mark.parametrize("killed_at", [1, 2])
def test_a_digest_killed_while_slack_takes_a_message_never_posts_it_twice(
    store: Store, slack_api: SlackStandIn, parts: int, killed_at: int
) -> None:
    slack_api.at_call("chat.postMessage", killed_at, "hold")
    first = run_digest(Path(store.path), slack_api)
    slack_api.wait_for(lambda: len(slack_api.api_calls("chat.postMessage")) == killed_at, 30)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    slack_api.release()
    second = run_digest(Path(store.path), slack_api)
    output = second.communicate(timeout=120)[0]
    assert second.returncode == 0, output
    texts = posted_texts(slack_api)
    assert len(texts) == parts and len(set(texts)) == parts  # every message once, none again
    assert store.digest_delivered("C1", NOW.date())
    third = run_digest(Path(store.path), slack_api)
    assert "already had its digest" in third.communicate(timeout=120)[0]
    assert len(posted_texts(slack_api)) == parts


def test_a_refused_message_is_posted_on_the_next_run_and_only_then_introduces_its_accounts(
    store: Store, kb: KnowledgeBase, settings: Settings, slack_api: SlackStandIn, parts: int
) -> None:
    slack_api.at_call("chat.postMessage", 2, "internal_error")
    client = create_web_client(settings)
    [first] = deliver_digests(store, Digester(kb, store), SlackPublisher(client), now=NOW)
    assert first.messages == 1 and "internal_error" in first.error
    assert not store.digest_delivered("C1", NOW.date())
    introduced_early = {
        key: store.introduced("C1", key) for key in {t.topic.casefold() for t in store.topics()}
    }
    [second] = deliver_digests(store, Digester(kb, store), SlackPublisher(client), now=NOW)
    assert second.messages == parts - 1 and not second.error
    assert store.digest_delivered("C1", NOW.date())
    texts = posted_texts(slack_api)
    assert len(texts) == parts + 1 and texts[1] == texts[2]  # the refused one, then its retry
    assert len(set(texts)) == parts
    later = {key: store.introduced("C1", key) for key in introduced_early}
    assert sum(map(len, introduced_early.values())) < sum(map(len, later.values()))
    first_message = json.dumps(slack_api.api_calls("chat.postMessage")[0].params["blocks"])
    for key, accounts in introduced_early.items():
        for account in accounts:
            assert account.split(":")[-1].replace("u", "voice") in first_message, key


@pytest.mark.parametrize("fault", ["drop", "500"])
def test_a_message_that_may_have_reached_slack_is_never_sent_again(
    store: Store,
    kb: KnowledgeBase,
    settings: Settings,
    slack_api: SlackStandIn,
    parts: int,
    fault: str,
) -> None:
    for nth in (2, 3):  # the connection drops after Slack read it, or Slack answers 500, twice
        slack_api.at_call("chat.postMessage", nth, fault)
    publisher = SlackPublisher(create_web_client(settings))
    [first] = deliver_digests(store, Digester(kb, store), publisher, now=NOW)
    assert len(slack_api.api_calls("chat.postMessage")) == 2  # no second try of message 2
    assert first.messages == 1 and "not sent again" in first.error
    for _ in range(parts):  # later runs finish the digest without message 2
        deliver_digests(store, Digester(kb, store), publisher, now=NOW)
    texts = posted_texts(slack_api)
    assert len(texts) == parts and len(set(texts)) == parts  # each message asked of Slack once
    assert store.digest_delivered("C1", NOW.date())  # done: what may be missing is said, not resent
