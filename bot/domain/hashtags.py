"""Hashtag text rules: validity, case-folded keys, extraction, and the form people should read."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

MAX_TAG_LENGTH = 100
_TAG_BODY = r"\w*[^\W\d_]\w*"
VALID_TAG = re.compile(rf"^{_TAG_BODY}$")
# A hashtag starts after a non-word character (not '&' of an HTML entity, not '/' of a URL).
_IN_TEXT = re.compile(rf"(?<![\w&/#＃])[#＃]({_TAG_BODY})")


def tag_key(tag: str) -> str:
    """The key two spellings of one tag share: #LungCancer and #lungcancer are one tag."""
    return unicodedata.normalize("NFKC", tag).lstrip("#＃").casefold()


def is_valid_tag(tag: str) -> bool:
    body = tag.lstrip("#")
    return 0 < len(body) <= MAX_TAG_LENGTH and bool(VALID_TAG.match(body))


def extract_hashtags(text: str) -> list[str]:
    """Hashtags in plain text, in order, first spelling of each kept (for text without entities)."""
    seen: dict[str, str] = {}
    for match in _IN_TEXT.finditer(unicodedata.normalize("NFC", text)):
        body = match.group(1)[:MAX_TAG_LENGTH]
        seen.setdefault(tag_key(body), body)
    return list(seen.values())


def display_form(forms: Mapping[str, int], curated: str | None = None) -> str:
    """The most-used spelling, but CamelCase over all-lowercase so it reads (and is read aloud) right."""
    if not forms:
        if curated is None:
            raise ValueError("no forms to choose from")
        return curated
    ranked = sorted(forms.items(), key=lambda item: (-item[1], item[0]))
    best, best_count = ranked[0]
    if not best.islower():
        return best
    if curated and not curated.islower() and tag_key(curated) == tag_key(best):
        return curated
    readable = [form for form, count in ranked[1:] if count * 10 >= best_count]
    for form in readable:
        if not form.islower() and not form.isupper():  # CamelCase first
            return form
    for form in readable:
        if form.isupper():  # then an acronym (LCSM)
            return form
    return best
