"""Loopback Bluesky: an XRPC server (login, searchPosts, getProfiles) and a Jetstream websocket."""

from __future__ import annotations

import base64
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.sources.source_standins import LIVE_NOW, Answer, Asked, HttpStandIn


def bsky_record(
    text: str, *, at: datetime = LIVE_NOW, facets: bool = True, langs: list[str] | None = None
) -> dict[str, Any]:
    """An app.bsky.feed.post record with a #tag facet for each hashtag (byte offsets, as clients write)."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "langs": ["en"] if langs is None else langs,
    }
    if facets:
        record["facets"] = [
            {
                "index": {
                    "byteStart": len(text[: m.start()].encode()),
                    "byteEnd": len(text[: m.end()].encode()),
                },
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": m.group(1)}],
            }
            for m in re.finditer(r"#(\w+)", text)
        ]
    return record


def profile(
    did: str, handle: str, description: str = "", labels: list[str] | None = None
) -> dict[str, Any]:
    """An app.bsky.actor.defs#profileViewDetailed, as getProfiles answers a logged-out viewer."""
    return {
        "did": did,
        "handle": handle,
        "displayName": handle.split(".")[0].title(),
        "description": description,
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkreihd3jjmbkr@jpeg",
        "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
        "followersCount": 7,
        "followsCount": 3,
        "postsCount": 30,
        "indexedAt": "2024-06-01T00:00:00.000Z",
        "createdAt": "2023-05-01T00:00:00.000Z",
        "labels": [
            {
                "src": did,
                "uri": f"at://{did}/app.bsky.actor.profile/self",
                "cid": "bafyreiaxz3qg4ykbbz2wnc6kle2fkhfsbc4xr7cqxqwqgofmevkbnyvhwa",
                "val": v,
                "cts": "2024-01-01T00:00:00.000Z",
            }
            for v in labels or []
        ],
    }


BASIC_PROFILE_FIELDS = (
    "did",
    "handle",
    "displayName",
    "avatar",
    "associated",
    "labels",
    "createdAt",
)


def _jwt(payload: dict[str, Any]) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256', 'typ': 'at+jwt'})}.{part(payload)}.c2ln"


class XrpcStandIn(HttpStandIn):
    """createSession, app.bsky.feed.searchPosts (q, tag, since, until, lang, sort, limit, cursor;
    pages without `hitsTotal`, as the AppView has answered since 2025, unless `hits_total`) and
    app.bsky.actor.getProfiles, which, like the public AppView, answers without a session and
    leaves out accounts that are not active (`inactive`) or that it doesn't know."""

    def __init__(self, password: str = "app-pass-1234") -> None:
        self.password = password
        self.posts: list[dict[str, Any]] = []  # PostViews, newest first
        self.profiles: dict[str, dict[str, Any]] = {}
        self.inactive: set[str] = set()  # deactivated, suspended or taken down
        self.hits_total = False
        self.now = LIVE_NOW
        super().__init__()

    @property
    def searches(self) -> list[Asked]:
        return [a for a in self.asked if a.path == "/xrpc/app.bsky.feed.searchPosts"]

    def add_week(
        self, tag: str, posts: int, *, text: str = "", langs: list[str] | None = None
    ) -> None:
        """`posts` posts carrying #tag, spread over today so far and the six days before (the
        days a census counts), each from its own account."""
        first = datetime.combine(self.now.date() - timedelta(days=6), datetime.min.time(), UTC)
        spacing = (self.now - first) / max(posts, 1)
        for n in range(posts):
            at = self.now - spacing * (n + 0.5)
            did = f"did:plc:w{len(self.posts):06d}"
            body = f"{text} #{tag}".strip()
            view = {
                "uri": f"at://{did}/app.bsky.feed.post/3k{len(self.posts):09d}",
                "cid": "bafyreib2rxk3rh6kzwq",
                "author": {k: v for k, v in profile(did, f"w{n}.bsky.social").items()
                           if k in BASIC_PROFILE_FIELDS},
                "record": bsky_record(body, at=at, langs=langs),
                "indexedAt": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "likeCount": 0, "repostCount": 0, "replyCount": 0, "quoteCount": 0, "labels": [],
            }  # fmt: skip
            self.posts.append(view)
        self.posts.sort(key=lambda v: v["record"]["createdAt"], reverse=True)

    def _search(self, asked: Asked) -> Answer:
        tags = {t.casefold() for t in asked.multi.get("tag", [])}
        if tags:  # the tag parameter: rich-text facets (or the record's tags), AND-ed
            hits = [
                p for p in self.posts
                if tags <= {f["features"][0]["tag"].casefold()
                            for f in p["record"].get("facets", [])} | {
                    t.casefold() for t in p["record"].get("tags", [])}
            ]  # fmt: skip
        else:
            tag = asked.params["q"].lstrip("#").casefold()
            hits = [p for p in self.posts if f"#{tag}" in p["record"]["text"].casefold()]
        since, until = asked.params.get("since"), asked.params.get("until")
        if since:
            hits = [p for p in hits if p["record"]["createdAt"] >= since.replace("Z", ".000Z")]
        if until:
            hits = [p for p in hits if p["record"]["createdAt"] < until.replace("Z", ".000Z")]
        if "lang" in asked.params:
            hits = [p for p in hits if asked.params["lang"] in p["record"].get("langs", [])]
        start, size = int(asked.params.get("cursor") or 0), int(asked.params.get("limit", 25))
        body: dict[str, Any] = {"posts": hits[start : start + size]}
        if self.hits_total:
            body["hitsTotal"] = len(hits)
        if start + size < len(hits):
            body["cursor"] = str(start + size)
        return Answer(200, body)

    @property
    def profile_calls(self) -> list[Asked]:
        return [a for a in self.asked if a.path.endswith("getProfiles")]

    def add(self, did: str, handle: str, rkey: str, text: str, **counts: int) -> None:
        """A post searchPosts finds; its author gets a plain profile unless a test set one."""
        self.profiles.setdefault(did, profile(did, handle))
        view = {
            "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
            "cid": "bafyreib2rxk3rh6kzwq",
            # searchPosts' author is a profileViewBasic: no description, so no #nobot in sight
            "author": {k: v for k, v in profile(did, handle).items() if k in BASIC_PROFILE_FIELDS},
            "record": bsky_record(text),
            "indexedAt": LIVE_NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "likeCount": counts.get("likes", 0),
            "repostCount": 0,
            "replyCount": 0,
            "quoteCount": 0,
            "labels": [],
        }
        self.posts.append(view)

    def answer(self, asked: Asked) -> Answer:
        if asked.path == "/xrpc/com.atproto.server.createSession":
            login = json.loads(asked.body)
            if login.get("password") != self.password:
                return Answer(
                    401,
                    {
                        "error": "AuthenticationRequired",
                        "message": "Invalid identifier or password",
                    },
                )
            exp = int((datetime.now(UTC) + timedelta(hours=2)).timestamp())
            return Answer(
                200,
                {
                    "did": "did:plc:bot",
                    "handle": login["identifier"],
                    "active": True,
                    "accessJwt": _jwt(
                        {"scope": "com.atproto.appPass", "sub": "did:plc:bot", "exp": exp}
                    ),
                    "refreshJwt": _jwt(
                        {"scope": "com.atproto.refresh", "sub": "did:plc:bot", "exp": exp + 3600}
                    ),
                },
            )
        if asked.path == "/xrpc/app.bsky.actor.getProfiles":
            wanted = asked.multi.get("actors", [])
            if len(wanted) > 25:
                return Answer(
                    400,
                    {
                        "error": "InvalidRequest",
                        "message": "Error: actors must not have more than 25 elements",
                    },
                )
            shown = [
                self.profiles[d] for d in wanted if d in self.profiles and d not in self.inactive
            ]
            return Answer(200, {"profiles": shown})
        if not asked.headers.get("Authorization", "").startswith("Bearer "):
            return Answer(401, {"error": "AuthMissing", "message": "Authentication Required"})
        if asked.path == "/xrpc/app.bsky.feed.searchPosts":
            return self._search(asked)
        return Answer(400, {"error": "MethodNotImplemented"})


# Jetstream -------------------------------------------------------------------------------------


def commit(
    did: str,
    rkey: str,
    time_us: int,
    text: str | None = None,
    *,
    operation: str = "create",
    langs: list[str] | None = None,
) -> dict[str, Any]:
    """A Jetstream commit event for app.bsky.feed.post (no record on delete)."""
    body: dict[str, Any] = {
        "rev": "3l3qo2vutsw2b",
        "operation": operation,
        "collection": "app.bsky.feed.post",
        "rkey": rkey,
    }
    if operation != "delete":
        moment = datetime.fromtimestamp(time_us / 1e6, UTC)
        body["record"] = bsky_record(text or "", at=moment, langs=langs)
        body["cid"] = "bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4"
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": body}


def account_event(did: str, time_us: int, *, active: bool, status: str = "") -> dict[str, Any]:
    """A Jetstream account event: com.atproto.sync.subscribeRepos#account, as Jetstream wraps it
    (sent whatever wantedCollections asks for)."""
    account: dict[str, Any] = {
        "active": active,
        "did": did,
        "seq": 1409753013 + time_us % 1000,
        "time": datetime.fromtimestamp(time_us / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        + "Z",
    }
    if status:
        account["status"] = status
    return {"did": did, "time_us": time_us, "kind": "account", "account": account}


class JetstreamStandIn:
    """A websocket server replaying `events` with time_us after the client's cursor, then
    streaming any appended while a client is connected.

    `drop_after` closes the first connection abruptly after that many events, as networks do.
    """

    def __init__(self, events: list[dict[str, Any]], *, drop_after: int | None = None) -> None:
        self.events = events
        self.drop_after = drop_after
        self.paths: list[str] = []
        self.closing = threading.Event()
        self.server = serve(self._handle, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/subscribe"

    def cursors(self) -> list[int | None]:
        found = [parse_qs(urlparse(p).query).get("cursor", [None])[0] for p in self.paths]
        return [int(c) if c else None for c in found]

    def _handle(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        self.paths.append(connection.request.path)
        query = parse_qs(urlparse(connection.request.path).query)
        assert query.get("wantedCollections") == ["app.bsky.feed.post"]
        cursor = int(query.get("cursor", ["0"])[0])
        sent = index = 0
        while not self.closing.is_set():  # events appended later stream live, as posts happen
            while index < len(self.events):
                event = self.events[index]
                index += 1
                if event["time_us"] <= cursor:
                    continue
                if self.drop_after is not None and len(self.paths) == 1 and sent == self.drop_after:
                    connection.socket.close()  # no close frame: the connection just dies
                    return
                connection.send(json.dumps(event))
                sent += 1
            try:
                connection.recv(timeout=0.05)
            except TimeoutError:
                continue
            except ConnectionClosed:
                return

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.thread.join(timeout=5)

    def __enter__(self) -> JetstreamStandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
