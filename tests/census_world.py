"""A small world for census tests: X, two Mastodon instances and Bluesky on loopback, each
speaking its wire format, with a week's use of the tags people expect for four conditions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime

from tests.sources.source_standins import GOOD_TOKEN
from tests.sources.standins_bluesky import XrpcStandIn
from tests.sources.standins_mastodon import MastodonStandIn
from tests.sources.standins_x import XStandIn

BLUESKY_PASSWORD = "app-pass-1234"

# Posts a week on X (retweets left out), by tag key; a guarded tag's figure beside its words.
X_WEEK = {
    "lungcancer": 24_000,
    "lcsm": 2_400,
    "nsclc": 3_100,
    "sclc": 380,
    "alzheimers": 5_200,
    "alzheimersdisease": 900,
    "dementia": 9_800,
    "endalz": 640,
    "alzheimersawareness": 310,
    "dementiaawareness": 450,
    "ulcerativecolitis": 720,
    "crohnsandcolitis": 210,
    "celiacdisease": 1_500,
    "celiac": 2_100,
    "coeliac": 900,
    "chronicillness": 6_000,
    "clinicaltrials": 4_000,
    "spoonie": 60,
}
X_GUARDED_WEEK = {"ibd": 880, "glutenfree": 420, "egfr": 140}
# (uses, accounts) a week on each Mastodon instance: the bigger one sees more of the federation.
MASTODON_WEEK = {
    "lungcancer": (310, 140),
    "lcsm": (45, 30),
    "alzheimers": (120, 70),
    "dementia": (200, 90),
    "ulcerativecolitis": (35, 20),
    "celiac": (60, 25),
    "chronicillness": (400, 150),
}
SMALL_MASTODON_WEEK = {"lungcancer": (90, 40), "lcsm": (70, 33)}
# Posts a week on Bluesky, found by search (pages of 100, no hitsTotal).
BLUESKY_WEEK = {
    "LungCancer": 240,
    "LCSM": 60,
    "Alzheimers": 90,
    "UlcerativeColitis": 40,
    "Celiac": 30,
    "ChronicIllness": 150,
    "Spoonie": 250,  # a community that moved to Bluesky
}


@dataclass
class World:
    x: XStandIn
    mastodon: MastodonStandIn
    small_mastodon: MastodonStandIn
    bluesky: XrpcStandIn

    def env(self, *, login: bool = True) -> dict[str, str]:
        """The settings that point the bot at this world."""
        env = {
            "X_BEARER_TOKEN": GOOD_TOKEN,
            "X_API_URL": self.x.url,
            "MASTODON_INSTANCES": f"{self.small_mastodon.url},{self.mastodon.url}",
            "BLUESKY_API_URL": self.bluesky.url,
            "BLUESKY_APPVIEW_URL": self.bluesky.url,
        }
        if login:
            env |= {"BLUESKY_HANDLE": "bot.bsky.social", "BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD}
        return env


@contextmanager
def census_world(*, bluesky: bool = True, now: datetime | None = None) -> Iterator[World]:
    """The world as it is now, or as it was at `now` (the networks' clocks set to it)."""
    with ExitStack() as stack:
        world = World(
            stack.enter_context(XStandIn()),
            stack.enter_context(MastodonStandIn()),
            stack.enter_context(MastodonStandIn()),
            stack.enter_context(XrpcStandIn(BLUESKY_PASSWORD)),
        )
        if now is not None:
            for standin in (world.x, world.mastodon, world.small_mastodon, world.bluesky):
                standin.now = now
        world.x.weekly = dict(X_WEEK)
        world.x.guarded_weekly = dict(X_GUARDED_WEEK)
        world.mastodon.tag_weeks = dict(MASTODON_WEEK)
        world.small_mastodon.tag_weeks = dict(SMALL_MASTODON_WEEK)
        if bluesky:
            for tag, posts in BLUESKY_WEEK.items():
                world.bluesky.add_week(tag, posts)
        yield world
