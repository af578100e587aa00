"""A loopback X API v2: GET /2/tweets/search/recent with since_id, until_id and next_token."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tests.sources.source_standins import FIRST_ID, GOOD_TOKEN, NOW, Answer, Asked, HttpStandIn


def tweet(
    n: int, text: str, *, user: int = 1, at: datetime = NOW, retweet: bool = False
) -> dict[str, Any]:
    """A tweet as recent search returns it with the fields the bot asks for."""
    tags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)}
        for m in re.finditer(r"#(\w+)", text)
    ]
    tweet_id = str(FIRST_ID + n)
    body: dict[str, Any] = {
        "id": tweet_id,
        "text": text,
        "author_id": str(100 + user),
        "created_at": (at - timedelta(minutes=1000 - n % 1000)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conversation_id": tweet_id,
        "lang": "en",
        "edit_history_tweet_ids": [tweet_id],
        "public_metrics": {
            "retweet_count": 1,
            "reply_count": 2,
            "like_count": n % 7,
            "quote_count": 0,
        },
    }
    if tags:
        body["entities"] = {"hashtags": tags}
    if retweet:
        body["referenced_tweets"] = [{"type": "retweeted", "id": str(FIRST_ID)}]
    return body


def x_user(user: int, description: str = "") -> dict[str, Any]:
    return {
        "id": str(100 + user),
        "username": f"person{user}",
        "name": f"Person {user}",
        "description": description,
        "verified": False,
        "url": "",
        "created_at": "2015-03-01T00:00:00.000Z",
        "public_metrics": {"followers_count": 10 * user, "following_count": 5, "tweet_count": 99},
    }


class XStandIn(HttpStandIn):
    """GET /2/tweets/search/recent over `tweets`, honouring since_id, until_id and next_token."""

    def __init__(self, tweets: list[dict[str, Any]] | None = None) -> None:
        self.tweets = list(tweets or [])
        self.users: dict[str, dict[str, Any]] = {}
        super().__init__()

    @property
    def searches(self) -> list[dict[str, str]]:
        return [a.params for a in self.asked if a.path == "/2/tweets/search/recent"]

    def answer(self, asked: Asked) -> Answer:
        if asked.path != "/2/tweets/search/recent":
            return Answer(404, {"title": "Not Found Error", "status": 404})
        if asked.headers.get("Authorization") != f"Bearer {GOOD_TOKEN}":
            return Answer(
                401,
                {
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
            )
        query = asked.params.get("query", "")
        if len(query) > 512:
            return Answer(
                400, {"errors": [{"message": "query too long"}], "title": "Invalid Request"}
            )
        matching = sorted(
            (t for t in self.tweets if _matches(t, query, asked.params)),
            key=lambda t: -int(t["id"]),
        )
        start = int(asked.params.get("next_token") or 0)
        size = int(asked.params.get("max_results", 10))
        page = matching[start : start + size]
        if not page:
            return Answer(200, {"meta": {"result_count": 0}})
        meta: dict[str, Any] = {
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
            "result_count": len(page),
        }
        if start + size < len(matching):
            meta["next_token"] = str(start + size)
        authors = dict.fromkeys(t["author_id"] for t in page)
        users = [self.users.get(a) or x_user(int(a) - 100) for a in authors]
        return Answer(200, {"data": page, "includes": {"users": users}, "meta": meta})


def _matches(tweet: dict[str, Any], query: str, params: dict[str, str]) -> bool:
    tweet_id = int(tweet["id"])
    if "since_id" in params and tweet_id <= int(params["since_id"]):
        return False
    if "until_id" in params and tweet_id >= int(params["until_id"]):
        return False
    if "-is:retweet" in query and any(
        r["type"] == "retweeted" for r in tweet.get("referenced_tweets", [])
    ):
        return False
    tags = {h["tag"].casefold() for h in tweet.get("entities", {}).get("hashtags", [])}
    wanted = re.findall(r'#(\w+)|"([^"]+)"', query)
    return any(
        (tag and tag.casefold() in tags)
        or (phrase and phrase.casefold() in tweet["text"].casefold())
        for tag, phrase in wanted
    )
