"""The answer's Block Kit stays inside Slack's limits however big the answer gets."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.activity import TagActivity
from bot.services.suggestions import MAX_LIMIT, Suggester
from bot.slack.blocks import SHARE_ACTION, AnswerRef, answer, escape
from tests.factories import TODAY
from tests.slack.slack_messages import assert_valid_message, block_text, buttons


def test_the_largest_answer_with_huge_reasons_and_notes_fits_slacks_limits(
    suggester: Suggester,
) -> None:
    result = suggester.suggest("lung cancer", today=TODAY, limit=MAX_LIMIT)
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
    assert "1,204 posts · 312 people · ↑25% week on week · 92% on topic" in block_text(message)
    assert len(buttons(message)[SHARE_ACTION]["value"]) <= 2000


def test_the_button_remembers_the_question_and_the_day(suggester: Suggester) -> None:
    message = answer(suggester.suggest("crohns", today=TODAY))
    ref = AnswerRef.decode(buttons(message)[SHARE_ACTION]["value"])
    assert ref == AnswerRef("crohns", TODAY)
    assert AnswerRef.decode('{"v": 1, "q": "x", "d": "not a day"}') is None
    assert AnswerRef.decode(None) is None


def test_text_that_looks_like_slack_markup_is_shown_not_obeyed() -> None:
    assert escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"
