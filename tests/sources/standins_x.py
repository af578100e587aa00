"""A loopback X API v2: GET /2/tweets/search/recent with since_id, until_id and next_token (author
profiles only when `expansions=author_id` asks), GET /2/users?ids=, and the batch compliance jobs
(POST/GET /2/compliance/jobs, the upload and download URLs they give).

It also keeps X's bill: every post and profile it sends, de-duplicated within a UTC day (`day`,
set by the caller to the simulated day), as X's pay-per-use pricing counts reads."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from tests.sources.source_standins import FIRST_ID, GOOD_TOKEN, LIVE_NOW, Answer, Asked, HttpStandIn


def tweet(
    n: int, text: str, *, user: int = 1, at: datetime = LIVE_NOW, retweet: bool = False
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
        self.unavailable_users: set[str] = set()  # suspended or protected since: not expanded
        # Batch compliance: what X would say of an id (reason), and the jobs made so far.
        self.compliance: dict[str, dict[str, str]] = {"tweets": {}, "users": {}}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.job_ids = itertools.count(1_500_000_000_000_000_000)
        self.uploads: dict[str, Asked] = {}
        self.checks_until_complete = 1  # status checks after the upload before a job completes
        self.extra_result_lines: list[bytes] = []
        self.day: date = LIVE_NOW.date()  # the UTC day reads are billed to
        self.billed: dict[date, dict[str, set[str]]] = {}  # day -> "posts"/"users" -> ids
        self.expandable: dict[date, set[str]] = {}  # authors of posts sent: what expansion bills
        super().__init__()

    @property
    def searches(self) -> list[dict[str, str]]:
        return [a.params for a in self.asked if a.path == "/2/tweets/search/recent"]

    @property
    def lookups(self) -> list[dict[str, str]]:
        return [a.params for a in self.asked if a.path == "/2/users"]

    def bill(self, kind: str, ids: list[str]) -> None:
        self.billed.setdefault(self.day, {"posts": set(), "users": set()})[kind].update(ids)

    def billed_reads(self, kind: str) -> int:
        """Reads X would bill: each post or profile once per UTC day it was sent."""
        return sum(len(day[kind]) for day in self.billed.values())

    def _user_lookup(self, asked: Asked) -> Answer:
        ids = [i for i in asked.params.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 100:
            return Answer(
                400, {"errors": [{"message": "ids: 1 to 100"}], "title": "Invalid Request"}
            )
        found = [
            self.users.get(i) or x_user(int(i) - 100)
            for i in ids
            if i not in self.unavailable_users
        ]
        self.bill("users", [u["id"] for u in found])
        body: dict[str, Any] = {"data": found} if found else {}
        missing = [i for i in ids if i in self.unavailable_users]
        if missing:  # X answers with the users it shows and an error for each it won't
            body["errors"] = [
                {
                    "value": i,
                    "detail": f"Could not find user with ids: [{i}].",
                    "title": "Not Found Error",
                    "resource_type": "user",
                    "parameter": "ids",
                    "resource_id": i,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
                for i in missing
            ]
        return Answer(200, body)

    def uploaded_ids(self, job_id: str) -> list[str]:
        return self.uploads[job_id].body.decode().split()

    def answer(self, asked: Asked) -> Answer:
        parts = asked.path.strip("/").split("/")
        if parts[0] in ("upload", "download"):  # signed storage URLs: no X token
            return self._storage(asked, parts[0], parts[-1])
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
        if parts[:2] == ["2", "compliance"]:
            return self._job(asked, parts[3] if len(parts) > 3 else None)
        if asked.path == "/2/users":
            return self._user_lookup(asked)
        if asked.path != "/2/tweets/search/recent":
            return Answer(404, {"title": "Not Found Error", "status": 404})
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
        self.bill("posts", [t["id"] for t in page])
        self.expandable.setdefault(self.day, set()).update(authors)
        body: dict[str, Any] = {"data": page, "meta": meta}
        if "author_id" not in asked.params.get("expansions", "").split(","):
            return Answer(200, body)
        users = [
            self.users.get(a) or x_user(int(a) - 100)
            for a in authors
            if a not in self.unavailable_users
        ]
        self.bill("users", [u["id"] for u in users])
        body["includes"] = {"users": users}
        missing = [a for a in authors if a in self.unavailable_users]
        if missing:  # X answers with the posts and a partial error for each user it won't show
            body["errors"] = [
                {
                    "value": a,
                    "detail": f"Could not find user with author_id: [{a}].",
                    "title": "Not Found Error",
                    "resource_type": "user",
                    "parameter": "author_id",
                    "resource_id": a,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
                for a in missing
            ]
        return Answer(200, body)

    def _job(self, asked: Asked, job_id: str | None) -> Answer:
        if asked.method == "POST" and job_id is None:
            kind = json.loads(asked.body)["type"]
            job_id = str(next(self.job_ids))
            self.jobs[job_id] = {
                "id": job_id,
                "type": kind,
                "name": json.loads(asked.body).get("name", ""),
                "status": "created",
                "resumable": False,
                "upload_url": f"{self.url}/upload/{job_id}?X-Goog-Signature=abc",
                "download_url": f"{self.url}/download/{job_id}?X-Goog-Signature=def",
                "created_at": "2026-11-27T12:00:00.000Z",
                "checks": 0,
            }
        elif asked.method != "GET" or job_id not in self.jobs:
            return Answer(404, {"title": "Not Found Error", "status": 404})
        job = self.jobs[job_id]
        if asked.method == "GET" and job["status"] == "in_progress":
            job["checks"] += 1
            if job["checks"] >= self.checks_until_complete:
                job["status"] = "complete"
        return Answer(200, {"data": {k: v for k, v in job.items() if k != "checks"}})

    def _storage(self, asked: Asked, what: str, job_id: str) -> Answer:
        job = self.jobs.get(job_id)
        if job is None:
            return Answer(403, b"<Error><Code>AccessDenied</Code></Error>")
        if what == "upload" and asked.method == "PUT":
            self.uploads[job_id] = asked
            job["status"] = "in_progress"
            return Answer(200, b"")
        if what == "download" and asked.method == "GET" and job["status"] == "complete":
            said = self.compliance[job["type"]]
            lines = [
                json.dumps({"id": i, "action": "delete", "reason": said[i],
                            "created_at": "2026-11-20T10:00:00.000Z",
                            "redacted_at": "2026-11-26T10:00:00.000Z"}).encode()
                for i in self.uploaded_ids(job_id)
                if i in said
            ]  # fmt: skip
            return Answer(200, b"\n".join(lines + self.extra_result_lines) + b"\n")
        return Answer(404, b"<Error><Code>NoSuchKey</Code></Error>")


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
