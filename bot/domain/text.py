"""Text normalisation shared by the knowledge base and query understanding."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'", "＇": "'"})
_POSSESSIVE = re.compile(r"'s\b")
_NOT_WORD = re.compile(r"[^\w\s]|_")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def clean_text(text: str, *, limit: int) -> tuple[str, bool]:
    """NFKC, no control or invisible characters, one space between words, at most `limit` chars."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    text = " ".join(text.split())
    if len(text) > limit:
        return text[:limit].rsplit(" ", 1)[0] or text[:limit], True
    return text, False


def singular(word: str) -> str:
    """A crude plural fold that is the same on both sides of a match ("cancers" ~ "cancer")."""
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def fold_accents(text: str) -> str:
    """'cáncer de pulmón' -> 'cancer de pulmon': people type names with and without accents."""
    if text.isascii():  # nothing to fold (most names and queries): skip decomposing it
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_words(text: str) -> list[str]:
    """Lower-cased words without accents, possessives, apostrophes, punctuation or plural 's'."""
    text = fold_accents(text).translate(_QUOTES).casefold()
    text = _POSSESSIVE.sub("", text).replace("'", "")
    return [singular(w) for w in _NOT_WORD.sub(" ", text).split()]


def normalize_term(text: str) -> str:
    return " ".join(normalize_words(text))


def topic_key(text: str) -> str:
    """A tracked topic's identity: "Lung  Cancer" and "lung cancer" are one topic."""
    return " ".join(text.casefold().split())
