"""Mastodon hashtag timelines (Mastodon.py), on each configured instance, no token needed.

Posts are keyed by their ActivityPub URI, so a post seen through two instances is stored once.
Accounts that ask not to be indexed (#nobot or #noindex in their profile, `indexable` false or
`noindex` true) are forgotten, never stored; suspended accounts are skipped.

Posts are kept as people read them on Mastodon: a reply joins its thread (the post it answers
and the thread's first post, looked up through the instance when the page doesn't hold them),
a content warning is kept to be shown first, the "RE: …" line Mastodon adds to quote posts for
older apps is left out, and display names lose their custom-emoji codes and invisible spaces.

An instance that answers in a shape Mastodon's API doesn't (an object where the list of posts
belongs, a maintenance page, an empty body) is reported by name and read again next cycle from
the same position; the other instances are read as usual.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from bot.config import Settings
from bot.domain.hashtags import extract_hashtags, tag_key
from bot.domain.topic_plan import TopicPlan
from bot.sources.base import (
    Author,
    CursorLookup,
    Page,
    Post,
    Reads,
    SourceAuthError,
    SourceError,
    UnexpectedShape,
    opt_out_reason,
    parse_time,
    shape_of,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 40  # the most a Mastodon timeline page holds
MAX_PAGES = 10  # per tag per instance per cycle; the cursor carries the rest to the next cycle
FIRST_RUN_PAGES = 2


MAX_THREAD_LOOKUPS = 40  # replies whose thread is looked up, per instance per cycle
# Invisible characters people type around custom emoji to keep them apart from the words next to
# them (zero-width space, word joiner, BOM); the zero-width joiner inside emoji sequences stays.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")
_FALLBACK_CLASS = "quote-inline"  # Mastodon's "RE: <link>" paragraph for apps without quotes
_NOT_JSON = "Could not parse response as JSON"  # how Mastodon.py says a body wasn't JSON


class _Text(HTMLParser):
    """Post and profile HTML as the plain text a person reads (line breaks kept), without the
    quote fallback Mastodon's own apps hide."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: str | None = None  # the tag whose contents are left out
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            self.depth += tag == self.skipping
            return
        classes = (dict(attrs).get("class") or "").split()
        if _FALLBACK_CLASS in classes and tag in ("p", "span", "div"):
            self.skipping, self.depth = tag, 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag == self.skipping:
            self.depth -= 1
            if not self.depth:
                self.skipping = None

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    return _INVISIBLE.sub("", "".join(parser.parts)).strip()


def readable_name(display_name: str, emojis: object) -> str:
    """A display name as text: Mastodon draws its custom emoji (`:blobcat:`) as pictures, so the
    codes go, with the invisible spaces typed around them."""
    name = _INVISIBLE.sub("", display_name or "")
    for emoji in _objects(emojis):
        code = emoji.get("shortcode")
        if code:
            name = name.replace(f":{code}:", " ")
    return " ".join(name.split())


def _order(status_id: str) -> tuple[int, str]:
    return (len(status_id), status_id)  # numeric ids compare by length first, then digits


def _is_id(value: object) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and str(value) != ""


def _objects(value: object) -> list[Mapping[str, Any]]:
    """The objects in a list a status holds (tags, mentions); anything else is left out."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def answer_of(call: Callable[[], Any], what: str) -> Any:
    """One Mastodon.py call. A body that isn't JSON (a maintenance page, nothing at all) raises
    UnexpectedShape rather than the client's own error, which quotes the page at length."""
    try:
        return call()
    except MastodonAPIError as err:
        if str(err.args[0] if err.args else "").startswith(_NOT_JSON):
            raise UnexpectedShape(f"{what} was not JSON") from None
        raise


def statuses_in(answer: object, what: str) -> list[Mapping[str, Any]]:
    """The statuses of a timeline page, each an object with an id (the cursor is made of ids);
    UnexpectedShape for anything else, so the page is neither stored nor skipped."""
    if not isinstance(answer, list):
        raise UnexpectedShape(f"{what} was {shape_of(answer)}, not a list of posts")
    for item in answer:
        if not isinstance(item, Mapping):
            raise UnexpectedShape(f"{what} held {shape_of(item)} where a post belongs")
        if not _is_id(item.get("id")):
            raise UnexpectedShape(f"{what} held a post without an id")
    return answer


def ancestors_in(context: object) -> list[Mapping[str, Any]]:
    """The posts above a reply, from GET /api/v1/statuses/:id/context; UnexpectedShape when
    the answer isn't a context."""
    ancestors = context.get("ancestors") if isinstance(context, Mapping) else None
    if not isinstance(ancestors, list) or not all(isinstance(a, Mapping) for a in ancestors):
        raise UnexpectedShape("a thread look-up was not a list of the posts above the reply")
    return [a for a in ancestors if a.get("uri") and _is_id(a.get("id"))]


def account_opt_out(account: Mapping[str, Any], note: str) -> str | None:
    if account.get("noindex") is True:
        return "noindex set on the account"
    if account.get("indexable") is False:
        return "account not indexable"
    return opt_out_reason(note)


def to_author(account: Mapping[str, Any], host: str) -> Author:
    acct = str(account.get("acct") or account.get("username") or "")
    if "@" not in acct:
        acct = f"{acct}@{host}"
    note = html_text(str(account.get("note") or ""))
    return Author(
        id=f"mastodon:{acct}",
        source="mastodon",
        handle=acct,
        name=readable_name(str(account.get("display_name") or ""), account.get("emojis")),
        description=note,
        url=str(account.get("url") or ""),
        followers=_count(account.get("followers_count")),
        following=_count(account.get("following_count")),
        posts_count=_count(account.get("statuses_count")),
        created_at=parse_time(account.get("created_at")),
        opted_out=account_opt_out(account, note) is not None,
    )


def to_post(
    status: Mapping[str, Any], author: Author, *, conversation: str = "", reply_to: str = ""
) -> Post | None:
    """A post from a status; `conversation` and `reply_to` are post ids (Threads finds them)."""
    created = parse_time(status.get("created_at"))
    uri = status.get("uri")
    if not uri or created is None:
        return None
    text = html_text(str(status.get("content") or ""))
    written = {tag_key(t): t for t in extract_hashtags(text)}  # the spelling people typed
    tags = [
        written.get(tag_key(str(t.get("name"))), str(t.get("name")))
        for t in _objects(status.get("tags"))
        if t.get("name")
    ]
    return Post(
        id=f"mastodon:{uri}",
        source="mastodon",
        author_id=author.id,
        text=text,
        created_at=created,
        url=str(status.get("url") or uri),
        lang=str(status.get("language") or ""),
        hashtags=tuple(t for t in tags if t) or tuple(written.values()),
        mentions=tuple(
            str(m.get("acct")) for m in _objects(status.get("mentions")) if m.get("acct")
        ),
        conversation_id=conversation or f"mastodon:{uri}",
        reply_to=reply_to,
        quote_of=quoted(status),
        likes=_count(status.get("favourites_count")),
        reposts=_count(status.get("reblogs_count")),
        replies=_count(status.get("replies_count")),
        quotes=_count(status.get("quotes_count")),
        content_warning=_INVISIBLE.sub("", str(status.get("spoiler_text") or "")).strip(),
    )


def quoted(status: Mapping[str, Any]) -> str:
    """The id of the post this one quotes, when Mastodon shows the quote (an accepted Quote)."""
    quote = status.get("quote")
    if not isinstance(quote, Mapping) or quote.get("state") != "accepted":
        return ""
    inner = quote.get("quoted_status")
    uri = inner.get("uri") if isinstance(inner, Mapping) else None
    return f"mastodon:{uri}" if uri else ""


class Threads:
    """Where replies on one instance belong: the post each answers and its thread's first post.

    A status names the post it answers by the instance's own id (`in_reply_to_id`); posts are
    stored by their URI. Ids seen on a page are remembered, and a reply whose parent wasn't seen
    asks the instance for its ancestors (GET /api/v1/statuses/:id/context), up to `budget`
    times a cycle; past that, or when the instance won't say, the reply stands alone. An answer
    in an unexpected shape ends the look-ups for the cycle, with a note for the report.
    """

    def __init__(self, api: Mastodon | None, host: str, budget: int = MAX_THREAD_LOOKUPS) -> None:
        self.api = api
        self.host = host
        self.budget = budget
        self.known: dict[str, tuple[str, str]] = {}  # local id -> (uri, first post's uri)
        self.notes: list[str] = []  # for the cycle's report, with the next page

    def learn(self, statuses: Sequence[Mapping[str, Any]]) -> None:
        """Remember a page's posts, parents before replies, so a reply to a post on the same page
        costs no look-up."""
        for status in sorted(statuses, key=lambda s: _order(str(s.get("id")))):
            parent = status.get("in_reply_to_id")
            uri = str(status.get("uri") or "")
            if not uri:
                continue
            if not parent:
                self.known[str(status.get("id"))] = (uri, uri)
            elif str(parent) in self.known:
                self.known[str(status.get("id"))] = (uri, self.known[str(parent)][1])

    def place(self, status: Mapping[str, Any]) -> tuple[str, str]:
        """(conversation id, reply_to id) for a status, both post ids ("mastodon:<uri>")."""
        uri = str(status.get("uri") or "")
        parent = status.get("in_reply_to_id")
        if not parent:
            return f"mastodon:{uri}", ""
        parent = str(parent)
        if parent not in self.known:
            self._look_up(str(status.get("id")))
        if parent in self.known:
            parent_uri, root = self.known[parent]
            self.known[str(status.get("id"))] = (uri, root)
            return f"mastodon:{root}", f"mastodon:{parent_uri}"
        # The instance couldn't say which post it answers: a reply, in a thread of its own.
        return f"mastodon:{uri}", f"mastodon:{self.host}#{parent}"

    def take_notes(self) -> tuple[str, ...]:
        notes, self.notes = tuple(self.notes), []
        return notes

    def _look_up(self, status_id: str) -> None:
        api = self.api
        if api is None or self.budget <= 0:
            return
        self.budget -= 1
        try:
            ancestors = ancestors_in(
                answer_of(lambda: api.status_context(status_id), "a thread look-up")
            )
        except MastodonNotFoundError:
            return
        except UnexpectedShape as err:
            self.budget = 0  # asking again this cycle would get the same
            log.warning("mastodon: %s: %s; replies stand alone this cycle", self.host, err)
            self.notes.append(
                f"{self.host} answered a thread look-up in an unexpected shape, so replies "
                "stand alone this cycle; it is asked again next cycle"
            )
            return
        except MastodonError as err:
            self.budget = 0  # rate limited or refused: the rest of this cycle's replies stand alone
            log.info("mastodon: %s won't show threads (%s)", self.host, describe(err))
            return
        if ancestors:
            root = str(ancestors[0]["uri"])
            for ancestor in ancestors:
                self.known[str(ancestor.get("id"))] = (str(ancestor["uri"]), root)


def read_statuses(
    statuses: Sequence[Mapping[str, Any]], host: str, threads: Threads | None = None
) -> tuple[list[Post], list[Author], list[tuple[str, str]], int]:
    """Posts, authors and opt-outs (with the reason) from one page; boosts skipped (no new text),
    and suspended accounts too."""
    threads = threads or Threads(None, host)
    threads.learn(statuses)
    posts: list[Post] = []
    authors: dict[str, Author] = {}
    opt_outs: dict[str, str] = {}
    boosts = 0
    for status in statuses:
        if status.get("reblog"):
            boosts += 1
            continue
        account = status.get("account")
        if not isinstance(account, Mapping) or not account or account.get("suspended") is True:
            continue
        author = to_author(account, host)
        authors[author.id] = author
        if author.opted_out:
            opt_outs[author.id] = account_opt_out(account, author.description) or "profile opts out"
            continue  # nothing of theirs is read further, not even where their reply belongs
        conversation, reply_to = threads.place(status)
        post = to_post(status, author, conversation=conversation, reply_to=reply_to)
        if post is not None:
            posts.append(post)
    return posts, list(authors.values()), list(opt_outs.items()), boosts


def timeline(api: Mastodon, tag: str, **position: str | None) -> list[Mapping[str, Any]]:
    """One page of a hashtag timeline (newest first), checked to be a list of posts."""
    what = f"the #{tag} timeline"
    call = partial(api.timeline_hashtag, tag, limit=PAGE_SIZE, **position)
    return statuses_in(answer_of(call, what), what)


class MastodonSource:
    name = "mastodon"

    def __init__(self, settings: Settings, *, timeout_s: float = 20.0) -> None:
        self.settings = settings
        self.timeout_s = timeout_s

    def client(self, instance: str) -> Mastodon:
        return Mastodon(
            api_base_url=instance,
            access_token=self.settings.mastodon_access_token or None,
            ratelimit_method="throw",
            request_timeout=self.timeout_s,
            version_check_mode="none",
        )

    def close(self) -> None:
        """Each instance's session is closed as soon as its tags are read."""

    def collect(self, queries: Sequence[TopicPlan], cursor: CursorLookup) -> Iterator[Page]:
        """Every tag on every instance, forward from the newest post stored for it."""
        tags = list({tag_key(t): t for q in queries for t in q.tags}.values())
        problems: list[str] = []
        refused = 0
        for instance in self.settings.mastodon_instances:
            host = urlparse(instance).netloc or instance
            api = self.client(instance)
            threads = Threads(api, host)
            try:
                for tag in tags:
                    yield from self._tag(api, threads, tag, cursor)
            except UnexpectedShape as err:
                problems.append(
                    f"{host} answered in an unexpected shape ({err}); it is tried again next "
                    "cycle from the same position"
                )
            except MastodonUnauthorizedError:
                refused += 1
                problems.append(
                    f"{host} needs a token for hashtag timelines: set MASTODON_ACCESS_TOKEN"
                )
            except MastodonRatelimitError:
                problems.append(
                    f"{host} rate limit reached; the next cycle resumes from the stored position"
                )
            except (MastodonNetworkError, MastodonServerError) as err:
                problems.append(f"{host} unavailable ({describe(err)}); the next cycle resumes")
            except (MastodonAPIError, MastodonError) as err:
                problems.append(
                    f"{host} answered unexpectedly ({describe(err)}); check MASTODON_INSTANCES"
                )
        if problems:
            error = (
                SourceAuthError if refused == len(self.settings.mastodon_instances) else SourceError
            )
            raise error("Mastodon: " + "; ".join(problems))

    def _tag(
        self, api: Mastodon, threads: Threads, tag: str, cursor: CursorLookup
    ) -> Iterator[Page]:
        key = f"{threads.host} {tag_key(tag)}"
        position = cursor(key)
        if position is None:
            yield from self._first(api, threads, tag, key)
            return
        for _ in range(MAX_PAGES):
            statuses = timeline(api, tag, min_id=position)
            if not statuses:
                return
            position = max((str(s["id"]) for s in statuses), key=_order)
            yield self._page(statuses, threads, ((key, position),))
            if len(statuses) < PAGE_SIZE:
                return

    def _first(self, api: Mastodon, threads: Threads, tag: str, key: str) -> Iterator[Page]:
        """A newly tracked tag: its newest pages, then the cursor at the newest post."""
        newest: str | None = None
        max_id: str | None = None
        for page in range(1, FIRST_RUN_PAGES + 1):
            statuses = timeline(api, tag, max_id=max_id)
            ids = [str(s["id"]) for s in statuses]
            newest = newest or (max(ids, key=_order) if ids else None)
            last = page == FIRST_RUN_PAGES or len(statuses) < PAGE_SIZE
            yield self._page(statuses, threads, ((key, newest),) if last and newest else ())
            if last:
                return
            max_id = min(ids, key=_order)

    @staticmethod
    def _page(
        statuses: Sequence[Mapping[str, Any]],
        threads: Threads,
        cursors: tuple[tuple[str, str], ...],
    ) -> Page:
        posts, authors, opt_outs, boosts = read_statuses(statuses, threads.host, threads)
        return Page(
            posts=tuple(posts),
            authors=tuple(authors),
            opt_outs=tuple(opt_outs),
            cursors=cursors,
            reads=Reads(posts=len(statuses), requests=1),
            skipped_reposts=boosts,
            notes=threads.take_notes(),
        )


def describe(err: MastodonError) -> str:
    """Why a Mastodon call failed, in words: the status and the instance's own reason, or "can't
    connect", never the client's exception names or the requests library's retry text."""
    if isinstance(err, MastodonNetworkError):
        text = " ".join(str(a) for a in err.args).lower()
        return "timed out" if "timed out" in text else "can't connect"
    if isinstance(err, MastodonRatelimitError):
        return "rate limited"
    args = err.args
    if isinstance(err, MastodonAPIError) and len(args) >= 3 and isinstance(args[1], int):
        said = args[3] if len(args) > 3 and isinstance(args[3], str) else ""
        return f"HTTP {args[1]} {args[2] or ''}".rstrip() + (f": {said[:120]}" if said else "")
    return "no reason given"
