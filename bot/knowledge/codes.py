"""The code lists the knowledge base is checked against: ISO 3166-1 alpha-2 and ISO 639-1."""

from __future__ import annotations

# ISO 3166-1 alpha-2: the 249 officially assigned country codes (not the reserved UK, EU or EL).
_COUNTRIES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
"""
COUNTRY_CODES = frozenset(_COUNTRIES.split())
# Codes people write that ISO 3166-1 reserves but does not assign, and what to write instead.
COUNTRY_HINTS = {"UK": "GB", "EL": "GR", "EU": "the member countries' codes"}

# ISO 639-1: the two-letter language codes.
_LANGUAGES = """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
    de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
    hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg
    li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or
    os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta
    te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
LANGUAGE_CODES = frozenset(_LANGUAGES.split())
EVERYWHERE = ("global", "none", "off", "any", "all")  # what a person types to clear a region


def read_region(text: str) -> str:
    """A team's country as typed ("us", "GB", "global") -> its ISO 3166-1 code, "" for none;
    ValueError saying what to write instead."""
    typed = text.strip()
    if typed.casefold() in EVERYWHERE:
        return ""
    code = typed.upper()
    if code in COUNTRY_CODES:
        return code
    if code in COUNTRY_HINTS:
        raise ValueError(
            f"{typed!r} is not an ISO 3166-1 country code: write {COUNTRY_HINTS[code]}"
        )
    raise ValueError(
        f"{typed!r} is not a country code: use its two-letter ISO 3166-1 code (US, GB, CA, AU, "
        "IE, ES, MX…), or global for none"
    )


def read_language(text: str) -> str:
    """A team's language as typed ("es", "FR", "en") -> its ISO 639-1 code, "" for English
    (every answer has English tags); ValueError saying what to write instead."""
    typed = text.strip()
    code = typed.casefold()
    if code in ("en", "english", *EVERYWHERE):
        return ""
    if code in LANGUAGE_CODES:
        return code
    raise ValueError(
        f"{typed!r} is not a language code: use its two-letter ISO 639-1 code (es, fr, de, pt, "
        "it…), or en for English only"
    )
