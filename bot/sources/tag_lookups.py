"""A live look at who uses a hashtag right now: one Bluesky search page and one Mastodon tag
timeline page per instance, both free; the same look samples a guarded tag's posts to measure
what it means. Nothing read here is stored.

Accounts that ask bots to leave them alone (#nobot, #noindex, not indexable, hidden from
logged-out viewers) are left out of what is shown, though their posts still count.

A network (or a Mastodon instance) that can't be read, or answers in an unexpected shape, is
named in `error`: what it would have shown is unknown, and nobody should read that as unused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any
from urllib.parse import urlparse

from atproto import Client
from atproto_client.exceptions import AtProtocolError, UnauthorizedError
from atproto_client.models.utils import get_model_as_dict
from mastodon import MastodonError

from bot.config import Settings
from bot.domain.hashtags import extract_hashtags, tag_key
from bot.sources.base import UnexpectedShape
from bot.sources.bluesky_records import profile_opt_out
from bot.sources.bluesky_search import BlueskySearch, xrpc_answer
from bot.sources.bluesky_search import describe as bluesky_problem
from bot.sources.mastodon import (
    MastodonSource,
    account_opt_out,
    answer_of,
    html_text,
    statuses_in,
)
from bot.sources.mastodon import describe as mastodon_problem

LOOK_LIMIT = 40  # posts read per network: enough to see whether and how a tag is used
SHOWN_ACCOUNTS = 5


@dataclass(frozen=True)
class LiveLook:
    """What one network shows for the tag now; `error` says why it couldn't look."""

    network: str
    posts: int = 0
    accounts: tuple[str, ...] = ()  # handles, most posts first
    with_tags: tuple[str, ...] = ()  # other tags in those posts, most used first
    error: str = ""  # what could not be checked, and why: the look is incomplete


def _summarise(network: str, tag: str, items: list[tuple[str, bool, str]]) -> LiveLook:
    """(handle, opted out, text) per post carrying the tag."""
    key = tag_key(tag)
    handles = Counter(h for h, opted_out, _ in items if not opted_out)
    companions: Counter[str] = Counter()
    forms: dict[str, str] = {}
    for _, _, text in items:
        for other in extract_hashtags(text):
            if tag_key(other) != key:
                companions[tag_key(other)] += 1
                forms.setdefault(tag_key(other), other)
    return LiveLook(
        network,
        posts=len(items),
        accounts=tuple(h for h, _ in handles.most_common(SHOWN_ACCOUNTS)),
        with_tags=tuple(forms[k] for k, _ in companions.most_common(SHOWN_ACCOUNTS)),
    )


def look_on_bluesky(settings: Settings, tag: str, client: Client | None = None) -> LiveLook:
    """searchPosts for #tag: through the bot's session when BLUESKY_HANDLE is set, else the
    public AppView (which may ask for a login)."""
    items, error = _bluesky_posts(settings, tag, client)
    if error:
        return LiveLook("bluesky", error=error)
    return _summarise("bluesky", tag, items)


def _bluesky_posts(
    settings: Settings, tag: str, client: Client | None = None
) -> tuple[list[tuple[str, bool, str]], str]:
    """(handle, opted out, text) of one search page's posts carrying #tag, or why none could be
    read."""
    search = BlueskySearch(settings)
    public = None
    try:
        if search.configured:
            api = search.client()
        else:
            api = public = client or Client(base_url=settings.bluesky_appview_url)
        params = {"q": f"#{tag}", "sort": "latest", "limit": LOOK_LIMIT}
        answer = xrpc_answer(
            partial(api.app.bsky.feed.search_posts, params=params), "Bluesky search"
        )
    except (UnauthorizedError, PermissionError):
        return [], "Bluesky search wants a login: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD"
    except UnexpectedShape:
        return [], "Bluesky search answered in an unexpected shape"
    except AtProtocolError as err:
        return [], f"Bluesky search did not answer ({bluesky_problem(err)})"
    finally:
        search.close()
        if public is not None and client is None:
            public.request.close()
    items: list[tuple[str, bool, str]] = []
    for view in answer.posts:
        raw: Mapping[str, Any] = get_model_as_dict(view)
        record = raw.get("record")
        text = str(record.get("text") or "") if isinstance(record, Mapping) else ""
        if tag_key(tag) not in {tag_key(t) for t in extract_hashtags(text)}:
            continue  # search matches words too
        author = raw.get("author") or {}
        items.append((str(author.get("handle") or ""), profile_opt_out(author) is not None, text))
    return items, ""


def look_on_mastodon(settings: Settings, tag: str) -> LiveLook:
    """The tag's timeline on each configured instance (no token needed), one page each."""
    items, unchecked = _mastodon_posts(settings, tag)
    look = _summarise("mastodon", tag, items)
    if not unchecked:
        return look
    said = "; ".join(f"{host} {why}" for host, why in unchecked.items())
    if len(unchecked) < len(settings.mastodon_instances):  # what the others show stands
        said += "; the other instances were read"
    return replace(look, error=said)


def _mastodon_posts(
    settings: Settings, tag: str
) -> tuple[list[tuple[str, bool, str]], dict[str, str]]:
    """(handle, opted out, text) of one timeline page per instance, each post once, and the
    instances that could not be read, with why."""
    source = MastodonSource(settings, timeout_s=10.0)
    items: dict[str, tuple[str, bool, str]] = {}
    unchecked: dict[str, str] = {}  # host -> why it could not be checked
    what = f"the #{tag_key(tag)} timeline"
    for instance in settings.mastodon_instances:
        host = urlparse(instance).netloc or instance
        try:
            api = source.client(instance)
            read = partial(api.timeline_hashtag, tag_key(tag), limit=LOOK_LIMIT)
            statuses = statuses_in(answer_of(read, what), what)
        except UnexpectedShape:
            unchecked[host] = "answered in an unexpected shape"
            continue
        except MastodonError as err:
            unchecked[host] = f"did not answer ({mastodon_problem(err)})"
            continue
        for status in statuses:
            account = status.get("account")
            account = account if isinstance(account, Mapping) else {}
            acct = str(account.get("acct") or "")
            handle = acct if "@" in acct else f"{acct}@{host}"
            note = html_text(str(account.get("note") or ""))
            opted_out = account_opt_out(account, note) is not None
            uri = str(status.get("uri") or status.get("id"))
            items.setdefault(uri, (handle, opted_out, html_text(str(status.get("content") or ""))))
    return list(items.values()), unchecked


def sample_posts(settings: Settings, tag: str) -> list[tuple[str, frozenset[str]]]:
    """A guarded tag's unguarded posts now, for measuring what it means: one tag-timeline page
    per Mastodon instance and, through the bot's own session (BLUESKY_HANDLE), one Bluesky
    search page, all free. Only each post's text and tags are used, to count; nothing is stored
    and nobody is named. A network that can't be read adds nothing (too few posts leave the tag
    as it is heard)."""
    bluesky = _bluesky_posts(settings, tag)[0] if BlueskySearch(settings).configured else []
    mastodon, _ = _mastodon_posts(settings, tag)
    return [
        (text, frozenset(tag_key(t) for t in extract_hashtags(text)))
        for _, _, text in [*bluesky, *mastodon]
    ]
