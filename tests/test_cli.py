from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.storage import Store
from tests.factories import NOW


def test_suggest_prints_ranked_hashtags_with_reasons() -> None:
    result = CliRunner().invoke(main, ["suggest", "lung", "cancer", "--as-of", "2026-11-27"])
    assert result.exit_code == 0
    assert "Hashtags for Lung cancer" in result.output
    assert "#LCSM" in result.output and "happening now" in result.output
    assert "Copy: #" in result.output


def test_suggest_json_has_the_documented_shape() -> None:
    result = CliRunner().invoke(
        main, ["suggest", "lung cancer", "--json", "--limit", "5", "--as-of", "2026-11-27"]
    )
    assert result.exit_code == 0
    answer = json.loads(result.output)
    assert answer["query"] == "lung cancer"
    assert set(answer["condition"]) == {"id", "name", "matched"}
    assert len(answer["suggestions"]) == 5
    for suggestion in answer["suggestions"]:
        assert not suggestion["tag"].startswith("#")
        assert suggestion["kind"] in {
            "community",
            "condition",
            "awareness",
            "conference",
            "research",
            "treatment",
            "general",
        }
        assert isinstance(suggestion["score"], float) and suggestion["reasons"]
        assert suggestion["window"] is None or set(suggestion["window"]) == {"start", "end"}


def test_a_bad_date_or_limit_is_explained() -> None:
    bad_date = CliRunner().invoke(main, ["suggest", "lupus", "--as-of", "27/11/2026"])
    assert bad_date.exit_code == 2 and "is not a date like 2026-11-27" in bad_date.output
    bad_limit = CliRunner().invoke(main, ["suggest", "lupus", "--limit", "0"])
    assert bad_limit.exit_code == 2 and "--limit" in bad_limit.output


def test_a_broken_setting_ends_with_what_to_fix_not_a_traceback() -> None:
    result = CliRunner().invoke(main, ["suggest", "lupus"], env={"RETENTION_DAYS": "soon"})
    assert result.exit_code == 2
    assert "RETENTION_DAYS must be a whole number" in result.output
    assert "Traceback" not in result.output


def test_an_unusable_database_path_is_explained(tmp_path) -> None:
    result = CliRunner().invoke(
        main, ["suggest", "lupus"], env={"HASHTAG_BOT_DB": str(tmp_path / "no" / "x.db")}
    )
    assert result.exit_code == 2 and "does not exist" in result.output


def test_empty_text_gets_usage_not_an_error() -> None:
    result = CliRunner().invoke(main, ["suggest", ""])
    assert result.exit_code == 0 and "Type a condition" in result.output


def test_import_leaves_answers_reading_the_new_posts(tmp_path) -> None:
    from datetime import UTC, datetime

    today = datetime.now(UTC).strftime("%Y-%m-%dT10:00:00.000Z")
    tweets = [
        {"id": str(100 + n), "text": f"chat #LCSM #LungCancerSurvivor {n}", "author_id": str(n),
         "created_at": today,
         "entities": {"hashtags": [{"start": 5, "end": 10, "tag": "LCSM"},
                                   {"start": 11, "end": 30, "tag": "LungCancerSurvivor"}]}}
        for n in range(5)
    ]  # fmt: skip
    archive = tmp_path / "page.json"
    archive.write_text(json.dumps({"data": tweets, "meta": {"result_count": 5}}))
    imported = CliRunner().invoke(main, ["import", str(archive)])
    assert imported.exit_code == 0 and "5 stored new" in imported.output
    answer = CliRunner().invoke(main, ["suggest", "lung cancer", "--json", "--limit", "25"])
    tags = {s["tag"]: s for s in json.loads(answer.output)["suggestions"]}
    assert tags["LungCancerSurvivor"]["stats"]["posts"] == 5


def test_dates_outside_what_the_bot_can_reason_about_are_usage_errors() -> None:
    runner = CliRunner()
    for args in (
        ["suggest", "lung cancer", "--as-of", "9999-12-31"],
        ["suggest", "lung cancer", "--as-of", "1999-12-31"],
        ["digest", "--topic", "lung cancer", "--as-of", "0001-01-01"],
        ["suggest", "lung cancer", "--as-of", "2026-02-30"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output and "--as-of" in result.output


def test_backup_copies_the_database_while_it_is_in_use(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    store = Store(db)
    store.track("C1", "lung cancer", condition_id=None, created_by="U1", now=NOW)
    stop = threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            store.track("C1", f"topic {n}", condition_id=None, created_by="U1", now=NOW)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        target = tmp_path / "copy.db"
        result = CliRunner().invoke(main, ["backup", str(target)], env={"HASHTAG_BOT_DB": str(db)})
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0 and "Backed up" in result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT COUNT(*) FROM topics").fetchone()[0] > 0
    copy.close()
    onto_itself = CliRunner().invoke(main, ["backup", str(db)], env={"HASHTAG_BOT_DB": str(db)})
    assert onto_itself.exit_code == 2 and "another file" in onto_itself.output
    store.close()
