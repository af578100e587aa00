"""Who an answer is for: the team's country and the languages it works in, and where a tag fits.

Recruitment is local: a site in Ohio recruits Americans, a CRO in Madrid recruits in Spanish. A
tag that belongs to one country (#GBDOC, #DementiaFriends) or is in one language
(#EsclerosisMúltiple) fits a team there; to any other team it belongs elsewhere, and an answer
says where instead of offering it to paste.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# The languages the knowledge base has tags in, as a person reads them; other codes show as typed.
LANGUAGE_NAMES = {
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
    "en": "English",
}
GLOBAL = "global"  # what a person types to clear a region: every country


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


# How a tag fits a team:
LOCAL = "local"  # the team's own country or language: it goes up
FITS = "fits"  # belongs everywhere, in English
ELSEWHERE = "elsewhere"  # another country's, or another language's: below the top five
UNPLACED = "unplaced"  # one country's, and the team never said where it is: below the top five


@dataclass(frozen=True)
class Audience:
    """The team an answer is for. `region`: ISO 3166-1 alpha-2, "" when nobody said; `langs`:
    ISO 639-1 codes besides English it works in (its channel's, and the question's own)."""

    region: str = ""
    langs: tuple[str, ...] = ()

    def also_in(self, langs: tuple[str, ...]) -> Audience:
        """The same team, asking in these languages too ("cáncer de mama" is Spanish)."""
        return replace(self, langs=tuple(dict.fromkeys((*self.langs, *langs))))

    def fit(self, regions: tuple[str, ...], lang: str) -> str:
        """LOCAL, FITS, ELSEWHERE or UNPLACED for a tag of these countries (() = everywhere) in
        this language ("" = English)."""
        if lang and lang not in self.langs:
            return ELSEWHERE
        if regions and not self.region:
            return UNPLACED
        if regions and self.region not in regions:
            return ELSEWHERE
        return LOCAL if (regions or lang) else FITS

    def where(self, regions: tuple[str, ...], lang: str) -> str:
        """Where a tag belongs, said when it is not this team's: "belongs to GB", "in German",
        "belongs to ES, in Spanish"; "" when it is."""
        parts = []
        if regions and self.region not in regions:
            parts.append("belongs to " + ", ".join(regions))
        if lang and lang not in self.langs:
            parts.append(f"in {language_name(lang)}")
        return ", ".join(parts)
