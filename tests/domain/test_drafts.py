"""Drafts as each network counts them, hashtags fitted without touching the approved words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from twitter_text import extract_urls

from bot.domain.approvals import Approval, ApprovedMessage, read_approval
from bot.domain.calendar import Window
from bot.domain.drafts import (
    NETWORKS,
    compose_message,
    draft_tags,
    fit_hashtags,
    grapheme_length,
    mastodon_length,
    x_length,
)
from bot.domain.suggestion import Suggestion

TODAY = date(2026, 11, 27)
TEXT = (
    "Adults with lung cancer may be eligible for a research study of an investigational "
    "medicine. Learn more:"
)
URL = "https://trials.example.org/lung-01?utm_source=social&utm_campaign=lcam-2026"
X, BLUESKY, MASTODON = NETWORKS


def message(
    text: str = TEXT, *, hashtags: bool = True, expires: date = date(2027, 6, 1)
) -> ApprovedMessage:
    approval = Approval(
        "LUNG-01", "IRB-2026-114", date(2026, 1, 5), expires, ("lung cancer",), text, URL, hashtags
    )
    return ApprovedMessage(1, 1, approval, "U0ALICE", "2026-01-05T10:00:00+00:00")


def suggestion(tag: str, kind: str, *, now: bool = False, warning: str = "") -> Suggestion:
    window = (
        Window(date(2026, 11, 1), date(2026, 11, 30))
        if kind in ("awareness", "conference")
        else None
    )
    return Suggestion(tag, kind, 1.0, (), None, None, window, happening_now=now, warning=warning)


@pytest.mark.parametrize(
    ("text", "x", "graphemes", "mastodon"),
    [
        ("Join us", 7, 7, 7),
        # every link is 23 on X and Mastodon however long; Bluesky counts it as written
        (f"More: {URL}", 6 + 23, 6 + len(URL), 6 + 23),
        # CJK characters weigh 2 on X, 1 elsewhere
        ("肺癌の研究", 10, 5, 5),
        # an emoji is 2 on X; a family of four joined by zero-width joiners is one character seen
        ("👨‍👩‍👧‍👦", 2, 1, 1),
        ("👍🏽", 2, 1, 1),
        # a letter with a combining accent that has no composed form is still one seen character
        ("q\u0301", 2, 1, 1),
        ("café", 4, 4, 4),
    ],
)
def test_each_network_counts_as_it_does(text: str, x: int, graphemes: int, mastodon: int) -> None:
    assert x_length(text) == x
    assert grapheme_length(text) == graphemes
    assert mastodon_length(text) == mastodon


def test_the_library_agrees_with_twitter_texts_own_example() -> None:
    assert x_length("english text 日本語 😷 https://example.com") == 46


def test_hashtags_follow_the_approved_text_and_link_best_first() -> None:
    tags = draft_tags(
        [
            suggestion("LCAM", "awareness", now=True),
            suggestion("LCSM", "community"),
            suggestion("LungCancer", "condition"),
            suggestion("WorldCancerDay", "awareness", now=False),
            suggestion("EGFR", "research"),
            suggestion("Lungcancer", "condition"),
        ]
    )
    assert tags == ["LCAM", "LCSM", "LungCancer"]  # no awareness tag out of season, no twins
    drafts, notes = compose_message(message(), tags, TODAY)
    assert [d.platform for d in drafts] == ["x", "bluesky", "mastodon"]
    for draft in drafts:
        assert draft.text == f"{TEXT} {URL} #LCAM #LCSM #LungCancer"
        assert draft.hashtags == ("LCAM", "LCSM", "LungCancer")
        assert draft.length <= draft.limit
    assert [d.length for d in drafts] == [
        len(TEXT) + 1 + 23 + 24,
        len(TEXT) + 1 + len(URL) + 24,
        len(TEXT) + 1 + 23 + 24,
    ]
    assert not notes


def test_a_tag_with_a_warning_or_off_season_never_goes_in_a_draft() -> None:
    tags = draft_tags(
        [
            suggestion("ESMO26", "conference", now=False),
            suggestion("EGFR", "condition", warning="also used for eGFR"),
            suggestion("WCLC26", "conference", now=True),
        ]
    )
    assert tags == ["WCLC26"]


def test_only_as_many_tags_as_fit_are_added() -> None:
    base = "x" * 269
    text, added = fit_hashtags(base, ["LungCancer", "LCSM", "LCAM"], X)
    assert added == ("LCSM",)  # #LungCancer would make 281; #LCSM fits, then #LCAM would not
    assert text == base + " #LCSM" and x_length(text) == 275
    assert fit_hashtags("x" * 268, ["LungCancer"], X)[1] == ("LungCancer",)  # exactly 280


def test_a_tag_already_in_the_text_is_not_repeated() -> None:
    text, added = fit_hashtags("Join the #lcsm chat", ["LCSM", "LungCancer"], MASTODON)
    assert added == ("LungCancer",) and text == "Join the #lcsm chat #LungCancer"


def test_without_permission_no_hashtag_is_added_and_the_team_is_told() -> None:
    drafts, notes = compose_message(message(hashtags=False), ["LCSM", "LungCancer"], TODAY)
    assert all(d.text == f"{TEXT} {URL}" and d.hashtags == () for d in drafts)
    assert any("does not allow adding hashtags" in n for n in notes)


@pytest.mark.parametrize(
    ("text", "appended"),
    [
        (f"Lung study: {URL}2 is another study's page.", True),  # …/lung-012, not …/lung-01
        (f"Lung study: {URL}/faq has answers.", True),
        (f"Lung study: {URL}?ref=x has answers.", True),
        (f"Lung study at {URL}.", False),  # the sentence's full stop ends the link
        (f"Lung study ({URL}) for adults.", False),
        (f"{URL} Adults with lung cancer.", False),
    ],
)
def test_the_approved_link_counts_only_as_a_whole_link_and_every_draft_carries_it(
    text: str, appended: bool
) -> None:
    drafts, _ = compose_message(message(text), ["LCSM"], TODAY)
    assert len(drafts) == 3
    for draft in drafts:
        assert URL in extract_urls(draft.text), draft.text
        assert draft.text.startswith(text)
        assert draft.text.startswith(f"{text} {URL}") is appended


def test_a_text_too_long_for_a_network_is_said_so_not_cut() -> None:
    long_text = "Adults with lung cancer may join a research study. " * 6  # 306 characters
    drafts, _ = compose_message(message(long_text.strip()), ["LCSM"], TODAY)
    by_network = {d.platform: d for d in drafts}
    for network in ("x", "bluesky"):
        draft = by_network[network]
        assert not draft.fits and draft.text == f"{long_text.strip()} {URL}"
        assert draft.hashtags == ()
        assert draft.warnings[0].startswith(f"Too long for {'X' if network == 'x' else 'Bluesky'}")
    assert by_network["mastodon"].fits and by_network["mastodon"].hashtags == ("LCSM",)


def test_an_approval_is_composed_through_its_expiry_day_and_never_after() -> None:
    yesterday = TODAY - timedelta(days=1)
    drafts, notes = compose_message(message(expires=yesterday), ["LCSM"], TODAY)
    assert drafts == [] and "its approval's last day was 2026-11-26" in notes[0]
    drafts, notes = compose_message(message(expires=TODAY), ["LCSM"], TODAY)  # the last day
    assert len(drafts) == 3 and "the approval's last day is 2026-11-27 (today)" in notes[0]
    drafts, notes = compose_message(message(expires=date(2026, 12, 10)), ["LCSM"], TODAY)
    assert len(drafts) == 3 and "last day is 2026-12-10 (in 13 days)" in notes[0]


def test_the_form_says_what_to_fix_field_by_field() -> None:
    approval, errors = read_approval(
        study=" ",
        irb_ref="IRB-1",
        approved="2026-02-30",
        expires="2026-11-01",
        conditions=" ; ",
        text="",
        url="trials.example.org",
        hashtags="maybe",
        today=TODAY,
    )
    assert approval is None
    assert set(errors) == {"study", "approved", "expires", "conditions", "text", "url", "hashtags"}
    approval, errors = read_approval(
        study="LUNG-01",
        irb_ref="IRB-1",
        approved="2026-01-05",
        expires="2027-01-05",
        conditions="lung cancer; NSCLC; Lung Cancer",
        text=f"  {TEXT}\n",
        url=URL,
        hashtags="none",
        today=TODAY,
    )
    assert errors == {} and approval is not None
    assert approval.conditions == ("lung cancer", "NSCLC") and approval.text == TEXT
    assert approval.hashtags_allowed is False
