from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.services import archive_import as importer
from bot.services.archive_import import ImportReport, import_archive
from bot.sources.x_payload import decode_page, read_page
from bot.storage import Store
from tests.sources.source_standins import FIRST_ID, LIVE_NOW
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


def test_a_broken_line_is_reported_by_number_and_the_rest_is_stored(
    store: Store, tmp_path: Path
) -> None:
    report = import_archive(store, twarc2_file(tmp_path), now=LIVE_NOW)
    assert (report.new_posts, report.reposts, report.bad_lines) == (4, 1, 2)
    assert [p.line for p in report.problems] == [2, 4]
    assert "not valid JSON" in report.problems[0].message
    assert store.counts()["posts"] == 4 and store.counts()["authors"] == report.new_authors == 3
    summary = report.summary()
    assert "4 stored new" in summary and "line 2:" in summary and "1 retweet skipped" in summary
    assert "2 unreadable lines skipped" in summary and not report.complete


def test_importing_the_same_file_again_stores_nothing_new(store: Store, tmp_path: Path) -> None:
    path = twarc2_file(tmp_path)
    import_archive(store, path)
    again = import_archive(store, path)
    assert (again.new_posts, again.already_stored, again.new_authors) == (0, 4, 0)
    assert (
        store.tag_activity(["lcsm"], LIVE_NOW.date())["lcsm"].posts == 3
    )  # aggregates not doubled


def test_plain_x_api_json_and_flattened_tweets_are_read_too(store: Store, tmp_path: Path) -> None:
    response = tmp_path / "response.json"
    response.write_text(json.dumps(page(tweet(7, "#LCSM seven")), indent=2), encoding="utf-8")
    flat = tmp_path / "flat.jsonl"
    flat.write_text(
        json.dumps({**tweet(8, "#LCSM eight"), "author": x_user(1)}) + "\n", encoding="utf-8"
    )
    assert import_archive(store, response).new_posts == 1
    assert import_archive(store, flat).new_posts == 1
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

    report = import_archive(store, path, progress=progress, batch_posts=5000)
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
    assert again.exit_code == 1  # its broken lines are still skipped
    assert "0 stored new, 4 already stored" in again.output


def _mixed_pages() -> list[dict[str, object]]:
    """Pages as X writes them, and the odd shapes archives hold."""
    reply = tweet(12, "#LCSM reply @someone", user=2)
    reply["referenced_tweets"] = [{"type": "replied_to", "id": "11"}, {"type": "quoted", "id": "9"}]
    reply["entities"] = {**reply["entities"], "mentions": [{"username": "someone"}]}
    no_entities = tweet(13, "no entities here #LungCancer #lcsm", user=3)
    no_entities.pop("entities", None)
    null_metrics = tweet(14, "#LCSM metrics are null", user=1)
    null_metrics["public_metrics"] = None
    numeric_id = tweet(15, "#LCSM an id written as a number", user=1)
    numeric_id["id"] = 1850000000000000015
    no_username = page(tweet(16, "#LCSM from someone unnamed", user=4))
    no_username["includes"]["users"][0].pop("username")  # type: ignore[index]
    return [
        page(tweet(10, "#LCSM #LungCancer #lcsm first", user=1), reply),
        page(no_entities, tweet(17, "RT #LCSM", retweet=True)),
        page(null_metrics),
        page(numeric_id),
        no_username,
        {"meta": {"result_count": 0}},
    ]


def test_the_fast_reader_reads_every_page_as_the_tolerant_one_does() -> None:
    fast_hits = 0
    for one in _mixed_pages():
        raw = json.dumps(one).encode()
        fast = decode_page(raw)
        tolerant = read_page(json.loads(raw))
        if fast is not None:
            fast_hits += 1
            assert fast == tolerant
    assert fast_hits >= 4  # the well-formed pages do take the fast path
    first = decode_page(json.dumps(_mixed_pages()[0]).encode())
    assert first is not None
    reply = first.posts[1]
    assert (reply.reply_to, reply.quote_of, reply.mentions) == ("x:11", "x:9", ("someone",))
    assert (reply.likes, reply.reposts, reply.replies, reply.quotes) == (12 % 7, 1, 2, 0)
    assert reply.url == f"https://x.com/person2/status/{FIRST_ID + 12}"


def _numbered_archive(tmp_path: Path, pages: int = 40) -> Path:
    path = tmp_path / "many.jsonl"
    lines = []
    for n in range(pages):
        tweets = [
            tweet(n * 50 + i, f"#LCSM #Topic{i % 7} post {n * 50 + i}", user=(n + i) % 30)
            for i in range(50)
        ]
        lines.append(json.dumps(page(*tweets)))
    lines[17] = '{"data": [{"id": "broken'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzipped"])
def test_readers_in_other_processes_store_what_one_reader_stores(
    tmp_path: Path, packed: bool
) -> None:
    path = _numbered_archive(tmp_path)
    if packed:
        path = path.with_suffix(".jsonl.gz")
        path.write_bytes(gzip.compress((tmp_path / "many.jsonl").read_bytes()))
    alone, shared = Store(tmp_path / "alone.db"), Store(tmp_path / "shared.db")
    try:
        one = import_archive(alone, path, now=LIVE_NOW, batch_posts=300, readers=0)
        two = import_archive(shared, path, now=LIVE_NOW, batch_posts=300, readers=2)
        assert one.new_posts == two.new_posts == 39 * 50
        assert [p.line for p in two.problems] == [p.line for p in one.problems] == [18]
        assert shared.counts() == alone.counts()
        tags = ["lcsm", *(f"topic{i}" for i in range(7))]
        assert shared.tag_activity(tags, LIVE_NOW.date()) == alone.tag_activity(
            tags, LIVE_NOW.date()
        )
        assert shared.cooccurring(["lcsm"], LIVE_NOW.date()) == alone.cooccurring(
            ["lcsm"], LIVE_NOW.date()
        )
    finally:
        alone.close()
        shared.close()


def test_a_reader_failing_part_way_keeps_what_was_stored_and_a_rerun_finishes(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _numbered_archive(tmp_path)
    real_stage = importer.stage

    def failing_stage(posts, authors, fetched_at, **options):
        if any(p.id.endswith(str(FIRST_ID + 1000)) for p in posts):
            raise MemoryError("out of memory")
        return real_stage(posts, authors, fetched_at, **options)

    monkeypatch.setattr(importer, "stage", failing_stage)  # forked readers inherit it
    first = import_archive(store, path, now=LIVE_NOW, batch_posts=300, readers=2)
    assert "can't read it" in first.error and "out of memory" in first.error
    assert 0 < first.new_posts < 39 * 50 and store.counts()["posts"] == first.new_posts
    monkeypatch.setattr(importer, "stage", real_stage)
    second = import_archive(store, path, now=LIVE_NOW, batch_posts=300, readers=2)
    assert second.error == ""
    assert second.new_posts == 39 * 50 - first.new_posts
    assert store.tag_activity(["lcsm"], LIVE_NOW.date())["lcsm"].posts == 39 * 50


def test_ctrl_c_part_way_keeps_what_was_stored_and_says_how_to_finish(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _numbered_archive(tmp_path)
    real_save, calls = store.save_staged, []

    def interrupted(image: bytes):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_save(image)

    monkeypatch.setattr(store, "save_staged", interrupted)
    report = import_archive(store, path, now=LIVE_NOW, batch_posts=300, readers=2)
    assert report.interrupted and 0 < report.new_posts == store.counts()["posts"]
    assert "import the file again to finish" in report.summary()
    monkeypatch.setattr(store, "save_staged", real_save)
    assert (
        import_archive(store, path, now=LIVE_NOW, readers=0).new_posts == 39 * 50 - report.new_posts
    )


def test_a_misleading_first_line_still_stores_in_batches_of_bounded_size(
    store: Store, tmp_path: Path
) -> None:
    bulky = page(tweet(1, "#LCSM the first line", user=1))
    bulky["includes"]["users"] = [x_user(n, "about me " * 300) for n in range(40)]  # type: ignore[index]
    lines = [json.dumps(bulky)] + [
        json.dumps(page(*(tweet(n * 50 + i, f"#LCSM {n}", user=i % 9) for i in range(50))))
        for n in range(1, 61)
    ]
    path = tmp_path / "bulky.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sizes: list[int] = []

    def progress(report: ImportReport, done: int, total: int) -> None:
        sizes.append(report.posts_read - sum(sizes))

    report = import_archive(
        store, path, now=LIVE_NOW, batch_posts=300, readers=2, progress=progress
    )
    assert report.new_posts == 1 + 60 * 50 == store.counts()["posts"]
    assert report.new_authors == store.counts()["authors"]  # each counted once across batches
    assert max(sizes) <= 300 + 50 and len(sizes) >= 10  # one line past the limit at most


def _edited(n: int, text: str, history: list[int]) -> dict[str, object]:
    version = tweet(n, text, user=1)
    version["edit_history_tweet_ids"] = [str(FIRST_ID + h) for h in history]
    return version


@pytest.mark.parametrize("order", ["earlier first", "edit first"])
def test_an_edit_in_an_archive_replaces_the_earlier_version_whichever_comes_first(
    store: Store, tmp_path: Path, order: str
) -> None:
    earlier = page(_edited(1, "#LCSM #typo first version", [1]))
    edit = page(_edited(2, "#LCSM fixed version", [1, 2]))
    filler = [
        page(*(tweet(100 + n * 50 + i, "#LCSM", user=i) for i in range(50))) for n in range(40)
    ]
    if order == "earlier first":
        lines = [earlier, *filler, edit]
    else:  # the earlier version after it, again and again: in every block, so in both readers
        lines = [edit]
        for n, line in enumerate(filler):
            lines += [line, earlier] if n % 3 == 0 else [line]
    path = tmp_path / "edited.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    report = import_archive(store, path, now=LIVE_NOW, batch_posts=300, readers=2)
    ids = set(store.platform_ids("x", "posts"))
    assert str(FIRST_ID + 2) in ids and str(FIRST_ID + 1) not in ids
    assert report.replaced >= 1 and "of edited posts replaced" in report.summary()
    typo = store.tag_activity(["typo"], LIVE_NOW.date()).get("typo")
    assert typo is None or typo.posts == 0  # its tags went with it
    assert store.tag_activity(["lcsm"], LIVE_NOW.date())["lcsm"].posts == 1 + 40 * 50


def test_an_edit_replaces_a_version_collected_or_imported_before(
    store: Store, tmp_path: Path
) -> None:
    first = tmp_path / "monday.jsonl"
    first.write_text(json.dumps(page(_edited(1, "#LCSM first version", [1]))) + "\n")
    second = tmp_path / "tuesday.jsonl"
    second.write_text(json.dumps(page(_edited(2, "#LCSM the edit", [1, 2]))) + "\n")
    import_archive(store, first, now=LIVE_NOW)
    report = import_archive(store, second, now=LIVE_NOW)
    assert report.replaced == 1
    assert set(store.platform_ids("x", "posts")) == {str(FIRST_ID + 2)}
