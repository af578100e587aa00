"""A loopback X API v2: GET /2/tweets/search/recent with since_id, until_id and next_token (author
profiles only when `expansions=author_id` asks), GET /2/users?ids=, the batch compliance jobs
(POST/GET /2/compliance/jobs, the upload and download URLs they give), and GET
/2/tweets/counts/recent (`data[].{start,end,tweet_count}`, `meta.total_tweet_count`, with X's
x-rate-limit-* headers).

It also keeps X's bill: every post and profile it sends, de-duplicated within a UTC day (`day`,
set by the caller to the simulated day), as X's pay-per-use pricing counts reads."""

from __future__ import annotations

import itertools
import json
import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tests.sources.source_standins import FIRST_ID, GOOD_TOKEN, LIVE_NOW, Answer, Asked, HttpStandIn

COUNTS_PATH = "/2/tweets/counts/recent"
# X's answer when the app's access doesn't include an endpoint, and when a window is used up.
CLIENT_FORBIDDEN = {
    "client_id": "29211812",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
    "tokens from a Twitter developer App that is attached to a Project. You can create a project "
    "via the developer portal.",
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "title": "Client Forbidden",
    "required_enrollment": "Appropriate Level of API Access",
    "reason": "client-not-enrolled",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
}
TOO_MANY_REQUESTS = {
    "title": "Too Many Requests",
    "detail": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
}


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
        # Recent counts: posts a week per tag key (spread over the days), and beside the guard
        # words for a guarded query; a tag not listed has none.
        self.weekly: dict[str, int] = {}
        self.guarded_weekly: dict[str, int] = {}
        self.counts_forbidden = False  # X refuses counts for this app's access (403)
        self.counts_limit = 300  # requests per window, as X's x-rate-limit-limit says
        self.counts_window_s = 900
        self.counts_window: tuple[float, int] = (0.0, 0)  # (resets at, requests used)
        self.now = LIVE_NOW  # X's clock: counts reach back seven days from it
        self.hold_at: int | None = None  # the counts request (1st, 2nd…) held until `released`
        self.released = threading.Event()
        self.held = threading.Event()  # set once a request is being held
        super().__init__()

    @property
    def searches(self) -> list[dict[str, str]]:
        return [a.params for a in self.asked if a.path == "/2/tweets/search/recent"]

    @property
    def lookups(self) -> list[dict[str, str]]:
        return [a.params for a in self.asked if a.path == "/2/users"]

    @property
    def count_queries(self) -> list[str]:
        return [a.params.get("query", "") for a in self.asked if a.path == COUNTS_PATH]

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
        if asked.path == COUNTS_PATH:
            return self._counts(asked)
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

    def _limits(self) -> tuple[bool, dict[str, str]]:
        """Take one request from the current window (False when it is used up: X answers 429),
        and the x-rate-limit-* headers that say what is left."""
        now = datetime.now(UTC).timestamp()
        resets, used = self.counts_window
        if now >= resets:
            resets, used = now + self.counts_window_s, 0
        allowed = used < self.counts_limit
        used += allowed
        self.counts_window = (resets, used)
        return allowed, {
            "x-rate-limit-limit": str(self.counts_limit),
            "x-rate-limit-remaining": str(self.counts_limit - used),
            "x-rate-limit-reset": str(int(resets) + 1),
        }

    def _counts(self, asked: Asked) -> Answer:
        """GET /2/tweets/counts/recent: how many posts match, by day, without any post."""
        with self.lock:
            number = len(self.count_queries)
        if self.hold_at is not None and number == self.hold_at:
            self.held.set()
            self.released.wait(30)
        if self.counts_forbidden:
            return Answer(403, CLIENT_FORBIDDEN)
        with self.lock:
            allowed, limits = self._limits()
        if not allowed:
            return Answer(429, TOO_MANY_REQUESTS, limits)
        query = asked.params.get("query", "")
        if not query or len(query) > 512 or asked.params.get("granularity") != "day":
            return Answer(400, {"errors": [{"message": "bad query"}], "title": "Invalid Request"})
        start = datetime.fromisoformat(asked.params["start_time"].replace("Z", "+00:00"))
        if not self.now - timedelta(days=7) <= start <= self.now:
            detail = "Invalid 'start_time':'…'. 'start_time' must be on or after the last 7 days."
            return Answer(400, {"errors": [{"message": detail}], "title": "Invalid Request"})
        found = re.search(r"#(\w+)", query)
        key = found.group(1).casefold() if found else ""
        total = (self.guarded_weekly if query.startswith("(#") else self.weekly).get(key, 0)
        days = []
        day = start
        while day < self.now:
            end = min(datetime.combine(day.date() + timedelta(days=1), time(0), UTC), self.now)
            days.append((day, end))
            day = end
        share, extra = divmod(total, len(days))
        data = [
            {
                "end": end.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "start": begin.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "tweet_count": share + (n < extra),
            }
            for n, (begin, end) in enumerate(days)
        ]
        return Answer(200, {"data": data, "meta": {"total_tweet_count": total}}, limits)

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
    text = tweet["text"].casefold()

    def found(terms: str, *, bare_words: bool = False) -> bool:
        for tag, phrase, word in re.findall(r'#(\w+)|"([^"]+)"|(?<![#\w])([^\s()"]+)', terms):
            if tag and tag.casefold() in tags:
                return True
            if phrase and phrase.casefold() in text:
                return True
            if (
                bare_words
                and word
                and word != "OR"
                and re.search(rf"\b{re.escape(word)}\b", text, re.I)
            ):
                return True
        return False

    # A guarded term, "(#LCSM ("lung cancer" OR #LungCancer))", is the tag AND one of its words,
    # as X reads it; every other term stands alone.
    body = query.replace("-is:retweet", "")
    guarded_term = r"\(#(\w+) \(([^()]*)\)\)"
    for guarded in re.finditer(guarded_term, body):
        if guarded.group(1).casefold() in tags and found(guarded.group(2), bare_words=True):
            return True
    return found(re.sub(guarded_term, " ", body))
