"""The answer's Block Kit stays inside Slack's limits however big the answer gets."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.activity import TagActivity
from bot.domain.audience import Audience
from bot.services.suggestions import MAX_LIMIT, Suggester
from bot.slack.blocks import (
    EXPLAIN_ACTION,
    MORE_ACTION,
    SHARE_ACTION,
    AnswerRef,
    answer,
    copy_line,
    escape,
    explanation,
)
from tests.factories import TODAY
from tests.slack.slack_messages import assert_valid_message, block_text, buttons

US_TEAM = Audience("US")


def test_the_largest_answer_with_huge_reasons_and_notes_fits_slacks_limits(
    suggester: Suggester,
) -> None:
    result = suggester.suggest("lung cancer", today=TODAY, limit=MAX_LIMIT, audience=US_TEAM)
    busy = TagActivity(
        "lcsm", posts=1204, authors=312, engagement=9000, posts_7d=300, posts_prev_7d=240
    )
    bloated = replace(
        result,
        query="q" * 5000,
        suggestions=tuple(
            replace(s, reasons=("r" * 5000, *s.reasons), activity=busy, relevance=0.92)
            for s in result.suggestions
        ),
        notes=tuple(f"note {n} " + "n" * 4000 for n in range(14)),
    )
    message = answer(bloated)
    assert_valid_message(message)
    shown = block_text(message)
    assert "#LCAM" in shown and "*Copy:*" in shown and "based on 0 posts" in shown
    assert "1,204 posts by 312 people, ↑25% week on week" in shown
    assert "on topic" not in shown and "of its posts are about" not in shown  # 92%: no warning
    assert len(buttons(message)[SHARE_ACTION]["value"]) <= 2000


def test_the_answer_shows_five_lines_and_the_rest_behind_show_more(suggester: Suggester) -> None:
    result = suggester.suggest("lung cancer", today=TODAY, limit=10)
    first = answer(result)
    lines = [
        b for b in first["blocks"] if b.get("accessory", {}).get("action_id") == EXPLAIN_ACTION
    ]
    assert len(lines) == 5
    assert buttons(first)[MORE_ACTION]["text"]["text"] == f"Show {len(result.suggestions) - 5} more"
    everything = answer(result, expanded=True)
    assert_valid_message(everything)
    shown = block_text(everything)
    assert all(f"#{s.tag}*" in shown for s in result.suggestions)
    assert MORE_ACTION not in buttons(everything)
    assert "Used in" not in shown  # figures once, in the line; full reasons wait for Explain


def test_a_tag_mostly_about_other_things_carries_its_warning_and_stays_off_the_copy_line(
    suggester: Suggester,
) -> None:
    result = suggester.suggest("lung cancer", today=TODAY, limit=10)
    noisy = TagActivity("lcsm", posts=500, authors=90, engagement=10, posts_7d=50, posts_prev_7d=50)
    first, *rest = result.suggestions
    drifted = replace(
        first, activity=noisy, relevance=0.2, warning="only 20% of its posts are about lung cancer"
    )
    message = answer(replace(result, suggestions=(drifted, *rest)))
    shown = block_text(message)
    assert ":warning: _only 20% of its posts are about lung cancer_" in shown
    assert f"#{first.tag} " not in copy_line(replace(result, suggestions=(drifted, *rest))) + " "


def test_explain_gives_one_tags_reasons(suggester: Suggester) -> None:
    result = suggester.suggest("lung cancer", today=TODAY)
    why = block_text(explanation(result, "lcsm"))
    assert "#LCSM" in why and "lcsmchat.com" in why and "•" in why
    gone = block_text(explanation(result, "NotATag"))
    assert "no longer among today's suggestions" in gone


def test_the_button_remembers_the_question_and_the_day(suggester: Suggester) -> None:
    message = answer(suggester.suggest("crohns", today=TODAY))
    ref = AnswerRef.decode(buttons(message)[SHARE_ACTION]["value"])
    assert ref == AnswerRef("crohns", TODAY)
    assert AnswerRef.decode('{"v": 1, "q": "x", "d": "not a day"}') is None
    assert AnswerRef.decode(None) is None


def test_text_that_looks_like_slack_markup_is_shown_not_obeyed() -> None:
    assert escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"
