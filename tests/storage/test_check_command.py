"""`hashtag-bot check [--repair]` and doctor's counts line: drift said in words, exit status an
operator can script on, and a repair after which answers read right again."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner, Result

from bot.cli import main
from bot.clock import utc_now
from bot.storage import Store
from tests.factories import post


def stored_posts() -> None:
    """Lung cancer posts from today and the days before, by three people."""
    now = utc_now()
    store = Store(Path(os.environ["HASHTAG_BOT_DB"]))
    try:
        store.save_posts(
            [post("#LCSM #LungCancer", at=now, by=n, likes=2, days_ago=n) for n in range(3)],
            [],
            now=now,
        )
    finally:
        store.close()


def corrupt(sql: str) -> None:
    store = Store(Path(os.environ["HASHTAG_BOT_DB"]))
    try:
        conn = store.conns.db().conn
        with conn:
            conn.execute(sql)
    finally:
        store.close()


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def counts_line(result: Result) -> str:
    return next(text for text in result.output.splitlines() if " counts " in f" {text} ")


def test_counts_that_add_up_pass(tmp_path: Path) -> None:
    stored_posts()
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Counts add up")
    assert counts_line(run("doctor")).startswith("ok")


def test_drift_is_reported_in_words_and_repair_mends_it(tmp_path: Path) -> None:
    stored_posts()
    corrupt(
        "UPDATE hashtag_daily SET engagement = engagement - 10"
    )  # refreshes lost, then a delete
    found = run("check")
    assert found.exit_code == 1, found.output
    assert "posts and engagement per tag and day: 6 rows differ" in found.output
    assert "engagement; recounted 1 post, 2 engagement" in found.output
    assert "#lcsm on " in found.output or "#lungcancer on " in found.output
    assert "hashtag-bot check --repair" in found.output

    doctor = counts_line(run("doctor"))
    assert doctor.startswith("FAIL") and "differ from a recount" in doctor
    assert "fix: run `hashtag-bot check --repair`" in run("doctor").output

    repaired = run("check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "now rewritten from the recount" in repaired.output
    again = run("check")
    assert again.exit_code == 0 and again.output.startswith("Counts add up")
    answer = run("suggest", "lung", "cancer", "--json")
    assert answer.exit_code == 0 and '"engagement": 6' in answer.output


def test_a_person_missing_from_a_tag_is_named(tmp_path: Path) -> None:
    stored_posts()
    corrupt("DELETE FROM hashtag_authors WHERE author_id = 'x:u1'")
    found = run("check")
    assert found.exit_code == 1
    assert "people per tag (posts and last day): 2 rows differ" in found.output
    assert "by x:u1: stored nothing; recounted last day" in found.output
