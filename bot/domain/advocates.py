"""Who an account says it is (organization, clinician, advocate…), from its own name and bio only.

Compliance: we never infer or label anyone's health. Words such as "patient", "survivor",
"warrior", "living with", "diagnosed" or a disease name never give a role; only explicit role
words do ("patient advocate" is an advocate because of "advocate"). Industry is also told by an
employer the account names as its own ("Pfizer employee", "works at Novartis", "MSL"), never by
a company it merely mentions ("on a Novartis trial", "my husband works at Pfizer").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ROLES = ("organization", "clinician", "researcher", "media", "industry", "advocate", "individual")
LOOK_AT = 1_000  # characters of each field that are read; bios can be huge
WHOLE_NAME_UP_TO = 60  # an institution's display name is quoted whole up to this length

# What a row's words are, and so where they count: an institution's name (quoted whole when
# short), an organisation's statement about itself in the bio, or a role word for a person.
_WHERE = {
    "institution": ("name",),
    "statement": ("profile",),
    "person": ("name", "profile"),
    "employer": ("name", "profile"),
}
_OLOGY = "onc|ha?emat|gastroenter|neur|cardi|pulmon|rheumat|endocrin|dermat|radi|ur|gyna?ec|nephr"
# (?-i:…) marks words that only count in capitals: "MD" but not Bangladeshi "Md", "CRO" not "cro".
_ORGANISATION_NAME = (
    r"foundation|society|association|alliance|coalition|institute|network|hospital|health system"
    r"|cancer cent(?:er|re)|clinic|university|council|federation|trust|charity|org|inc\.?|ltd\.?"
    r"|llc|group"
)
_ORGANISATION_SAYS = (
    r"official account|non[- ]?profit|not[- ]for[- ]profit|501\(?c\)?\(?3\)?|registered charity"
    r"|charity"
)
_ORGANISATION_HINTS = r"our mission|\Awe(?: are|['’]re)"
_CLINICIAN = (
    rf"(?:{_OLOGY})ologist|psychiatrist|pa?ediatrician|physician assistant|physician|surgeon"
    r"|oncology nurse|nurse practitioner|nurse|clinician|doctor|pharmacist|pharmd|pharm\.d\.?"
    r"|midwife|dieti[tc]ian|(?-i:MD|M\.D\.?|D\.O\.|RN|NP|GP|PA-C|MBBS|FRCP)"
)
_RESEARCHER = (
    r"researcher|research fellow|scientist|phd|ph\.d\.?|professor|prof\.?|post-?doc(?:toral)?"
    r"|epidemiologist|(?:clinical|principal) investigator|(?-i:PI)(?= (?:of|at) )"
)
_MEDIA = (
    r"journalist|reporter|editor|correspondent|health news|newsroom|podcast(?:er)?|broadcaster"
    r"|magazine"
)
_INDUSTRY = (
    r"(?<!big )pharma|pharmaceuticals?|biopharma|biotech(?:nology)?|medtech"
    r"|life sciences? company|(?-i:CRO)|clinical research organi[sz]ation"
)
_ADVOCATE = r"advoca(?:te|cy)|activist|campaigner|ambassador"
_COMPANIES = (
    r"pfizer|novartis|roche|genentech|astra ?zeneca|merck|(?-i:MSD|GSK|BMS|PPD|ICON)"
    r"|glaxo ?smith ?kline|sanofi|bristol[- ]myers squibb|johnson ?(?:&|and) ?johnson|j ?& ?j"
    r"|janssen|abbvie|amgen|gilead|eli lilly|lilly|takeda|bayer|boehringer ingelheim"
    r"|novo nordisk|regeneron|biogen|moderna|biontech|daiichi sankyo|astellas|eisai|servier"
    r"|ipsen|incyte|beigene|iqvia|parexel|syneos(?: health)?|medpace"
)
# An employer named as the account's own, or a role only industry has (a Medical Science Liaison).
_EMPLOYER = (
    rf"(?:{_COMPANIES}) (?:employee|staffer)|(?:employee|employed) (?:at|of|by) (?:{_COMPANIES})"
    rf"|(?:work(?:s|ing)?) (?:at|for) (?:{_COMPANIES})"
    r"|medical science liaison|medical affairs|(?-i:MSL)"
)

# In order of precedence: the first row that matches decides the role.
_ROLE_WORDS = (
    ("organization", "institution", _ORGANISATION_NAME),
    ("organization", "statement", _ORGANISATION_SAYS),
    ("organization", "statement", _ORGANISATION_HINTS),
    ("industry", "employer", _EMPLOYER),  # a nurse who works at Pfizer speaks for industry
    ("clinician", "person", _CLINICIAN),
    ("researcher", "person", _RESEARCHER),
    ("media", "institution", r"news"),
    ("media", "person", _MEDIA),
    ("industry", "person", _INDUSTRY),
    ("advocate", "person", _ADVOCATE),
)
_RULES = tuple(
    (role, kind, re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE))
    for role, kind, words in _ROLE_WORDS
)
# Just before a role word, these make it about someone else or deny it: "my oncologist",
# "wife of a surgeon", "not a doctor", "ex-nurse", "anti-pharma".
_NOT_OWN = re.compile(
    r"(?<!\w)(?:(?:my|our|his|her|their|not|no|ex|anti|former)(?: an?| the)?"
    r"|(?:of|to|with|by) (?:an?|the))[ -]*$",
    re.IGNORECASE,
)
# A person tied to an organisation is not one: "board member at a nonprofit", "ran for charity".
# An employer is someone else's, or in the past: "husband works at Pfizer", "used to work at Roche".
_NOT_OWN_EMPLOYER = re.compile(
    r"(?<!\w)(?:(?:husband|wife|partner|spouse|mom|mum|mother|dad|father|son|daughter|brother"
    r"|sister|friend|parent|boyfriend|girlfriend|fianc[ée]e?)(?:['’]s)?(?: (?:is|was))?(?: an?)?"
    r"|formerly|previously|retired|used to|past)[ -]*$",
    re.IGNORECASE,
)
_AFFILIATED = re.compile(r"(?<!\w)(?:at|for|with|from|in|of|on|by)(?: an?| the)? ?$", re.IGNORECASE)
_QUALIFIER = re.compile(r"(?<![\w'’.-])([^\W\d_]{2,}) $")  # "thoracic" oncologist, "IBD" nurse
_NOT_QUALIFIERS = {"an", "the", "and", "or", "of", "for", "to", "at", "in", "on", "with", "by"}
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_GAPS = re.compile(r"[^\S\n]+|[\x00-\x09\x0b-\x1f\x7f-\x9f]+")


@dataclass(frozen=True)
class RoleMatch:
    role: str  # one of ROLES
    phrase: str | None  # the account's own words that say so, as written; None for "individual"
    source: str | None  # "name" or "profile"; None for "individual"

    def evidence(self) -> str | None:
        """Quote the account's own words, so a reader sees the role is not our judgement."""
        if self.phrase is None or self.source is None:
            return None
        return f"{'Name' if self.source == 'name' else 'Profile'} says “{self.phrase}”"


INDIVIDUAL = RoleMatch("individual", None, None)


def role_from_profile(name: str | None, description: str | None) -> RoleMatch:
    """The role an account gives itself; "individual" unless its own words say otherwise."""
    fields = {"name": _clean(name), "profile": _clean(description)}
    for role, kind, pattern in _RULES:
        for source in _WHERE[kind]:
            phrase = _own_phrase(kind, pattern, fields[source], qualify=source == "profile")
            if phrase:
                return RoleMatch(role, phrase, source)
    return INDIVIDUAL


def _clean(text: str | None) -> str:
    """The first LOOK_AT characters, NFKC (so 𝗻𝘂𝗿𝘀𝗲 reads "nurse"), one space between words."""
    text = unicodedata.normalize("NFKC", (text or "")[:LOOK_AT])
    return _GAPS.sub(" ", _INVISIBLE.sub("", text))[:LOOK_AT].strip()


def _own_phrase(kind: str, pattern: re.Pattern[str], text: str, *, qualify: bool) -> str | None:
    for match in pattern.finditer(text):
        before, words = text[: match.start()], match.group()
        if _NOT_OWN.search(before) or (kind == "statement" and _AFFILIATED.search(before)):
            continue
        if kind == "employer" and _NOT_OWN_EMPLOYER.search(before):
            continue
        if kind == "institution":
            return text if len(text) <= WHOLE_NAME_UP_TO else words
        qualifier = _QUALIFIER.search(before) if qualify and not _is_credential(words) else None
        if qualifier and qualifier.group(1).casefold() not in _NOT_QUALIFIERS:
            return text[qualifier.start(1) : match.end()]
        return words
    return None


def _is_credential(words: str) -> bool:
    """Credentials ("PhD", "MD", "RN") follow a person's name: the word before is no qualifier."""
    return " " not in words and sum(c.isupper() for c in words) >= 2
