"""`hashtag-bot messages`, `compose` and `available`: what a person types and reads."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.sources.standins_mastodon import MastodonStandIn, status

TEXT = "Adults with lung cancer may be eligible for a study of an investigational medicine."
URL = "https://trials.example.org/lung-01"
EXPIRES = (date.today() + timedelta(days=365)).isoformat()


def add(*extra: str, text: str = TEXT) -> list[str]:
    return [
        "messages", "add", "--study", "LUNG-01", "--irb", "IRB-2026-114",
        "--approved", "2026-01-05", "--expires", EXPIRES, "--condition", "lung cancer",
        "--url", URL, "--hashtags", "allowed", "--text", text, *extra,
    ]  # fmt: skip


def test_add_prints_the_id_and_the_wording_warnings() -> None:
    plain = CliRunner().invoke(main, add())
    assert plain.exit_code == 0, plain.output
    assert plain.output == "Message 1, version 1 (saved): LUNG-01\n"
    warned = CliRunner().invoke(main, add(text="Free treatment with a new drug!"))
    assert warned.output.startswith("Message 2, version 1 (saved)")
    assert "warning: “Free treatment”" in warned.output and "warning: “new drug”" in warned.output


def test_a_form_that_makes_no_approval_says_what_to_fix() -> None:
    result = CliRunner().invoke(main, [*add()[:-2], "--text", " ", "--url", "ftp://x"])
    assert result.exit_code == 2
    assert "--text: Paste the approved text" in result.output
    assert "--url: Give the approved study link" in result.output


def test_list_json_and_versions() -> None:
    CliRunner().invoke(main, add())
    CliRunner().invoke(main, add("--edit", "1", "--by", "dana", text=TEXT + " Ask us."))
    listed = json.loads(CliRunner().invoke(main, ["messages", "list", "--json"]).output)
    [message] = listed["messages"]
    assert message["id"] == 1 and message["version"] == 2 and message["changed_by"] == "dana"
    assert message["status"] == "active" and message["hashtags"] == "allowed"
    assert message["warnings"] == []
    versions = json.loads(
        CliRunner().invoke(main, ["messages", "list", "--json", "--versions", "1"]).output
    )
    assert [m["text"] for m in versions["messages"]] == [TEXT, TEXT + " Ask us."]


def test_compose_json_has_the_documented_shape() -> None:
    CliRunner().invoke(main, add())
    result = CliRunner().invoke(
        main,
        ["compose", "lung", "cancer", "--as-of", "2026-11-27", "--json"],
        env={"HASHTAG_BOT_REGION": "US"},  # a US team: November's awareness month is theirs
    )
    composed = json.loads(result.output)
    assert set(composed) == {"topic", "condition", "drafts", "notes"}
    assert composed["topic"] == "lung cancer" and composed["condition"]["name"] == "Lung cancer"
    assert [d["platform"] for d in composed["drafts"]] == ["x", "bluesky", "mastodon"]
    for draft in composed["drafts"]:
        assert set(draft) == {
            "message_id", "study", "platform", "text", "length", "limit", "hashtags", "warnings"
        }  # fmt: skip
        assert draft["text"].startswith(f"{TEXT} {URL}") and draft["length"] <= draft["limit"]
    assert composed["drafts"][0]["hashtags"] == ["LCSM", "LungCancer", "LCAM"]


def test_available_json_from_a_loopback_mastodon(monkeypatch: pytest.MonkeyPatch) -> None:
    with MastodonStandIn([status(5, "Walk #LungStudy26 #LCSM", acct="ana")]) as mastodon:
        monkeypatch.setenv("MASTODON_INSTANCES", mastodon.url)
        monkeypatch.setenv("BLUESKY_APPVIEW_URL", "http://127.0.0.1:9")  # nothing listens
        result = CliRunner().invoke(main, ["available", "#LungStudy26", "--json"])
    report = json.loads(result.output)
    assert set(report) == {
        "tag", "in_use", "verdict", "stored", "live", "collisions", "readability"
    }  # fmt: skip
    assert report["tag"] == "LungStudy26" and report["in_use"] is True
    bluesky, masto = report["live"]
    assert bluesky["error"].startswith("Bluesky search did not answer")
    assert masto["posts"] == 1 and masto["with_tags"] == ["LCSM"]


def test_a_draft_carries_the_approved_link_even_beside_a_longer_one() -> None:
    other = "https://trials.example.org/lung-012"
    text = f"Adults with lung cancer: see {other} for the sister study."
    assert CliRunner().invoke(main, add(text=text)).exit_code == 0
    result = CliRunner().invoke(main, ["compose", "lung cancer", "--as-of", "2026-11-27", "--json"])
    drafts = json.loads(result.output)["drafts"]
    assert len(drafts) == 3
    for draft in drafts:
        assert draft["text"].startswith(f"{text} {URL}")  # …/lung-01 added: not a prefix match


def test_the_list_names_an_irb_reference_once() -> None:
    CliRunner().invoke(main, [*add()[:5], "IRB-77", *add()[6:]])
    CliRunner().invoke(main, [*add()[:5], "2026-114", *add()[6:]])
    listed = CliRunner().invoke(main, ["messages", "list"]).output
    assert "  IRB-77  " in listed and "  IRB 2026-114  " in listed and "IRB IRB" not in listed
