"""Archives people hand the bot: broken lines, wrongly typed fields, files that are not archives.
Whatever is wrong costs that line or that post only, is reported with its line number, and the
exit status says whether every line was read."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.sources.x_checks import MAX_POST_CHARS
from bot.storage import Store
from tests.sources.source_standins import FIRST_ID
from tests.sources.standins_x import tweet, x_user


def page(*tweets: dict[str, object], users: list[dict[str, object]] | None = None) -> str:
    if users is None:
        users = [x_user(int(str(t["author_id"])) - 100) for t in tweets if "author_id" in t]
    return json.dumps({"data": list(tweets), "includes": {"users": users}, "meta": {}})


def run_import(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, ["import", *args], input=stdin)


def stored(tmp_path: Path) -> set[int]:
    """The stored posts, by their number in the stand-in (tweet(n, ...))."""
    store = Store(tmp_path / "hashtag-bot.db")
    try:
        return {int(i) - FIRST_ID for i in store.platform_ids("x", "posts")}
    finally:
        store.close()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_broken_first_or_last_line_costs_that_line_only(tmp_path: Path, where: str) -> None:
    good = [page(tweet(n, f"#LCSM post {n}", user=n)) for n in range(1, 5)]
    broken = '{"data": [{"id": "99", "text": "cut off'
    lines = [broken, *good] if where == "first" else [*good, broken]
    path = tmp_path / "lcsm.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")  # no newline after the last line
    result = run_import(str(path))
    assert result.exit_code == 1
    assert "4 stored new" in result.output and "1 unreadable line skipped" in result.output
    assert f"line {1 if where == 'first' else 5}: not valid JSON" in result.output
    assert stored(tmp_path) == {1, 2, 3, 4}


def test_a_wrongly_typed_field_costs_that_post_only_and_says_what_was_wrong(
    tmp_path: Path,
) -> None:
    negative = tweet(2, "#LCSM negative likes")
    negative["public_metrics"]["like_count"] = -4
    listed = tweet(3, "#LCSM an id that is a list")
    listed["id"] = ["1", "2"]
    floated = tweet(4, "#LCSM an id that is a float")
    floated["id"] = 1.85e18
    authorless = tweet(5, "#LCSM nobody wrote this")
    del authorless["author_id"]
    numbered = tweet(6, "#LCSM a number as a hashtag")
    numbered["entities"]["hashtags"].append({"start": 0, "end": 3, "tag": 42})
    endless = tweet(7, "#LCSM " + "a" * MAX_POST_CHARS)
    undated = tweet(8, "#LCSM when?")
    undated["created_at"] = "yesterday"
    unknown_author = tweet(9, "#LCSM by someone the page doesn't describe", user=77)
    path = write_lines(
        tmp_path / "typed.jsonl",
        [
            page(tweet(1, "#LCSM fine")),
            page(tweet(10, "#LCSM fine too"), negative, listed, floated, authorless),
            page(numbered, endless, undated, tweet(11, "#LCSM also fine")),
            page(unknown_author, users=[]),
        ],
    )
    result = run_import(str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "7 invalid posts skipped" in result.output
    for expected in (
        f"line 2: post {FIRST_ID + 2}: like_count is -4, not a count",
        "line 2: a post whose id is a list, not a digit string",
        "line 2: a post whose id is 1.85e+18, not a digit string",
        f"line 2: post {FIRST_ID + 5}: no author_id",
        f"line 3: post {FIRST_ID + 6}: hashtag 42 is not text",
        f"line 3: post {FIRST_ID + 7}: text is {MAX_POST_CHARS + 6:,} characters, longer than"
        f" X's longest post ({MAX_POST_CHARS:,})",
        f'line 3: post {FIRST_ID + 8}: created_at is "yesterday", not a time',
    ):
        assert expected in result.output
    assert stored(tmp_path) == {1, 9, 10, 11}  # the rest of each page is kept


def test_a_broken_profile_costs_the_profile_and_keeps_the_posts(tmp_path: Path) -> None:
    person = x_user(1)
    person["public_metrics"]["followers_count"] = "lots"
    path = write_lines(tmp_path / "profiles.jsonl", [page(tweet(1, "#LCSM hi"), users=[person])])
    result = run_import(str(path))
    assert result.exit_code == 1
    assert 'line 1: user 101: followers_count is "lots", not a count' in result.output
    assert "1 invalid profile skipped" in result.output
    assert stored(tmp_path) == {1}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.jsonl", b""),
        ("blank.jsonl", b"\n  \n\n"),
        ("photo.jsonl", bytes(range(256)) * 64),
        ("notes.txt", b"these are my notes\nnot JSON at all\n"),
        ("package.json", b'{"name": "left-pad", "version": "1.3.0"}\n'),
        ("cut.json", b'{\n  "data": [\n    {"id": "1", "text": "cut'),
    ],
)
def test_files_that_are_not_x_archives_are_reported_and_fail(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run_import(str(path))
    assert result.exit_code == 1
    assert f"no posts found: {path} is not an X archive" in result.output
    assert "Traceback" not in result.output


def test_a_file_with_every_line_good_exits_0(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "good.jsonl", [page(tweet(n, "#LCSM hi")) for n in range(3)])
    result = run_import(str(path))
    assert result.exit_code == 0, result.output
    assert "3 stored new" in result.output and "skipped" not in result.output


def test_only_the_first_few_problems_are_listed_with_how_many_more(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "noisy.jsonl", [page(tweet(1, "#LCSM ok"))] + ["oops"] * 30)
    result = run_import(str(path))
    assert result.exit_code == 1
    assert "30 unreadable lines skipped" in result.output
    assert "line 2: not valid JSON" in result.output and "line 11: not valid JSON" in result.output
    assert "line 12:" not in result.output and "… and 20 more" in result.output


def test_gzipped_archives_and_stdin_are_read(tmp_path: Path) -> None:
    lines = [page(tweet(n, "#LCSM hi")) for n in range(1, 4)]
    packed = tmp_path / "lcsm.jsonl.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    result = run_import(str(packed))
    assert result.exit_code == 0, result.output
    assert "3 stored new" in result.output
    more = [page(tweet(n, "#LCSM more")) for n in range(4, 6)]
    piped = run_import("-", stdin=("\n".join(more) + "\n").encode())
    assert piped.exit_code == 0, piped.output
    assert "stdin: 2 posts read, 2 stored new" in piped.output
    zipped = run_import("-", stdin=gzip.compress((page(tweet(6, "#LCSM gz")) + "\n").encode()))
    assert zipped.exit_code == 0 and "stdin: 1 posts read, 1 stored new" in zipped.output
    assert stored(tmp_path) == {1, 2, 3, 4, 5, 6}


def test_a_gzipped_archive_cut_off_keeps_what_came_before(tmp_path: Path) -> None:
    lines = [page(tweet(n, f"#LCSM post {n} " + os.urandom(300).hex())) for n in range(1, 41)]
    whole = gzip.compress(("\n".join(lines) + "\n").encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) * 3 // 4])
    result = run_import(str(cut))
    assert result.exit_code == 1
    assert "can't be read from here on: the file ends part-way" in result.output
    kept = stored(tmp_path)
    assert 10 < len(kept) < 40 and kept == set(range(1, len(kept) + 1))


def test_a_pretty_printed_x_api_response_is_read_as_one_document(tmp_path: Path) -> None:
    response = json.loads(page(tweet(1, "#LCSM one"), tweet(2, "#LCSM two")))
    path = tmp_path / "response.json"
    path.write_text(json.dumps(response, indent=2), encoding="utf-8")
    result = run_import(str(path))
    assert result.exit_code == 0, result.output
    assert "2 stored new" in result.output
