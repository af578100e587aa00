"""Readers for the fields every kind of entry may carry: region, lang, checked, yes/no flags, and
the keys each kind of entry knows (a misspelt key would otherwise be dropped without a word)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from bot.knowledge.codes import COUNTRY_CODES, COUNTRY_HINTS, LANGUAGE_CODES

Report = Callable[[str], None]  # records one problem about the entry being read
GLOBAL_WORD = "global"  # `region: global` says what leaving `region` out says: everywhere

_SHARED = {"region", "checked"}
KEYS = {
    "condition": {"id", "name", "area", "parent", "synonyms", "abbreviations", "misspellings"}
    | {"alone", "tags", "names"},
    "tag": {"tag", "kind", "note", "source", "since", "ambiguous", "verified", "lang", "plain"}
    | {"common_word"}
    | _SHARED,
    "awareness": {"id", "name", "conditions", "areas", "tags", "candidates", "when", "lang"}
    | {"source"}
    | _SHARED,
    # `organizer` is documentation for whoever checks the source; the loader does not keep it.
    "conference": {"id", "name", "organizer", "tag_prefix", "tag", "year_digits", "areas"}
    | {"conditions", "months", "years", "dates", "numbered_until", "source"}
    | _SHARED,
    "general": {"tag", "areas", "conditions", "note", "source", "since"} | _SHARED,
    "ambiguous": {"tag", "also_means", "source"},
}
_INSTEAD = {"regions": "region", "language": "lang", "languages": "lang", "candidate": "candidates"}


def unknown_keys(entry: dict[str, Any], kind: str, report: Report) -> None:
    for key in entry:
        if key not in KEYS[kind]:
            hint = f" (write {_INSTEAD[key]!r})" if key in _INSTEAD else ""
            report(f"unknown key {key!r}{hint}")


def regions(entry: dict[str, Any], report: Report) -> tuple[str, ...]:
    """`region:` as one ISO 3166-1 alpha-2 code or a list of them; absent or 'global': ()."""
    value = entry.get("region")
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    codes: list[str] = []
    for item in values:
        text = str(item).strip()
        if text.lower() == GLOBAL_WORD:
            if len(values) > 1:
                report("region 'global' stands alone: it means everywhere")
        elif text in COUNTRY_CODES:
            if text in codes:
                report(f"region {text!r} is listed twice")
            else:
                codes.append(text)
        elif text.upper() in COUNTRY_CODES:
            report(f"region {text!r}: write ISO 3166-1 codes in capitals ({text.upper()})")
        else:
            hint = f"; write {COUNTRY_HINTS[text]}" if text in COUNTRY_HINTS else ""
            report(f"region {text!r} is not an ISO 3166-1 alpha-2 country code{hint}")
    return tuple(codes)


def lang(entry: dict[str, Any], report: Report) -> str:
    """`lang:` as an ISO 639-1 code, only for a language other than English."""
    value = entry.get("lang")
    if value is None:
        return ""
    text = str(value).strip()
    if text == "en":
        report("lang is only for a language other than English: leave it out")
    elif text not in LANGUAGE_CODES:
        report(f"lang {text!r} is not an ISO 639-1 language code (es, fr, de, pt, it ...)")
    else:
        return text
    return ""


def names(entry: dict[str, Any], report: Report) -> tuple[tuple[str, str], ...]:
    """`names:` the condition's names in other languages, by ISO 639-1 code: (lang, name) pairs.
    They are understood like synonyms, and say which language a question was asked in."""
    value = entry.get("names")
    if value is None:
        return ()
    if not isinstance(value, dict):
        report("names is a mapping of language codes to lists of names (es: [cáncer de mama])")
        return ()
    found: list[tuple[str, str]] = []
    for code, listed in value.items():
        code = str(code).strip()
        if code == "en":
            report("names are for languages other than English: put English ones in synonyms")
            continue
        if code not in LANGUAGE_CODES:
            report(f"names {code!r} is not an ISO 639-1 language code (es, fr, de, pt, it ...)")
            continue
        if not isinstance(listed, list):
            report(f"names {code} must be a list")
            continue
        found += [(code, str(n).strip()) for n in listed if str(n).strip()]
    return tuple(found)


def checked(entry: dict[str, Any], report: Report, today: date) -> date | None:
    """`checked:` the day the fact's source was last re-checked (YYYY-MM-DD)."""
    value = entry.get("checked")
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            report(f"checked must be a date (YYYY-MM-DD), got {value!r}")
            return None
    if value > today:
        report(f"checked {value} is in the future")
        return None
    return value


def flag(entry: dict[str, Any], key: str, report: Report, *, default: bool = False) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        report(f"{key} must be true or false, got {value!r}")
        return default
    return value


def one_word(tag: str) -> bool:
    """A single word (#Stroke, #Depresión), not a compound (#StrokeSurvivor) or an acronym."""
    return tag.isalpha() and tag[1:] == tag[1:].lower() and len(tag) > 1
