"""Every count equals a recount: whatever the bot has been through (imports, refreshed metrics,
edits, deletions, opt-outs, compliance removals, retention), the figures answers read are what
the stored posts say plus what expired posts said, and answers never crash on them."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from itertools import count
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from bot.domain.knowledge import KnowledgeBase
from bot.domain.posts import Post
from bot.knowledge import load_knowledge
from bot.services.collection import SourceReport, apply_page
from bot.services.suggestions import Suggester
from bot.sources.base import Page
from bot.storage import Store
from bot.storage.migrations import migrations
from bot.storage.staging import stage
from tests.factories import NOW, TODAY, author, post

# Spellings of a few keys (LCSM/lcsm, LungCancer/lungcancer) and enough others that a post can
# carry more tags than are paired.
SPELLINGS = ["LCSM", "lcsm", "LungCancer", "lungcancer", "NSCLC", "WCLC26"] + [
    f"Tag{n}" for n in range(8)
]
AUTHORS = ["x:u1", "x:u2", "x:u3"]


@cache
def knowledge() -> KnowledgeBase:
    return load_knowledge()


@dataclass(frozen=True)
class Shape:
    """A post before it has an id: who, when, which tags (some only in the platform's list)."""

    by: int
    days_ago: int
    tags: tuple[str, ...]
    in_text: int  # how many of the tags the text says; the rest come from the platform only
    likes: int
    reposts: int


shapes = st.builds(
    Shape,
    by=st.integers(0, len(AUTHORS) - 1),
    days_ago=st.integers(0, 45),
    tags=st.lists(st.sampled_from(SPELLINGS), max_size=12).map(tuple),
    in_text=st.integers(0, 12),
    likes=st.integers(0, 50),
    reposts=st.integers(0, 5),
)
metrics = st.tuples(st.integers(0, 200), st.integers(0, 20))
operations = st.one_of(  # the commonest first: hypothesis leans towards the start
    st.tuples(st.just("refresh"), st.lists(st.integers(0, 30), min_size=1, max_size=4), metrics),
    st.tuples(st.just("collect"), st.lists(shapes, min_size=1, max_size=5)),
    st.tuples(st.just("import"), st.lists(shapes, min_size=1, max_size=5)),
    st.tuples(st.just("edit"), st.integers(0, 30), shapes),
    st.tuples(st.just("delete"), st.lists(st.integers(0, 30), min_size=1, max_size=3)),
    st.tuples(st.just("retention"), st.integers(3, 40)),
    st.tuples(st.just("compliance"), st.lists(st.integers(0, 30), min_size=1, max_size=3)),
    st.tuples(st.just("window"), st.integers(0, 3)),
    st.tuples(st.just("opt out"), st.integers(0, len(AUTHORS) - 1)),
    st.tuples(st.just("profile opts out"), st.integers(0, len(AUTHORS) - 1)),
)


class Run:
    """A fresh store and every post handed to it so far (stored or not), to pick from."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.posts: list[Post] = []
        self.ids = count(1)

    def make(self, shape: Shape) -> Post:
        said = shape.tags[: shape.in_text]
        post = Post(
            id=f"x:{next(self.ids)}",
            source="x",
            author_id=AUTHORS[shape.by],
            text=" ".join(["Scan day", *(f"#{t}" for t in said)]),
            created_at=NOW - timedelta(days=shape.days_ago, minutes=shape.by),
            hashtags=tuple(dict.fromkeys(shape.tags)),
            likes=shape.likes,
            reposts=shape.reposts,
        )
        self.posts.append(post)
        return post

    def pick(self, indexes: list[int]) -> list[Post]:
        return [self.posts[i % len(self.posts)] for i in indexes] if self.posts else []

    def apply(self, operation: tuple[Any, ...]) -> None:
        store, kind = self.store, operation[0]
        authors = [author(n + 1) for n in range(len(AUTHORS))]
        if kind == "collect":  # what a collection cycle does with a page
            posts = [self.make(s) for s in operation[1]]
            page = Page(posts=tuple(posts), authors=tuple(authors))
            apply_page(store, "x", page, now=NOW, report=SourceReport("x"))
        elif kind == "import":  # what `hashtag-bot import` does with each staged batch
            posts = [self.make(s) for s in operation[1]]
            store.save_staged(stage(posts, authors, NOW.isoformat()))
        elif kind == "refresh":  # read again with new likes and reposts
            _, indexes, (likes, reposts) = operation
            again = [replace(p, likes=likes, reposts=reposts) for p in self.pick(indexes)]
            store.save_posts(again, authors, now=NOW)
        elif kind == "edit":  # the edited version replaces the earlier one, as collection does
            _, index, shape = operation
            if not self.posts:
                return
            (earlier,) = self.pick([index])
            edited = self.make(replace(shape, by=AUTHORS.index(earlier.author_id)))
            page = Page(posts=(edited,), superseded=(earlier.id,))
            apply_page(store, "x", page, now=NOW, report=SourceReport("x"))
        elif kind in ("delete", "compliance"):  # at the source, or X's compliance answer
            gone = [p.id for p in self.pick(operation[1])]
            if kind == "delete":
                page = Page(deleted=(*gone, "x:never-stored"))
                apply_page(store, "x", page, now=NOW, report=SourceReport("x"))
            else:
                store.delete_posts(gone)
        elif kind == "opt out":
            store.forget_authors([(AUTHORS[operation[1]], "asked to be forgotten")], now=NOW)
        elif kind == "profile opts out":  # noticed in a batch: the account and its posts go
            n = operation[1]
            store.save_posts([], [author(n + 1, opted_out=True)], now=NOW)
        elif kind == "retention":
            store.expire_posts(before=NOW - timedelta(days=operation[1]))
        elif kind == "window":
            store.rebuild_cooccur_window(TODAY - timedelta(days=operation[1]))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(shapes, min_size=2, max_size=8), st.lists(operations, min_size=1, max_size=12))
def test_every_count_equals_a_recount_after_any_sequence(
    first: list[Shape], then: list[tuple[Any, ...]]
) -> None:
    sequence: list[tuple[Any, ...]] = [("collect", first), *then]
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "store.db")
        try:
            run = Run(store)
            for operation in sequence:
                run.apply(operation)
                drift = store.recount()
                assert drift == [], f"after {operation[0]}: {drift}"
            assert store.negative_counts() == {}
            suggester = Suggester(knowledge(), store)
            for today in (TODAY, TODAY - timedelta(days=2)):
                result = suggester.suggest("lung cancer", today=today)
                assert result.suggestions
                assert all(s.score >= 0 for s in result.suggestions)
        finally:
            store.close()


def test_drift_is_found_per_table_and_repair_makes_the_counts_right_again(store: Store) -> None:
    store.save_posts(
        [post("#LCSM #LungCancer", at=NOW, by=n, likes=n, days_ago=n) for n in range(4)],
        [],
        now=NOW,
    )
    store.rebuild_cooccur_window(TODAY)
    right = store.tag_activity(["lcsm"], TODAY)["lcsm"]
    conn = store.conns.db().conn
    with conn:  # what the old code did after refreshes and a deletion, and worse
        conn.execute("UPDATE hashtag_daily SET engagement = -7")
        conn.execute("DELETE FROM hashtag_authors WHERE author_id = 'x:u1'")
        conn.execute("UPDATE cooccur_window SET posts = 99")
    drift = {d.aggregate.name: d for d in store.recount()}
    assert set(drift) == {"daily", "authors", "author_days", "window"}
    assert drift["daily"].rows == 8  # two tags, four days
    tag_day, stored, recounted = drift["daily"].examples[0]
    assert tag_day["tag"] in ("lcsm", "lungcancer") and stored[1] == -7
    days_ago = (TODAY - date.fromisoformat(str(tag_day["day"]))).days
    assert recounted == (1, days_ago)  # one post a day, its likes its age in days
    assert store.negative_counts() == {"posts and engagement per tag and day": 8}

    assert all(d.repaired for d in store.recount(repair=True))
    assert store.recount() == []
    assert store.tag_activity(["lcsm"], TODAY)["lcsm"] == right
    assert store.cooccurring(["lcsm"], TODAY) == {"lungcancer": 4}


def test_a_bounded_check_looks_only_at_recent_days(store: Store) -> None:
    store.save_posts([post("#LCSM", at=NOW, days_ago=d) for d in (0, 20)], [], now=NOW)
    conn = store.conns.db().conn
    with conn:
        conn.execute("UPDATE hashtag_daily SET posts = 5")
    recent = store.recount(since=(TODAY - timedelta(days=7)).toordinal())
    assert [(d.aggregate.name, d.rows) for d in recent] == [("daily", 1)]
    assert store.recount()[0].rows == 2


def test_a_database_from_before_expired_shares_keeps_its_history_and_checks_clean(
    tmp_path: Path,
) -> None:
    path = tmp_path / "older.db"
    older = Database(path)
    migrations.apply(older, stop_before="0007_counts_a_recount_can_check")
    day = TODAY.toordinal()
    older.execute("INSERT INTO tags (id, key) VALUES (1, 'lcsm')")
    older.execute(  # one post stored; 30 days ago another one was, which retention dropped
        "INSERT INTO posts (id, source, author_id, text, created_at, day, likes, fetched_at)"
        " VALUES ('x:1', 'x', 'x:u1', '#LCSM', ?, ?, 3, ?)",
        [NOW.isoformat(), TODAY.isoformat(), NOW.isoformat()],
    )
    older.execute("INSERT INTO posts_fts (rowid, text) SELECT rowid, text FROM posts")
    older.execute("INSERT INTO post_hashtags VALUES ('x:1', 1)")
    older.execute("INSERT INTO hashtag_daily VALUES (1, ?, 1, 3), (1, ?, 1, 8)", [day, day - 29])
    older.execute("INSERT INTO hashtag_forms VALUES (1, 'LCSM', 2)")
    older.execute(
        "INSERT INTO hashtag_authors VALUES (1, 'x:u1', ?, 1), (1, 'x:u2', ?, 1)", [day, day - 29]
    )
    older.conn.commit()
    older.close()
    store = Store(path)
    try:
        assert store.recount() == []
        before = store.tag_activity(["lcsm"], TODAY)["lcsm"]
        assert (before.posts, before.authors, before.engagement) == (2, 2, 11)
        store.delete_posts(["x:1"])
        after = store.tag_activity(["lcsm"], TODAY)["lcsm"]
        assert (after.posts, after.authors, after.engagement) == (1, 1, 8)
        assert store.recount() == []
    finally:
        store.close()
