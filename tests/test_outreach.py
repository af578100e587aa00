"""The outreach service: versions kept, expiry honoured, campaign tags checked against stored
posts and loopback Bluesky and Mastodon."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.domain.audience import Audience
from bot.domain.knowledge import KnowledgeBase
from bot.services import Services, build_services
from bot.services.outreach import StaleVersion
from bot.storage import Store
from tests.factories import APPROVED_TEXT, APPROVED_URL, NOW, TODAY, approval, author, post
from tests.sources.standins_bluesky import XrpcStandIn
from tests.sources.standins_mastodon import MastodonStandIn, status

TEXT, URL = APPROVED_TEXT, APPROVED_URL


def test_every_change_is_a_new_version_with_who_and_when(services: Services) -> None:
    first = services.outreach.save(approval(), by="U0ALICE", now=NOW)
    assert (first.message.id, first.message.version, first.saved) == (1, 1, True)
    later = NOW + timedelta(hours=2)
    second = services.outreach.save(
        approval(text=TEXT + " Ask your doctor."), by="U0BOB", now=later, message_id=1
    )
    assert second.message.version == 2
    same = services.outreach.save(
        approval(text=TEXT + " Ask your doctor."), by="U0BOB", now=later, message_id=1
    )
    assert same.saved is False and same.message.version == 2  # nothing new, no new version
    history = services.outreach.versions(1)
    assert [(m.version, m.changed_by, m.approval.text) for m in history] == [
        (1, "U0ALICE", TEXT),
        (2, "U0BOB", TEXT + " Ask your doctor."),
    ]
    assert history[1].changed_at == later.isoformat(timespec="seconds")
    assert [m.version for m in services.outreach.messages()] == [2]


def test_a_version_is_never_overwritten_or_deleted(services: Services, store: Store) -> None:
    services.outreach.save(approval(), by="U0ALICE", now=NOW)
    conn = store.conns.db().conn
    with pytest.raises(sqlite3.IntegrityError, match="never changed"):
        conn.execute("UPDATE approved_message_versions SET text = 'free treatment!'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM approved_message_versions")
    assert services.outreach.message(1) is not None


def test_an_edit_from_an_old_copy_is_refused_so_nothing_is_lost(services: Services) -> None:
    services.outreach.save(approval(), by="U0ALICE", now=NOW)
    services.outreach.save(approval(study="LUNG-01b"), by="U0BOB", now=NOW, message_id=1)
    with pytest.raises(StaleVersion) as refused:
        services.outreach.save(
            approval(study="LUNG-01c"), by="U0ALICE", now=NOW, message_id=1, expected_version=1
        )
    assert refused.value.latest.changed_by == "U0BOB"
    assert services.outreach.message(1).approval.study == "LUNG-01b"  # type: ignore[union-attr]


def test_compose_uses_only_unexpired_messages_for_the_condition(services: Services) -> None:
    services.outreach.save(approval(), by="U0ALICE", now=NOW)
    ended = TODAY - timedelta(days=1)
    services.outreach.save(approval(study="OLD", expires_on=ended), by="U0ALICE", now=NOW)
    services.outreach.save(
        approval(
            study="NSCLC-02", conditions=("non-small cell lung cancer",), hashtags_allowed=False
        ),
        by="U0ALICE",
        now=NOW,
    )
    services.outreach.save(
        approval(study="IBD-07", conditions=("Crohn's disease",)), by="U0", now=NOW
    )
    composed = services.outreach.compose("lung cancer", TODAY, Audience("US")).as_json()
    assert composed["condition"] == {"id": "lung-cancer", "name": "Lung cancer"}
    assert {d["study"] for d in composed["drafts"]} == {"LUNG-01", "NSCLC-02"}
    assert any(
        "OLD (message 2): its approval's last day was 2026-11-26" in n for n in composed["notes"]
    )
    lung = [d for d in composed["drafts"] if d["study"] == "LUNG-01"]
    assert [d["platform"] for d in lung] == ["x", "bluesky", "mastodon"]
    # The condition's own tags first, then November's awareness month, a US team's
    assert lung[0]["hashtags"] == ["LCSM", "LungCancer", "LCAM"]
    assert lung[0]["text"].startswith(f"{TEXT} {URL} #LCSM")
    nsclc = [d for d in composed["drafts"] if d["study"] == "NSCLC-02"]
    assert all(d["hashtags"] == [] and d["text"] == f"{TEXT} {URL}" for d in nsclc)


def test_expiring_lists_approvals_ending_within_30_days(services: Services) -> None:
    services.outreach.save(approval(expires_on=TODAY + timedelta(days=30)), by="U", now=NOW)
    services.outreach.save(
        approval(study="LATER", expires_on=TODAY + timedelta(days=31)), by="U", now=NOW
    )
    services.outreach.save(
        approval(study="SOON", expires_on=TODAY + timedelta(days=3)), by="U", now=NOW
    )
    assert [m.approval.study for m in services.outreach.expiring(TODAY)] == ["SOON", "LUNG-01"]


@pytest.fixture
def networks(
    kb: KnowledgeBase, store: Store
) -> Iterator[tuple[Services, XrpcStandIn, MastodonStandIn]]:
    xrpc, mastodon = XrpcStandIn(), MastodonStandIn()
    settings = Settings(
        bluesky_appview_url=xrpc.url,
        bluesky_api_url=xrpc.url,
        mastodon_instances=(mastodon.url,),
    )
    yield build_services(settings, store, kb=kb, clock=lambda: NOW), xrpc, mastodon
    xrpc.close()
    mastodon.close()


def test_a_tag_in_use_says_by_whom_and_with_what(
    networks: tuple[Services, XrpcStandIn, MastodonStandIn], store: Store
) -> None:
    services, _xrpc, mastodon = networks
    store.save_posts(
        [
            post("Walk with us #LungStudy26 #LCSM", at=NOW, by=1),
            post("#LungStudy26 day 2", at=NOW, by=2),
        ],
        [author(1), author(2)],
        now=NOW,
    )
    mastodon.statuses += [
        status(101, "Our walk #LungStudy26 #LungCancer", acct="ana"),
        status(102, "Me too #LungStudy26", acct="quiet", note="#nobot please"),
    ]
    report = services.outreach.available("#LungStudy26", TODAY).as_json()
    assert report["in_use"] is True and report["verdict"].startswith("in use")
    assert report["stored"]["posts"] == 2 and report["stored"]["authors"] == 2
    assert report["stored"]["with_tags"] == ["LCSM"]
    bluesky, masto = report["live"]
    assert bluesky["network"] == "bluesky" and "login" in bluesky["error"]  # public search refused
    assert masto["posts"] == 2 and masto["with_tags"] == ["LungCancer"]
    assert masto["accounts"] == [
        "ana@127.0.0.1:" + mastodon.url.rsplit(":", 1)[1]
    ]  # #nobot not named
    assert mastodon.timeline_calls[0].path == "/api/v1/timelines/tag/lungstudy26"
    assert report["readability"][-1] == "CamelCase: screen readers read it as “Lung Study 26”."


def test_a_free_tag_is_checked_on_bluesky_through_the_session(
    kb: KnowledgeBase, store: Store
) -> None:
    with XrpcStandIn() as xrpc, MastodonStandIn() as mastodon:
        xrpc.add("did:plc:a", "ana.bsky.social", "r1", "A different tag #LungStudy27")
        settings = Settings(
            bluesky_handle="bot.bsky.social",
            bluesky_app_password="app-pass-1234",
            bluesky_api_url=xrpc.url,
            mastodon_instances=(mastodon.url,),
        )
        services = build_services(settings, store, kb=kb, clock=lambda: NOW)
        report = services.outreach.available("LungStudy26", TODAY).as_json()
        assert [look["posts"] for look in report["live"]] == [0, 0]
        assert [look["error"] for look in report["live"]] == [None, None]
        assert report["verdict"] == "not seen in use: free to launch, as far as the bot can see"
        xrpc.add("did:plc:b", "bo.bsky.social", "r2", "Joining #LungStudy26 #LCSM")
        again = services.outreach.available("LungStudy26", TODAY).as_json()
        assert again["live"][0]["accounts"] == ["bo.bsky.social"]


def test_a_known_tag_or_one_with_another_meaning_is_flagged(
    networks: tuple[Services, XrpcStandIn, MastodonStandIn],
) -> None:
    services = networks[0]
    lcsm = services.outreach.available("lcsm", TODAY).as_json()
    assert lcsm["verdict"].startswith("taken")
    assert lcsm["collisions"][0]["tag"] == "LCSM" and "already" in lcsm["collisions"][0]["what"]
    egfr = services.outreach.available("EGFR", TODAY).as_json()
    assert any("glomerular" in c["what"] for c in egfr["collisions"])
    congress = services.outreach.available("WCLC27", TODAY).as_json()
    assert any("WCLC" in c["tag"] for c in congress["collisions"])
    broken = services.outreach.available("lung-study", TODAY).as_json()
    assert broken["live"] == [] and broken["readability"][0].startswith("Not a working hashtag")
    shouted = services.outreach.available("LUNGSTUDYTWENTYSIX", TODAY).as_json()
    assert any("All capitals" in n for n in shouted["readability"])
