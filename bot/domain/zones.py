"""Time zones as people type them: IANA names in any case, the abbreviations teams use (ET, PST,
CET, AEST…) read as the zone that follows daylight saving, and city names ("New York").

Pure. Abbreviations in the tz database itself (`EST` is a fixed UTC−5 all year) are read as the
place people mean, and the answer names the zone taken, so a wrong guess shows at once. What a
clock can't follow (`Factory`, `localtime`) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process


def _seasons(name: str, what: str, winter: str, summer: str, aside: str = "") -> tuple[str, str]:
    return name, f"{what}: {winter} in winter, {summer} in summer" + (f"; {aside}" if aside else "")


def _no_dst(name: str, what: str) -> tuple[str, str]:
    return name, f"{what}, no daylight saving"


_US_EASTERN = _seasons("America/New_York", "US Eastern time", "EST", "EDT")
_US_CENTRAL = _seasons("America/Chicago", "US Central time", "CST", "CDT")
_US_MOUNTAIN = _seasons("America/Denver", "US Mountain time", "MST", "MDT")
_US_PACIFIC = _seasons("America/Los_Angeles", "US Pacific time", "PST", "PDT")
_ALASKA = _seasons("America/Anchorage", "Alaska time", "AKST", "AKDT")
_UK = _seasons("Europe/London", "UK time", "GMT", "BST")
_WESTERN_EUROPE = _seasons("Europe/Lisbon", "Western European time", "WET", "WEST")
_CENTRAL_EUROPE = _seasons("Europe/Paris", "Central European time", "CET", "CEST")
_EASTERN_EUROPE = _seasons("Europe/Athens", "Eastern European time", "EET", "EEST")
_AU_EASTERN = _seasons("Australia/Sydney", "Australian Eastern time", "AEST", "AEDT")
_AU_CENTRAL = _seasons("Australia/Adelaide", "Australian Central time", "ACST", "ACDT")
_NEW_ZEALAND = _seasons("Pacific/Auckland", "New Zealand time", "NZST", "NZDT")

# What teams type, and the zone (with its daylight saving) they mean.
ABBREVIATIONS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("et", "est", "edt", "est5edt", "eastern"), _US_EASTERN),
    **dict.fromkeys(("ct", "cdt", "cst6cdt", "central"), _US_CENTRAL),
    "cst": _seasons(_US_CENTRAL[0], "US Central time", "CST", "CDT", "China is Asia/Shanghai"),
    **dict.fromkeys(("mt", "mdt", "mst7mdt", "mountain"), _US_MOUNTAIN),
    "mst": _seasons(
        _US_MOUNTAIN[0], "US Mountain time", "MST", "MDT", "Arizona keeps MST: America/Phoenix"
    ),
    **dict.fromkeys(("pt", "pst", "pdt", "pst8pdt", "pacific"), _US_PACIFIC),
    **dict.fromkeys(("akst", "akdt"), _ALASKA),
    "hst": _no_dst("Pacific/Honolulu", "Hawaii time"),
    **dict.fromkeys(("bst", "uk"), _UK),
    "gmt": _seasons(_UK[0], "UK time", "GMT", "BST", "for a clock that never changes, use UTC"),
    **dict.fromkeys(("wet", "west"), _WESTERN_EUROPE),
    **dict.fromkeys(("cet", "cest", "met"), _CENTRAL_EUROPE),
    **dict.fromkeys(("eet", "eest"), _EASTERN_EUROPE),
    **dict.fromkeys(("aedt", "aet"), _AU_EASTERN),
    "aest": _seasons(
        _AU_EASTERN[0],
        "Australian Eastern time",
        "AEST",
        "AEDT",
        "Queensland keeps AEST: Australia/Brisbane",
    ),
    **dict.fromkeys(("acst", "acdt"), _AU_CENTRAL),
    "awst": _no_dst("Australia/Perth", "Australian Western time"),
    **dict.fromkeys(("nzst", "nzdt"), _NEW_ZEALAND),
    "jst": _no_dst("Asia/Tokyo", "Japan time"),
    "kst": _no_dst("Asia/Seoul", "Korea time"),
    "sgt": _no_dst("Asia/Singapore", "Singapore time"),
    "hkt": _no_dst("Asia/Hong_Kong", "Hong Kong time"),
}
AMBIGUOUS = {
    "ist": "India (Asia/Kolkata), Ireland (Europe/Dublin) or Israel (Asia/Jerusalem)",
}
# Cities people name that the tz database files under another city of the same zone.
CITIES = {
    "boston": "America/New_York",
    "philadelphia": "America/New_York",
    "washington": "America/New_York",
    "washington dc": "America/New_York",
    "atlanta": "America/New_York",
    "miami": "America/New_York",
    "baltimore": "America/New_York",
    "houston": "America/Chicago",
    "dallas": "America/Chicago",
    "minneapolis": "America/Chicago",
    "salt lake city": "America/Denver",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "san diego": "America/Los_Angeles",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "geneva": "Europe/Zurich",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "edinburgh": "Europe/London",
    "manchester": "Europe/London",
    "montreal": "America/Toronto",
}
# In the tz database, but not a clock a channel can keep.
NOT_CLOCKS = {"factory", "localtime", "posixrules"}
_NOT_CLOCK_DIRS = ("posix/", "right/", "systemv/")
SUGGEST_SCORE = 75  # a typo at least this close to a zone's name gets "did you mean"
EXAMPLES = "America/New_York, Europe/London, Asia/Tokyo, ET or PST"


class ZoneError(ValueError):
    """A zone as typed that isn't one, said with what to type instead."""


@dataclass(frozen=True)
class Zone:
    """The IANA zone taken for what was typed, and how it was read when not typed as its name."""

    name: str  # "America/New_York"
    read_as: str = ""  # "EST read as America/New_York (US Eastern time, daylight saving followed)"


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Casefolded IANA names (and city names) -> the name as the tz database spells it."""
    names: dict[str, str] = {"utc": "UTC"}
    cities: dict[str, str] = {}
    for name in sorted(available_timezones(), key=lambda n: (n.count("/"), n)):
        folded = name.casefold()
        if folded in NOT_CLOCKS or folded in ABBREVIATIONS or folded.startswith(_NOT_CLOCK_DIRS):
            continue
        names[folded] = name
        if "/" in name and not name.startswith("Etc/"):
            cities.setdefault(name.rsplit("/", 1)[1].replace("_", " ").casefold(), name)
    return names | {c: n for c, n in cities.items() if c not in names}


def read_zone(typed: str) -> Zone:
    """The zone a person means by `typed`: an IANA name, an abbreviation or a city."""
    words = " ".join(typed.replace("_", " ").split()).casefold()
    exact = typed.strip().casefold()
    if exact in ABBREVIATIONS or words in ABBREVIATIONS:
        name, what = ABBREVIATIONS.get(exact) or ABBREVIATIONS[words]
        return Zone(name, f"“{typed.strip()}” read as {name} ({what})")
    if words in AMBIGUOUS:
        raise ZoneError(f"“{typed.strip()}” could be {AMBIGUOUS[words]}: type the one you mean.")
    found = _names().get(exact) or _names().get(words) or CITIES.get(words)
    if found is not None and _loads(found):
        same = found.casefold() == exact
        return Zone(found, "" if same else f"“{typed.strip()}” read as {found}")
    raise ZoneError(_unknown(typed.strip()))


def _loads(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _unknown(typed: str) -> str:
    folded = typed.casefold()
    if folded in NOT_CLOCKS:
        return f"“{typed}” isn't a time zone a channel can keep: use one like {EXAMPLES}."
    choices = {**_names(), **CITIES, **{a: a.upper() for a in ABBREVIATIONS}}
    found = process.extractOne(
        folded.replace(" ", "_") if "/" in folded else folded,
        list(choices),
        scorer=fuzz.ratio,
        score_cutoff=SUGGEST_SCORE,
    )
    meant = f" Did you mean {_shown(found[0], choices)}?" if found else ""
    return f"“{typed}” isn't a time zone I know.{meant} Use one like {EXAMPLES}."


def _shown(key: str, choices: dict[str, str]) -> str:
    name = choices[key]
    return name if "/" in key or key in ABBREVIATIONS or name.casefold() == key else key.title()
