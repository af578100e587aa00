"""Whatever value a field of an archive holds, the import goes on: the lines around it are
stored, and the line is either read whole or named in a problem."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sources.archive import read_archive
from bot.storage.staging import stage
from tests.sources.source_standins import FIRST_ID
from tests.sources.standins_x import tweet, x_user

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

# Where a value can be wrong: (the page's part, the keys down to the field).
FIELDS = [
    ("data", ()),
    ("tweet", ("id",)),
    ("tweet", ("text",)),
    ("tweet", ("created_at",)),
    ("tweet", ("author_id",)),
    ("tweet", ("conversation_id",)),
    ("tweet", ("lang",)),
    ("tweet", ("public_metrics",)),
    ("tweet", ("public_metrics", "like_count")),
    ("tweet", ("entities",)),
    ("tweet", ("entities", "hashtags")),
    ("tweet", ("entities", "hashtags", 0)),
    ("tweet", ("entities", "hashtags", 0, "tag")),
    ("tweet", ("entities", "mentions")),
    ("tweet", ("referenced_tweets",)),
    ("tweet", ("edit_history_tweet_ids",)),
    ("user", ()),
    ("user", ("id",)),
    ("user", ("username",)),
    ("user", ("description",)),
    ("user", ("created_at",)),
    ("user", ("verified",)),
    ("user", ("public_metrics", "followers_count")),
    ("includes", ()),
]


def _page(n: int) -> dict[str, Any]:
    posted = tweet(n, f"#LCSM #LungCancer post {n} @someone", user=1)
    posted["entities"]["mentions"] = [{"username": "someone"}]
    return {"data": [posted], "includes": {"users": [x_user(1)]}, "meta": {"result_count": 1}}


def _set(page: dict[str, Any], part: str, keys: tuple[Any, ...], value: object) -> None:
    if part in ("data", "includes"):
        page[part] = value
        return
    target: Any = page["data"][0] if part == "tweet" else page["includes"]["users"][0]
    if not keys:
        page["includes"]["users"][0] = value
        return
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(FIELDS), value=JSON)
def test_any_value_in_any_field_costs_at_most_its_line(
    where: tuple[str, tuple[Any, ...]], value: object
) -> None:
    odd = copy.deepcopy(_page(2))
    _set(odd, *where, value)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "odd.jsonl"
        lines = [json.dumps(_page(1)), json.dumps(odd), json.dumps(_page(3))]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        batches = list(read_archive(path))
    posts = [p for b in batches for p in b.posts]
    problems = [p for b in batches for p in b.problems]
    stage(posts, [a for b in batches for a in b.authors.values()], "2026-11-27T12:00:00+00:00")
    ids = {p.id for p in posts}
    assert {f"x:{FIRST_ID + 1}", f"x:{FIRST_ID + 3}"} <= ids
    assert all(p.line == 2 for p in problems)
    assert sum(b.skipped for b in batches) == len(problems)
    assert len(problems) <= 1 or where[0] in ("data", "includes")  # one post, or a list of them
    if not problems:  # read whole: the odd value was one X could have sent
        assert len(posts) == 3 or where[1] in (("data",), ()) or "retweeted" in json.dumps(value)
