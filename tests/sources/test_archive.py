from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.sources.archive import ImportReport, import_archive
from bot.storage import Store
from tests.sources.source_standins import NOW
from tests.sources.standins_x import tweet, x_user


def page(*tweets: dict[str, object]) -> dict[str, object]:
    users = [x_user(int(str(t["author_id"])) - 100) for t in tweets]
    ids = [str(t["id"]) for t in tweets]
    return {
        "data": list(tweets),
        "includes": {"users": users},
        "meta": {"result_count": len(ids), "newest_id": max(ids), "oldest_id": min(ids)},
        "__twarc": {"url": "https://api.twitter.com/2/tweets/search/recent", "version": "2.14.0"},
    }


def twarc2_file(tmp_path: Path) -> Path:
    lines = [
        json.dumps(page(tweet(1, "#LCSM one", user=1), tweet(2, "#LCSM two", user=2))),
        '{"data": [{"id": "3", "text": "cut off',
        json.dumps(page(tweet(4, "#LungCancer four", user=1), tweet(5, "RT #LCSM", retweet=True))),
        json.dumps({"unexpected": True}),
        "",
        json.dumps(page(tweet(6, "#LCSM six", user=3))),
    ]
    path = tmp_path / "lcsm.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def save_into(store: Store):  # type: ignore[no-untyped-def]
    return lambda posts, authors: store.save_posts(posts, authors, now=NOW)


def test_a_broken_line_is_reported_by_number_and_the_rest_is_stored(
    store: Store, tmp_path: Path
) -> None:
    report = import_archive(twarc2_file(tmp_path), save_into(store))
    assert (report.new_posts, report.reposts, report.problem_count) == (4, 1, 2)
    assert [p.line for p in report.problems] == [2, 4]
    assert "not valid JSON" in report.problems[0].message
    assert store.counts()["posts"] == 4 and store.counts()["authors"] == 3
    summary = report.summary()
    assert "4 stored new" in summary and "line 2:" in summary and "1 retweet skipped" in summary


def test_importing_the_same_file_again_stores_nothing_new(store: Store, tmp_path: Path) -> None:
    path = twarc2_file(tmp_path)
    import_archive(path, save_into(store))
    again = import_archive(path, save_into(store))
    assert (again.new_posts, again.already_stored) == (0, 4)
    assert store.tag_activity(["lcsm"], NOW.date())["lcsm"].posts == 3  # aggregates not doubled


def test_plain_x_api_json_and_flattened_tweets_are_read_too(store: Store, tmp_path: Path) -> None:
    response = tmp_path / "response.json"
    response.write_text(json.dumps(page(tweet(7, "#LCSM seven")), indent=2), encoding="utf-8")
    flat = tmp_path / "flat.jsonl"
    flat.write_text(
        json.dumps({**tweet(8, "#LCSM eight"), "author": x_user(1)}) + "\n", encoding="utf-8"
    )
    assert import_archive(response, save_into(store)).new_posts == 1
    assert import_archive(flat, save_into(store)).new_posts == 1
    assert store.known_authors({"x:101"}) == {"x:101"}


def test_progress_is_reported_as_a_long_file_streams(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(0, 12_000, 100):
            out.write(
                json.dumps(page(*(tweet(n + i, f"#LCSM {n + i}", user=i % 9) for i in range(100))))
                + "\n"
            )
    seen: list[tuple[int, int, int]] = []

    def progress(report: ImportReport, done: int, total: int) -> None:
        seen.append((report.posts_read, done, total))

    report = import_archive(path, save_into(store), progress=progress, batch_posts=5000)
    assert report.new_posts == 12_000
    assert len(seen) >= 3 and seen[-1][1] == seen[-1][2] == path.stat().st_size
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)


def test_the_import_command_prints_what_was_stored(tmp_path: Path) -> None:
    path = twarc2_file(tmp_path)
    missing = tmp_path / "missing.jsonl"
    result = CliRunner().invoke(main, ["import", str(path), str(missing)])
    assert result.exit_code == 1  # one file could not be read at all
    assert "lcsm.jsonl: 5 posts read, 4 stored new" in result.output
    assert "line 2: not valid JSON" in result.output
    assert "missing.jsonl: can't read" in result.output
    again = CliRunner().invoke(main, ["import", str(path)])
    assert again.exit_code == 0 and "0 stored new, 4 already stored" in again.output
